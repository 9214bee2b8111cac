"""Typed-in coordinates: lon/lat in either order, CGCS2000 Gauss-Krüger x/y and its zone."""

import pytest
from pyproj import CRS

from gis.coords import gk_epsg, parse_point
from gis.crs import gauss_kruger


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120.27, 31.955", (120.27, 31.955)),
        ("31.955 120.27", (120.27, 31.955)),
        ("E120.27° N31.955°", (120.27, 31.955)),
        # degrees, minutes and seconds as EIA reports write them
        ("东经120°16′12″，北纬31°57′18″", (120.27, 31.955)),
        ("31°57'18\"N 120°16'12\"E", (120.27, 31.955)),
        ("120度16分12秒 31度57分18秒", (120.27, 31.955)),
        ("120°16.2′, 31°57.3′", (120.27, 31.955)),
    ],
)
def test_parse_point_reads_lon_lat_in_either_order(text, expected):
    point = parse_point(text)
    assert (point.lon, point.lat) == pytest.approx(expected)


def test_parse_point_plain_gk_easting_needs_a_nearby_longitude():
    assert parse_point("3538000 525000") is None
    point = parse_point("3538000 525000", near_lon=120.5)
    assert point.lon == pytest.approx(120.264, abs=0.01)


@pytest.mark.parametrize(
    ("easting", "near_lon", "epsg"),
    [
        (40_525_000, None, 4528),  # 3° zone 40 by its prefix
        (21_525_000, None, 4499),  # 6° zone 21 by its prefix
        (525_000, 120.5, 4549),  # no prefix: the 3° zone of CM 120E
        (525_000, None, None),  # no prefix, no hint
        (24_525_000, None, None),  # 24 is neither a 3° nor a 6° zone here
        (525_000, 60.0, None),  # CM 60E is outside China's zones
    ],
)
def test_gk_epsg_names_the_zone_of_an_easting(easting, near_lon, epsg):
    assert gk_epsg(easting, near_lon) == epsg


def test_gk_epsg_codes_agree_with_the_crs_definitions():
    assert gauss_kruger(CRS.from_epsg(gk_epsg(40_525_000, None))).zones == (40,)
    assert gauss_kruger(CRS.from_epsg(gk_epsg(525_000, 120.5))).central_meridian == 120.0


def test_parse_point_reads_gauss_kruger_in_either_order_and_names_the_zone():
    surveyed = parse_point("X=3538000 Y=40525000")
    swapped = parse_point("40525000, 3538000")
    assert surveyed == swapped
    assert "EPSG:4528" in surveyed.how
    assert (surveyed.lon, surveyed.lat) == pytest.approx((120.264, 31.965), abs=0.01)


@pytest.mark.parametrize(
    "text",
    [
        "120.27",
        "1 2 3",
        "0, 0",
        "3538000 60525000",
        "hello",
        "120°75′ 31°57′",  # 75 minutes
        "120°16′ 31°57′ 18",  # a number outside the angles
        "120°16′12″",  # one angle
    ],
)
def test_parse_point_refuses_what_is_not_one_point_in_china(text):
    assert parse_point(text) is None
