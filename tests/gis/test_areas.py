import numpy as np
import shapely
from pyproj import Geod

from gis.geometry import ellipsoidal_areas_m2

GEOD = Geod(ellps="WGS84")


def test_equal_area_matches_geodesic_area_across_china():
    geoms = [
        shapely.box(120.2, 31.8, 120.3, 31.9),  # ~10 km at Jiangyin
        shapely.box(115.8, 28.6, 115.82, 28.62),  # ~2 km at Nanchang
        shapely.Point(119.0, 34.0).buffer(0.05, quad_segs=32),
        shapely.box(100.0, 40.0, 100.001, 40.001),  # ~100 m in the north-west
    ]
    ours = ellipsoidal_areas_m2(np.array(geoms, dtype=object))
    reference = [abs(GEOD.geometry_area_perimeter(g)[0]) for g in geoms]
    np.testing.assert_allclose(ours, reference, rtol=1e-4)


def test_points_and_lines_have_no_area():
    ours = ellipsoidal_areas_m2(
        np.array([shapely.Point(120, 32), shapely.LineString([(120, 32), (121, 32)])], dtype=object)
    )
    assert list(ours) == [0.0, 0.0]
