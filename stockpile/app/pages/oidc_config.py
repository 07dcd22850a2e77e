"""Which identity provider the login page offers (optional OIDC via `st.login`), read from `.streamlit/secrets.toml`.

Offered only when `[auth]` has a `redirect_uri`, a real `cookie_secret` (≥ 32 characters, not a placeholder) and a
provider: either the unnamed one (`client_id` + `server_metadata_url` in `[auth]`) or the first named
`[auth.<name>]` section with a `client_id`. Without that the page shows the password form only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PLACEHOLDER_HINTS = ("xxx", "change", "placeholder", "example", "secret", "todo", "<")
MIN_COOKIE_SECRET = 32


@dataclass(frozen=True, slots=True)
class OidcConfig:
    provider: str | None  # None: the unnamed provider configured directly in [auth]
    label: str  # shown on the button ("Sign in with <label>")


def cookie_secret_ok(value: Any) -> bool:
    """A cookie secret that signs Streamlit's identity cookie: long, not a copied placeholder, not one character."""
    if not isinstance(value, str) or len(value) < MIN_COOKIE_SECRET or len(set(value)) < 8:
        return False
    return not any(h in value.lower() for h in PLACEHOLDER_HINTS)


def oidc_config(secrets: Mapping[str, Any]) -> OidcConfig | None:
    """The provider to offer, or None when `[auth]` is absent, incomplete or has a placeholder cookie secret."""
    auth = secrets.get("auth")
    if not isinstance(auth, Mapping) or not auth.get("redirect_uri"):
        return None
    if not cookie_secret_ok(auth.get("cookie_secret")):
        return None
    for name, section in auth.items():
        if isinstance(section, Mapping) and section.get("client_id"):
            return OidcConfig(str(name), str(section.get("label") or name))
    if auth.get("client_id") and auth.get("server_metadata_url"):
        return OidcConfig(None, str(auth.get("label") or "OIDC"))
    return None
