"""A release's coverage: by adcodes, by a polygon, or by default the counties it touches."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box
from sqlalchemy import func, select

from layers.errors import CoverageError
from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, coverage_polygon, import_source
from layers.store.models import Release, feature_table
from tests.admin_fixture import load_admin


def _import(session, release: str, points, coverage: str | None = None, polygon=None) -> int:
    frame = gpd.GeoDataFrame(
        [{"name": f"站{i}", "code": f"S{i}"} for i in range(len(points))],
        geometry=[Point(p) for p in points],
        crs="EPSG:4326",
    )
    return import_source(
        session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(
            collection="monitoring_stations",
            release=release,
            valid_from=date(2020, 1, 1),
            coverage=coverage,
        ),
        label="test",
        coverage=polygon,
    ).release_id


def _coverage(session, release_id: int):
    release = session.get(Release, release_id)
    area = session.scalar(
        select(func.ST_Area(func.Geography(Release.coverage))).where(Release.id == release_id)
    )
    return release.coverage_source, release.coverage_adcodes, area


def test_default_coverage_is_the_counties_the_features_touch_else_their_hull(db_session):
    load_admin(db_session, "321102", (119.0, 32.2), half_deg=0.5)
    inside = _import(db_session, "in", [(119.0, 32.2), (119.2, 32.3)])
    source, codes, area = _coverage(db_session, inside)
    assert (source, codes) == ("auto", None)
    county_m2 = 1.0 * 111_320 * 0.846 * 1.0 * 110_950  # the 1° × 1° test county, roughly
    assert area == pytest.approx(county_m2, rel=0.05)
    outside = _import(db_session, "out", [(116.0, 30.0), (116.1, 30.0)])  # no division there
    source, _, area = _coverage(db_session, outside)
    assert source == "auto"
    # the hull of two points 9.6 km apart, buffered by 1 km: about 2 km × 11.6 km
    assert 15e6 < area < 30e6


def test_default_coverage_of_a_release_partly_outside_the_divisions(db_session):
    # 3,000 features (more than one group of the hull's), a third inside the county
    load_admin(db_session, "321102", (119.0, 32.2), half_deg=0.5)
    rng = np.random.default_rng(3)
    inside = np.column_stack([rng.uniform(118.6, 119.4, 1000), rng.uniform(31.8, 32.6, 1000)])
    outside = np.column_stack([rng.uniform(116.0, 117.5, 2000), rng.uniform(29.0, 30.5, 2000)])
    release_id = _import(db_session, "mixed", [*inside.tolist(), *outside.tolist()])
    stations = feature_table("monitoring_stations")
    county = feature_table("admin_divisions")
    beyond = ~func.ST_Intersects(
        stations.c.geom, select(func.ST_Union(county.c.geom)).scalar_subquery()
    )
    # the same coverage computed the plain way: one hull over the outside features
    hull = select(
        func.geometry(
            func.ST_Buffer(
                func.geography(func.ST_ConvexHull(func.ST_Collect(stations.c.geom))), 1000
            )
        )
    ).where(stations.c.release_id == release_id, beyond)
    expected = func.ST_Union(
        select(func.ST_Union(county.c.geom)).where(county.c.level == "county").scalar_subquery(),
        hull.scalar_subquery(),
    )
    stored = select(Release.coverage).where(Release.id == release_id).scalar_subquery()
    difference = db_session.scalar(
        select(func.ST_Area(func.geography(func.ST_SymDifference(stored, expected))))
    )
    total = db_session.scalar(select(func.ST_Area(func.geography(stored))))
    assert total > 1e10  # the county (~1e10 m²) and the outside hull (~2.3e10 m²)
    assert difference < total * 1e-6


def test_coverage_by_adcodes_and_by_polygon(db_session):
    load_admin(db_session, "321102", (119.0, 32.2), half_deg=0.5)
    by_codes = _import(db_session, "codes", [(119.0, 32.2)], coverage="32")
    assert _coverage(db_session, by_codes)[:2] == ("adcodes", ["32"])
    square = shapely.set_srid(box(118.0, 31.0, 118.5, 31.5), 4326)
    wkb = shapely.to_wkb(square, include_srid=True)
    by_file = _import(db_session, "file", [(118.2, 31.2)], polygon=wkb)
    assert _coverage(db_session, by_file)[0] == "file"


def test_a_given_coverage_extends_over_the_releases_own_features(db_session):
    """A marine layer given its province's adcodes (land) still covers its stations at sea."""
    load_admin(db_session, "321102", (119.0, 32.2), half_deg=0.5)
    at_sea = [(120.5, 32.2), (120.6, 32.3)]  # east of the division: the sea, in this test
    release_id = _import(db_session, "coast", [(119.0, 32.2), *at_sea], coverage="32")
    source, codes, _ = _coverage(db_session, release_id)
    assert (source, codes) == ("adcodes", ["32"])  # as given, and more
    covered = select(Release.coverage).where(Release.id == release_id).scalar_subquery()
    for lon, lat in [(119.0, 32.2), *at_sea]:
        point = func.ST_SetSRID(func.ST_Point(lon, lat), 4326)
        assert db_session.scalar(select(func.ST_Covers(covered, point))), (lon, lat)
    # the hull of the two stations + 1 km, not the sea between them and the province
    between = func.ST_SetSRID(func.ST_Point(120.0, 32.2), 4326)
    assert not db_session.scalar(select(func.ST_Covers(covered, between)))
    report = session_notes(db_session, release_id)
    assert any("extended over 2 features" in n for n in report)
    # a release all inside its coverage keeps it as given
    inland = _import(db_session, "inland", [(119.0, 32.2)], coverage="32")
    assert not any("extended" in n for n in session_notes(db_session, inland))


def test_a_given_coverage_extends_over_each_feature_outside_not_the_land_between(db_session):
    """Two features outside a given coverage, 220 km apart, add two hulls, not one."""
    load_admin(db_session, "321102", (119.0, 32.2), half_deg=0.5)
    north, south = (120.5, 32.2), (120.5, 30.2)
    release_id = _import(db_session, "apart", [(119.0, 32.2), north, south], coverage="32")
    covered = select(Release.coverage).where(Release.id == release_id).scalar_subquery()

    def covers(lon: float, lat: float) -> bool:
        point = func.ST_SetSRID(func.ST_Point(lon, lat), 4326)
        return bool(db_session.scalar(select(func.ST_Covers(covered, point))))

    assert covers(*north) and covers(*south) and covers(120.5, 32.2 + 0.008)  # + 1 km
    assert not covers(120.5, 31.2)  # between them: nothing of this release there
    assert not covers(120.5, 32.2 + 0.012)


def session_notes(session, release_id: int) -> list[str]:
    return session.get(Release, release_id).import_report["notes"]


def test_an_unknown_adcode_is_refused_and_nothing_stays(db_session):
    load_admin(db_session, "321102", (119.0, 32.2), half_deg=0.5)
    with pytest.raises(CoverageError) as err:
        _import(db_session, "bad", [(119.0, 32.2)], coverage="3401")
    assert err.value.field == "coverage" and "340100" in err.value.detail
    assert db_session.scalar(select(Release.id).where(Release.name == "bad")) is None
    with pytest.raises(CoverageError):
        _import(db_session, "bad2", [(119.0, 32.2)], coverage="3a")


def test_a_coverage_file_of_points_is_refused(tmp_path):
    path = tmp_path / "points.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Point","coordinates":[119,32]}}]}',
        encoding="utf-8",
    )
    with pytest.raises(CoverageError):
        coverage_polygon(path)
