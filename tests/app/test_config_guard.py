"""Configuration guard: XSRF protection on, uploads capped at 10 MB, no raw HTML in pages."""

from __future__ import annotations

import re
import tomllib

from tests.app.conftest import ROOT


def test_xsrf_is_on_and_uploads_are_capped():
    """.streamlit/config.toml keeps XSRF protection and an upload limit of at most 10 MB."""
    cfg = tomllib.loads((ROOT / ".streamlit/config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["maxUploadSize"] <= 10
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["showErrorDetails"] in ("none", False)


def test_pages_never_render_raw_html():
    """No page uses unsafe_allow_html=True or st.html (user data must never become markup)."""
    bad = re.compile(r"unsafe_allow_html\s*=\s*True|\bst\.html\s*\(|components\.html")
    offenders = [
        p.name
        for p in [ROOT / "app.py", *sorted((ROOT / "stockpile" / "app" / "pages").glob("*.py"))]
        if bad.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
