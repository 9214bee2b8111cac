"""Building the directed river network of a water release: noding, flow direction, edges.

The line features of the water collection's release in force are cut into reaches at
every junction (an end of one line on another line, to 1e-6°), and each reach becomes a
directed edge whose geometry runs with the flow. The direction of a feature is decided,
first rule that applies:

1. ``override``: an entry of the overrides file (canals, reaches elevation cannot decide)
   naming the feature's river and, optionally, a box; the reach is turned to flow toward
   the entry's ``flows_to`` point, or both ways (``both_ways``);
2. ``imported``: the feature's own ``flow_direction`` (``forward``/``reverse``/``both``,
   kept in ``props``), or every feature when the build is ``directed``;
3. ``centreline``: a line of the release marked ``centreline: true`` in its props (the
   centreline of the polygon of the same name, digitised downstream, such as the demo's
   derived 长江 mainstem) keeps its own order; another feature runs with such a line, or
   with the ``centreline`` given to the build (a file), when both its ends lie within
   :data:`CENTRELINE_NEAR_M` of it, and a bank line of that polygon (a line of the same
   name whose ends lie within :data:`BANK_NEAR_M` of the polygon: the NGCC 长江's bank
   lines run far past the 2 km, up to 200 km long) runs with its centreline too, however
   far its ends lie from it;
4. ``elevation``: a DEM sampled at the feature's two ends, when they differ by at least
   :data:`MIN_DROP_M` (water runs downhill; flat canals stay undecided);
5. ``vertex_order``: the digitising order (hydrographic lines are digitised downstream).

A river ending in a polygon that has a centreline (the NGCC 长江 is a double-bank polygon:
its tributaries end on its banks) is joined to that centreline by a straight reach from
its end to the nearest point of the centreline, flowing as the river does (into the
centreline from its downstream end, out of it from its upstream end: a canal drawing
water). Every direction but ``imported`` is ``derived``; a network is derived unless all
of its edges were imported. Edges are stored with their geodesic length
(``ST_Length(geom::geography)``) as cost and ``reverse_cost`` -1 (one way) for pgRouting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import shapely
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely import wkb
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, nearest_points, substring
from shapely.strtree import STRtree
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gis.civil_time import today
from layers.errors import InvalidNetworkQueryError, ReleaseNotFoundError
from layers.store.models import feature_table
from layers.store.rasters import RasterSettings, raster_in_force
from layers.store.releases import release_as_of

#: Degrees within which two line ends are one node (about 0.1 m).
NODE_DEG = 1e-6
#: Metres of elevation difference between a feature's ends that decide its direction.
MIN_DROP_M = 1.0
#: Metres within which both ends of a feature must lie of a centreline to follow it.
CENTRELINE_NEAR_M = 2_000.0
#: Metres within which both ends of a line must lie of a polygon of the same name that has
#: a centreline to count as one of its banks.
BANK_NEAR_M = 1_000.0
#: The props key marking a line as the centreline of the polygon of the same name.
CENTRELINE_PROP = "centreline"
#: Values of that key that mean yes (a file's boolean may come back as a number or text).
TRUE_VALUES = frozenset({"true", "1", "1.0", "yes", "是"})
#: The default overrides file (京杭运河 sections and other reaches elevation cannot orient).
DEFAULT_OVERRIDES = Path(__file__).resolve().parents[2] / "data" / "network_overrides.yaml"
#: Values of a feature's ``flow_direction`` and what they mean.
FLOW_VALUES = {
    "forward": "forward",
    "1": "forward",
    "顺向": "forward",
    "reverse": "reverse",
    "-1": "reverse",
    "逆向": "reverse",
    "both": "both",
    "0": "both",
    "双向": "both",
}


class Override(BaseModel):
    """One entry of the overrides file: a river (section) and where it flows."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    #: [lon, lat]: the reach is turned so that its end is nearer this point than its start.
    flows_to: tuple[float, float] | None = None
    #: [west, south, east, north]: only reaches of ``name`` meeting this box.
    bbox: tuple[float, float, float, float] | None = None
    both_ways: bool = False
    source: str = ""

    def matches(self, name: str, line: BaseGeometry) -> bool:
        """Whether the override is about this reach (its name and, when given, its box)."""
        if name != self.name:
            return False
        if self.bbox is None:
            return True
        w, s, e, n = self.bbox
        x0, y0, x1, y1 = line.bounds
        return not (x1 < w or x0 > e or y1 < s or y0 > n)


