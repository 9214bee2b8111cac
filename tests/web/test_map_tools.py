"""The map's tools own its clicks (web/static/js/map/tools.js), in headless chromium.

While the project is drawn, a point placed or a river traced, a click over a feature goes to
the tool and opens no popup (one already open closes when the tool starts); the point tool
is done after one point; the trace tool's result list stays clear of the legend.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.network.build import build_network
from tests.web.test_browser import PageWatch, _page_points, _wait_ready

#: The main stem of the planted river (west → east) and where its tributary joins it; the
#: fixture's 重点管控单元 (120.25–120.45 × 31.80–31.93) lies under its western part.
LAT = 31.90
JOIN = 120.46
#: How many outfalls lie on the tributary: enough for a trace result longer than the room
#: the right column has at 1366×768.
OUTFALLS = 30
#: Corners inside the fixture's 优先保护单元 (120.05–120.55 × 31.930–31.953).
CORNERS = [(120.296, 31.937), (120.304, 31.937), (120.304, 31.945), (120.296, 31.945)]

POPUP_SHOWN = "() => document.querySelector('.leaflet-popup') !== null"


def _plant_river(database_url: str) -> None:
    """A main stem, a tributary from the north, and outfalls all along the tributary."""
    layers = [
        (
            "water_bodies",
            [
                (
                    {"name": "某干流", "kind": "river", "yangtze_class": "none"},
                    LineString([(120.40, LAT), (JOIN, LAT), (120.50, LAT)]),
                ),
                (
                    {"name": "某支流", "kind": "river", "yangtze_class": "none"},
                    LineString([(JOIN, 31.93), (JOIN, LAT)]),
                ),
            ],
        ),
        (
            "outfalls",
            [
                ({"name": f"支流排污口{i:02d}"}, Point(JOIN, LAT + 0.001 + i * 0.0009))
                for i in range(OUTFALLS)
            ],
        ),
    ]
    engine = create_engine(database_url)
    with Session(engine) as session:
        for collection, rows in layers:
            frame = gpd.GeoDataFrame(
                [p for p, _ in rows], geometry=[g for _, g in rows], crs="EPSG:4326"
            )
            import_source(
                session,
                SourceData(frame, frame.crs, "test"),
                ImportOptions(collection=collection, release="tools", valid_from=date(2019, 1, 1)),
                label="test",
            )
        build_network(session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def river_server(own_live_server) -> str:
    base, database_url = own_live_server("ecozone_maptools")
    _plant_river(database_url)
    return base


def _open(browser_context_factory, base: str, view: tuple[float, float, int]):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, base)
    page.goto(base + "/")
    _wait_ready(page)
    lat, lon, zoom = view
    page.evaluate(f"window.ecozone.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
    page.wait_for_timeout(400)  # the layers of the new view
    return page, watch


def _open_a_popup(page, lonlat: tuple[float, float]) -> None:
    [(x, y)] = _page_points(page, [lonlat])
    page.mouse.click(x, y)
    page.wait_for_function(POPUP_SHOWN, timeout=5000)


def _popup_gone(page) -> None:
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=2000)  # after its fade


def test_drawing_a_polygon_over_a_unit_takes_every_click(
    browser_context_factory, river_server, output_dir
):
    """画面 over the 优先保护单元: four corners, four vertices, no popup on the way."""
    page, watch = _open(browser_context_factory, river_server, (31.941, 120.30, 15))
    _open_a_popup(page, (120.31, 31.935))  # a unit's popup, open before the tool starts
    page.click("button[data-tab=screen]")
    page.click("button[data-draw=Polygon]")
    _popup_gone(page)
    points = _page_points(page, CORNERS)
    popups = []
    for x, y in points:
        page.mouse.click(x, y)
        page.wait_for_timeout(120)
        popups.append(page.locator(".leaflet-popup").count())
    page.screenshot(path=str(output_dir / "tools-drawing.png"))
    page.mouse.click(*points[0])  # closing click on the first vertex finishes the polygon
    page.wait_for_function("() => window.ecozone.project !== null", timeout=5000)
    assert popups == [0, 0, 0, 0]
    ring = page.evaluate("window.ecozone.project.coordinates[0]")
    assert len(ring) == 5
    for (lon, lat), (want_lon, want_lat) in zip(ring, CORNERS, strict=False):
        assert abs(lon - want_lon) < 1e-4 and abs(lat - want_lat) < 1e-4
    # the tool is done: a click on the unit now shows its popup
    assert page.evaluate("window.ecozone.map.pm.globalDrawModeEnabled()") is False
    _open_a_popup(page, (120.31, 31.935))
    assert "长江江阴段优先保护单元" in page.inner_text(".leaflet-popup-content")
    watch.assert_clean()


def test_the_edit_tool_moves_the_project_and_nothing_else(
    browser_context_factory, river_server, output_dir
):
    """编辑图层: only the project's vertices are handles, they can be dragged, no popup opens."""
    page, watch = _open(browser_context_factory, river_server, (31.941, 120.30, 15))
    page.click("button[data-tab=screen]")
    page.click("button[data-draw=Polygon]")
    points = _page_points(page, CORNERS)
    for x, y in points:
        page.mouse.click(x, y)
        page.wait_for_timeout(80)
    page.mouse.click(*points[0])
    page.wait_for_function("() => window.ecozone.project !== null", timeout=5000)
    page.get_by_role("button", name="编辑图层").click()
    assert page.evaluate("window.ecozone.map.pm.globalEditModeEnabled()") is True
    # four corners and four midpoints: the units, water and divisions are not editable
    assert page.locator(".marker-icon").count() == 8
    [(x, y)] = _page_points(page, [(120.31, 31.935)])
    page.mouse.click(x, y)  # on the unit, beside the project
    page.wait_for_timeout(120)
    assert page.locator(".leaflet-popup").count() == 0
    # drag the north-east corner 40 px further north-east
    x, y = points[2]
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y - 40, steps=8)
    page.mouse.up()
    page.wait_for_function(
        f"() => window.ecozone.project.coordinates[0][2][0] > {CORNERS[2][0] + 1e-4}", timeout=3000
    )
    lon, lat = page.evaluate("window.ecozone.project.coordinates[0][2]")
    assert lon > CORNERS[2][0] and lat > CORNERS[2][1]
    page.screenshot(path=str(output_dir / "tools-edit.png"))
    page.get_by_role("button", name="编辑图层").click()
    assert page.evaluate("window.ecozone.map.pm.globalEditModeEnabled()") is False
    watch.assert_clean()


