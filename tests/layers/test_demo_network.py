"""The demo's river network: the derived 长江 mainstem and traces along it.

The demo's water layer is built once (``water_bodies`` only, from the cached pinned
wheels: ``$ECOZONE_DEMO_CACHE``, e.g. ``.cache/demo/sources``), loaded into the test
database in one transaction for the module, its network built, and rolled back at the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from layers.demo.build import build_demo
from layers.demo.mainstem import DERIVED_LABEL
from layers.demo.sources import BOXES
from layers.ingest.importer import ImportOptions, import_file
from layers.network.build import NetworkReport, build_network
from layers.network.trace import trace

GEOD = Geod(ellps="WGS84")
AS_OF = date(2024, 6, 1)
#: 九江 upstream of 南京 upstream of 江阴 (lon, lat of the cities on the 长江).
JIUJIANG = (115.99, 29.73)
NANJING = (118.78, 32.08)
JIANGYIN = (120.28, 31.94)


@pytest.fixture(scope="module")
def water(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    """The demo's water_bodies.geojson (a subset build is identical to the full build's)."""
    out = tmp_path_factory.mktemp("demo-water")
    build_demo(out, cache_dir, only={"water_bodies"})
    return out / "water_bodies.geojson"


def _features(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8"))["features"])


@pytest.fixture(scope="module")
def mainstem(water: Path) -> dict[str, tuple[dict[str, Any], LineString]]:
    """The derived centrelines by code."""
    return {
        f["properties"]["code"]: (f["properties"], shape(f["geometry"]))
        for f in _features(water)
        if f["properties"].get("centreline")
    }


def _polygon(water: Path, region: str) -> BaseGeometry:
    (geom,) = [
        shape(f["geometry"])
        for f in _features(water)
        if f["properties"]["name"] == "长江"
        and f["properties"]["code"].startswith(f"NGCC-{region}-P")
    ]
    return geom


def _on(line: LineString, lon_lat: tuple[float, float]) -> Point:
    return line.interpolate(line.project(Point(lon_lat)))


def test_demo_mainstem_is_a_labelled_derived_line_per_polygon_part(mainstem, water):
    assert sorted(mainstem) == ["NGCC-JS-M001", "NGCC-JX-M001", "NGCC-JX-M002"]
    for props, line in mainstem.values():
        assert props["name"] == "长江"
        assert props["yangtze_class"] == "mainstem"
        assert props["derived"] == DERIVED_LABEL
        assert props["synthetic"] is False
        assert props["source_id"] == "ngcc4m:hyd2_4p:GBCODE=21012:derived-centreline"
        assert line.geom_type == "LineString"
    manifest = json.loads((water.parent / "manifest.json").read_text(encoding="utf-8"))
    (release,) = manifest["collections"]["water_bodies"]
    assert DERIVED_LABEL in release["note"]
    assert "派生" in release["source"] and "同原数据条款" in release["licence"]


def test_demo_mainstem_lies_inside_the_ngcc_polygon(mainstem, water):
    for code, (_, line) in mainstem.items():
        polygon = _polygon(water, code.split("-")[1])
        # the output is rounded to 1e-6° (0.1 m): within that of the polygon
        assert polygon.buffer(2e-6).covers(line), code
        inner = LineString(line.coords[1:-1])
        assert polygon.contains(inner), code  # off the banks between its ends
        assert shapely.box(*BOXES[code.split("-")[1]]).buffer(1e-6).covers(line)


def test_demo_mainstem_runs_west_to_east_downstream(mainstem):
    _, js = mainstem["NGCC-JS-M001"]
    _, jx = mainstem["NGCC-JX-M002"]
    assert js.coords[0][0] < js.coords[-1][0] and jx.coords[0][0] < jx.coords[-1][0]
    # 九江 (on the Jiangxi part) lies upstream of 南京, 南京 upstream of 江阴
    assert GEOD.inv(*JIUJIANG, *_on(jx, JIUJIANG).coords[0])[2] < 3_000
    assert jx.coords[-1][0] < js.coords[0][0]  # the Jiangxi part ends west of the Jiangsu one
    nanjing, jiangyin = js.project(Point(NANJING)), js.project(Point(JIANGYIN))
    assert 0 < nanjing < jiangyin < js.length
    for city in (NANJING, JIANGYIN):
        assert GEOD.inv(*city, *_on(js, city).coords[0])[2] < 8_000


@pytest.fixture(scope="module")
def network(engine: Engine, water: Path) -> Iterator[tuple[Session, NetworkReport]]:
    """The demo water release loaded and its network built, rolled back after the module."""
    with engine.connect() as connection:
        outer = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            options = ImportOptions(
                collection="water_bodies",
                release="demo-2024",
                valid_from=date(2024, 1, 1),
            )
            import_file(session, water, options)
            yield session, build_network(session, as_of=AS_OF)
        outer.rollback()


def _reached(session: Session, start: Point, direction: str, target: Point) -> float | None:
    """Along-river metres from ``start`` to ``target`` on a 200 km trace, None if not reached."""
    result = trace(session, start, direction, 200_000, ["outfalls"], as_of=AS_OF)  # type: ignore[arg-type]
    for r in result.reaches:
        covered = substring(r.geom, r.lo, r.hi, normalized=True)
        if r.hi > r.lo and covered.distance(target) < 1e-7:
            at = r.geom.project(target, normalized=True)
            part = substring(r.geom, min(r.seed, at), max(r.seed, at), normalized=True)
            return r.entry_m + (GEOD.geometry_length(part) if part.length > 0 else 0.0)
    return None


def test_demo_network_builds_edges_on_the_mainstem_and_joins_tributaries(network):
    session, report = network
    assert report.directions["centreline"] >= 3
    assert report.joined >= 4  # 江南运河, 里运河 at 扬州 and 赣江 end in the 长江 polygon
    mainstem = session.execute(
        text(
            "SELECT count(*) FROM river_edges WHERE network_id = :n AND name = '长江' "
            "AND direction = 'centreline' AND derived"
        ),
        {"n": report.network_id},
    ).scalar_one()
    assert mainstem >= 3


def test_demo_network_downstream_from_nanjing_reaches_jiangyin(network, mainstem):
    session, _ = network
    _, js = mainstem["NGCC-JS-M001"]
    nanjing, jiangyin = _on(js, NANJING), _on(js, JIANGYIN)
    along = _reached(session, nanjing, "downstream", jiangyin)
    assert along is not None
    between = substring(js, js.project(nanjing), js.project(jiangyin))
    assert abs(along - GEOD.geometry_length(between)) < 50  # along the mainstem itself
    assert _reached(session, jiangyin, "downstream", nanjing) is None  # never upstream


def test_demo_network_upstream_from_jiangyin_reaches_nanjing_and_the_tributaries(network, mainstem):
    session, _ = network
    _, js = mainstem["NGCC-JS-M001"]
    nanjing, jiangyin = _on(js, NANJING), _on(js, JIANGYIN)
    assert _reached(session, jiangyin, "upstream", nanjing) is not None
    assert _reached(session, nanjing, "upstream", jiangyin) is None
    up = trace(session, jiangyin, "upstream", 200_000, ["outfalls"], as_of=AS_OF)
    assert {"京杭运河(江南运河)", "京杭运河(里运河)"} <= {r.name for r in up.reaches}


def test_demo_network_upstream_from_the_jiangxi_mainstem_climbs_the_ganjiang(network, mainstem):
    session, _ = network
    _, jx = mainstem["NGCC-JX-M002"]
    below_hukou = _on(jx, (116.4, 29.9))
    up = trace(session, below_hukou, "upstream", 100_000, ["outfalls"], as_of=AS_OF)
    assert "赣江" in {r.name for r in up.reaches}
    down = trace(session, below_hukou, "downstream", 100_000, ["outfalls"], as_of=AS_OF)
    assert {r.name for r in down.reaches} == {"长江"}


#: A point on the 长江's north bank (靖江) opposite 江阴, and one 20 km downstream on it.
NORTH_BANK = (120.3183, 31.989)
NORTH_BANK_DOWNSTREAM = (120.52, 32.02)


def test_demo_network_bank_lines_flow_with_the_mainstem(network, mainstem):
    """The NGCC 长江's bank lines flow downstream, however far their ends lie from the mainstem.

    Each of the two Jiangsu bank lines is some 200 km long and ends kilometres from the
    derived centreline: the north one, digitised east to west, was left to its vertex order
    (or a DEM's bank heights) and a downstream trace from 靖江 went up the river.
    """
    session, report = network
    _, js = mainstem["NGCC-JS-M001"]
    rows = session.execute(
        text(
            "SELECT e.direction, ST_AsBinary(e.geom) FROM river_edges e "
            "JOIN water_bodies w ON w.id = e.feature_id "
            "WHERE e.network_id = :n AND e.name = '长江' AND w.props->>'centreline' IS NULL "
            "AND ST_Length(e.geom::geography) > 50000 AND e.geom && ST_GeomFromText(:box, 4326)"
        ),
        {"n": report.network_id, "box": js.envelope.wkt},
    ).all()
    assert len(rows) >= 2  # both banks
    for direction, geom in rows:
        line = shapely.from_wkb(bytes(geom))
        start, end = js.project(Point(line.coords[0])), js.project(Point(line.coords[-1]))
        assert direction == "centreline" and end > start, (direction, line.coords[0])
    north = min((shapely.from_wkb(bytes(g)) for _, g in rows), key=Point(NORTH_BANK).distance)
    near, far = (_on(north, p) for p in (NORTH_BANK, NORTH_BANK_DOWNSTREAM))
    assert _reached(session, near, "downstream", far) is not None
    assert _reached(session, far, "downstream", near) is None
