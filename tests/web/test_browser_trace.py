"""The map's 上下游追溯 tool in headless chromium: click a river, see the traced reaches."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
from shapely.geometry import LineString, Point
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.network.build import build_network
from tests.web.test_browser import PageWatch, _page_points, _wait_ready

LAT = 31.90


def _plant_network(database_url: str) -> None:
    """A main stem (west → east) with a tributary from the north, an outfall on the latter."""
    layers = [
        (
            "water_bodies",
            [
                (
                    {"name": "某干流", "kind": "river", "yangtze_class": "none"},
                    LineString([(120.40, LAT), (120.46, LAT), (120.50, LAT)]),
                ),
                (
                    {"name": "某支流", "kind": "river", "yangtze_class": "none"},
                    LineString([(120.46, 31.93), (120.46, LAT)]),
                ),
            ],
        ),
        ("outfalls", [({"name": "支流上的排污口"}, Point(120.46, 31.92))]),
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
                ImportOptions(collection=collection, release="trace", valid_from=date(2019, 1, 1)),
                label="test",
            )
        build_network(session)
        session.commit()
    engine.dispose()


def test_trace_tool_highlights_reaches_and_lists_a_tributary_source(
    browser_context_factory, own_live_server, output_dir
):
    base, database_url = own_live_server("ecozone_tracetest")
    _plant_network(database_url)
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, base)
    page.goto(base + "/")
    _wait_ready(page)
    page.evaluate("window.ecozone.map.setView([31.91, 120.46], 13, {animate: false})")
    page.uncheck("input[data-layer=control_units]")  # its popups would catch the clicks
    page.wait_for_timeout(300)
    page.click("#trace-tool button.trace-toggle")
    page.select_option("#trace-tool select[name=direction]", "upstream")
    page.fill("#trace-tool input[name=distance]", "10")
    ((x, y),) = _page_points(page, [(120.48, LAT)])
    page.mouse.click(x, y)
    page.wait_for_function(
        "() => document.querySelector('#trace-tool .trace-result').dataset.count !== undefined"
    )
    text = page.inner_text("#trace-tool .trace-result")
    assert "支流上的排污口" in text
    assert "某支流 → 某干流" in text
    assert "derived" in text
    reaches = page.evaluate(
        """() => {
            let n = 0;
            window.ecozone.map.eachLayer(function (l) {
                if (l.options && l.options.className === "trace-reach" && l.getLatLngs) n += 1;
            });
            return n;
        }"""
    )
    assert reaches >= 2  # the main stem above the click and the tributary
    page.screenshot(path=str(output_dir / "12-trace-upstream.png"))
    # downstream from the tributary does not find its own outfall above the click
    page.select_option("#trace-tool select[name=direction]", "downstream")
    ((x, y),) = _page_points(page, [(120.46, 31.91)])
    page.mouse.click(x, y)
    page.wait_for_function(
        "() => document.querySelector('#trace-tool .trace-result').textContent.includes('下游')"
    )
    assert "支流上的排污口" not in page.inner_text("#trace-tool .trace-result")
    watch.assert_clean()