class OverridesFile(BaseModel):
    """The overrides file: ``overrides:`` a list of :class:`Override`."""

    model_config = ConfigDict(extra="forbid")

    overrides: list[Override] = Field(default_factory=list)


def read_overrides(path: Path) -> list[Override]:
    """The overrides of a YAML file.

    Raises:
        InvalidNetworkQueryError: the file is missing or not a valid overrides file.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return OverridesFile.model_validate(raw).overrides
    except OSError as exc:
        raise InvalidNetworkQueryError(
            f"Cannot read the overrides file '{path.name}': {exc.strerror}.", field="overrides"
        ) from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise InvalidNetworkQueryError(
            f"'{path.name}' is not an overrides file (overrides: [{{name, flows_to | "
            f"both_ways, bbox?, source}}]): {str(exc).splitlines()[0]}",
            field="overrides",
        ) from None


def read_centreline(path: Path) -> LineString:
    """A directed centreline (its lines joined in digitising order) from a vector file.

    Raises:
        InvalidNetworkQueryError: the file cannot be read or holds no line.
    """
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several GDAL error types
        raise InvalidNetworkQueryError(
            f"Cannot read the centreline '{path.name}': {exc}.", field="centreline"
        ) from None
    if frame.crs is not None and frame.crs.to_epsg() not in (4326, 4490):
        frame = frame.to_crs("EPSG:4326")
    parts = [p for g in frame.geometry if g is not None for p in _lines(g)]
    line = _merge(parts) if parts else None
    if line is None:
        raise InvalidNetworkQueryError(
            f"'{path.name}' holds no single connected line to use as a centreline.",
            field="centreline",
        )
    return line


class Elevation:
    """A DEM (any GDAL raster) sampled at points in lon/lat; None off the raster or nodata."""

    def __init__(self, path: Path) -> None:
        """Open the raster (kept open for the build; :meth:`close` closes it)."""
        import rasterio
        from rasterio.errors import RasterioIOError

        self._env = rasterio.Env(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR")
        self._env.__enter__()
        try:
            self._src = rasterio.open(path)
        except RasterioIOError as exc:
            self._env.__exit__(None, None, None)
            raise InvalidNetworkQueryError(
                f"Cannot read the DEM '{path.name}': {exc}.", field="dem"
            ) from None
        from pyproj import Transformer

        crs = self._src.crs
        self._to_raster = (
            None
            if crs is None or crs.to_epsg() == 4326
            else Transformer.from_crs("EPSG:4326", crs.to_wkt(), always_xy=True)
        )

    def at(self, points: Sequence[tuple[float, float]]) -> list[float | None]:
        """Elevation (the raster's unit, metres for a DEM) at each lon/lat point."""
        xy = [self._to_raster.transform(x, y) for x, y in points] if self._to_raster else points
        nodata = self._src.nodata
        left, bottom, right, top = self._src.bounds
        out: list[float | None] = []
        for (x, y), values in zip(xy, self._src.sample(list(xy), indexes=1), strict=True):
            v = float(values[0])
            inside = left <= x <= right and bottom <= y <= top
            out.append(v if inside and (nodata is None or v != nodata) and v == v else None)
        return out

    def close(self) -> None:
        """Close the raster."""
        self._src.close()
        self._env.__exit__(None, None, None)


@dataclass
class NetworkReport:
    """What a build did: the network, its edges and how their directions were decided."""

    network_id: int
    release_id: int
    release_name: str
    features: int
    edges: int
    nodes: int
    derived: bool
    directions: dict[str, int] = field(default_factory=dict)
    both_ways: int = 0
    #: river ends joined to a polygon's centreline
    joined: int = 0


@dataclass
class _Feature:
    id: int
    name: str
    line: LineString
    flow: str | None  # imported flow_direction, normalised
    centreline: bool = False  # the centreline of the polygon of the same name


@dataclass(frozen=True)
class _Guide:
    """A directed centreline the features beside it flow with."""

    line: LineString
    #: the name of the polygon it is the centreline of (None: a file given to the build)
    name: str | None = None
    #: the parts of that polygon it runs through (its bank lines lie along them)
    parts: tuple[BaseGeometry, ...] = ()


def _lines(geom: BaseGeometry) -> list[LineString]:
    """The parts of a (multi)line, each merged where possible (direction kept)."""
    if isinstance(geom, LineString):
        return [geom] if geom.length > 0 else []
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, LineString) and g.length > 0]
    return parts


