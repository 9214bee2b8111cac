"""Small synthetic layers around Jiangyin (江阴) for the web tests, imported as real releases."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
from shapely.geometry import LineString, Point, Polygon, box
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source

SOURCE = "ecozone 测试夹具（合成数据）"
LICENCE = "CC0（测试用）"

# 长江 at Jiangyin: a band between ~31.952N and ~31.985N, north of the city.
YANGTZE = Polygon(
    [
        (120.00, 31.950),
        (120.27, 31.952),
        (120.60, 31.958),
        (120.60, 31.990),
        (120.27, 31.985),
        (120.00, 31.982),
    ]
)
#: A site about 500 m south of the Yangtze's south bank, for the DENY test.
SITE_NEAR_YANGTZE = box(120.262, 31.944, 120.268, 31.9475)


def _frame(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


LAYERS: list[tuple[str, str, date, gpd.GeoDataFrame]] = [
    (
        "water_bodies",
        "test-water-2024",
        date(2018, 1, 1),
        _frame(
            [
                {"name": "长江", "kind": "river", "yangtze_class": "mainstem", "rank": 1},
                {"name": "锡澄运河", "kind": "canal", "yangtze_class": "tributary", "rank": 3},
                {"name": "黄山湖", "kind": "lake", "yangtze_class": "none", "rank": 5},
            ],
            [
                YANGTZE,
                LineString([(120.285, 31.951), (120.29, 31.85), (120.30, 31.72)]),
                Polygon([(120.31, 31.905), (120.325, 31.905), (120.325, 31.915), (120.31, 31.915)]),
            ],
        ),
    ),
    (
        "admin_divisions",
        "test-admin-2024",
        date(2018, 1, 1),
        _frame(
            [
                {"adcode": "320200", "name": "无锡市", "level": "city", "parent_adcode": "320000"},
                {
                    "adcode": "320281",
                    "name": "江阴市",
                    "level": "county",
                    "parent_adcode": "320200",
                },
            ],
            [box(119.95, 31.30, 120.62, 31.99), box(120.02, 31.68, 120.60, 31.99)],
        ),
    ),
    (
        "control_units",
        "test-units-2020",
        date(2020, 1, 1),
        _frame(
            [
                {
                    "code": "ZH32028110001",
                    "name": "江阴市一般管控单元（2020）",
                    "unit_class": "一般管控单元",
                    "admin_code": "320281",
                    "spatial_constraints": "执行区域总体准入要求。",
                }
            ],
            [box(120.05, 31.75, 120.55, 31.95)],
        ),
    ),
    (
        "control_units",
        "test-units-2024",
        date(2024, 1, 1),
        _frame(
            [
                {
                    "code": "ZH32028110011",
                    "name": "长江江阴段优先保护单元",
                    "unit_class": "优先保护单元",
                    "admin_code": "320281",
                    "spatial_constraints": "长江干支流岸线一公里范围内禁止新建、扩建化工园区和化工项目。",
                    "emission_controls": "严格控制入江排污口设置。",
                    "risk_controls": "加强沿江环境风险防控。",
                    "resource_efficiency": "严格岸线资源保护。",
                    "banned_industries": ["化工", "石化"],
                },
                {
                    "code": "ZH32028120021",
                    "name": "江阴临港经济开发区重点管控单元",
                    "unit_class": "重点管控单元",
                    "admin_code": "320281",
                    "spatial_constraints": "新建项目须进入合规园区。",
                    "emission_controls": "实施污染物排放总量控制。",
                    "restricted_industries": ["印染", "电镀"],
                },
                {
                    "code": "ZH32028130031",
                    "name": "江阴市一般管控单元",
                    "unit_class": "一般管控单元",
                    "admin_code": "320281",
                    "spatial_constraints": "执行区域总体准入要求。",
                },
            ],
            [
                box(120.05, 31.930, 120.55, 31.953),
                box(120.25, 31.80, 120.45, 31.930),
                box(120.05, 31.75, 120.25, 31.930),
            ],
        ),
    ),
    (
        "red_lines",
        "test-redlines-2024",
        date(2018, 1, 1),
        _frame(
            [
                {
                    "code": "HX3202001",
                    "name": "定山生态保护红线",
                    "type": "水土保持",
                    "level": "省级",
                }
            ],
            [box(120.35, 31.83, 120.38, 31.86)],
        ),
    ),
    (
        "drinking_water_zones",
        "test-dwz-2024",
        date(2018, 1, 1),
        _frame(
            [
                {
                    "code": "SY01-1",
                    "name": "小湾水源地一级保护区",
                    "grade": "一级",
                    "water_source": "小湾水源地",
                },
                {
                    "code": "SY01-2",
                    "name": "小湾水源地二级保护区",
                    "grade": "二级",
                    "water_source": "小湾水源地",
                },
            ],
            [box(120.17, 31.945, 120.19, 31.960), box(120.15, 31.935, 120.21, 31.965)],
        ),
    ),
    (
        "monitoring_stations",
        "test-stations-2024",
        date(2018, 1, 1),
        _frame(
            [
                {
                    "code": "1234A",
                    "name": "江阴市监测站",
                    "medium": "air",
                    "level": "国控",
                    "status": "active",
                },
                {
                    "code": "W-01",
                    "name": "长江江阴断面",
                    "medium": "surface_water",
                    "level": "国控",
                    "status": "active",
                },
            ],
            [Point(120.29, 31.91), Point(120.33, 31.96)],
        ),
    ),
]


def load_fixture_layers(session: Session) -> None:
    """Import every fixture layer as a synthetic release (each import commits)."""
    for collection, release, valid_from, frame in LAYERS:
        import_source(
            session,
            SourceData(frame=frame, crs=frame.crs, format="GeoDataFrame (test fixture)"),
            ImportOptions(
                collection=collection,
                release=release,
                valid_from=valid_from,
                source=SOURCE,
                licence=LICENCE,
                note="Synthetic layer made by tests/web/fixture_layers.py",
                synthetic=True,
            ),
            label=f"fixture {collection}",
        )
