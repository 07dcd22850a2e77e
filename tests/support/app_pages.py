"""AppTest helpers shared by the page tests."""

from __future__ import annotations

from typing import Any


class CountingServices:
    """The real services, counting calls other than the guard's session lookup."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, []

    def __getattr__(self, name: str) -> Any:
        if name != "session_user":
            self.calls.append(name)
        return getattr(self.inner, name)
