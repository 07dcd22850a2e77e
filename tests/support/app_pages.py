"""AppTest helpers shared by the page tests."""

from __future__ import annotations

from typing import Any

CAPABILITIES = ("ledger", "imports", "planning", "coverage", "dispatch", "trust", "reads")


class _Counted:
    """One capability's service object, recording `capability.method` for every call made through it."""

    def __init__(self, name: str, inner: Any, calls: list[str]) -> None:
        self._name, self._inner, self._calls = name, inner, calls

    def __getattr__(self, attr: str) -> Any:
        if f"{self._name}.{attr}" != "trust.session_user":  # the guard's own session lookup is not a call
            self._calls.append(f"{self._name}.{attr}")
        return getattr(self._inner, attr)


class CountingServices:
    """The real services, counting calls other than the guard's session lookup."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, []

    def __getattr__(self, name: str) -> Any:
        if name in CAPABILITIES:
            return _Counted(name, getattr(self.inner, name), self.calls)
        self.calls.append(name)
        return getattr(self.inner, name)


def settle(at: Any, services: Any) -> Any:
    """Wait until the embedded worker has run every submitted job, then rerun the page (as the page's fragment does
    every second) so the job's answer is on it."""
    services.jobs.queue().join()
    return at.run()
