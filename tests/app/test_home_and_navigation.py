"""Home map, role navigation (pre-login role picker), and the map read model's derived township boundaries."""

from __future__ import annotations

import json

from shapely.geometry import Point, Polygon

from stockpile.adapters.read.mapview import (
    STATUS_COLOURS,
    tile_bounds,
    tile_mosaic,
    tile_xy,
    township_polygons,
)
from stockpile.app.pages.common import page_roles
from tests.app.conftest import ROOT, page


def test_home_shows_kpis_map_and_the_picked_depots_stock(demo_services):
    """应急一张图 shows the four KPIs, the offline map, and the stock of the depot picked in the list."""
    at = page("home", demo_services)
    at.run()
    assert not at.exception
    labels = [m.label for m in at.metric][:4]
    assert labels == ["30天内到期", "已过期批次", "协议核查逾期", "在途调拨单"]
    assert at.get("deck_gl_json_chart")
    at.selectbox(key="home.depot").set_value("XZ01").run()
    df = at.dataframe[0].value
    df = df.data if hasattr(df, "data") else df
    assert len(df) == len(demo_services.views.stock(site_code="XZ01"))


def test_map_spec_is_offline_with_chinese_labels(demo_services):
    """The deck has no map provider (no online tiles by default) and its text layers carry CJK glyphs."""
    at = page("home", demo_services)
    at.run()
    spec = at.get("deck_gl_json_chart")[0].proto.json
    deck = json.loads(spec)
    assert (
        deck.get("mapProvider") is None and deck["mapStyle"] == "__MAP_STYLE__"
    )  # no provider, no style fetch
    assert "http" not in spec  # nothing to download
    texts_ = [layer for layer in deck["layers"] if layer["@@type"] == "TextLayer"]
    assert texts_ and all("WenQuanYi" in layer["fontFamily"] for layer in texts_)
    shown = {row["text"] for row in texts_[0]["data"]}
    assert "城关镇" in shown and any("储备" in x for x in shown)  # township names and depot labels
    assert "城" in texts_[0]["characterSet"]
    assert "BitmapLayer" not in spec  # no tile URL configured


def test_configured_tile_url_adds_a_base_map(demo_services):
    """With settings.tile_url the map draws that XYZ server's tiles under the data."""
    url = "http://tiles.local/{z}/{x}/{y}.png"
    old = demo_services.map_view.tile_url, demo_services.settings.tile_url
    demo_services.map_view.tile_url = demo_services.settings.tile_url = url
    try:
        at = page("home", demo_services)
        at.run()
    finally:
        demo_services.map_view.tile_url, demo_services.settings.tile_url = old
    spec = at.get("deck_gl_json_chart")[0].proto.json
    assert "BitmapLayer" in spec and "http://tiles.local/" in spec


def test_depots_are_coloured_by_their_worst_lot(demo_services):
    """A depot with an expired lot is red, with only near-expiry lots amber, otherwise green."""
    layers = demo_services.map_view.layers()
    stock = demo_services.views.stock()
    for d in layers.depots.itertuples():
        mine = stock[stock["site_code"] == d.code]
        expect = (
            "expired"
            if (mine["status"] == "expired").any()
            else "near"
            if (mine["status"] == "near").any()
            else "ok"
        )
        assert d.status == (expect if len(mine) else "empty")
        assert d.colour == STATUS_COLOURS[d.status]
    assert set(layers.holders["code"]) == {"XY-CS", "XY-SP", "XY-YF"}


def test_every_township_seat_lies_in_its_own_polygon(demo_services):
    """Derived boundaries: each township seat is inside its own polygon and polygons do not overlap."""
    towns = demo_services.views.areas("township")
    polys = demo_services.map_view.townships()
    shapes = {code: Polygon(ring) for code, ring in zip(polys["code"], polys["polygon"], strict=True)}
    for code, lon, lat in zip(towns["code"], towns["lon"], towns["lat"], strict=True):
        assert shapes[code].contains(Point(lon, lat)), code
    codes = list(shapes)
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            assert shapes[a].intersection(shapes[b]).area < 1e-9


def test_village_membership_boundaries_keep_each_village_in_its_township():
    """With villages given, the cells follow membership: every point is inside its township's polygon."""
    pts = [
        ("A", 0.0, 0.0),
        ("A", 0.1, 0.05),
        ("B", 1.0, 1.0),
        ("B", 0.9, 0.8),
        ("C", 1.0, 0.0),
        ("C", 0.8, 0.2),
    ]
    polys = township_polygons(pts)
    for code, lon, lat in pts:
        assert any(Polygon(r).contains(Point(lon, lat)) for r in polys[code])


