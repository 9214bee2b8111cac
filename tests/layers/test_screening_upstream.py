"""The ``upstream`` predicate: projects upstream of a drinking-water zone along a river (JS-B10)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box

from layers.errors import RuleSetError
from layers.screening.rulesets import DEFAULT_RULES_DIR, read_rule_files
from layers.screening.service import screen
from tests.admin_fixture import load_admin
from tests.layers.test_screening import load, project, result

GEOD = Geod(ellps="WGS84")
RULE = "JS-B10-UPSTREAM"
LAT = 32.3
WEST, EAST = 118.20, 118.30
#: The zone's upstream (west) edge on the river; the zone reaches 200 m downstream of it.
EDGE = 118.25


@pytest.fixture(autouse=True)
def jiangsu(db_session) -> int:
    """A division of Jiangsu (JS-B10's jurisdiction) round the river."""
    return load_admin(db_session, "321102", (EDGE, LAT), half_deg=1.0)


def along(lon: float, metres: float, azimuth: float = 270.0) -> tuple[float, float]:
    """The point ``metres`` from (lon, LAT) at ``azimuth`` (270 = west = upstream)."""
    x, y, _ = GEOD.fwd(lon, LAT, azimuth, metres)
    return float(x), float(y)


def river_line(*, reverse: bool = False) -> LineString:
    """A straight river along the parallel LAT with a vertex every 0.01° (west → east)."""
    coords = [(WEST + i * 0.01, LAT) for i in range(11)]
    return LineString(coords[::-1] if reverse else coords)


def zone() -> Polygon:
    east_edge = along(EDGE, 200.0, 90.0)[0]
    return box(EDGE, LAT - 0.001, east_edge, LAT + 0.001)


def load_river(session, geometry, name: str = "某河", **kw) -> int:
    return load(
        session,
        "water_bodies",
        [{"name": name, "kind": "river", "yangtze_class": "none", "geometry": geometry}],
        **kw,
    )


@pytest.fixture
def water_zone(db_session) -> int:
    return load(
        db_session,
        "drinking_water_zones",
        [{"name": "某水源一级区", "grade": "一级", "water_source": "某河", "geometry": zone()}],
    )


@pytest.fixture
def river(db_session) -> int:
    return load_river(db_session, river_line())


def upstream_result(session, geom, industry: str = "化工") -> dict:
    return result(screen(session, project(geom, industry=industry, buffer_m=0)).body, RULE)


def test_project_800_m_upstream_flagged_with_along_river_distance(db_session, river, water_zone):
    site = along(EDGE, 800.0)
    rule = upstream_result(db_session, Point(site))
    assert rule["outcome"] == "FLAG"
    (ev,) = rule["evidence"]
    _, _, expected = GEOD.inv(site[0], site[1], EDGE, LAT)
    assert abs(ev["distance_m"] - expected) < 1.0
    assert ev["collection"] == "drinking_water_zones"
    assert ev["name"] == "某水源一级区"
    assert ev["release_id"] == water_zone
    assert ev["attributes"] == {"grade": "一级", "water_source": "某河"}
    assert ev["via"]["collection"] == "water_bodies"
    assert ev["via"]["name"] == "某河"
    assert ev["via"]["release_id"] == river
    assert isinstance(ev["via"]["feature_id"], int)
    assert rule["predicate"] == {
        "op": "upstream",
        "distance_m": 1000.0,
        "exclude_intersecting": False,
        "via": "water_bodies",
        "via_filter": "kind = 'river'",
        "snap_m": 500.0,
    }
    assert rule["citation"]["text"].endswith("严格控制水源地上游及周边地区的开发活动")


def test_project_beside_the_river_snaps_to_it(db_session, river, water_zone):
    """300 m north of the river, 800 m upstream: its closest point on the river counts."""
    x, _ = along(EDGE, 800.0)
    _, y, _ = GEOD.fwd(x, LAT, 0.0, 300.0)
    rule = upstream_result(db_session, Point(x, y))
    assert rule["outcome"] == "FLAG"
    _, _, expected = GEOD.inv(x, LAT, EDGE, LAT)
    assert abs(rule["evidence"][0]["distance_m"] - expected) < 1.0


def test_evidence_carries_the_path_along_the_river(db_session, water_zone):
    """A river with a bend between project and zone: the path follows it, not the chord."""
    bend = [(118.244, LAT), (118.246, LAT + 0.0015), (118.248, LAT)]
    load_river(db_session, LineString([(WEST, LAT), (118.24, LAT), *bend, (EAST, LAT)]))
    snap = (118.242, LAT)
    site = GEOD.fwd(*snap, 0.0, 200.0)[:2]  # 200 m north of the river, west of the bend
    rule = upstream_result(db_session, Point(site))
    assert rule["outcome"] == "FLAG"
    (ev,) = rule["evidence"]
    path = ev["path"]
    assert path["type"] == "LineString"
    coords = [tuple(c) for c in path["coordinates"]]
    assert len(coords) > 2
    assert all(len(str(c).split(".")[-1]) <= 6 for xy in coords for c in xy)  # modest precision
    assert GEOD.inv(*coords[0], *snap)[2] < 2.0  # starts at the project's point on the river
    assert GEOD.inv(*coords[-1], EDGE, LAT)[2] < 2.0  # ends where the river enters the zone
    length = GEOD.geometry_length(LineString(coords))
    assert abs(length - ev["distance_m"]) <= 0.01 * ev["distance_m"]
    assert ev["distance_m"] > GEOD.inv(*snap, EDGE, LAT)[2] + 50.0  # longer than the chord


@pytest.mark.parametrize(
    ("where", "outcome"),
    [
        (lambda: along(EDGE, 1200.0), "PASS"),  # upstream, but beyond 1,000 m
        (lambda: along(EDGE, 300.0, 90.0), "PASS"),  # downstream (east), past the zone
        (lambda: GEOD.fwd(along(EDGE, 800.0)[0], LAT, 0.0, 2000.0)[:2], "PASS"),  # off the river
    ],
    ids=["1200m-upstream", "300m-downstream", "2km-off-river"],
)
def test_not_triggered(db_session, river, water_zone, where, outcome):
    rule = upstream_result(db_session, Point(*where()))
    assert rule["outcome"] == outcome
    assert rule["evidence"] == []


def test_rule_applies_to_discharging_projects_only(db_session, river, water_zone):
    site = Point(along(EDGE, 800.0))
    assert upstream_result(db_session, site, industry="房地产")["outcome"] == "NOT_APPLICABLE"
    assert upstream_result(db_session, site, industry="排污口")["outcome"] == "FLAG"
    dock = project(site, industry="交通", buffer_m=0, tags=("码头",))
    assert result(screen(db_session, dock).body, RULE)["outcome"] == "FLAG"


def test_river_digitised_the_other_way_flips_the_answer(db_session, water_zone):
    load_river(db_session, river_line(reverse=True))
    west = upstream_result(db_session, Point(along(EDGE, 800.0)))
    assert west["outcome"] == "PASS"  # now downstream
    east_edge = along(EDGE, 200.0, 90.0)
    site = along(east_edge[0], 300.0, 90.0)  # 300 m east of the zone: now upstream of it
    rule = upstream_result(db_session, Point(site))
    assert rule["outcome"] == "FLAG"
    _, _, expected = GEOD.inv(site[0], site[1], east_edge[0], LAT)
    assert abs(rule["evidence"][0]["distance_m"] - expected) < 1.0


def test_multilinestring_river_is_merged_in_its_direction(db_session, water_zone):
    """Two parts (listed east part first) joined at 118.245°E: followed across the joint."""
    joint = 118.245
    west_part = [*((WEST + i * 0.01, LAT) for i in range(5)), (joint, LAT)]  # 118.20 … 118.245
    east_part = [(joint, LAT), *((EDGE + i * 0.01, LAT) for i in range(6))]  # 118.245 … 118.30
    load_river(db_session, MultiLineString([east_part, west_part]))
    site = along(EDGE, 800.0)  # west of the joint: on the other part than the zone
    assert site[0] < joint
    rule = upstream_result(db_session, Point(site))
    assert rule["outcome"] == "FLAG"
    _, _, expected = GEOD.inv(site[0], site[1], EDGE, LAT)
    assert abs(rule["evidence"][0]["distance_m"] - expected) < 1.0


def test_disconnected_parts_are_not_bridged(db_session, water_zone):
    """A 600 m gap upstream of the zone: only one line is followed, so nothing is found.

    The project is 750 m (straight) above the zone, on the west part, and more than
    snap_m from the east part; the zone is more than snap_m from the west part.
    """
    west_end, east_start = along(EDGE, 700.0)[0], along(EDGE, 100.0)[0]
    load_river(
        db_session,
        MultiLineString([[(WEST, LAT), (west_end, LAT)], [(east_start, LAT), (EAST, LAT)]]),
    )
    rule = upstream_result(db_session, Point(along(EDGE, 750.0)))
    assert rule["outcome"] == "PASS"
    # … while the same project on an unbroken river (a newer release) is flagged
    load_river(db_session, river_line(), release="t2", valid_from=date(2021, 1, 1))
    assert upstream_result(db_session, Point(along(EDGE, 750.0)))["outcome"] == "FLAG"


def test_missing_river_layer_is_reported_not_passed(db_session, water_zone):
    body = screen(db_session, project(Point(along(EDGE, 800.0)), buffer_m=0)).body
    rule = result(body, RULE)
    assert rule["checked"] is False
    assert rule["outcome"] == "NOT_CHECKED"
    assert rule["reason"]["collections"] == ["water_bodies"]
    assert any(RULE in w for w in body["warnings"])
    assert body["completeness"]["complete"] is False


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def _mutate_upstream_rule(rules_dir: Path, **predicate) -> None:
    path = rules_dir / "20_jiangsu.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rule = next(r for r in data["rules"] if r["id"] == RULE)
    rule["predicate"] = predicate
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("predicate", "message"),
    [
        ({"op": "upstream", "distance_m": 1000}, r"op 'upstream' needs via"),
        ({"op": "upstream", "via": "water_bodies"}, r"op 'upstream' needs distance_m"),
        ({"op": "upstream", "distance_m": 1000, "via": "nowhere"}, "nowhere"),
        ({"op": "upstream", "distance_m": 1000, "via": "wetlands"}, "not river lines"),
        (
            {"op": "upstream", "distance_m": 1000, "via": "water_bodies", "via_filter": "x = 1"},
            "x",
        ),
        ({"op": "intersects", "via": "water_bodies"}, "upstream only"),
        ({"op": "upstream", "distance_m": 1000, "via": "water_bodies", "snap_m": 0}, "snap_m"),
    ],
)
def test_invalid_upstream_rules_rejected_at_load(rules_dir, predicate, message):
    _mutate_upstream_rule(rules_dir, **predicate)
    with pytest.raises(RuleSetError, match=message):
        read_rule_files(rules_dir)
