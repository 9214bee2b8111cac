"""方位: geodesic azimuth and its 16-point names."""

import pytest
from pyproj import Geod

from gis.bearing import POINTS_EN, POINTS_ZH, azimuth, compass, point_index

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize("i", range(16))
def test_each_sector_centre_names_its_point(i):
    lon, lat, _ = GEOD.fwd(119.0, 32.0, i * 22.5, 1500.0)
    az = azimuth(119.0, 32.0, lon, lat)
    assert az is not None
    assert az == pytest.approx((i * 22.5) % 360, abs=1e-6)
    assert compass(az) == (POINTS_EN[i], POINTS_ZH[i])


def test_sector_edges_round_clockwise():
    assert point_index(11.24) == 0
    assert point_index(11.26) == 1
    assert point_index(348.76) == 0
    assert point_index(348.74) == 15
    assert compass(100.0) == ("E", "东")
    assert compass(200.0) == ("SSW", "南西南")


def test_same_point_has_no_bearing():
    assert azimuth(119.0, 32.0, 119.0, 32.0) is None
    assert compass(None) == ("—", "—")
