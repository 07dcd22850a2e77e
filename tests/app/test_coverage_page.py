"""AppTest: the coverage page renders on the demo county, reacts to its controls and shows notices."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from shapely import box
from streamlit.testing.v1 import AppTest

from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.reports.coverage_tables import map_labels, point_layer, source_layer
from stockpile.reports.labels import degrees_per_px, label_boxes, text_px
from tests.support.app_pages import settle
from tests.support.ors_standin import closed_port_url

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "stockpile/app/pages/coverage.py")


@pytest.fixture(scope="module")
def services(demo_url, tmp_path_factory):
    """A copy of the demo county: siting and pre-positioning are jobs, and a job is a row."""
    db = tmp_path_factory.mktemp("coverage_page") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    return build_services(Settings(database_url=f"sqlite:///{db}"))


def _page(services) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["services"] = services
    at.session_state["role"] = "dispatcher"
    at.session_state["user"] = "dispatcher"  # the signed-in demo dispatcher: siting runs as their job
    return at.run()


def test_coverage_page_renders_map_figures_and_uncovered_villages(services):
    """Default view: tents at 60 minutes, metrics, an offline map, township and uncovered tables."""
    at = _page(services)
    assert not at.exception
    assert at.title[0].value == "1小时保障圈（按库存测算）"
    assert [m.label for m in at.metric][:2] == ["需保障点", "未覆盖点"]
    unc = at.dataframe[2].value
    assert "原因" in unc.columns and set(unc["原因"]) == {"路程太远"}
    assert any("估算" in c.value for c in at.caption)
    assert any(
        "参考值" in w.value for w in at.warning
    )  # the shipped norms are the demo county's, and it says so


def test_damaged_depot_and_slider_change_the_figures(services):
    """Marking the warehouse damaged raises the uncovered count; a shorter limit also does."""
    at = _page(services)
    before = at.metric[1].value
    at.multiselect(key="coverage.damaged").set_value(["DC-WLY"]).run()
    assert not at.exception and int(at.metric[1].value.replace(",", "")) > int(before.replace(",", ""))
    at.multiselect(key="coverage.damaged").set_value([]).run()
    at.slider(key="coverage.minutes").set_value(30).run()
    assert not at.exception and int(at.metric[1].value.replace(",", "")) > int(before.replace(",", ""))


def test_siting_what_if_shows_before_and_after(services):
    """The siting expander: k = 2 at 10 minutes shows covered population before and after, and the sites."""
    at = _page(services)
    at.slider(key="coverage.minutes").set_value(10).run()
    settle(at.button(key="coverage.site_run").click().run(), services)
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "现有网络覆盖人口" in labels and "新增后覆盖人口" in labels and "时限内无储备点可达的点" in labels
    assert len(at.dataframe[-1].value) == 2
    assert any("不看库存数量" in c.value for c in at.caption)  # which measure siting uses is said


def test_siting_says_when_the_gap_is_stock_not_distance(services):
    """At 60 minutes every point has a reserve point in reach: the panel says the uncovered points lack stock and
    points to pre-positioning instead of proposing sites that add nobody."""
    at = _page(services)
    at.slider(key="coverage.minutes").set_value(60).run()
    settle(at.button(key="coverage.site_run").click().run(), services)
    assert not at.exception
    rep = at.session_state["coverage.siting"]
    if rep.uncovered_before:
        pytest.skip("the demo county has points beyond any reserve point at 60 minutes")
    assert any("缺的是库存而非距离" in i.value for i in at.info)


def test_only_items_with_a_norm_are_offered(services):
    """The item selector lists exactly the items that have a requirement norm."""
    at = _page(services)
    opts = {
        o.rsplit("（", 1)[1].rstrip("）") for o in at.multiselect(key="coverage.items").options
    }  # name（code）
    assert opts == set(services.coverage.norms())


def test_fallback_notice_is_shown_when_ors_is_down(demo_url, tmp_path):
    """ORS enabled but unreachable: the page warns that the estimate is used, with the reason."""
    s = build_services(
        Settings(
            database_url=demo_url,
            ors_enabled=True,
            ors_base_url=closed_port_url(),
            ors_max_attempts=1,
            matrix_cache_dir=tmp_path,
        )
    )
    at = _page(s)
    assert not at.exception
    assert any("路网服务暂不可用" in w.value for w in at.warning)


def test_circle_page_and_review_say_which_population_they_show(services):
    """The circle page's township table and the review's coverage rows give the same village sum (村社区合计) for a
    township, shelters apart, and the county workbook's registered figure (乡镇登记人口) beside it, labelled."""
    from stockpile.coverage.circle import review_rows
    from stockpile.reports.coverage_tables import registered_population

    dp = services.views.demand_points()
    villages = dp[dp["kind"] == "village"].groupby("township_code")["population"].sum()
    registered = registered_population(services.views.areas("township"))
    at = _page(services)
    table = next(d.value for d in at.dataframe if "村社区合计人口" in d.value.columns)
    assert {"安置点人数", "乡镇登记人口"} <= set(table.columns) and "人口" not in table.columns
    towns = services.views.areas("township").set_index("name")["code"]
    for _, row in table.iterrows():
        code = towns[row["乡镇"]]
        assert int(str(row["村社区合计人口"]).replace(",", "")) == villages[code]
        assert int(str(row["乡镇登记人口"]).replace(",", "")) == registered[code]
    review = {r["area_code"]: r for r in review_rows(services.coverage.deps)}
    for code, r in review.items():
        assert r["population_villages"] == villages[code]
    assert any("乡镇登记人口" in str(c.value) for c in at.caption)


