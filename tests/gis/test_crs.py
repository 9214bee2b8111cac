import numpy as np
import pytest
from pyproj import CRS

from gis.crs import (
    diagnose_outside_china,
    gauss_kruger,
    normalise_gk_easting,
    parse_crs,
    to_wgs84,
)
from gis.errors import OutOfChinaError, UnknownCRSError
from gis.offsets import gcj02_to_wgs84


@pytest.mark.parametrize(
    ("text", "epsg"),
    [
        ("EPSG:4490", 4490),
        ("4528", 4528),
        ("CGCS2000", 4490),
        ("wgs84", 4326),
        ("http://www.opengis.net/def/crs/EPSG/0/4549", 4549),
        ("EPSG:2364", 2364),
        ("urn:ogc:def:crs:EPSG::4527", 4527),
        ("urn:ogc:def:crs:EPSG:6.3:4490", 4490),
    ],
)
def test_parse_crs_accepts_common_spellings(text, epsg):
    assert parse_crs(text).to_epsg() == epsg


def test_api_crs_reads_the_ogc_urn_forms():
    """WFS and GML clients name a CRS by its OGC URN; the answer is the same CRS."""
    from gis.crs import CRS84_API, api_crs

    assert api_crs("urn:ogc:def:crs:EPSG::4527") == api_crs("EPSG:4527")
    assert api_crs("urn:ogc:def:crs:EPSG:9.8.15:4490") == api_crs("EPSG:4490")
    assert api_crs("urn:ogc:def:crs:OGC:1.3:CRS84") is CRS84_API
    assert api_crs("urn:ogc:def:crs:OGC::CRS84") is CRS84_API
    for unknown in ("urn:ogc:def:crs:EPSG::999999", "urn:ogc:def:crs:FOO::4527", "urn:ogc:def"):
        with pytest.raises(UnknownCRSError):
            api_crs(unknown)


def test_parse_crs_rejects_unknown_with_field_and_example():
    with pytest.raises(UnknownCRSError) as info:
        parse_crs("EPSG:999999")
    assert info.value.field == "crs"
    assert "EPSG:4490" in info.value.detail


def test_gauss_kruger_knows_prefix_and_zone():
    prefixed = gauss_kruger(CRS.from_epsg(4528))
    plain = gauss_kruger(CRS.from_epsg(4549))
    assert prefixed is not None and prefixed.prefixed and prefixed.zones == (40,)
    assert plain is not None and not plain.prefixed and 40 in plain.zones
    assert gauss_kruger(CRS.from_epsg(4490)) is None
    assert gauss_kruger(CRS.from_epsg(3857)) is None  # Mercator is not GK


def test_normalise_strips_matching_prefix_for_plain_crs():
    eastings = np.array([40_512_345.6, 40_498_000.0])
    fixed, note = normalise_gk_easting(eastings, CRS.from_epsg(4549))
    np.testing.assert_allclose(fixed, [512_345.6, 498_000.0])
    assert note is not None and "removed zone prefix 40" in note


def test_normalise_adds_prefix_for_prefixed_crs():
    fixed, note = normalise_gk_easting(np.array([512_345.6]), CRS.from_epsg(4528))
    np.testing.assert_allclose(fixed, [40_512_345.6])
    assert note is not None and "added" in note


def test_normalise_refuses_prefix_of_another_zone():
    with pytest.raises(OutOfChinaError) as info:
        normalise_gk_easting(np.array([39_512_345.6]), CRS.from_epsg(4549))
    assert "39" in info.value.detail and "zone 39" in info.value.detail


def test_normalise_leaves_consistent_data_alone():
    eastings = np.array([40_512_345.6])
    fixed, note = normalise_gk_easting(eastings, CRS.from_epsg(4528))
    assert note is None and fixed[0] == eastings[0]


def test_diagnose_degrees_declared_as_metres():
    msg = diagnose_outside_china(np.array([120.27]), np.array([31.95]), CRS.from_epsg(4549))
    assert "degrees" in msg and "EPSG:4490" in msg


def test_diagnose_metres_declared_as_degrees():
    msg = diagnose_outside_china(
        np.array([525_000.0]), np.array([3_535_000.0]), CRS.from_epsg(4490)
    )
    assert "metres" in msg and "EPSG:4528" in msg


def test_diagnose_swapped_axes():
    # northing first, easting second, read as x/y of CGCS2000 / CM 120E
    msg = diagnose_outside_china(
        np.array([3_535_000.0]), np.array([525_000.0]), CRS.from_epsg(4549)
    )
    assert "swap" in msg