def test_the_point_tool_is_done_after_one_point(browser_context_factory, river_server, output_dir):
    """画点: the project is placed once; the next click reads a unit, the screening stays."""
    page, watch = _open(browser_context_factory, river_server, (31.941, 120.30, 15))
    page.click("button[data-tab=screen]")
    page.click("button[data-draw=Marker]")
    [(x, y)] = _page_points(page, [(120.30, 31.94)])
    page.mouse.click(x, y)
    page.wait_for_function("() => window.ecozone.project !== null", timeout=5000)
    placed = page.evaluate("window.ecozone.project.coordinates")
    assert page.evaluate("window.ecozone.map.pm.globalDrawModeEnabled()") is False
    assert page.locator(".leaflet-pm-toolbar .button-container.active").count() == 0
    page.fill("#project-name", "画点后读取准入清单（测试）")
    page.click("#run-screening")
    page.wait_for_selector("#verdict-banner")
    screening_id = page.evaluate("window.ecozone.screening.id")
    assert f"screening={screening_id}" in page.url
    page.wait_for_load_state("networkidle")  # the evidence drawn and the map fitted to it
    page.wait_for_timeout(500)

    _open_a_popup(page, (120.302, 31.938))  # to read the unit's 准入清单
    assert "长江江阴段优先保护单元" in page.inner_text(".leaflet-popup-content")
    assert page.evaluate("window.ecozone.project.coordinates") == placed
    assert page.evaluate("window.ecozone.screening && window.ecozone.screening.id") == screening_id
    assert page.locator("#verdict-banner").count() == 1
    assert f"screening={screening_id}" in page.url
    page.screenshot(path=str(output_dir / "tools-point-then-popup.png"))
    watch.assert_clean()


def test_tracing_a_river_under_a_unit_opens_no_popup(
    browser_context_factory, river_server, output_dir
):
    """上下游追溯 on the main stem where the 重点管控单元 covers it: the click traces."""
    page, watch = _open(browser_context_factory, river_server, (31.905, 120.45, 13))
    _open_a_popup(page, (120.42, 31.91))
    page.click("#trace-tool button.trace-toggle")
    _popup_gone(page)
    assert page.get_attribute("#trace-tool button.trace-toggle", "aria-pressed") == "true"
    page.select_option("#trace-tool select[name=direction]", "downstream")
    [(x, y)] = _page_points(page, [(120.42, LAT)])
    page.mouse.click(x, y)
    page.wait_for_function(
        "() => document.querySelector('#trace-tool .trace-result').dataset.count !== undefined"
    )
    assert page.locator(".leaflet-popup").count() == 0
    assert page.get_attribute("#trace-tool .trace-result", "data-count") != "error"
    assert "下游" in page.inner_text("#trace-tool .trace-result")
    page.screenshot(path=str(output_dir / "tools-trace-no-popup.png"))
    # off again, a click on the unit shows its popup
    page.click("#trace-tool button.trace-toggle")
    _open_a_popup(page, (120.42, 31.91))
    watch.assert_clean()


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_a_long_trace_result_is_not_covered_by_the_legend(
    browser_context_factory, river_server, output_dir
):
    """At 1366×768 the legend gives way (it scrolls) to a trace result of 30 outfalls."""
    page, watch = _open(browser_context_factory, river_server, (31.91, 120.46, 13))
    page.click("#trace-tool button.trace-toggle")
    page.select_option("#trace-tool select[name=direction]", "upstream")
    [(x, y)] = _page_points(page, [(120.48, LAT)])
    page.mouse.click(x, y)
    page.wait_for_function(
        f"() => Number(document.querySelector('#trace-tool .trace-result').dataset.count) >= {OUTFALLS}"
    )
    page.wait_for_timeout(200)  # the legend refits on the next frame
    result = page.locator("#trace-tool .trace-result").bounding_box()
    trace = page.locator("#trace-tool").bounding_box()
    legend = page.locator("#legend").bounding_box()
    page.screenshot(path=str(output_dir / "tools-trace-and-legend.png"))
    assert not _overlap(result, legend), (result, legend)
    assert not _overlap(trace, legend), (trace, legend)
    assert legend["height"] >= 40  # still there, scrolling
    # the legend can still be folded away by its heading
    page.click("#legend h4")
    assert page.locator("#legend").get_attribute("class").split().count("collapsed") == 1
    watch.assert_clean()