def _deck(at) -> dict:
    return dict(json.loads(at.get("deck_gl_json_chart")[0].proto.json))


def test_the_map_names_places_with_no_two_labels_overlapping(services):
    """As on the home map: depots and townships are named on the map itself, not only on hover, and no two
    placed label boxes overlap (nor a label a marker) at the opening zoom; the view holds every point."""
    at = _page(services)
    deck = _deck(at)
    labels = next(layer for layer in deck["layers"] if layer.get("id") == "labels")["data"]
    texts = {r["text"] for r in labels}
    towns = set(services.map_view.townships()["name"])
    depots = set(services.views.sites().query("site_type == 'depot'")["name"])
    assert texts & towns and texts & depots
    view = deck["initialViewState"]
    dx, dy = degrees_per_px(view["zoom"], view["latitude"])
    boxes = []
    for r in labels:  # shrunk by half a pixel: boxes the placement kept apart may sit a pixel from each other
        w, h = text_px(r["text"], r["size"])
        cx, cy = r["lon"] + r["offset"][0] * dx, r["lat"] - r["offset"][1] * dy
        boxes.append(
            box(
                cx - (w / 2 - 0.5) * dx,
                cy - (h / 2 - 0.5) * dy,
                cx + (w / 2 - 0.5) * dx,
                cy + (h / 2 - 0.5) * dy,
            )
        )
    assert len(boxes) >= 5
    for a, b in itertools.combinations(boxes, 2):
        assert not a.intersects(b)


def test_label_placement_on_the_coverage_report_keeps_boxes_apart(services):
    """The placement itself on the county's report at three zooms: the boxes pairwise disjoint, every county
    depot named (the highest rank; village dots do not push it off), labels are names, never codes."""
    from stockpile.coverage.commands import CircleQuery, Scenario

    query = CircleQuery(tuple(sorted(services.coverage.norms())[:1]), 1800, Scenario(frozenset(), None))
    report = services.coverage.circle(query)
    pts, srcs, towns = point_layer(report), source_layer(report), services.map_view.townships()
    county = {f"site:{c}" for c in srcs.query("site_type == 'depot'")["code"]}
    assert county
    for zoom in (8.5, 9.5, 10.5):
        specs, placed = map_labels(towns, pts, srcs, zoom)
        for a, b in itertools.combinations(label_boxes(placed, specs, zoom), 2):
            assert not a.intersects(b)
        assert county <= {p.key for p in placed}
        codes = {*pts["code"], *srcs["code"], *towns["code"]}
        assert all(p.text not in codes for p in placed)
