"""The receptors layer and the 环境保护目标 of a screening on the map (headless chromium)."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
from pyproj import Geod
from shapely.geometry import Point
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from tests.web.test_browser import PageWatch, _draw_polygon, _wait_ready

GEOD = Geod(ellps="WGS84")
LON, LAT = 120.30, 31.95


def _plant_receptors(database_url: str) -> None:
    """A school 300 m north and a village 1.2 km east of the site's centre."""
    rows = [
        ({"name": "测试小学", "type": "学校"}, 0.0, 300.0),
        ({"name": "测试村", "type": "村庄", "population": 900}, 90.0, 1200.0),
    ]
    points = [Point(*GEOD.fwd(LON, LAT, az, m)[:2]) for _, az, m in rows]
    frame = gpd.GeoDataFrame([r for r, _, _ in rows], geometry=points, crs="EPSG:4326")
    engine = create_engine(database_url)
    with Session(engine) as session:
        import_source(
            session,
            SourceData(frame, frame.crs, "test"),
            ImportOptions(
                collection="sensitive_receptors", release="r", valid_from=date(2019, 1, 1)
            ),
            label="test",
        )
    engine.dispose()


def test_protection_targets_are_listed_and_labelled(
    browser_context_factory, own_live_server, output_dir
):
    base, database_url = own_live_server("ecozone_receptortest")
    _plant_receptors(database_url)
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, base)
    page.goto(base + "/")
    _wait_ready(page)
    # the collection is on the map as its two views (points and areas), each a layer
    assert page.locator("input[data-layer=receptor_points]").count() == 1
    assert page.locator("input[data-layer=receptor_areas]").count() == 1
    page.evaluate(f"window.ecozone.map.setView([{LAT}, {LON}], 16, {{animate: false}})")
    page.uncheck("input[data-layer=control_units]")  # its popups would catch the clicks
    page.wait_for_timeout(300)
    d = 0.0008
    _draw_polygon(
        page, [(LON - d, LAT - d), (LON + d, LAT - d), (LON + d, LAT + d), (LON - d, LAT + d)]
    )
    page.fill("#project-name", "化工项目（测试）")
    page.select_option("#industry", "化工")
    page.select_option("#kind", "新建")
    page.click("#run-screening")
    page.wait_for_selector("#protection-targets")
    table = page.inner_text("#protection-targets")
    assert "测试小学" in table and "测试村" in table
    assert "北（N）" in table and "东（E）" in table
    labels = page.locator(".protection-label").all_inner_texts()
    assert any(t.startswith("测试小学 · 北 · ") for t in labels), labels
    markers = """() => {
        let n = 0;
        window.ecozone.map.eachLayer(function (l) {
            if (l.options && l.options.className === "protection-target") n += 1;
        });
        return n;
    }"""
    assert page.evaluate(markers) == 2  # canvas markers: counted on the map, not in the DOM
    page.screenshot(path=str(output_dir / "12-protection-targets.png"))
    watch.assert_clean()
