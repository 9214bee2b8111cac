"""The medial-axis centreline of a river polygon (gis.medial)."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from gis.medial import MedialAxisError, centreline, simplify_inside

#: A 20 km × 1 km channel (metres) with an island splitting it at 8–12 km into a 600 m
#: northern arm and a 200 m southern arm.
ISLAND = box(8_000, 200, 12_000, 400)
CHANNEL = Polygon(box(0, 0, 20_000, 1_000).exterior.coords, [ISLAND.exterior.coords])


def test_medial_centreline_runs_mid_channel_from_end_to_end():
    line = centreline(CHANNEL, (0, 500), (20_000, 500), spacing=100, tolerance=50)
    assert CHANNEL.covers(line)
    assert line.coords[0] == (0, 500)
    assert line.coords[-1] == (20_000, 500)
    xs = np.array(line.coords)[:, 0]
    assert (np.diff(xs) >= 0).all()  # west to east, no turn back
    # outside the island's reach it keeps to the middle of the channel
    for x in (2_000, 5_000, 15_000, 18_000):
        y = LineString([(x, 0), (x, 1_000)]).intersection(line)
        assert abs(y.y - 500) < 60, (x, y)


def test_medial_centreline_goes_round_an_island_on_the_wider_arm():
    line = centreline(CHANNEL, (0, 500), (20_000, 500), spacing=100, tolerance=50)
    y = LineString([(10_000, 0), (10_000, 1_000)]).intersection(line)
    assert abs(y.y - 700) < 60  # the middle of the 600 m northern arm (400–1000)


def test_medial_centreline_follows_a_bend_inside_the_polygon():
    bend = LineString([(0, 0), (10_000, 0), (10_000, 10_000)]).buffer(400, cap_style="flat")
    line = centreline(bend, (0, 0), (10_000, 10_000), spacing=100, tolerance=200)
    assert bend.covers(line)
    assert line.length > 19_000  # it turns the corner, it does not cut it
    assert line.coords[0] == (0, 0)  # the tips, in the middle of the ends
    assert min(bend.boundary.distance(Point(c)) for c in line.coords[1:-1]) > 250


def test_simplify_inside_gives_up_tolerance_rather_than_leave_the_polygon():
    zigzag = LineString([(0, 0), (1_000, 300), (2_000, 0), (3_000, 300), (4_000, 0)])
    polygon = zigzag.buffer(50)
    simple = simplify_inside(zigzag, polygon, 500)
    assert polygon.covers(simple)
    assert len(simple.coords) == 5


def test_medial_centreline_between_separate_parts_is_refused():
    two = box(0, 0, 1_000, 100).union(box(2_000, 0, 3_000, 100))
    with pytest.raises(MedialAxisError):
        centreline(two, (0, 50), (3_000, 50))