def test_tile_mosaic_covers_the_bounds_with_at_most_the_allowed_tiles():
    """The base-map mosaic picks the deepest zoom whose tiles covering the box stay within the limit."""
    box = (115.7, 29.4, 116.1, 29.8)
    tiles = tile_mosaic("http://t/{z}/{x}/{y}.png", box, max_tiles=16)
    assert 1 <= len(tiles) <= 16
    w = min(t["bounds"][0] for t in tiles)
    s = min(t["bounds"][1] for t in tiles)
    e = max(t["bounds"][2] for t in tiles)
    n = max(t["bounds"][3] for t in tiles)
    assert w <= box[0] and s <= box[1] and e >= box[2] and n >= box[3]
    x, y = tile_xy(116.0, 29.6, 10)
    west, south, east, north = tile_bounds(x, y, 10)
    assert west <= 116.0 <= east and south <= 29.6 <= north
    assert tile_mosaic("", box) == []


def nav_roles() -> dict[str, set[str]]:
    return {
        p.stem: set(roles)
        for p in (ROOT / "stockpile" / "app" / "pages").glob("*.py")
        if (roles := page_roles(p))
    }


def test_posting_pages_are_for_keepers_and_admins_only():
    """Receive, issue, transfer, count, write-off and import are shown to keeper and admin, not to others."""
    roles = nav_roles()
    for name in ("receive", "issue", "transfer", "count", "write_off", "imports"):
        assert roles[name] == {"keeper", "admin"}, name
    for name in ("home", "bin_card", "exports"):
        assert roles[name] == {"keeper", "dispatcher", "planner", "admin"}, name
    assert roles["stock"] == {
        "keeper",
        "dispatcher",
        "planner",
        "admin",
        "province",
    }  # the province reads stock


def test_role_picker_sets_the_role_and_the_app_still_opens_home(demo_services, monkeypatch, demo_url):
    """Pre-login stand-in: the sidebar picker sets st.session_state['role'] and the sidebar names it."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    at = page("app", demo_services)
    at.run()
    assert at.session_state["role"] == demo_services.settings.current_role
    at.sidebar.selectbox(key="role_picker.zh").set_value("keeper").run()
    assert not at.exception
    assert at.session_state["role"] == "keeper"
    assert any("保管员" in c.value for c in at.sidebar.caption)
    at.sidebar.selectbox(key="role_picker.zh").set_value("dispatcher").run()
    assert not at.exception and at.title[0].value == "应急一张图"


def test_logged_in_user_hides_the_role_picker(demo_services, monkeypatch, demo_url):
    """Once login puts a user in the session, the picker disappears and the user is named."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    login = demo_services.trust.login("keeper_xz01", "keeper-demo-2026")
    at = page("app", demo_services, **{"auth.token": login.token})
    at.run()
    assert not at.exception
    assert not [s for s in at.sidebar.selectbox if s.key and s.key.startswith("role_picker")]
    assert any("KEEPER_XZ01" in c.value.upper() for c in at.sidebar.caption)
    demo_services.trust.logout(login.token)


def test_clicking_a_depot_on_the_map_selects_it_in_the_list(demo_services):
    """A depot selected on the map (pydeck on_select) becomes the depot whose stock is shown."""
    at = page("home", demo_services)
    at.run()
    at.session_state["home.map"] = {
        "selection": {"indices": {"depots": [0]}, "objects": {"depots": [{"code": "XZ03"}]}}
    }
    at.run()
    assert not at.exception
    assert at.selectbox(key="home.depot").value == "XZ03"


def test_role_survives_the_language_switch(demo_services, monkeypatch, demo_url):
    """Switching to English keeps the picked role (the picker shows it, the sidebar names it)."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    at = page("app", demo_services)
    at.run()
    at.sidebar.selectbox(key="role_picker.zh").set_value("keeper").run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.session_state["role"] == "keeper"
    assert at.sidebar.selectbox(key="role_picker.en").value == "keeper"
    assert any("(Keeper)" in c.value for c in at.sidebar.caption)


def test_home_map_labels_do_not_overlap(demo_services):
    """Township names and depot labels on the home map: no two label boxes intersect at the opening zoom, and
    every township keeps its name on the map or on hover."""
    from stockpile.reports.labels import LabelSpec, PlacedLabel, label_boxes

    at = page("home", demo_services, role="admin", user="admin")
    at.run()
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    zoom = deck["initialViewState"]["zoom"]
    (text_layer,) = [layer for layer in deck["layers"] if layer["@@type"] == "TextLayer"]
    rows = text_layer["data"]
    specs = [LabelSpec(str(i), r["text"], r["lon"], r["lat"], 0, r["size"]) for i, r in enumerate(rows)]
    placed = [
        PlacedLabel(str(i), r["text"], r["lon"], r["lat"], tuple(r["offset"])) for i, r in enumerate(rows)
    ]
    boxes = label_boxes(placed, specs, zoom)
    assert len(boxes) == len(rows) > 10
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    polygons = next(layer for layer in deck["layers"] if layer["@@type"] == "PolygonLayer")
    assert polygons["pickable"] and {r["name"] for r in polygons["data"]} >= {"城关镇", "明湖乡"}