def _merge(parts: list[LineString]) -> LineString | None:
    """One line of a feature's parts when they join end to start, else None."""
    if len(parts) == 1:
        return parts[0]
    merged = linemerge(parts)
    if isinstance(merged, LineString):
        first = Point(parts[0].coords[0])
        if Point(merged.coords[-1]).distance(first) < Point(merged.coords[0]).distance(first):
            merged = LineString(merged.coords[::-1])
        return merged
    return None


def _key(x: float, y: float) -> tuple[int, int]:
    return round(x / NODE_DEG), round(y / NODE_DEG)


def _split(lines: list[LineString]) -> list[list[LineString]]:
    """Each line cut at every end of another line lying on it (and at its own junctions)."""
    tree = STRtree(lines)
    cuts: list[set[float]] = [set() for _ in lines]
    for line in lines:
        for end in (Point(line.coords[0]), Point(line.coords[-1])):
            for i in tree.query(end.buffer(NODE_DEG)):
                other = lines[int(i)]
                if other.distance(end) <= NODE_DEG:
                    at = other.project(end)
                    if NODE_DEG < at < other.length - NODE_DEG:
                        cuts[int(i)].add(at)
    pieces: list[list[LineString]] = []
    for line, at in zip(lines, cuts, strict=True):
        marks = [0.0, *sorted(at), line.length]
        own = [substring(line, a, b) for a, b in pairwise(marks) if b > a]
        pieces.append([p for p in own if isinstance(p, LineString) and p.length > 0])
    return pieces


def _toward(line: BaseGeometry, target: tuple[float, float]) -> bool:
    """Whether the line's end is nearer ``target`` than its start (it flows toward it)."""
    end, start = Point(line.coords[-1]), Point(line.coords[0])
    return bool(end.distance(Point(target)) <= start.distance(Point(target)))


def _read_features(session: Session, collection: str, release_id: int) -> list[_Feature]:
    table = feature_table(collection)
    rows = session.execute(
        select(
            table.c.id,
            table.c.name,
            table.c.props,
            func.ST_AsBinary(table.c.geom),
        )
        .where(table.c.release_id == release_id, func.ST_Dimension(table.c.geom) == 1)
        .order_by(table.c.id)
    ).all()
    out = []
    for fid, name, props, geom in rows:
        raw = (props or {}).get("flow_direction")
        flow = FLOW_VALUES.get(str(raw).strip().lower()) if raw is not None else None
        axis = str((props or {}).get(CENTRELINE_PROP)).strip().lower() in TRUE_VALUES
        for part in _lines(wkb.loads(bytes(geom))):
            out.append(_Feature(int(fid), name or "", part, flow, axis))
    return out


def _centreline_polygons(
    session: Session, collection: str, release_id: int, axes: list[_Feature]
) -> list[tuple[BaseGeometry, _Feature]]:
    """(polygon part, centreline) pairs: the parts of the same-named polygons each crosses."""
    if not axes:
        return []
    table = feature_table(collection)
    rows = session.execute(
        select(table.c.name, func.ST_AsBinary(table.c.geom)).where(
            table.c.release_id == release_id,
            func.ST_Dimension(table.c.geom) == 2,
            table.c.name.in_(sorted({a.name for a in axes})),
        )
    ).all()
    pairs = []
    for name, geom in rows:
        for part in shapely.get_parts(wkb.loads(bytes(geom))):
            for axis in axes:
                if axis.name == name and part.intersects(axis.line):
                    pairs.append((part, axis))
    return pairs


