"""The screening engine against small known layers: outcomes and evidence numbers."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import geopandas as gpd
import orjson
import pytest
import shapely
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, box, mapping

from gis.errors import InvalidGeometryError, OutOfChinaError, ProjectGeometryError
from gis.project_geometry import prepare_geometry
from layers.errors import UnknownIndustryError
from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.service import (
    ScreeningStore,
    create_screening,
    create_screening_async,
    screen,
)
from layers.screening.storage import get_screening, stored_body
from layers.screening.stores import SessionScreeningStore
from tests.admin_fixture import load_admin

#: Every test here screens inside a division of Jiangsu (not autouse: other modules load
#: this one as a plugin for its fixtures, and must not get it unasked).
pytestmark = pytest.mark.usefixtures("jiangsu")

GEOD = Geod(ellps="WGS84")
AS_OF = date(2025, 6, 30)
LON0, LAT0 = 119.0, 32.2


def load(session, collection: str, rows: list[dict[str, Any]], release: str = "t1", **kw) -> int:
    geoms = [r.pop("geometry") for r in rows]
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    report = import_source(
        session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(
            collection=collection,
            release=release,
            valid_from=kw.get("valid_from", date(2020, 1, 1)),
        ),
        label="test",
    )
    return report.release_id


@pytest.fixture
def jiangsu(db_session) -> int:
    """镇江 (321102, in Jiangsu and the Yangtze basin) round every test layer."""
    return load_admin(db_session, "321102", (LON0, LAT0), half_deg=3.0)


def east(lon: float, lat: float, metres: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(lon, lat, 90.0, metres)
    return float(x), float(y)


def square(lon: float, lat: float, half_m: float) -> Polygon:
    """A lon/lat square of about 2×half_m metres centred on lon, lat."""
    dlat = half_m / 110_950.0
    dlon = half_m / (111_320.0 * 0.846)
    return box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def project(geom, industry="化工", kind="新建", **kw) -> ProjectInput:
    return ProjectInput(
        name="测试项目",
        geometry=mapping(geom) if not isinstance(geom, dict) else geom,
        industry=industry,
        kind=kind,
        as_of=kw.pop("as_of", AS_OF),
        buffer_m=kw.pop("buffer_m", 500.0),
        **kw,
    )


def result(body: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in body["results"] if r["rule_id"] == rule_id)


@pytest.fixture
def yangtze(db_session) -> int:
    """A mainstem along the meridian 119°E and an important tributary along 119.2°E."""
    return load(
        db_session,
        "water_bodies",
        [
            {
                "name": "长江",
                "yangtze_class": "mainstem",
                "kind": "river",
                "geometry": LineString([(LON0, 32.0), (LON0, 32.5)]),
            },
            {
                "name": "某重要支流",
                "yangtze_class": "important_tributary",
                "kind": "river",
                "geometry": LineString([(119.2, 32.0), (119.2, 32.5)]),
            },
            {
                "name": "无关河",
                "yangtze_class": "none",
                "kind": "river",
                "geometry": LineString([(119.1, 32.0), (119.1, 32.5)]),
            },
        ],
    )


@pytest.mark.parametrize(("metres", "outcome"), [(999.0, "DENY"), (1001.0, "PASS")])
def test_chemical_near_yangtze_999_denied_1001_not(db_session, yangtze, metres, outcome):
    lon, lat = east(LON0, LAT0, metres)
    body = screen(db_session, project(Point(lon, lat), buffer_m=0)).body
    rule = result(body, "R-CJBHF-26-2")
    assert rule["outcome"] == outcome
    if outcome == "DENY":
        assert body["verdict"] == "DENY"
        (ev,) = rule["evidence"]
        assert ev["name"] == "长江"
        assert ev["release_id"] == yangtze
        assert abs(ev["distance_m"] - metres) < 1.0
        assert ev["measured_to"] == "line"  # the river's line, not a water polygon's edge
    else:
        assert rule["evidence"] == []
        assert body["verdict"] != "DENY"


def test_chemical_distance_matches_pyproj_geod(db_session, yangtze):
    lon, lat = east(LON0, LAT0, 750.0)
    body = screen(db_session, project(Point(lon, lat), buffer_m=1000)).body
    (ev,) = result(body, "R-CJBHF-26-2")["evidence"]
    _, _, expected = GEOD.inv(LON0, LAT0, lon, lat)
    assert abs(ev["distance_m"] - expected) < 1.0
    hit = next(h for h in body["hits"] if h["name"] == "长江")
    assert abs(hit["distance_m"] - expected) < 1.0
    water = next(layer for layer in body["layers"] if layer["collection"] == "water_bodies")
    assert water["release_id"] == yangtze


def test_chemical_rebuild_near_yangtze_is_flagged(db_session, yangtze):
    lon, lat = east(LON0, LAT0, 500.0)
    body = screen(db_session, project(Point(lon, lat), kind="改建")).body
    assert result(body, "R-CJBHF-26-2")["outcome"] == "NOT_APPLICABLE"
    assert result(body, "R-CJBHF-26-2-REBUILD")["outcome"] == "FLAG"
    assert body["verdict"] == "FLAG"


def test_non_chemical_near_yangtze_not_applicable(db_session, yangtze):
    lon, lat = east(LON0, LAT0, 500.0)
    body = screen(db_session, project(Point(lon, lat), industry="食品")).body
    assert result(body, "R-CJBHF-26-2")["outcome"] == "NOT_APPLICABLE"


def test_industry_code_prefix_matches_category(db_session, yangtze):
    lon, lat = east(LON0, LAT0, 500.0)
    body = screen(db_session, project(Point(lon, lat), industry="其他", industry_code="2661")).body
    assert "化工" in body["project"]["industry_labels"]
    assert result(body, "R-CJBHF-26-2")["outcome"] == "DENY"


def test_tailings_pond_3km_mainstem_1km_important_tributary(db_session, yangtze):
    near_main = east(LON0, LAT0, 2500.0)
    body = screen(db_session, project(Point(*near_main), industry="尾矿库")).body
    assert result(body, "R-CJBHF-26-3-MAINSTEM")["outcome"] == "DENY"
    near_trib = east(119.2, LAT0, 1500.0)
    body = screen(db_session, project(Point(*near_trib), industry="尾矿库")).body
    assert result(body, "R-CJBHF-26-3-TRIBUTARY")["outcome"] == "PASS"
    assert result(body, "R-CJBHF-26-3-MAINSTEM")["outcome"] == "PASS"
    near_trib = east(119.2, LAT0, 900.0)
    body = screen(db_session, project(Point(*near_trib), industry="尾矿库")).body
    assert result(body, "R-CJBHF-26-3-TRIBUTARY")["outcome"] == "DENY"


@pytest.fixture
def red_line(db_session) -> int:
    return load(
        db_session,
        "red_lines",
        [{"name": "某红线", "type": "水源涵养", "geometry": square(LON0, LAT0, 1000)}],
    )


def test_inside_red_line_denied(db_session, red_line):
    body = screen(db_session, project(Point(LON0, LAT0), industry="房地产")).body
    rule = result(body, "R-RL2022-1-INSIDE")
    assert rule["outcome"] == "DENY"
    assert rule["evidence"][0]["distance_m"] == 0.0
    assert rule["citation"]["document"].startswith("自然资源部")


def test_limited_activity_in_red_line_flagged(db_session, red_line):
    body = screen(
        db_session, project(Point(LON0, LAT0), industry="交通", tags=("有限人为活动",))
    ).body
    assert result(body, "R-RL2022-1-INSIDE")["outcome"] == "NOT_APPLICABLE"
    assert result(body, "R-RL2022-1-LIMITED")["outcome"] == "FLAG"
    assert body["verdict"] == "FLAG"


def test_near_red_line_flagged_with_distance(db_session, red_line):
    edge_lon = square(LON0, LAT0, 1000).bounds[2]
    lon, lat = east(edge_lon, LAT0, 300.0)
    body = screen(db_session, project(Point(lon, lat), industry="房地产")).body
    rule = result(body, "R-RL-NEAR")
    assert rule["outcome"] == "FLAG"
    assert abs(rule["evidence"][0]["distance_m"] - 300.0) < 1.0
    assert result(body, "R-RL2022-1-INSIDE")["outcome"] == "PASS"


def test_ecological_space_flag_reports_area(db_session):
    zone = square(LON0, LAT0, 1000)
    load(db_session, "ecological_spaces", [{"name": "某生态空间", "geometry": zone}])
    site = box(LON0, LAT0 - 0.002, LON0 + 0.02, LAT0 + 0.002)  # partly inside
    body = screen(db_session, project(site, industry="房地产")).body
    rule = result(body, "JS-ECO-SPACE")
    assert rule["outcome"] == "FLAG"
    (ev,) = rule["evidence"]
    inter = zone.intersection(site)
    expected = abs(GEOD.geometry_area_perimeter(inter)[0])
    site_area = abs(GEOD.geometry_area_perimeter(site)[0])
    assert abs(ev["overlap_m2"] - expected) / expected < 0.001
    assert abs(ev["overlap_ratio"] - expected / site_area) < 0.001
    assert abs(body["project"]["area_m2"] - site_area) < 1.0


@pytest.fixture
def water_zones(db_session) -> int:
    return load(
        db_session,
        "drinking_water_zones",
        [
            {"name": "一级区", "grade": "一级", "geometry": square(118.5, LAT0, 500)},
            {"name": "二级区", "grade": "二级", "geometry": square(118.6, LAT0, 500)},
            {"name": "准保护区", "grade": "准保护区", "geometry": square(118.7, LAT0, 500)},
        ],
    )


def test_drinking_water_grade1_denies_unrelated_project(db_session, water_zones):
    body = screen(db_session, project(Point(118.5, LAT0), industry="房地产")).body
    assert result(body, "R-WPPL-65")["outcome"] == "DENY"
    body = screen(db_session, project(Point(118.5, LAT0), industry="供水设施")).body
    assert result(body, "R-WPPL-65")["outcome"] == "NOT_APPLICABLE"


def test_drinking_water_grade2_denies_discharging_project(db_session, water_zones):
    body = screen(db_session, project(Point(118.6, LAT0), industry="化工")).body
    assert result(body, "R-WPPL-66")["outcome"] == "DENY"
    body = screen(db_session, project(Point(118.6, LAT0), industry="房地产")).body
    assert result(body, "R-WPPL-66")["outcome"] == "NOT_APPLICABLE"
    # nothing is triggered, but most layers have no release here: never a PASS
    assert body["verdict"] == "INCOMPLETE"
    assert body["completeness"]["complete"] is False
    assert "red_lines" in {n["collection"] for n in body["completeness"]["not_checked"]}


def test_drinking_water_quasi_zone_flagged(db_session, water_zones):
    body = screen(db_session, project(Point(118.7, LAT0), industry="房地产")).body
    assert result(body, "R-WPPL-67")["outcome"] == "FLAG"


def test_new_outfall_in_grade2_zone_denied(db_session, water_zones):
    body = screen(db_session, project(Point(118.6, LAT0), industry="排污口")).body
    rule = result(body, "R-WPPL-64")
    assert rule["outcome"] == "DENY"
    assert rule["evidence"][0]["attributes"]["grade"] == "二级"
    body = screen(db_session, project(Point(118.7, LAT0), industry="排污口")).body
    assert result(body, "R-WPPL-64")["outcome"] == "PASS"


@pytest.fixture
def units(db_session) -> int:
    return load(
        db_session,
        "control_units",
        [
            {
                "code": "ZH1",
                "name": "禁化工单元",
                "unit_class": "优先保护单元",
                "banned_industries": "化工、焦化",
                "spatial_constraints": "禁止新建化工项目",
                "geometry": square(118.0, LAT0, 1000),
            },
            {
                "code": "ZH2",
                "name": "限电镀单元",
                "unit_class": "重点管控单元",
                "restricted_industries": "C3360",
                "geometry": square(118.1, LAT0, 1000),
            },
        ],
    )


def test_control_unit_banned_industry_denied_and_reported(db_session, units):
    body = screen(db_session, project(Point(118.0, LAT0), industry="化工")).body
    assert result(body, "R-CJBHF-22-BANNED")["outcome"] == "DENY"
    report = result(body, "R-CJBHF-22-UNITS")
    assert report["outcome"] == "PASS"
    attrs = report["evidence"][0]["attributes"]
    assert attrs["unit_class"] == "优先保护单元"
    assert attrs["spatial_constraints"] == "禁止新建化工项目"


def test_control_unit_restricted_code_flagged(db_session, units):
    body = screen(db_session, project(Point(118.1, LAT0), industry="电镀")).body
    assert result(body, "R-CJBHF-22-RESTRICTED")["outcome"] == "FLAG"
    assert result(body, "R-CJBHF-22-BANNED")["outcome"] == "PASS"


def test_wetlands_important_flag_national_deny(db_session):
    load(
        db_session,
        "wetlands",
        [
            {
                "name": "省级湿地",
                "protection_status": "省级重要",
                "geometry": square(117.5, LAT0, 1000),
            },
            {
                "name": "国家湿地",
                "protection_status": "国家重要",
                "geometry": square(117.6, LAT0, 1000),
            },
        ],
    )
    site = square(117.5, LAT0, 100)
    body = screen(db_session, project(site, industry="房地产")).body
    rule = result(body, "R-WPL-19-IMPORTANT")
    assert rule["outcome"] == "FLAG"
    assert rule["evidence"][0]["overlap_ratio"] == pytest.approx(1.0, abs=1e-4)
    assert result(body, "R-WPL-21")["outcome"] == "REQUIRE"  # restore, or pay the fee
    assert body["verdict"] == "REQUIRE"
    body = screen(db_session, project(square(117.6, LAT0, 100), industry="房地产")).body
    assert result(body, "R-WPL-19-NATIONAL")["outcome"] == "DENY"


def test_farmland_b1_new_chemical_denied(db_session):
    load(
        db_session,
        "farmland_zones",
        [{"name": "耕地集中区", "geometry": square(117.0, LAT0, 1000)}],
    )
    body = screen(db_session, project(Point(117.0, LAT0), industry="焦化")).body
    assert result(body, "JS-B1")["outcome"] == "DENY"
    body = screen(db_session, project(Point(117.0, LAT0), industry="焦化", kind="改建")).body
    assert result(body, "JS-B1")["outcome"] == "NOT_APPLICABLE"


def test_electroplating_outside_park_flagged(db_session):
    load(
        db_session, "industrial_parks", [{"name": "某园区", "geometry": square(116.5, LAT0, 1000)}]
    )
    body = screen(db_session, project(Point(116.5, LAT0), industry="电镀", kind="扩建")).body
    assert result(body, "JS-B38")["outcome"] == "PASS"
    lon, lat = east(116.5, LAT0, 3000.0)
    body = screen(db_session, project(Point(lon, lat), industry="电镀", kind="扩建")).body
    assert result(body, "JS-B38")["outcome"] == "FLAG"


def test_b3_new_capacity_denied_attribute_only(db_session):
    body = screen(db_session, project(Point(120.0, 32.0), industry="水泥")).body
    rule = result(body, "JS-B3")
    assert rule["outcome"] == "DENY"
    assert rule["evidence"] == []
    body = screen(
        db_session, project(Point(120.0, 32.0), industry="平板玻璃", tags=("光伏玻璃",))
    ).body
    assert result(body, "JS-B3")["outcome"] == "NOT_APPLICABLE"
    body = screen(db_session, project(Point(120.0, 32.0), industry="钢铁", kind="改建")).body
    assert result(body, "JS-B3")["outcome"] == "NOT_APPLICABLE"


def test_missing_layer_is_reported_not_silently_passed(db_session):
    body = screen(db_session, project(Point(120.0, 32.0), industry="房地产")).body
    rule = result(body, "R-RL2022-1-INSIDE")
    assert rule["checked"] is False
    assert rule["outcome"] == "NOT_CHECKED"
    assert rule["reason"]["code"] == "no_release"
    assert rule["reason"]["collections"] == ["red_lines"]
    assert any("R-RL2022-1-INSIDE" in w and "生态保护红线" in w for w in body["warnings"])
    assert body["verdict"] == "INCOMPLETE"


def test_as_of_picks_release_in_force(db_session):
    old = load(
        db_session,
        "red_lines",
        [{"name": "旧红线", "geometry": square(LON0, LAT0, 1000)}],
        release="old",
        valid_from=date(2019, 1, 1),
    )
    new = load(
        db_session,
        "red_lines",
        [{"name": "新红线", "geometry": square(LON0 + 0.5, LAT0, 1000)}],
        release="new",
        valid_from=date(2024, 1, 1),
    )
    before = screen(
        db_session, project(Point(LON0, LAT0), industry="房地产", as_of=date(2023, 1, 1))
    ).body
    after = screen(
        db_session, project(Point(LON0, LAT0), industry="房地产", as_of=date(2025, 1, 1))
    ).body
    assert result(before, "R-RL2022-1-INSIDE")["outcome"] == "DENY"
    assert result(after, "R-RL2022-1-INSIDE")["outcome"] == "PASS"
    layer = lambda b: next(x for x in b["layers"] if x["collection"] == "red_lines")  # noqa: E731
    assert layer(before)["release_id"] == old
    assert layer(after)["release_id"] == new


def test_unknown_industry_lists_known(db_session):
    with pytest.raises(UnknownIndustryError) as err:
        screen(db_session, project(Point(120.0, 32.0), industry="炼丹"))
    assert err.value.field == "industry"
    assert "化工" in err.value.detail


def test_gauss_kruger_zone_coordinates_are_reprojected():
    # CGCS2000 3-degree GK zone 40 (CM 120°E), eastings with the zone prefix.
    geom = prepare_geometry({"type": "Point", "coordinates": [40500000.0, 3544000.0]}, "EPSG:4528")
    assert geom.geom.x == pytest.approx(120.0, abs=1e-6)
    assert 31.9 < geom.geom.y < 32.1
    plain = prepare_geometry({"type": "Point", "coordinates": [500000.0, 3544000.0]}, "EPSG:4528")
    assert plain.geom.x == pytest.approx(120.0, abs=1e-6)
    assert plain.warnings


def test_outside_china_rejected():
    with pytest.raises(OutOfChinaError) as err:
        prepare_geometry({"type": "Point", "coordinates": [2.35, 48.85]}, None)
    assert err.value.field == "geometry"


def test_self_intersecting_polygon_repaired_with_warning():
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[119, 32], [119.01, 32.01], [119.01, 32], [119, 32.01], [119, 32]]],
    }
    geom = prepare_geometry(bowtie, "EPSG:4490")
    assert geom.geom.is_valid
    assert geom.area_m2 > 0
    assert "修复" in geom.warnings[0]


def test_invalid_geojson_rejected():
    with pytest.raises(InvalidGeometryError):
        prepare_geometry({"type": "Polygon", "coordinates": [[1, 2]]}, None)
    with pytest.raises(InvalidGeometryError):
        prepare_geometry({"type": "GeometryCollection", "geometries": []}, None)


def test_too_many_vertices_and_too_large_rejected():
    ring = shapely.Point(119, 32).buffer(0.01, quad_segs=3000)
    with pytest.raises(ProjectGeometryError):
        prepare_geometry(mapping(ring), None)
    with pytest.raises(ProjectGeometryError):
        prepare_geometry(mapping(box(118, 31, 119, 32)), None)


def count_fallbacks(store: ScreeningStore) -> list[str]:
    """The names of the projects ``store`` screens on the resolving path (create_sync)."""
    calls: list[str] = []
    fallback = store.create_sync

    async def counted(p: ProjectInput) -> dict[str, Any]:
        calls.append(p.name)
        return await fallback(p)

    store.create_sync = counted  # type: ignore[method-assign]
    return calls


def test_async_path_stores_what_the_session_path_stores(db_session, yangtze):
    """The one-round-trip path (cached rule set checked in its statement) equals create_screening."""
    site = project(Point(east(119.0, 32.0, 800)))
    book = RuleBook()
    reference = create_screening(db_session, site, book=book)  # resolves and keeps the rule set
    store = SessionScreeningStore(db_session, book)
    calls = count_fallbacks(store)
    screening_id, content = asyncio.run(create_screening_async(store, site))
    assert calls == []  # the fast path
    public = orjson.loads(content)
    assert public["id"] == screening_id != reference["id"]
    drop = ("id", "created_at")
    as_json = orjson.loads(orjson.dumps(reference))  # shapely's tuples as JSON arrays
    assert {k: v for k, v in public.items() if k not in drop} == {
        k: v for k, v in as_json.items() if k not in drop
    }
    assert public["verdict"] == "DENY"
    stored = db_session.execute(
        sa.text("SELECT result, request FROM screenings WHERE id = :i"), {"i": screening_id}
    ).one()
    body = {k: v for k, v in public.items() if k not in drop}
    # stored compact: the rules' own text is not copied into every screening …
    assert stored.result == stored_body(body)
    stored_results = stored.result["results"]
    assert all(
        {"rule_id", "valid_from", "outcome", "checked", "evidence"}
        <= set(r)
        <= {
            "rule_id",
            "valid_from",
            "outcome",
            "checked",
            "evidence",
            "reason",
            "regions_matched",
            "measured_from",
        }
        for r in stored_results
        if not isinstance(r, str)
    )
    # … and a rule that did not apply is stored as its version key alone
    not_applicable = [r for r in body["results"] if r["outcome"] == "NOT_APPLICABLE"]
    assert not_applicable
    assert [r for r in stored_results if isinstance(r, str)] == [
        f"{r['rule_id']}@{r['valid_from']}" if r["valid_from"] else r["rule_id"]
        for r in not_applicable
    ]
    assert len(orjson.dumps(stored.result)) < len(content) / 2
    # … and a read gives back exactly what the POST returned
    assert get_screening(db_session, screening_id) == public
    assert stored.request["geometry"] == orjson.loads(orjson.dumps(site.geometry))


def test_screenings_stored_whole_are_read_as_stored(db_session, yangtze):
    """A result stored before bodies were stored compact (citations inline) reads unchanged."""
    site = project(Point(east(119.0, 32.0, 800)))
    created = create_screening(db_session, site)
    whole = orjson.loads(
        orjson.dumps({k: v for k, v in created.items() if k not in ("id", "created_at")})
    )
    whole["results"][0]["citation"] = {"document": "旧的全文存储", "article": "", "text": ""}
    db_session.execute(
        sa.text("UPDATE screenings SET result = CAST(:r AS jsonb) WHERE id = :i"),
        {"r": orjson.dumps(whole).decode(), "i": created["id"]},
    )
    got = get_screening(db_session, created["id"])
    assert got["results"][0]["citation"]["document"] == "旧的全文存储"
    assert got["results"][1:] == whole["results"][1:]


def test_an_unknown_kind_is_refused_by_the_engine(db_session, yangtze):
    """Every caller (API, CLI, batch) gets the engine's refusal, not silently skipped rules."""
    from layers.errors import UnknownKindError

    site = project(Point(east(119.0, 32.0, 800)))
    with pytest.raises(UnknownKindError) as caught:
        screen(db_session, ProjectInput(**{**site.__dict__, "kind": "拆除"}))
    assert caught.value.field == "kind"
    assert "拆除" in caught.value.detail


def test_distance_to_a_water_polygon_is_measured_to_its_edge(db_session):
    bank = square(LON0, LAT0, 500)  # a stretch of river drawn as water surface
    load(
        db_session,
        "water_bodies",
        [{"name": "长江", "yangtze_class": "mainstem", "kind": "river", "geometry": bank}],
    )
    lon, lat = east(LON0, LAT0, 1400.0)  # 900 m east of the polygon's east edge
    body = screen(db_session, project(Point(lon, lat), buffer_m=0)).body
    (ev,) = result(body, "R-CJBHF-26-2")["evidence"]
    assert ev["measured_to"] == "polygon_edge"
    assert abs(ev["distance_m"] - 900.0) < 5.0
