"""Sensitive-area layers: official field names map, bad rows are refused with their reason."""

from datetime import date

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box
from sqlalchemy import text

from layers.errors import NoValidFeaturesError
from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source

RESERVE = box(116.20, 29.00, 116.40, 29.20)


def _import(session, collection, rows, geoms, release="t"):
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    return import_source(
        session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(collection=collection, release=release, valid_from=date(2024, 1, 1)),
        label="test",
    )


def _reserve(**extra):
    return {
        "ZRBHDBM": "JX-NR-01",
        "ZRBHDMC": "某湖候鸟自然保护区",
        "ZRBHDLX": "自然保护区",
        "ZRBHDJB": "国家级",
        "分区制度": "三区制",
        **extra,
    }


def test_protected_area_official_fields_and_zones_import(db_session):
    rows = [
        _reserve(),
        {
            "ZRBHDBM": "JX-NR-01-C",
            "ZRBHDMC": "核心区",
            "ZRBHDFQ": "核心区",
            "所属保护地编码": "JX-NR-01",
        },
        {
            "ZRBHDBM": "JX-NR-01-E",
            "ZRBHDMC": "实验区",
            "ZRBHDFQ": "试验区",
            "所属保护地编码": "JX-NR-01",
        },
    ]
    geoms = [RESERVE, box(116.25, 29.05, 116.30, 29.10), box(116.31, 29.05, 116.39, 29.19)]
    report = _import(db_session, "protected_areas", rows, geoms)
    assert report.features_imported == 3
    assert report.column_mapping["ZRBHDFQ"] == "zone"
    stored = db_session.execute(
        text(
            "SELECT code, type, level, zoning_regime, zone, reserve_code FROM protected_areas ORDER BY code"
        )
    ).all()
    assert stored[0][1:4] == ("自然保护区", "国家级", "三区")
    assert [(r.code, r.zone, r.reserve_code) for r in stored[1:]] == [
        ("JX-NR-01-C", "核心区", "JX-NR-01"),
        ("JX-NR-01-E", "实验区", "JX-NR-01"),  # 试验区 normalised
    ]
    # a zone takes its reserve's type, level and regime where the file leaves them empty
    assert {tuple(r[1:4]) for r in stored[1:]} == {("自然保护区", "国家级", "三区")}


def test_protected_area_zone_outside_its_reserve_or_regime_is_refused_per_row(db_session):
    rows = [
        _reserve(),
        # half outside the reserve
        {"ZRBHDBM": "Z1", "ZRBHDFQ": "缓冲区", "所属保护地编码": "JX-NR-01"},
        # 一般控制区 is a zone of the two-zone regime, not of this three-zone reserve
        {"ZRBHDBM": "Z2", "ZRBHDFQ": "一般控制区", "所属保护地编码": "JX-NR-01"},
        # names a reserve that is not in the file
        {"ZRBHDBM": "Z3", "ZRBHDFQ": "核心区", "所属保护地编码": "NOPE"},
        # a zone value outside every code list
        {"ZRBHDBM": "Z4", "ZRBHDFQ": "游憩区", "所属保护地编码": "JX-NR-01"},
        # a zone that names no reserve
        {"ZRBHDBM": "Z5", "ZRBHDFQ": "核心区"},
        # fine
        {"ZRBHDBM": "Z6", "ZRBHDFQ": "核心区", "所属保护地编码": "JX-NR-01"},
    ]
    inner = box(116.25, 29.05, 116.30, 29.10)
    geoms = [RESERVE, box(116.35, 29.05, 116.45, 29.10), inner, inner, inner, inner, inner]
    report = _import(db_session, "protected_areas", rows, geoms)
    assert report.features_imported == 2
    examples = "\n".join(report.rejected_examples)
    assert "feature 2: zone '缓冲区' lies outside its protected area 'JX-NR-01'" in examples
    assert "feature 3: zone '一般控制区' is not a zone of the 三区 regime" in examples
    assert "feature 4: reserve_code 'NOPE': no feature of the file has code 'NOPE'" in examples
    assert "feature 5: field 'zone' (column 'ZRBHDFQ'): '游憩区' is not one of" in examples
    assert "feature 6: zone '核心区' without reserve_code" in examples
    codes = (
        db_session.execute(text("SELECT code FROM protected_areas ORDER BY code")).scalars().all()
    )
    assert codes == ["JX-NR-01", "Z6"]


def test_shoreline_segment_that_is_not_a_line_is_refused(db_session):
    rows = [
        {
            "岸线编码": "S1",
            "岸线功能区": "保护区",
            "岸线性质": "自然",
            "长江分类": "干流",
            "参考线": "临水线",
        },
        {"岸线编码": "S2", "岸线功能区": "岸线开发利用区"},
        {"岸线编码": "S3", "岸线功能区": "旅游区"},
    ]
    geoms = [
        LineString([(120.2, 31.95), (120.3, 31.96)]),
        box(120.2, 31.9, 120.3, 31.95),
        LineString([(120.3, 31.96), (120.4, 31.97)]),
    ]
    report = _import(db_session, "shoreline_segments", rows, geoms)
    assert report.features_imported == 1
    examples = "\n".join(report.rejected_examples)
    assert "feature 2: a Polygon where lines are expected" in examples
    assert "feature 3: field 'function_zone'" in examples and "'旅游区' is not one of" in examples
    row = db_session.execute(
        text(
            "SELECT function_zone, shore_type, yangtze_class, reference_line FROM shoreline_segments"
        )
    ).one()
    assert tuple(row) == ("岸线保护区", "自然岸线", "mainstem", "临水线")


def test_a_file_of_only_bad_zones_leaves_nothing_behind(db_session):
    rows = [{"ZRBHDBM": "Z1", "ZRBHDFQ": "核心区", "所属保护地编码": "NOPE"}]
    with pytest.raises(NoValidFeaturesError):
        _import(db_session, "protected_areas", rows, [box(116.25, 29.05, 116.30, 29.10)], "bad")
    left = db_session.execute(
        text("SELECT count(*) FROM releases WHERE collection = 'protected_areas' AND name = 'bad'")
    ).scalar_one()
    assert left == 0
    assert db_session.execute(text("SELECT count(*) FROM protected_areas")).scalar_one() == 0
