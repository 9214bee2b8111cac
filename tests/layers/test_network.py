"""The directed river network: build (direction sources) and up/downstream traces."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import rasterio
from pyproj import Geod
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, shape
from sqlalchemy import text

from layers.errors import InvalidNetworkQueryError, NetworkNotBuiltError
from layers.ingest.rasters import RasterImportOptions, import_raster
from layers.network.build import build_network
from layers.network.trace import trace
from layers.store.rasters import RasterSettings
from tests.layers.test_screening import load

GEOD = Geod(ellps="WGS84")
AS_OF = date(2024, 6, 1)
LAT = 32.30
#: main stem west → east, a tributary joining from the north at 118.30, a canal digitised
#: away from the main stem (south) at 118.35 although it drains into it
MAIN = LineString([(118.20 + i * 0.01, LAT) for i in range(21)])
TRIB = LineString([(118.30, 32.40 - i * 0.01) for i in range(11)])
CANAL = LineString([(118.35, LAT - i * 0.01) for i in range(11)])


def river(name: str, line: LineString, kind: str = "river") -> dict:
    return {"name": name, "kind": kind, "yangtze_class": "none", "geometry": line}


@pytest.fixture
def rivers(db_session) -> int:
    return load(
        db_session,
        "water_bodies",
        [river("干流", MAIN), river("支流", TRIB), river("某运河", CANAL, "canal")],
    )


@pytest.fixture
def sources(db_session) -> int:
    """Outfalls: on the tributary, on the main stem downstream, on the canal."""
    return load(
        db_session,
        "outfalls",
        [
            {"name": "支流排口", "geometry": Point(118.30, 32.35)},
            {"name": "干流下游排口", "geometry": Point(118.38, LAT)},
            {"name": "运河排口", "geometry": Point(118.35, 32.25)},
        ],
    )


@pytest.fixture
def overrides(tmp_path):
    path = tmp_path / "overrides.yaml"
    path.write_text(
        "overrides:\n  - name: 某运河\n    flows_to: [118.35, 32.30]\n    source: test\n",
        encoding="utf-8",
    )
    return path


def names(result) -> dict[str, float]:
    return {f.name: f.distance_m for f in result.found}


def geodesic(*points: tuple[float, float]) -> float:
    return GEOD.geometry_length(LineString(points))


def test_network_build_nodes_junctions_and_counts_directions(db_session, rivers, overrides):
    report = build_network(db_session, as_of=AS_OF, overrides=overrides)
    # the main stem is cut at the tributary's and the canal's ends: 3 + 1 + 1 edges
    assert report.edges == 5
    assert report.nodes == 6
    assert report.derived is True
    assert report.directions == {"vertex_order": 4, "override": 1}
    lengths = db_session.execute(
        text("SELECT sum(cost) FROM river_edges WHERE network_id = :n AND name = '干流'"),
        {"n": report.network_id},
    ).scalar_one()
    assert abs(lengths - GEOD.geometry_length(MAIN)) < 0.01


def test_network_upstream_finds_a_tributary_source_from_the_main_stem(
    db_session, rivers, sources, overrides
):
    build_network(db_session, as_of=AS_OF, overrides=overrides)
    start = Point(118.33, LAT)
    result = trace(db_session, start, "upstream", 20_000, ["outfalls"], as_of=AS_OF)
    found = names(result)
    assert "支流排口" in found
    assert "干流下游排口" not in found  # it is downstream
    expected = geodesic((118.33, LAT), (118.30, LAT), (118.30, 32.35))
    assert abs(found["支流排口"] - expected) < 1.0
    (item,) = [f for f in result.found if f.name == "支流排口"]
    path, rivers_on_path = result.path(item)
    assert rivers_on_path == ["支流", "干流"]
    assert abs(GEOD.geometry_length(path) - item.distance_m) < 1.0


def test_network_canal_override_is_honoured(db_session, rivers, sources, overrides):
    build_network(db_session, as_of=AS_OF, overrides=overrides)
    result = trace(db_session, Point(118.38, LAT), "upstream", 10_000, ["outfalls"], as_of=AS_OF)
    found = names(result)
    assert "运河排口" in found
    expected = geodesic((118.38, LAT), (118.35, LAT), (118.35, 32.25))
    assert abs(found["运河排口"] - expected) < 1.0
    direction = db_session.execute(
        text("SELECT direction FROM river_edges WHERE name = '某运河'")
    ).scalar_one()
    assert direction == "override"


def test_network_without_the_override_keeps_vertex_order(db_session, rivers, sources, tmp_path):
    empty = tmp_path / "none.yaml"
    empty.write_text("overrides: []\n", encoding="utf-8")
    build_network(db_session, as_of=AS_OF, overrides=empty)
    result = trace(db_session, Point(118.38, LAT), "upstream", 10_000, ["outfalls"], as_of=AS_OF)
    assert "运河排口" not in names(result)


def test_network_downstream_does_not_climb_a_tributary(db_session, rivers, sources, overrides):
    build_network(db_session, as_of=AS_OF, overrides=overrides)
    result = trace(db_session, Point(118.25, LAT), "downstream", 30_000, ["outfalls"], as_of=AS_OF)
    found = names(result)
    assert "支流排口" not in found
    assert "运河排口" not in found  # the canal drains into the main stem
    assert abs(found["干流下游排口"] - geodesic((118.25, LAT), (118.38, LAT))) < 1.0
    reached = {f["properties"]["name"] for f in result.as_geojson()["reaches"]["features"]}
    assert reached == {"干流"}


def test_network_distances_match_the_geodesic_length_of_the_path(
    db_session, rivers, sources, overrides
):
    build_network(db_session, as_of=AS_OF, overrides=overrides)
    body = trace(
        db_session, Point(118.395, 32.301), "upstream", 25_000, ["outfalls"], as_of=AS_OF
    ).as_geojson()
    assert len(body["features"]) == 3
    for feature in body["features"]:
        path = shape(feature["geometry"])
        assert abs(GEOD.geometry_length(path) - feature["properties"]["distance_m"]) < 1.0


def test_network_distance_limit_cuts_the_trace(db_session, rivers, sources, overrides):
    build_network(db_session, as_of=AS_OF, overrides=overrides)
    short = trace(db_session, Point(118.33, LAT), "upstream", 5_000, ["outfalls"], as_of=AS_OF)
    assert "支流排口" not in names(short)  # 2.8 km + 5.6 km away along the rivers


def _eastward_dem(tmp_path):
    dem = tmp_path / "dem.tif"
    width, height = 40, 10
    heights = np.tile(np.linspace(200.0, 10.0, width, dtype="float32"), (height, 1))
    with rasterio.open(
        dem,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(118.15, 32.35, 0.0075, 0.01),
    ) as out:
        out.write(heights, 1)
    return dem


def test_network_elevation_turns_a_river_digitised_upstream(db_session, tmp_path, overrides):
    """A DEM falling eastward: a line digitised east → west is turned to flow east."""
    load(db_session, "water_bodies", [river("倒序河", LineString(MAIN.coords[::-1]))])
    report = build_network(
        db_session, as_of=AS_OF, overrides=overrides, dem=_eastward_dem(tmp_path)
    )
    assert report.directions == {"elevation": 1}
    x0 = db_session.execute(
        text("SELECT ST_X(ST_StartPoint(geom)) FROM river_edges WHERE network_id = :n"),
        {"n": report.network_id},
    ).scalar_one()
    assert x0 == pytest.approx(118.20)


def test_network_build_reads_the_dem_raster_in_force(db_session, tmp_path, overrides, monkeypatch):
    """Without --dem, the elevation comes from the stored ``dem`` raster release in force."""
    monkeypatch.setenv("APP_RASTER_DATA_DIR", str(tmp_path / "rasters"))
    load(db_session, "water_bodies", [river("倒序河", LineString(MAIN.coords[::-1]))])
    options = RasterImportOptions(layer="dem", release="dem-test", valid_from=date(2020, 1, 1))
    import_raster(db_session, _eastward_dem(tmp_path), options, RasterSettings())
    report = build_network(db_session, as_of=AS_OF, overrides=overrides)
    assert report.directions == {"elevation": 1}


def test_network_trace_far_from_a_river_is_refused(db_session, rivers, overrides):
    build_network(db_session, as_of=AS_OF, overrides=overrides)
    with pytest.raises(InvalidNetworkQueryError) as info:
        trace(db_session, Point(118.25, 32.33), "upstream", 5_000, ["outfalls"], as_of=AS_OF)
    assert info.value.field == "geometry"
    assert "snap_m" in info.value.detail


def test_network_trace_without_a_network_is_refused(db_session, rivers):
    with pytest.raises(NetworkNotBuiltError) as info:
        trace(db_session, Point(118.25, LAT), "upstream", 5_000, ["outfalls"], as_of=AS_OF)
    assert "ecozone network build" in info.value.detail


def test_network_queries_upstream_over_http(client, db_session, rivers, sources, overrides):
    build_network(db_session, as_of=AS_OF, overrides=overrides)
    response = client.post(
        "/queries/upstream",
        json={
            "geometry": {"type": "Point", "coordinates": [118.33, LAT]},
            "distance_m": 20_000,
            "collections": ["outfalls"],
            "as_of": str(AS_OF),
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    by_name = {f["properties"]["name"]: f for f in body["features"]}
    assert by_name["支流排口"]["properties"]["rivers"] == ["支流", "干流"]
    assert by_name["支流排口"]["geometry"]["type"] == "LineString"
    assert body["network"]["derived"] is True
    assert {r["properties"]["name"] for r in body["reaches"]["features"]} >= {"干流", "支流"}


def test_network_queries_take_cgcs2000_coordinates(client, db_session, rivers, sources, overrides):
    """A system holding the site in its county's Gauss-Krüger zone (X/Y in metres) asks with
    ``crs`` as a screening does, and gets what the lon/lat question gets; an unknown crs is
    a 400 naming it."""
    from pyproj import Transformer

    build_network(db_session, as_of=AS_OF, overrides=overrides)
    easting, northing = Transformer.from_crs(4490, 4527, always_xy=True).transform(118.33, LAT)
    asked = {"distance_m": 20_000, "collections": ["outfalls"], "as_of": str(AS_OF)}
    lonlat = client.post(
        "/queries/upstream",
        json={**asked, "geometry": {"type": "Point", "coordinates": [118.33, LAT]}},
    )
    zone = client.post(
        "/queries/upstream",
        json={
            **asked,
            "geometry": {"type": "Point", "coordinates": [easting, northing]},
            "crs": "EPSG:4527",
        },
    )
    assert zone.status_code == 200, zone.text

    def found(response):
        return {
            f["properties"]["name"]: f["properties"]["distance_m"]
            for f in response.json()["features"]
        }

    assert found(zone).keys() == found(lonlat).keys() and found(zone)
    for name, distance in found(lonlat).items():
        assert found(zone)[name] == pytest.approx(distance, abs=1.0)
    wrong = client.post(
        "/queries/upstream",
        json={
            **asked,
            "geometry": {"type": "Point", "coordinates": [easting, northing]},
            "crs": "EPSG:9999999",
        },
    )
    assert wrong.status_code == 400 and wrong.json()["field"] == "crs"


def test_network_queries_far_from_a_river_is_a_problem(client, db_session, rivers, overrides):
    build_network(db_session, as_of=AS_OF, overrides=overrides)
    response = client.post(
        "/queries/downstream",
        json={
            "geometry": {"type": "Point", "coordinates": [118.25, 32.33]},
            "distance_m": 5_000,
            "as_of": str(AS_OF),
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["field"] == "geometry"
    assert problem["type"] == "/problems/invalid-network-query"
    assert "snap_m" in problem["detail"]


def test_network_build_command_and_its_errors(database_url, tmp_path):
    """The CLI builds and commits; a missing overrides file is refused naming it."""
    from typer.testing import CliRunner

    from api.cli import build_cli

    runner = CliRunner()
    env = {"DATABASE_URL": database_url}
    missing = runner.invoke(
        build_cli(), ["network", "build", "--overrides", str(tmp_path / "nope.yaml")], env=env
    )
    assert missing.exit_code == 2
    assert "overrides" in missing.output


def test_network_build_then_a_new_import_rebuilds_it(tmp_path):
    """`network build` commits a network; `import` of a new water release builds its own."""
    import json

    from sqlalchemy import create_engine
    from typer.testing import CliRunner

    from api.cli import build_cli
    from tests.conftest import migrated_database

    def water(path, lines):
        features = [
            {"type": "Feature", "properties": {"name": n, "kind": "river"}, "geometry": g}
            for n, g in lines
        ]
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        return str(path)

    main = {"type": "LineString", "coordinates": [[118.2, LAT], [118.3, LAT]]}
    trib = {"type": "LineString", "coordinates": [[118.25, 32.35], [118.25, LAT]]}
    runner = CliRunner()
    with migrated_database("ecozone_netcli") as url:
        env = {"DATABASE_URL": url}
        first = water(tmp_path / "a.geojson", [("干流", main)])
        args = ["import", first, "--collection", "water_bodies", "--release", "w1"]
        assert (
            runner.invoke(build_cli(), [*args, "--valid-from", "2020-01-01"], env=env).exit_code
            == 0
        )
        built = runner.invoke(build_cli(), ["network", "build"], env=env)
        assert built.exit_code == 0, built.output
        assert "derived" in built.output
        second = water(tmp_path / "b.geojson", [("干流", main), ("支流", trib)])
        args = ["import", second, "--collection", "water_bodies", "--release", "w2"]
        again = runner.invoke(build_cli(), [*args, "--valid-from", "2021-01-01"], env=env)
        assert again.exit_code == 0, again.output
        engine = create_engine(url)
        with engine.connect() as conn:
            counts = conn.execute(
                text(
                    "SELECT r.name, count(e.id) FROM river_networks n JOIN releases r "
                    "ON r.id = n.release_id JOIN river_edges e ON e.network_id = n.id "
                    "GROUP BY r.name ORDER BY r.name"
                )
            ).all()
        engine.dispose()
        assert [tuple(c) for c in counts] == [("w1", 1), ("w2", 3)]


def test_network_centreline_orients_a_river_along_it(db_session, tmp_path, overrides):
    """A river digitised against the flow is turned by a directed centreline beside it."""
    import json

    from layers.network.build import read_centreline

    load(db_session, "water_bodies", [river("倒序干流", LineString(MAIN.coords[::-1]))])
    path = tmp_path / "centreline.geojson"
    coords = [[x, LAT + 0.005] for x, _ in MAIN.coords]  # 550 m north, west → east
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "LineString", "coordinates": coords},
                    }
                ],
            }
        )
    )
    report = build_network(
        db_session, as_of=AS_OF, overrides=overrides, centreline=read_centreline(path)
    )
    assert report.directions == {"centreline": 1}
    x0 = db_session.execute(
        text("SELECT ST_X(ST_StartPoint(geom)) FROM river_edges WHERE network_id = :n"),
        {"n": report.network_id},
    ).scalar_one()
    assert x0 == pytest.approx(118.20)
