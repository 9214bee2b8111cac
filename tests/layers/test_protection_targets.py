"""环境保护目标: receptors inside each medium's range, with 方位 and distance from the edge."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
import shapely
import shapely.ops
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry import Point

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.screening.protection import ranges_for
from layers.screening.service import screen
from tests.layers.test_screening import AS_OF, LAT0, LON0, load, project, result, square
from web.protection_report import protection_table

pytest_plugins = ["tests.layers.test_screening"]  # its fixtures (jiangsu)
pytestmark = pytest.mark.usefixtures("jiangsu")

GEOD = Geod(ellps="WGS84")
HALF_M = 100.0  # the site: a square of about 200 m


def at(azimuth_deg: float, metres: float) -> Point:
    lon, lat, _ = GEOD.fwd(LON0, LAT0, azimuth_deg, metres)
    return Point(lon, lat)


def edge_distance(site, point: Point) -> float:
    """Geodesic distance from the site's nearest edge point to ``point`` (for the check)."""
    nearest = shapely.ops.nearest_points(site.boundary, point)[0]
    return float(GEOD.inv(nearest.x, nearest.y, point.x, point.y)[2])


@pytest.fixture
def receptors(db_session) -> int:
    return load(
        db_session,
        "sensitive_receptors",
        [
            {"name": "东北村", "type": "村庄", "population": 1200, "geometry": at(45.0, 1000.0)},
            {"name": "南小学", "type": "小学", "grade": "县级", "geometry": at(180.0, 300.0)},
            {"name": "西医院", "type": "医院", "geometry": at(292.5, 2000.0)},
            {"name": "远处村", "type": "村庄", "geometry": at(90.0, 4000.0)},
            {"name": "北取水口", "type": "饮用水取水口", "geometry": at(0.0, 3000.0)},
            {"name": "东水源井", "type": "饮用水水源井", "geometry": at(90.0, 1200.0)},
        ],
    )


def test_targets_bearing_and_distance(db_session, receptors):
    site = square(LON0, LAT0, HALF_M)
    body = screen(db_session, project(site)).body
    air = {t["name"]: t for t in body["protection_targets"] if t["medium"] == "air"}
    assert set(air) == {"东北村", "南小学", "西医院"}  # 远处村 is beyond 2.5 km
    village = air["东北村"]
    assert (village["bearing"], village["bearing_zh"]) == ("NE", "东北")
    assert village["distance_m"] == pytest.approx(edge_distance(site, at(45.0, 1000.0)), abs=1.0)
    assert village["population"] == 1200 and village["scale"] == "约1,200人"
    school = air["南小学"]
    assert (school["type"], school["bearing"], school["bearing_zh"]) == ("学校", "S", "南")
    assert school["distance_m"] == pytest.approx(300.0 - HALF_M, abs=2.0)
    assert school["distance_m"] == pytest.approx(edge_distance(site, at(180.0, 300.0)), abs=1.0)
    assert (air["西医院"]["bearing"], air["西医院"]["bearing_zh"]) == ("WNW", "西西北")
    # distances ascend within a medium; the table's media come in order
    media = [t["medium"] for t in body["protection_targets"]]
    assert media == sorted(media, key=["air", "noise", "groundwater", "surface_water"].index)
    assert [t["distance_m"] for t in body["protection_targets"] if t["medium"] == "air"] == sorted(
        t["distance_m"] for t in air.values()
    )
    assert body["protection_ranges"]["release_id"] == receptors


def test_point_project_distance_within_a_metre(db_session, receptors):
    body = screen(db_session, project(Point(LON0, LAT0))).body
    village = next(t for t in body["protection_targets"] if t["name"] == "东北村")
    assert village["distance_m"] == pytest.approx(1000.0, abs=1.0)
    assert village["azimuth_deg"] == pytest.approx(45.0, abs=0.1)


def test_a_target_inside_the_project_reads_within_project(db_session):
    """A village the site's red line takes in: distance 0, 方位 项目范围内 in every table."""
    site = square(LON0, LAT0, HALF_M)
    load(
        db_session,
        "sensitive_receptors",
        [
            {"name": "场内村", "type": "村庄", "geometry": at(45.0, 50.0)},  # inside the square
            {"name": "东北村", "type": "村庄", "geometry": at(45.0, 1000.0)},
        ],
    )
    screening = screen(db_session, project(site)).body
    air = {t["name"]: t for t in screening["protection_targets"] if t["medium"] == "air"}
    inside, outside = air["场内村"], air["东北村"]
    assert inside["distance_m"] == 0 and inside["within_project"] is True
    assert inside["bearing"] == "NE"  # the azimuth from the centre is still given
    assert outside["distance_m"] > 800 and outside["within_project"] is False
    rows = {r[1]: r for r in protection_table(screening).rows}  # report.html and the .docx
    assert rows["场内村"][4] == "项目范围内" and rows["场内村"][5] == "0"
    assert rows["东北村"][4] == "东北（NE）"


