"""The page audit: every page, for every role, in Chinese and in English, shows words, not machinery.

Each page is rendered (AppTest, demo county) as the keeper of all depots, the keeper of one township depot
(keeper_xz01), the dispatcher, the planner and the admin; the dispatch page is also planned once. Every text the user
reads (markdown, captions, metrics, table headers and cells, options, button, tab and expander labels) is checked by
tests/support/page_audit.py: no catalogue key, no English enum value on a Chinese page, no internal id, no time with
a UTC offset, no float with more than two decimals, no Streamlit English placeholder on a Chinese page.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from stockpile import clock
from stockpile.app.pages.common import page_roles
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.i18n import set_lang, t
from tests.app.conftest import ROOT, page
from tests.support.app_pages import settle
from tests.support.page_audit import session_xlsx_texts, shown_texts, text_findings, widget_findings

PEOPLE = {  # who: (role, user)
    "keeper": ("keeper", "keeper_demo"),
    "keeper_xz01": ("keeper", "keeper_xz01"),
    "dispatcher": ("dispatcher", "dispatcher"),
    "planner": ("planner", "planner"),
    "admin": ("admin", "admin"),
}
PAGES = sorted(p.stem for p in (ROOT / "stockpile" / "app" / "pages").glob("*.py") if page_roles(p))
CASES = [
    (who, name)
    for who, (role, _) in PEOPLE.items()
    for name in PAGES
    if role in page_roles(ROOT / f"stockpile/app/pages/{name}.py") and name != "login"
]
ACTIONS = {  # buttons pressed after the first render, to audit what they show
    "dispatch": ["dispatch.run"],
    "coverage": ["coverage.site_run", "coverage.prep_run"],
    "review": ["review.prepare"],
    "rotation": ["rotation.run"],
    "exports": ["exports.make"],
}


@pytest.fixture(scope="module")
def audit_services(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A private copy of the demo county (planning a dispatch stores the plan), solver limited to a second."""
    db = tmp_path_factory.mktemp("audit") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    return build_services(Settings(database_url=f"sqlite:///{db}", role_picker=True, solve_time_limit_s=1))


def audit(at: Any, lang: str) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    names = frozenset(u.username for u in at.session_state["services"].trust.list_users("admin"))
    items = at.session_state["services"].views.items()
    chinese = frozenset(z for z, e in zip(items["name_zh"], items["name_en"], strict=True) if e and e != z)
    texts = shown_texts(at) + session_xlsx_texts(at)
    return text_findings(texts, lang, names, chinese) + widget_findings(at, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("who", "name"), CASES)
def test_page_shows_words_not_machinery(audit_services, who, name, lang):
    """What a person reads on the page is translated and formatted: no key, enum, id, offset or long float."""
    role, user = PEOPLE[who]
    set_lang(lang)  # AppTest formats widget options in the test thread, in its language
    at = page(name, audit_services, role=role, user=user, lang=lang)
    at.run()
    findings = audit(at, lang)
    for key in ACTIONS.get(name, []):
        at.button(key=key).click().run()
        findings += [f"after {key}: {f}" for f in audit(at, lang)]  # the job followed: progress, cancel
        settle(at, audit_services)
        findings += [f"after {key} ran: {f}" for f in audit(at, lang)]  # the job's answer
    assert not findings, "\n" + "\n".join(f"FINDING {f}" for f in sorted(set(findings)))


def test_login_page_shows_words_not_machinery(audit_services):
    """The login page, as a guest, in both languages."""
    for lang in ("zh", "en"):
        at = page("login", audit_services, role="guest", user="", lang=lang)
        at.run()
        findings = audit(at, lang)
        assert not findings, "\n" + "\n".join(f"FINDING {f}" for f in findings)


def test_the_audit_catches_what_the_issue_saw():
    """The rules flag each case the issue reported (so a clean audit means they are gone)."""
    seen = [
        ("dataframe", "col.shipped_at"),
        ("dataframe", "pending"),
        ("dataframe", "living_relief"),
        ("markdown", "状态：optimal"),
        ("dataframe", "20283FC3"),
        ("dataframe", "seat:369921112"),
        ("dataframe", "new:buy:7"),
        ("markdown", "任务 p0-15-36-1"),
        ("dataframe", "1010201×258"),
        ("dataframe", "KEEPER_XZ01"),
        ("dataframe", "2026-12-05 02:26:00+00:00"),
        ("dataframe", "100.000000"),
    ]
    found = text_findings(seen, "zh")
    assert len({f.split(" | ")[2] for f in found}) == len(seen), found
    assert not text_findings([("dataframe", "2026-12-05 02:26"), ("metric.value", "96.5 %")], "zh")


def test_every_page_is_audited():
    """Every page with a nav header is audited for at least one person."""
    assert {name for _, name in CASES} | {"login"} == set(PAGES)


def _pdf_texts(pdf: bytes, tmp_path: Any, name: str) -> list[tuple[str, str]]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    return [(f"pdf {name}", line.strip()) for line in out.stdout.splitlines() if line.strip()]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_printed_documents_show_words_not_machinery(services, tmp_path, lang):
    """The review PDF, a 入库单 and a 调拨单 keep the same rules as the screens (user names as typed, column names,
    money in 元)."""
    set_lang(lang)  # the review sheet is written in the reader's language (the conftest resets it)
    year = clock.today().year + 1
    services.planning.prepare_review(year, "planner", "")
    texts = _pdf_texts(services.planning.export_review(year, "pdf"), tmp_path, "review")
    for kind in ("receipt", "transfer"):
        posting = services.reads.recent_postings((kind,), 1, actor="admin").iloc[0].posting_id
        texts += _pdf_texts(services.reads.voucher_pdf(posting, lang, actor="admin"), tmp_path, kind)
    texts += _pdf_texts(services.reads.count_sheet_pdf("XJK", lang, actor="admin"), tmp_path, "count")
    names = frozenset(u.username for u in services.trust.list_users("admin"))
    items = services.views.items()  # an English sheet names items in English (the county named them so)
    chinese = frozenset(z for z, e in zip(items["name_zh"], items["name_en"], strict=True) if e and e != z)
    # the footer's full posting id is the ledger reference an auditor looks the paper up by: kept on purpose
    printed = t("doc.printed", lang)
    findings = text_findings([(w, s) for w, s in texts if printed not in s], lang, names, chinese)
    assert not findings, "\n" + "\n".join(f"FINDING {f}" for f in findings)
    assert any("品目数" in s or "Lines" in s for _, s in texts)