def _joins(
    feats: list[_Feature],
    decided: list[tuple[str, bool, bool]],
    pairs: list[tuple[BaseGeometry, _Feature]],
) -> list[tuple[_Feature, tuple[str, bool, bool]]]:
    """Reaches joining the rivers that end in a polygon to its centreline (flow order)."""
    out = []
    for feat, (how, reverse, both) in zip(feats, decided, strict=True):
        if feat.centreline:
            continue
        line = LineString(feat.line.coords[::-1]) if reverse else feat.line
        for downstream, xy in ((False, line.coords[0]), (True, line.coords[-1])):
            end = Point(xy[0], xy[1])
            for part, axis in pairs:
                if axis.name == feat.name or part.distance(end) > NODE_DEG:
                    continue
                on = axis.line.interpolate(axis.line.project(end))
                if on.distance(end) > NODE_DEG:
                    join = LineString([end, on] if downstream else [on, end])
                    out.append((_Feature(feat.id, feat.name, join, None), (how, False, both)))
                break
    return out


def _decide(
    feat: _Feature,
    *,
    overrides: list[Override],
    directed: bool,
    guides: list[_Guide],
    elevation: Elevation | None,
) -> tuple[str, bool, bool]:
    """(direction source, reverse the digitised order?, both ways?) of a feature."""
    for o in overrides:
        if o.matches(feat.name, feat.line):
            if o.both_ways:
                return "override", False, True
            if o.flows_to is not None:
                return "override", not _toward(feat.line, o.flows_to), False
    if feat.flow is not None or directed:
        flow = feat.flow or "forward"
        return "imported", flow == "reverse", flow == "both"
    if feat.centreline:
        return "centreline", False, False
    from pyproj import Geod  # the build's alone: an API worker never loads it for this

    geod = Geod(ellps="WGS84")
    ends = [Point(feat.line.coords[0]), Point(feat.line.coords[-1])]

    def within(geom: BaseGeometry, metres: float) -> bool:
        for p in ends:
            q = nearest_points(geom, p)[0]
            if geod.inv(p.x, p.y, q.x, q.y)[2] > metres:
                return False
        return True

    for guide in guides:
        located = [guide.line.project(p) for p in ends]
        if located[0] == located[1]:
            continue
        if within(guide.line, CENTRELINE_NEAR_M) or (
            feat.name == guide.name and any(within(part, BANK_NEAR_M) for part in guide.parts)
        ):
            return "centreline", located[1] < located[0], False
    if elevation is not None:
        high, low = elevation.at([(p.x, p.y) for p in ends])
        if high is not None and low is not None and abs(high - low) >= MIN_DROP_M:
            return "elevation", low > high, False
    return "vertex_order", False, False


