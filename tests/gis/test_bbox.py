import math

import pytest

from gis.bbox import parse_bbox
from gis.crs import api_crs
from gis.errors import InvalidBBoxError


def test_parse_bbox_reads_lon_lat_and_drops_heights():
    assert parse_bbox("119,31,119.5,31.5") == (119.0, 31.0, 119.5, 31.5)
    assert parse_bbox("119,31,0,119.5,31.5,10") == (119.0, 31.0, 119.5, 31.5)


def test_parse_bbox_swaps_a_lat_first_crs_into_x_y_order():
    epsg4326 = api_crs("http://www.opengis.net/def/crs/EPSG/0/4326")
    assert parse_bbox("31,119,31.5,119.5", epsg4326) == (119.0, 31.0, 119.5, 31.5)


@pytest.mark.parametrize(
    "text", ["1,2,3", "a,b,c,d", "10,10,5,5", "0,-100,1,1", f"0,0,{math.inf},1", "nan,0,1,1"]
)
def test_parse_bbox_refuses_naming_the_field(text):
    with pytest.raises(InvalidBBoxError) as info:
        parse_bbox(text)
    assert info.value.field == "bbox"
