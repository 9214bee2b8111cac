import pytest

from gis.errors import InvalidGeometryError
from gis.parcels import parse_parcels


def test_plain_xy_lines_make_one_polygon_with_northing_first():
    text = (
        "3535000,40525000\n3535000,40526000\n3536000,40526000\n3536000,40525000\n3535000,40525000\n"
    )
    [parcel] = parse_parcels(text)
    geom = parcel.geometry()
    assert geom.geom_type == "Polygon"
    minx, miny, maxx, maxy = geom.bounds
    assert (minx, miny, maxx, maxy) == (40525000, 3535000, 40526000, 3536000)


def test_point_number_and_ring_columns_with_hole():
    text = """[属性描述]
坐标系=2000国家大地坐标系
[地块坐标]
5,1.0,1,示范地块,面,,,,@
J1,1,3535000,525000
J2,1,3535000,527000
J3,1,3537000,527000
J4,1,3537000,525000
J1,1,3535000,525000
K1,2,3535500,525500
K2,2,3535500,526000
K3,2,3536000,526000
K1,2,3535500,525500
"""
    [parcel] = parse_parcels(text)
    assert parcel.name == "示范地块"
    geom = parcel.geometry()
    assert geom.geom_type == "Polygon"
    assert len(geom.interiors) == 1
    assert geom.area == pytest.approx(2000 * 2000 - 0.5 * 500 * 500)


def test_two_parcels_and_chinese_commas():
    text = "3,,A1,地块A,面,@\nJ1，3535000，525000\nJ2，3535000，526000\nJ3，3536000，526000\n3,,B1,地块B,面,@\nJ1,3540000,525000\nJ2,3540000,526000\nJ3,3541000,526000\n"
    parcels = parse_parcels(text)
    assert [p.name for p in parcels] == ["地块A", "地块B"]
    assert all(p.geometry().geom_type == "Polygon" for p in parcels)


def test_single_point_is_a_point():
    [parcel] = parse_parcels("J1,3535000,525000\n")
    assert parcel.geometry().geom_type == "Point"


def test_empty_file_is_refused_with_format_hint():
    with pytest.raises(InvalidGeometryError) as info:
        parse_parcels("no coordinates here\n")
    assert "点号" in info.value.detail


def test_malformed_line_after_coordinates_names_the_line():
    with pytest.raises(InvalidGeometryError) as info:
        parse_parcels("J1,3535000,525000\nJ2,abc,def\n")
    assert "Line 2" in info.value.detail