def build_network(
    session: Session,
    *,
    collection: str = "water_bodies",
    as_of: date | None = None,
    overrides: Path | None = None,
    dem: Path | None = None,
    centreline: LineString | None = None,
    directed: bool = False,
) -> NetworkReport:
    """Build (or rebuild) the directed network of the water release in force on ``as_of``.

    The previous network of that release is replaced in the same transaction; the
    caller commits. ``overrides`` defaults to :data:`DEFAULT_OVERRIDES`; ``dem`` to the
    file of the ``dem`` raster release in force on ``as_of`` (none stored: no elevation).

    Raises:
        ReleaseNotFoundError: the collection has no release in force on ``as_of``.
        InvalidNetworkQueryError: the release has no line features, or an unreadable
            overrides file or DEM.
    """
    day = as_of or today()
    rules = read_overrides(overrides or DEFAULT_OVERRIDES)
    release = release_as_of(session, collection, day)
    if release is None:
        raise ReleaseNotFoundError(
            f"Collection '{collection}' has no release in force on {day}.", field="collection"
        )
    features = _read_features(session, collection, release.id)
    if not features:
        raise InvalidNetworkQueryError(
            f"Release '{release.name}' of '{collection}' has no line features to build a "
            "river network from.",
            field="collection",
        )
    merged: list[_Feature] = []
    by_id: dict[int, list[_Feature]] = {}
    for f in features:
        by_id.setdefault(f.id, []).append(f)
    for parts in by_id.values():
        line = _merge([p.line for p in parts])
        if line is not None:
            first = parts[0]
            merged.append(_Feature(first.id, first.name, line, first.flow, first.centreline))
        else:
            merged.extend(parts)
    if dem is None:  # the DEM raster release in force, when one is stored
        stored = raster_in_force(session, "dem", day, RasterSettings().data_dir)
        dem = stored.path if stored is not None and stored.path.exists() else None
    grid = Elevation(dem) if dem is not None else None
    axes = [f for f in merged if f.centreline]
    pairs = _centreline_polygons(session, collection, release.id, axes)
    guides = ([_Guide(centreline)] if centreline is not None else []) + [
        _Guide(a.line, a.name, tuple(part for part, axis in pairs if axis is a)) for a in axes
    ]
    try:
        decided = [
            _decide(f, overrides=rules, directed=directed, guides=guides, elevation=grid)
            for f in merged
        ]
    finally:
        if grid is not None:
            grid.close()
    joins = _joins(merged, decided, pairs)
    merged += [f for f, _ in joins]
    decided += [d for _, d in joins]
    pieces = _split([f.line for f in merged])
    nodes: dict[tuple[int, int], int] = {}

    def node(x: float, y: float) -> int:
        return nodes.setdefault(_key(x, y), len(nodes) + 1)

    rows: dict[str, list[Any]] = {
        k: [] for k in ("src", "dst", "fid", "name", "dir", "two_way", "wkb")
    }
    counts: dict[str, int] = {}
    both_ways = 0

    def _add(line: LineString, feat: _Feature, how: str, both: bool) -> None:
        nonlocal both_ways
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        a, b = node(x0, y0), node(x1, y1)
        if a == b:
            return  # a degenerate piece (shorter than a node's size)
        rows["src"].append(a)
        rows["dst"].append(b)
        rows["fid"].append(feat.id)
        rows["name"].append(feat.name)
        rows["dir"].append(how)
        rows["two_way"].append(both)
        rows["wkb"].append(line.wkb)
        counts[how] = counts.get(how, 0) + 1
        both_ways += int(both)

    for feat, (how, reverse, both), own in zip(merged, decided, pieces, strict=True):
        for whole in own:
            line_all = LineString(whole.coords[::-1]) if reverse else whole
            (x0, y0), (x1, y1) = line_all.coords[0], line_all.coords[-1]
            # a closed ring (an island's bank, a loop) becomes two reaches meeting halfway
            halves = (
                [line_all]
                if node(x0, y0) != node(x1, y1)
                else [
                    p
                    for p in (
                        substring(line_all, 0.0, 0.5, normalized=True),
                        substring(line_all, 0.5, 1.0, normalized=True),
                    )
                    if isinstance(p, LineString)
                ]
            )
            for line in halves:
                _add(line, feat, how, both)
    derived = any(how != "imported" for how in counts)
    session.execute(text("DELETE FROM river_networks WHERE release_id = :rid"), {"rid": release.id})
    network_id = session.execute(
        text(
            "INSERT INTO river_networks (collection, release_id, release_revision, derived, "
            "report) VALUES (:c, :rid, :rev, :derived, CAST(:report AS jsonb)) RETURNING id"
        ),
        {
            "c": collection,
            "rid": release.id,
            "rev": release.revision,
            "derived": derived,
            "report": _json(
                {
                    "directions": counts,
                    "both_ways": both_ways,
                    "nodes": len(nodes),
                    "joined": len(joins),
                }
            ),
        },
    ).scalar_one()
    session.execute(
        text(
            """
            INSERT INTO river_edges (network_id, source, target, cost, reverse_cost,
                feature_id, release_id, name, derived, direction, geom)
            SELECT :n, e.src, e.dst, ST_Length(g::geography),
                CASE WHEN e.two_way THEN ST_Length(g::geography) ELSE -1 END,
                e.fid, :rid, e.name, e.dir <> 'imported', e.dir, g
            FROM unnest(CAST(:src AS bigint[]), CAST(:dst AS bigint[]), CAST(:fid AS bigint[]),
                        CAST(:name AS text[]), CAST(:dir AS text[]), CAST(:two_way AS boolean[]),
                        CAST(:wkb AS bytea[]))
                AS e(src, dst, fid, name, dir, two_way, wkb)
            CROSS JOIN LATERAL ST_GeomFromWKB(e.wkb, 4326) AS g
            """
        ),
        {"n": network_id, "rid": release.id, **rows},
    )
    session.execute(text("ANALYZE river_edges"))
    return NetworkReport(
        network_id=int(network_id),
        release_id=release.id,
        release_name=release.name,
        features=len(by_id),
        edges=len(rows["src"]),
        nodes=len(nodes),
        derived=derived,
        directions=counts,
        both_ways=both_ways,
        joined=len(joins),
    )


def _json(value: dict[str, Any]) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