def test_each_medium_has_its_range_and_kinds(db_session, receptors):
    body = screen(db_session, project(square(LON0, LAT0, HALF_M))).body
    by_medium: dict[str, set[str]] = {}
    for t in body["protection_targets"]:
        by_medium.setdefault(t["medium"], set()).add(t["name"])
    assert "noise" not in by_medium  # nothing within 200 m of the edge
    # 1,382 m: the village and the well; a river intake is never a groundwater target
    assert by_medium["groundwater"] == {"东北村", "东水源井"}
    assert by_medium["surface_water"] == {"北取水口"}  # within 5 km of the project (no outfall)
    ranges = {m["medium"]: m for m in body["protection_ranges"]["media"]}
    assert ranges["air"]["radius_m"] == 2500 and ranges["noise"]["radius_m"] == 200
    assert ranges["groundwater"]["radius_m"] == pytest.approx(1382.0, abs=1.0)
    # surface water is measured from the outfall only when the request gives one
    assert {m["measured_from"] for m in ranges.values()} == {"project"}
    assert "HJ 2.2-2018" in ranges["air"]["basis"]
    # the bases are printed in the reports: Chinese, no configuration keys
    for medium in ranges.values():
        assert not re.search(r"[A-Za-z]{5,}", medium["basis"]), medium["basis"]


def test_industry_override_widens_a_medium():
    config = {
        "defaults": {
            m: {"label": m, "radius_m": 100, "types": ["村庄"]}
            for m in ("air", "noise", "groundwater", "surface_water")
        },
        "industries": {"化工": {"air": {"radius_m": 5000}}},
    }
    ranges = {r.medium: r for r in ranges_for(frozenset({"化工"}), config)}
    assert ranges["air"].radius_m == 5000 and ranges["noise"].radius_m == 100
    assert {r.medium: r.radius_m for r in ranges_for(frozenset({"电子"}), config)}["air"] == 100


def test_without_a_receptor_layer_the_table_is_empty_and_said(db_session):
    body = screen(db_session, project(square(LON0, LAT0, HALF_M))).body
    assert body["protection_targets"] == []
    assert body["protection_ranges"]["release_id"] is None
    assert any("环境敏感目标图层" in w for w in body["warnings"])


def test_negative_population_and_unknown_type_rejected_per_row(db_session):
    rows = [
        {"名称": "好村", "类型": "自然村", "人口": 300, "geometry": at(0.0, 500.0)},
        {"名称": "负人口村", "类型": "村庄", "人口": -5, "geometry": at(90.0, 500.0)},
        {"名称": "工厂", "类型": "工厂", "人口": 10, "geometry": at(180.0, 500.0)},
    ]
    frame = gpd.GeoDataFrame(rows, geometry=[r.pop("geometry") for r in rows], crs="EPSG:4326")
    report = import_source(
        db_session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(collection="sensitive_receptors", release="r1", valid_from=AS_OF),
        label="test",
    )
    assert report.features_imported == 1 and report.rejected == 2
    examples = " ".join(report.rejected_examples)
    assert "feature 2: field 'population'" in examples and "below the minimum 0" in examples
    assert "feature 3: field 'type'" in examples and "'工厂' is not one of" in examples
    names = db_session.execute(
        sa.text("SELECT name, type, population FROM sensitive_receptors WHERE release_id = :r"),
        {"r": report.release_id},
    ).all()
    assert [tuple(n) for n in names] == [("好村", "村庄", 300)]


def test_a_receptor_drawn_as_a_line_is_rejected_per_row(db_session):
    """Receptors are points or polygons (a village, a school's grounds); a line is refused."""
    village = at(0.0, 500.0)
    road = shapely.LineString([at(90.0, 500.0).coords[0], at(90.0, 900.0).coords[0]])
    grounds = at(180.0, 800.0).buffer(0.001)
    frame = gpd.GeoDataFrame(
        [{"名称": n, "类型": "学校", "人口": 10} for n in ("甲", "乙", "丙")],
        geometry=[village, road, grounds],
        crs="EPSG:4326",
    )
    report = import_source(
        db_session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(collection="sensitive_receptors", release="r-lines", valid_from=AS_OF),
        label="test",
    )
    assert report.features_imported == 2 and report.rejected == 1
    examples = " ".join(report.rejected_examples)
    assert "feature 2" in examples
    assert "a LineString where a point or a polygon is expected" in examples


