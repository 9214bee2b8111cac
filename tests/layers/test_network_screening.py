"""JS-B10 (``upstream``) on the river network: through confluences, never up a tributary."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point, box, shape

from layers.network.build import build_network
from layers.screening.service import screen
from tests.admin_fixture import load_admin
from tests.layers.test_screening import load, project, result
from web.protection_report import protection_table

GEOD = Geod(ellps="WGS84")
RULE = "JS-B10-UPSTREAM"
LAT = 32.3
EDGE = 118.25  # the zone's upstream edge on the main stem
JUNCTION = 118.248  # where the tributary joins, ~190 m above the zone
MAIN = LineString([(118.20 + i * 0.01, LAT) for i in range(11)])
TRIB = LineString([(JUNCTION, 32.33 - i * 0.001) for i in range(31)])


@pytest.fixture(autouse=True)
def jiangsu(db_session) -> int:
    return load_admin(db_session, "321102", (EDGE, LAT), half_deg=1.0)


@pytest.fixture
def rivers(db_session, tmp_path) -> None:
    load(
        db_session,
        "water_bodies",
        [
            {"name": "干流", "kind": "river", "yangtze_class": "none", "geometry": MAIN},
            {"name": "支流", "kind": "river", "yangtze_class": "none", "geometry": TRIB},
        ],
    )
    empty = tmp_path / "overrides.yaml"
    empty.write_text("overrides: []\n", encoding="utf-8")
    build_network(db_session, overrides=empty)


def zone_row(geometry) -> dict:
    return {"name": "某水源一级区", "grade": "一级", "water_source": "干流", "geometry": geometry}


def north(lon: float, metres: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(lon, LAT, 0.0, metres)
    return float(x), float(y)


def js_b10(session, site) -> dict:
    return result(screen(session, project(Point(site), buffer_m=0)).body, RULE)


def test_network_project_on_a_tributary_finds_the_zone_on_the_main_stem(db_session, rivers):
    east_edge = GEOD.fwd(EDGE, LAT, 90.0, 200.0)[0]
    load(
        db_session,
        "drinking_water_zones",
        [zone_row(box(EDGE, LAT - 0.001, east_edge, LAT + 0.001))],
    )
    site = north(JUNCTION, 700.0)  # 700 m up the tributary: beyond snap_m of the main stem
    rule = js_b10(db_session, site)
    assert rule["outcome"] == "FLAG"
    (ev,) = rule["evidence"]
    expected = GEOD.inv(*site, JUNCTION, LAT)[2] + GEOD.inv(JUNCTION, LAT, EDGE, LAT)[2]
    assert abs(ev["distance_m"] - expected) < 1.0
    assert ev["via"]["rivers"] == ["支流", "干流"]
    path = shape(ev["path"])
    assert abs(GEOD.geometry_length(path) - ev["distance_m"]) < 1.0
    assert GEOD.inv(*path.coords[-1], EDGE, LAT)[2] < 1.0  # ends where the river enters it


def test_network_project_on_the_main_stem_does_not_climb_to_a_tributary_zone(db_session, rivers):
    """The zone is on the tributary 300 m above the junction: water from the main stem
    never reaches it (the single-line predicate, snapping both to the main stem, flagged it)."""
    zone = box(
        JUNCTION - 0.001, north(JUNCTION, 250.0)[1], JUNCTION + 0.001, north(JUNCTION, 450.0)[1]
    )
    load(db_session, "drinking_water_zones", [zone_row(zone)])
    site = (JUNCTION - 0.005, LAT)  # on the main stem ~470 m above the junction
    rule = js_b10(db_session, site)
    assert rule["outcome"] == "PASS"
    assert rule["evidence"] == []


def test_network_beyond_the_distance_passes(db_session, rivers):
    east_edge = GEOD.fwd(EDGE, LAT, 90.0, 200.0)[0]
    load(
        db_session,
        "drinking_water_zones",
        [zone_row(box(EDGE, LAT - 0.001, east_edge, LAT + 0.001))],
    )
    site = north(JUNCTION, 900.0)  # 900 + 190 m along the rivers > 1,000 m
    assert js_b10(db_session, site)["outcome"] == "PASS"


TOP = (JUNCTION, 32.33)  # the tributary's source: a discharging project here
DOWN = (118.299, LAT)  # an intake on the main stem, below the junction
UP = (118.23, LAT)  # an intake on the main stem, above the junction


def intakes(session) -> None:
    load(
        session,
        "sensitive_receptors",
        [
            {"name": "下游取水口", "type": "饮用水取水口", "geometry": Point(DOWN)},
            {"name": "上游取水口", "type": "饮用水取水口", "geometry": Point(UP)},
        ],
    )


def surface_water(body) -> list[dict]:
    return [t for t in body["protection_targets"] if t["medium"] == "surface_water"]


def medium(body, name="surface_water") -> dict:
    return next(m for m in body["protection_ranges"]["media"] if m["medium"] == name)


def test_surface_water_targets_follow_the_receiving_river_downstream(db_session, rivers):
    """8.1 km down the rivers but 5.8 km away: listed; 3.7 km away but upstream: not."""
    intakes(db_session)
    body = screen(db_session, project(Point(TOP), buffer_m=0)).body
    (target,) = surface_water(body)
    assert target["name"] == "下游取水口"
    assert target["along_river"] is True
    assert target["rivers"] == ["支流", "干流"]
    along = GEOD.inv(*TOP, JUNCTION, LAT)[2] + GEOD.inv(JUNCTION, LAT, *DOWN)[2]
    assert abs(target["distance_m"] - along) < 1.0
    assert GEOD.inv(*TOP, *DOWN)[2] > 5000  # outside the circle the range used to be
    assert medium(body)["measured_along"] == "river" and medium(body)["network"] is True
    assert medium(body)["along_river_m"] == 10_000
    table = protection_table(body)
    (row,) = [r for r in table.rows if r[3] == "地表水环境"]
    assert row[5] == f"{target['distance_m']:.0f}（沿河）"
    assert any("沿受纳水体（河网）向下游 10000 m" in note for note in table.ranges)
    # the workbook keeps the distance a number and says how it was measured beside it
    import io

    from openpyxl import load_workbook

    from web.workbook_report import render_workbook

    sheet = load_workbook(io.BytesIO(render_workbook(body, []))).active.parent["环境保护目标"]
    (cells,) = [r for r in sheet.iter_rows(values_only=True) if r[1] == "下游取水口"]
    assert cells[5] == round(target["distance_m"], 1) and cells[6] == "沿河（下游）"


def test_a_project_that_discharges_nothing_keeps_the_circle(db_session, rivers):
    intakes(db_session)
    body = screen(db_session, project(Point(TOP), industry="房地产", buffer_m=0)).body
    assert [t["name"] for t in surface_water(body)] == ["上游取水口"]  # 3.7 km, in the circle
    assert "along_river" not in surface_water(body)[0]
    assert medium(body)["measured_along"] == "circle"


def test_the_outfall_is_where_the_trace_starts(db_session, rivers):
    """A project far from any river with its outfall on the main stem above the intake."""
    intakes(db_session)
    outfall = (118.26, LAT)
    body = screen(
        db_session,
        project(
            Point(118.26, 32.36),  # 6.7 km north of the main stem: off the network
            buffer_m=0,
            outfall={"type": "Point", "coordinates": list(outfall)},
        ),
    ).body
    (target,) = surface_water(body)
    assert target["name"] == "下游取水口"
    assert abs(target["distance_m"] - GEOD.inv(*outfall, *DOWN)[2]) < 1.0
    assert target["rivers"] == ["干流"]
    assert medium(body)["measured_from"] == "outfall"


def test_without_a_network_the_circle_is_used_and_said(db_session):
    load(
        db_session,
        "water_bodies",
        [{"name": "干流", "kind": "river", "yangtze_class": "none", "geometry": MAIN}],
    )
    intakes(db_session)
    body = screen(db_session, project(Point(118.26, 32.31), buffer_m=0)).body
    assert {t["name"] for t in surface_water(body)} == {"下游取水口", "上游取水口"}
    assert medium(body)["measured_along"] == "circle" and medium(body)["network"] is False