def test_diagnose_swapped_lat_lon():
    msg = diagnose_outside_china(np.array([31.95]), np.array([120.27]), CRS.from_epsg(4326))
    assert "swap" in msg


def test_degrees_per_metre_bounds_every_geodesic_circle():
    """Box and planar pre-tests never drop a point within the distance (checked with pyproj)."""
    import math
    import random

    from pyproj import Geod

    from gis.crs import CHINA_BOUNDS, degrees_per_metre

    geod = Geod(ellps="WGS84")
    rnd = random.Random(5)  # noqa: S311 - reproducible test points
    cases = [(rnd.uniform(-88, 88), rnd.uniform(0, 1_000_000)) for _ in range(3000)]
    cases += [(89.5, 10.0), (0.0, 0.0), (53.6, 50_000.0)]
    for lat, metres in cases:
        k = degrees_per_metre(lat, metres)
        for az in range(0, 360, 10):
            lon2, lat2, _ = geod.fwd(100.0, lat, az, metres)
            dx = abs((lon2 - 100.0 + 180.0) % 360.0 - 180.0)
            assert dx <= metres * k.lon + 1e-9, (lat, metres, az)
            assert abs(lat2 - lat) <= metres * k.lat + 1e-9, (lat, metres, az)
            assert math.hypot(dx, lat2 - lat) <= metres * k.planar + 1e-9
    # symmetric: a point anywhere within the distance of a point in China is covered by
    # the China-wide bound (what the filters use where the latitude is not known ahead)
    for _ in range(2000):
        lat, metres = rnd.uniform(18, CHINA_BOUNDS[3]), rnd.uniform(0, 1_000_000)
        k = degrees_per_metre(CHINA_BOUNDS[3], metres)
        lon2, lat2, _ = geod.fwd(110.0, lat, rnd.uniform(0, 360), metres)
        assert abs(lon2 - 110.0) <= metres * k.lon + 1e-9
        assert abs(lat2 - lat) <= metres * k.lat + 1e-9
    # and it is tighter than a bound for every latitude: at 32°N, 1 km is ~0.0107° of longitude
    assert degrees_per_metre(32.0, 1000.0).lon * 1000.0 < 0.011


def test_to_wgs84_transforms_gauss_kruger_and_notes_a_removed_prefix():
    zone40 = CRS.from_epsg(4549)  # CGCS2000 3-degree GK, central meridian 120°E, no prefix
    out = to_wgs84(np.array([40_500_000.0]), np.array([3_540_000.0]), zone40)
    assert out.lon[0] == pytest.approx(120.0, abs=1e-6)
    assert 31.9 < out.lat[0] < 32.0
    assert out.notes and "removed zone prefix 40" in out.notes[0]


def test_to_wgs84_keeps_lonlat_and_applies_a_correction():
    lon, lat = np.array([119.0, 119.5]), np.array([31.0, 31.5])
    same = to_wgs84(lon, lat, None)
    assert same.lon.tolist() == lon.tolist() and same.notes == ()
    cgcs = to_wgs84(lon, lat, CRS.from_epsg(4490))
    assert cgcs.lon.tolist() == lon.tolist()
    corrected = to_wgs84(lon, lat, None, correction=(gcj02_to_wgs84, "from GCJ-02"))
    assert corrected.notes == ("from GCJ-02",)
    assert 0 < abs(corrected.lon[0] - 119.0) < 0.01


def test_to_wgs84_refuses_points_outside_china_with_the_callers_field_and_message():
    lon, lat = np.array([119.0, 2.0]), np.array([31.0, 48.0])
    with pytest.raises(OutOfChinaError) as info:
        to_wgs84(lon, lat, None, field="geometry")
    assert info.value.field == "geometry"
    assert "not in China" in info.value.detail
    with pytest.raises(OutOfChinaError) as info:
        to_wgs84(lon, lat, None, detail="项目坐标不在中国范围内")
    assert (info.value.field, info.value.detail) == ("crs", "项目坐标不在中国范围内")
    # a share: half inside is enough for min_inside=0.5, not for a third point outside
    assert to_wgs84(lon, lat, None, min_inside=0.5).lon.size == 2
    with pytest.raises(OutOfChinaError):
        to_wgs84(np.append(lon, np.nan), np.append(lat, 31.0), None, min_inside=0.5)