def test_receptor_distance_rule_flags_and_lists_the_receptors(db_session, receptors):
    """化工 500 m: the school 200 m from the edge is listed; the village at 1 km is not."""
    body = screen(db_session, project(square(LON0, LAT0, HALF_M))).body
    rule = result(body, "R-RECEPTOR-500")
    assert rule["outcome"] == "FLAG"
    listed = {e["name"]: e for e in rule["evidence"]}
    assert set(listed) == {"南小学"}
    assert listed["南小学"]["distance_m"] == pytest.approx(200.0, abs=2.0)
    assert listed["南小学"]["attributes"]["type"] == "学校"
    assert body["verdict"] in ("FLAG", "REQUIRE", "DENY")


def test_soil_polluting_project_near_a_village_requires_review(db_session, receptors):
    """R-SPL-32: an electroplating plant with the school inside 500 m → REQUIRE."""
    body = screen(db_session, project(square(LON0, LAT0, HALF_M), industry="电镀")).body
    rule = result(body, "R-SPL-32")
    assert rule["outcome"] == "REQUIRE"
    assert [e["name"] for e in rule["evidence"]] == ["南小学"]
    assert result(body, "R-RECEPTOR-500")["outcome"] == "FLAG"


def test_without_targets_the_same_outcomes_and_no_table(db_session, receptors):
    """``screen-batch`` and sweeps screen without the 环境保护目标 table: its lookups
    are left out of the statement, and every rule's outcome stays what it was."""
    from layers.screening.lookups import TARGET_ROW, TRACE_ROW
    from layers.screening.rulebook import RuleBook
    from layers.screening.service import prepare, resolve_rule_set

    chem = project(square(LON0, LAT0, HALF_M), industry="电镀")
    book = RuleBook()
    full = screen(db_session, chem, book=book).body
    lean = screen(db_session, chem, book=book, targets=False).body
    assert {t["name"] for t in full["protection_targets"]} >= {"东北村", "南小学"}
    assert "protection_targets" not in lean and "protection_ranges" not in lean
    kept = {k: v for k, v in full.items() if k not in ("protection_targets", "protection_ranges")}
    assert lean == kept
    assert result(lean, "R-SPL-32")["outcome"] == "REQUIRE"  # its own receptor lookup
    rules = resolve_rule_set(db_session, book, AS_OF)
    lean_sql = prepare(book, rules, chem, AS_OF, None, targets=False).sql
    full_sql = prepare(book, rules, chem, AS_OF, None).sql
    for label in (TARGET_ROW, TRACE_ROW):
        assert f"'{label}".encode() in full_sql and f"'{label}".encode() not in lean_sql


def test_a_receptor_layer_that_does_not_cover_the_site_is_not_an_empty_table(db_session):
    """Receptors surveyed round a town 150 km away: no target near the site is not 'none found'."""
    far = at(90.0, 150_000.0)
    frame = gpd.GeoDataFrame([{"name": "远方村", "type": "村庄"}], geometry=[far], crs="EPSG:4326")
    import_source(
        db_session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(collection="sensitive_receptors", release="far", valid_from=AS_OF),
        label="test",
        coverage=shapely.to_wkb(shapely.set_srid(far.buffer(0.2), 4326), include_srid=True),
    )
    body = screen(db_session, project(square(LON0, LAT0, HALF_M))).body
    assert body["protection_targets"] == []
    assert body["protection_ranges"]["covers_project"] is False
    assert any("不覆盖项目所在地" in w for w in body["warnings"])
    table = protection_table(body)
    assert table is not None and "不覆盖项目所在地" in str(table.empty_note)
    assert "未发现" not in str(table.empty_note)


def test_a_covering_receptor_layer_with_no_target_in_range_says_none_found(db_session, receptors):
    body = screen(db_session, project(square(LON0 + 0.5, LAT0, HALF_M))).body
    assert body["protection_ranges"]["covers_project"] is True
    table = protection_table(body)
    assert table is not None and "未发现" in str(table.empty_note)
