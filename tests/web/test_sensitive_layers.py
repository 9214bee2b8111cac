"""The sensitive-area layers are on the map: listed, labelled synthetic, with zone popups."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
from shapely.geometry import LineString, box
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from tests.web.test_browser import PageWatch, _wait_ready

LAYERS = [
    (
        "protected_areas",
        [
            {
                "code": "R1",
                "name": "江阴测试自然保护区",
                "type": "自然保护区",
                "zoning_regime": "三区",
            },
            {
                "code": "R1-C",
                "name": "江阴测试自然保护区核心区",
                "zone": "核心区",
                "reserve_code": "R1",
            },
        ],
        [box(120.30, 31.90, 120.34, 31.93), box(120.31, 31.91, 120.32, 31.92)],
    ),
    (
        "shoreline_segments",
        [{"name": "长江江阴段测试岸段", "function_zone": "岸线保护区", "water_kind": "河流"}],
        [LineString([(120.20, 31.952), (120.27, 31.952)])],
    ),
    (
        "marine_red_lines",
        [{"name": "测试海洋生态红线区", "designation": "海洋生态红线区", "type": "重要河口"}],
        [box(120.40, 31.90, 120.42, 31.92)],
    ),
]


def _plant(database_url: str) -> None:
    engine = create_engine(database_url)
    with Session(engine) as session:
        for collection, rows, geoms in LAYERS:
            frame = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
            import_source(
                session,
                SourceData(frame, frame.crs, "test"),
                ImportOptions(
                    collection=collection,
                    release="sensitive-test",
                    valid_from=date(2019, 1, 1),
                    source="ecozone 测试夹具（合成数据）",
                    synthetic=True,
                ),
                label="test",
            )
    engine.dispose()


def test_sensitive_layers_are_listed_labelled_synthetic_with_zone_popups(
    browser_context_factory, own_live_server, output_dir
):
    base, database_url = own_live_server("ecozone_sensitivetest")
    _plant(database_url)
    page = browser_context_factory(viewport={"width": 1366, "height": 768}).new_page()
    watch = PageWatch(page, base)
    page.goto(base + "/")
    _wait_ready(page)
    layer_list = page.inner_text("#layer-list")
    for collection in ("protected_areas", "shoreline_segments", "river_management_areas",
                       "ecological_buffers", "marine_red_lines", "reclamation"):  # fmt: skip
        assert page.locator(f"input[data-layer={collection}]").count() == 1, collection
    for title in ("自然保护地", "岸线", "河湖管理范围", "海洋生态红线与特别保护海域", "围填海"):
        assert title in layer_list
    # the badge names the new synthetic layers
    assert page.is_visible("#synthetic-badge")
    badge = page.get_attribute("#synthetic-badge", "title")
    assert "自然保护地" in badge and "岸线" in badge and "海洋生态红线与特别保护海域" in badge
    # a zone's popup: its zone, its reserve and the synthetic label
    page.evaluate("window.ecozone.map.setView([31.915, 120.315], 14, {animate: false})")
    page.wait_for_function("() => window.ecozone.entries.protected_areas.count === 2")
    page.evaluate(
        """() => { const e = window.ecozone.entries.protected_areas;
                   const l = e.group.getLayers().find(l => l.feature.properties.zone === '核心区');
                   l.fire('click', {latlng: l.getBounds().getCenter()}); }"""
    )
    page.wait_for_selector(".leaflet-popup-content")
    popup = page.inner_text(".leaflet-popup-content")
    assert "江阴测试自然保护区核心区" in popup
    assert "核心区" in popup and "R1" in popup
    assert "演示合成数据" in popup
    # the legend lists the zone classes of the visible protected areas
    assert "核心区" in page.inner_text("#legend")
    page.screenshot(path=str(output_dir / "20-sensitive-layers.png"))
    watch.assert_clean()
