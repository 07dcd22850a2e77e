"""Config guard: XSRF on, uploads capped, no raw HTML in pages, no secrets in git."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_config_has_xsrf_on_and_uploads_capped():
    """server.enableXsrfProtection = true and server.maxUploadSize ≤ 10 MB."""
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["enableXsrfProtection"] is True
    assert 0 < cfg["server"]["maxUploadSize"] <= 10


def test_the_import_service_caps_size_too():
    """The service refuses what the widget would: default cap ≤ 10 MB, ≤ 50 000 rows."""
    from stockpile.config import Settings

    s = Settings()
    assert s.import_max_bytes <= 10 * 1024 * 1024 and s.import_max_rows <= 50_000


def test_pages_never_render_raw_html():
    """No unsafe_allow_html=True, no st.html, no components.html in stockpile/app/pages/ or app.py."""
    bad = re.compile(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.v1\.html|components\.html\(")
    offenders = [
        str(p.relative_to(ROOT))
        for p in [*sorted((ROOT / "stockpile" / "app" / "pages").glob("*.py")), ROOT / "app.py"]
        if bad.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_pages_do_not_cache_data_across_users():
    """No st.cache_data in stockpile/app/pages/ (a cached frame could show one keeper another's rows)."""
    offenders = [
        p.name
        for p in sorted((ROOT / "stockpile" / "app" / "pages").glob("*.py"))
        if "cache_data" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def _tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [f for f in out.splitlines() if f]


def test_secrets_file_is_gitignored_and_not_tracked():
    """.streamlit/secrets.toml (cookie_secret, ORS key) never enters git."""
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" not in _tracked_files()


KEYLIKE = re.compile(
    r"""(?ix)
    -----BEGIN[ A-Z]*PRIVATE\ KEY-----
    | \bAKIA[0-9A-Z]{16}\b
    | \bgh[pousr]_[A-Za-z0-9]{30,}\b
    | \bsk-[A-Za-z0-9]{32,}\b
    | \b5b3ce3597851110001cf6248[0-9a-f]{16,}\b          # openrouteservice key shape
    | (?:api[_-]?key|secret|password|cookie_secret)\s*[:=]\s*["'][A-Za-z0-9+/=_\-]{24,}["']
    """
)


def test_no_key_like_strings_are_tracked():
    """No private keys, cloud or ORS keys, or long literal secrets in tracked text files."""
    hits = []
    for f in _tracked_files():
        p = ROOT / f
        if not p.is_file() or p.suffix in {".xlsx", ".png", ".jpg", ".db", ".gz", ".pbf"}:
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        hits += [f"{f}: {m.group(0)[:20]}…" for m in KEYLIKE.finditer(text)]
    assert hits == []
