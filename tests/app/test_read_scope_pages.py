"""A single-depot keeper sees nothing of another depot on any page.

Every page is rendered as `keeper_xz01` (keeper of 城关镇应急物资储备点 XZ01 only) on the demo county, and every
rendered element is searched for the code or the name of every other site: texts, metrics, select-box options
(all of them, not only the chosen one), dataframes, the map's layer data (its tooltips read from it), download
buttons and the file names behind them, and the xlsx export itself. The scope comes from the services; the pages
no longer filter.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd
import pytest
from google.protobuf import text_format
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, page

KEEPER = "keeper_xz01"
OWN = "XZ01"
PAGES = sorted(
    p.stem
    for p in (ROOT / "stockpile" / "app" / "pages").glob("*.py")
    if "# nav:" in p.read_text(encoding="utf-8")[:600]
)
# The one place a keeper names another depot: the destination of a transfer the keeper ships (调拨 to another
# depot needs the county's list of depots; it is master data, not another depot's stock or documents).
COUNTERPART_WIDGETS = {"transfer.to"}


def _others(svc: Any) -> list[str]:
    """Codes and names of every site but the keeper's own (and 在途, which is nobody's depot)."""
    sites = svc.views.sites()
    rest = sites[sites["code"] != OWN]
    return [*rest["code"], *rest["name"], *[str(n).replace("应急物资储备点", "储备点") for n in rest["name"]]]


def _leaks(text: str, others: list[str]) -> list[str]:
    """Other sites' codes (as whole codes: XZ10 is not XZ01) or names found in `text`."""
    found = []
    for o in others:
        if o.isascii():
            if re.search(rf"(?<![A-Za-z0-9-]){re.escape(o)}(?![A-Za-z0-9-])", text):
                found.append(o)
        elif o in text:
            found.append(o)
    return found


def _walk(node: Any) -> list[Any]:
    out = [node]
    for child in getattr(node, "children", {}).values():
        out += _walk(child)
    return out


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names of every download (and media file) the pages hand to Streamlit."""
    names: list[str] = []
    real = MemoryMediaFileStorage.load_and_get_id

    def record(self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: str | None = None) -> str:
        names.append(str(filename or ""))
        return real(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return names


def _rendered(at: AppTest, downloads: list[str] = ()) -> list[tuple[str, str]]:  # type: ignore[assignment]
    """(where, text) for everything the page put on screen or into a widget, a chart or a download."""
    out: list[tuple[str, str]] = []
    for node in _walk(at._tree):
        key = str(getattr(node, "key", "") or "")
        where = f"{getattr(node, 'type', '?')}:{key}"
        if key.split(".")[:2] and ".".join(key.split(".")[:2]) in COUNTERPART_WIDGETS:
            continue
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append((where, text_format.MessageToString(proto, as_utf8=True)))
        value = getattr(node, "value", None) if getattr(node, "type", "") == "arrow_data_frame" else None
        if isinstance(value, pd.DataFrame):
            out.append((where, value.to_csv()))
    out += [(f"download:{n}", n) for n in downloads]
    return out


@pytest.mark.parametrize("name", PAGES)
def test_single_depot_keeper_sees_no_other_depot_on_any_page(
    demo_services: Any, downloads: list[str], name: str
) -> None:
    """keeper_xz01 on every page: no other depot's (or site's) code or name anywhere in what is rendered."""
    others = _others(demo_services)
    at = page(name, demo_services, role="keeper", user=KEEPER)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if name == "exports":  # the xlsx export: build it and read every sheet back
        at.button(key="exports.make").click().run()
        assert not at.exception, [e.value for e in at.exception]
        book = pd.read_excel(io.BytesIO(at.session_state["exports.xlsx"]), sheet_name=None)
        assert sum(len(df) for df in book.values()) > 0, "the keeper's own depot has stock and a ledger"
        leaks = [(s, _leaks(df.to_csv(), others)) for s, df in book.items()]
        assert not [x for x in leaks if x[1]], leaks
    leaks = [(where, _leaks(text, others)) for where, text in _rendered(at, downloads)]
    assert not [x for x in leaks if x[1]], [x for x in leaks if x[1]][:5]


def test_keeper_pages_show_the_own_depot(demo_services: Any) -> None:
    """The scope narrows, it does not blank: the keeper's pages show XZ01's name and stock."""
    own = "城关镇应急物资储备点"
    for name in ("stock", "bin_card", "home", "exports"):
        at = page(name, demo_services, role="keeper", user=KEEPER)
        at.run()
        assert not at.exception
        assert any(own in text or OWN in text for _, text in _rendered(at)), name


def test_transfer_receive_picker_offers_only_transfers_to_own_depots(demo_services: Any) -> None:
    """The receive picker lists only transfers the user may receive (no bare denial after picking)."""
    to = sorted(set(demo_services.views.in_transit()["to_site"]) - {"XZ01"})
    assert to, "the demo's history leaves a transfer in transit to a township point"
    at = page("transfer", demo_services, role="keeper", user=f"keeper_{to[0].lower()}")
    at.run()
    assert not at.exception
    picks = [s for s in at.selectbox if str(s.key or "").startswith("transfer_recv.pick")]
    assert picks and picks[0].options, f"{to[0]} has a transfer in transit to it in the demo"
    at2 = page("transfer", demo_services, role="keeper", user=KEEPER)
    at2.run()
    assert not [s for s in at2.selectbox if str(s.key or "").startswith("transfer_recv.pick")]


def test_pages_read_depot_data_only_through_the_scoped_services() -> None:
    """A page never reads the read model's depot-bound views directly (stock, bin card, ledger, transit, KPIs,
    map layers, documents): only master data (`views.items()`, `views.sites()`, `views.areas()`: the county's
    townships and villages with their registered populations, `views.user_names()`: the account names as typed,
    for the actor column) bypasses the scoped reads; so do the base map's layers, which hold no depot data: tiles,
    the imported road network (`map_view.road_paths()`, issue 19) and the township outlines
    (`map_view.townships()`: the county's boundaries file or the sketch)."""
    allowed = {"items", "sites", "areas", "user_names"}
    found = []
    for path in [ROOT / "app.py", *sorted((ROOT / "stockpile" / "app" / "pages").glob("*.py"))]:
        text = path.read_text(encoding="utf-8")
        found += [
            (path.name, m.group(1))
            for m in re.finditer(r"(?<![a-z_])(?:views|map_view|documents)\.(\w+)\(", text)
            if m.group(1) not in allowed and m.group(1) not in {"tiles", "road_paths", "townships"}
        ]
    assert not found, found
