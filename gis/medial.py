"""The centreline of a river polygon: a path through its medial axis (Voronoi skeleton).

The polygon's boundary (banks and islands) is densified to points ``spacing`` apart; the
edges of their Voronoi diagram that lie inside the polygon approximate its medial axis.
The centreline is the path through that skeleton between the skeleton nodes nearest two
given ends, cheapest when each edge costs its length divided by its clearance (distance
to the nearer bank) squared: it keeps to the middle of the widest channel and goes round
islands on the main arm. It is simplified (Douglas–Peucker) at ``tolerance`` as long as
the result stays inside the polygon. Coordinates must be metric (a projected CRS).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon


class MedialAxisError(ValueError):
    """The polygon's skeleton does not connect the two ends."""


def _skeleton(polygon: Polygon, spacing: float) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Nodes (x, y) and edges (i, j) of the polygon's Voronoi skeleton."""
    boundary = shapely.segmentize(polygon.boundary, spacing)
    points = np.unique(shapely.get_coordinates(boundary), axis=0)
    edges = shapely.voronoi_polygons(MultiPoint(points), only_edges=True, extend_to=polygon)
    segments = [s for s in shapely.get_parts(edges) if s.length > 0]
    lines = np.array(segments, dtype=object)
    shapely.prepare(polygon)
    inside = lines[shapely.contains(polygon, lines)]
    coords = np.array([s.coords[:2] for s in inside], dtype=float).reshape(-1, 2)
    nodes, index = np.unique(np.round(coords, 3), axis=0, return_inverse=True)
    pairs = index.reshape(-1, 2)
    return nodes, [(int(a), int(b)) for a, b in pairs if a != b]


def _cheapest_path(
    edges: list[tuple[int, int]], cost: np.ndarray, start: int, end: int
) -> list[int]:
    """Dijkstra from ``start`` to ``end``; the node indices of the path."""
    graph: dict[int, list[tuple[int, float]]] = {}
    for (a, b), c in zip(edges, cost, strict=True):
        graph.setdefault(a, []).append((b, float(c)))
        graph.setdefault(b, []).append((a, float(c)))
    best = {start: 0.0}
    previous: dict[int, int] = {}
    queue = [(0.0, start)]
    while queue:
        d, n = heapq.heappop(queue)
        if n == end:
            break
        if d > best.get(n, np.inf):
            continue
        for m, c in graph.get(n, []):
            if d + c < best.get(m, np.inf):
                best[m] = d + c
                previous[m] = n
                heapq.heappush(queue, (d + c, m))
    if end not in best:
        raise MedialAxisError("the polygon's skeleton does not connect the two ends")
    path = [end]
    while path[-1] != start:
        path.append(previous[path[-1]])
    return path[::-1]


def simplify_inside(line: LineString, polygon: Polygon, tolerance: float) -> LineString:
    """``line`` simplified at ``tolerance`` (halved until it stays covered by ``polygon``)."""
    while tolerance > 1.0:
        simple = line.simplify(tolerance, preserve_topology=False)
        if isinstance(simple, LineString) and polygon.covers(simple):
            return simple
        tolerance /= 2
    return line


def centreline(
    polygon: Polygon,
    start: Point | Sequence[float],
    end: Point | Sequence[float],
    *,
    spacing: float = 200.0,
    tolerance: float = 150.0,
) -> LineString:
    """The medial-axis path of ``polygon`` from near ``start`` to near ``end``.

    Args:
        polygon: a polygon (holes allowed) in a metric CRS.
        start: where the line starts (e.g. the middle of the upstream end of a river
            polygon): the line begins there when it is in straight sight of the skeleton
            node nearest it (less that node's clearance), else at that node.
        end: where it ends (the downstream end).
        spacing: metres between the densified boundary points (finer: closer to the true
            medial axis, slower).
        tolerance: metres of the Douglas–Peucker simplification.

    Raises:
        MedialAxisError: no skeleton path joins the two ends (e.g. they lie in
            different parts).
    """
    nodes, edges = _skeleton(polygon, spacing)
    if not edges:
        raise MedialAxisError("the polygon has no skeleton at this spacing")
    a, b = np.array([e[0] for e in edges]), np.array([e[1] for e in edges])
    length = np.hypot(*(nodes[a] - nodes[b]).T)
    mids = shapely.points((nodes[a] + nodes[b]) / 2)
    clearance = np.maximum(shapely.distance(polygon.boundary, mids), spacing / 10)
    cost = length / clearance**2
    used = np.unique(np.concatenate([a, b]))
    room = shapely.distance(polygon.boundary, shapely.points(nodes[used]))
    tips = [Point(p) if not isinstance(p, Point) else p for p in (start, end)]
    # the node nearest a tip, less its clearance: where the branches from the corners
    # of a channel's end meet, not a point on one of those branches
    near = [
        int(used[np.argmin(np.hypot(nodes[used, 0] - t.x, nodes[used, 1] - t.y) - room)])
        for t in tips
    ]
    coords = [tuple(xy) for xy in nodes[_cheapest_path(edges, cost, near[0], near[1])]]
    for tip, last in ((tips[1], True), (tips[0], False)):  # reach a tip in straight sight
        node = coords[-1] if last else coords[0]
        if tip.distance(Point(node)) > 0 and polygon.covers(LineString([tip, node])):
            coords.insert(len(coords) if last else 0, (tip.x, tip.y))
    return simplify_inside(LineString(coords), polygon, tolerance)
