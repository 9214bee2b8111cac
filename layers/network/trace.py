"""Up- and downstream traces on the river network: reaches within N metres, features on them.

A trace starts at the point of the network nearest the start geometry (within
``snap_m``, geodesic), follows the edges with the flow (downstream) or against it
(upstream: every tributary joining above is climbed) with ``pgr_drivingDistance`` for up
to ``distance_m`` metres along the rivers, and returns the reaches it covered and the
features of the chosen collections within ``snap_m`` of them, each with its along-river
distance (the geodesic length of the path, ``ST_Length(geography)``), the river names on
the path and the path itself (a LineString in the flow direction). Only the edges within
``distance_m`` of the start (a path is never shorter than the straight line) are loaded
into pgRouting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from shapely import wkb
from shapely.geometry import LineString, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Select,
    Text,
    and_,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    null,
    select,
    text,
    union_all,
    values,
)
from sqlalchemy import table as sa_table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from gis.crs import degrees_per_metre
from layers.errors import InvalidNetworkQueryError, NetworkNotBuiltError
from layers.reads.filters import GEOGRAPHY
from layers.store.catalog import read_collection
from layers.store.models import Release, feature_table
from layers.store.releases import release_as_of, select_in_force

Direction = Literal["upstream", "downstream"]
#: The longest trace (metres along the rivers).
MAX_TRACE_M = 200_000.0
#: Default and largest distance (metres) of the start and of a feature from the river.
DEFAULT_SNAP_M = 500.0
MAX_SNAP_M = 5_000.0
#: Decimal places of returned lon/lat (about 0.1 m).
DIGITS = 6


@dataclass(frozen=True)
class Network:
    """The network built from a water release."""

    id: int
    release_id: int
    derived: bool


@dataclass(frozen=True)
class Start:
    """Where a trace enters the network: an edge and the fraction along it."""

    edge: int
    fraction: float
    #: geodesic metres from the edge's start to the point
    measure_m: float
    offset_m: float
    name: str


@dataclass(frozen=True)
class Reach:
    """An edge the trace covered (a row of the database function ``river_reaches``)."""

    edge: int
    cost: float
    name: str
    geom: LineString
    #: along-river metres from the start to where the trace enters the edge
    entry_m: float
    #: where the trace enters the edge (fraction: 0 or 1, the start's on the start edge)
    seed: float
    #: covered part, as fractions of the edge (flow order)
    lo: float
    hi: float
    #: the rivers from the start to the entry, in the flow direction (None: start edge)
    path: LineString | None
    #: river names on that path and this edge, upstream first
    rivers: tuple[str, ...]


@dataclass(frozen=True)
class Found:
    """A feature on the traced rivers."""

    collection: str
    id: int
    name: str | None
    release_id: int
    distance_m: float
    edge: int
    fraction: float
    off_river_m: float
    attributes: dict[str, Any] | None = None


@dataclass
class Trace:
    """A trace's result: the reaches covered and the features on them, nearest first."""

    network: Network
    direction: Direction
    distance_m: float
    start: Start
    reaches: list[Reach]
    found: list[Found]

    def path(self, item: Found) -> tuple[LineString, list[str]]:
        """The path between the start and a found feature, and the rivers on it.

        The path runs in the flow direction; the river names are listed upstream first.
        """
        at = next(r for r in self.reaches if r.edge == item.edge)
        if self.direction == "downstream":
            pieces = [at.path, _cut(at.geom, min(at.seed, item.fraction), item.fraction)]
        else:
            pieces = [_cut(at.geom, item.fraction, max(at.seed, item.fraction)), at.path]
        coords: list[tuple[float, float]] = []
        for line in pieces:
            for xy in line.coords if line is not None else ():
                if not coords or coords[-1] != (xy[0], xy[1]):
                    coords.append((xy[0], xy[1]))
        if len(coords) == 1:
            coords.append(coords[0])
        return LineString(coords), [n for n in at.rivers if n]

    def as_geojson(self) -> dict[str, Any]:
        """The trace as GeoJSON: found features (their path as geometry) and the reaches."""
        features = []
        for item in self.found:
            line, names = self.path(item)
            features.append(
                {
                    "type": "Feature",
                    "id": f"{item.collection}.{item.id}",
                    "geometry": _rounded(line),
                    "properties": {
                        "collection": item.collection,
                        "feature_id": item.id,
                        "name": item.name,
                        "release_id": item.release_id,
                        "distance_m": round(item.distance_m, 2),
                        "off_river_m": round(item.off_river_m, 1),
                        "rivers": names,
                        **({"attributes": item.attributes} if item.attributes else {}),
                    },
                }
            )
        reaches = [
            {
                "type": "Feature",
                "geometry": _rounded(_cut(r.geom, r.lo, r.hi)),
                "properties": {
                    "edge": r.edge,
                    "name": r.name,
                    "from_m": round(r.entry_m, 1),
                    "length_m": round(r.cost * (r.hi - r.lo), 1),
                },
            }
            for r in self.reaches
            if r.hi > r.lo
        ]
        return {
            "type": "FeatureCollection",
            "direction": self.direction,
            "distance_m": self.distance_m,
            "network": {
                "id": self.network.id,
                "release_id": self.network.release_id,
                "derived": self.network.derived,
            },
            "start": {
                "river": self.start.name,
                "off_river_m": round(self.start.offset_m, 1),
                "edge": self.start.edge,
            },
            "numberReturned": len(features),
            "features": features,
            "reaches": {"type": "FeatureCollection", "features": reaches},
        }


def _cut(line: LineString, lo: float, hi: float) -> LineString:
    part = substring(line, max(0.0, lo), min(1.0, hi), normalized=True)
    if isinstance(part, LineString):
        return part
    return LineString([part.coords[0], part.coords[0]])


def _rounded(line: BaseGeometry) -> dict[str, Any]:
    geo = mapping(line)
    geo["coordinates"] = [[round(x, DIGITS), round(y, DIGITS)] for x, y, *_ in line.coords]
    return dict(geo)


def network_in_force(session: Session, as_of: date, collection: str = "water_bodies") -> Network:
    """The network built from the water release in force on ``as_of``.

    Raises:
        NetworkNotBuiltError: none was built from it (or the collection has no release).
    """
    network = find_network(session, as_of, collection)
    if network is None:
        release = release_as_of(session, collection, as_of)
        which = f"release '{release.name}'" if release else f"no release on {as_of}"
        raise NetworkNotBuiltError(
            f"No river network was built from '{collection}' ({which}); run "
            f"`ecozone network build --collection {collection}`.",
            field="as_of",
        )
    return network


def find_network(session: Session, as_of: date, collection: str = "water_bodies") -> Network | None:
    """The network of the water release in force on ``as_of``, or None."""
    release = release_as_of(session, collection, as_of)
    if release is None:
        return None
    row = session.execute(
        text("SELECT id, derived FROM river_networks WHERE release_id = :rid"),
        {"rid": release.id},
    ).first()
    return Network(int(row.id), release.id, bool(row.derived)) if row else None


def _snap(session: Session, network: Network, wkb_hex: str, snap_m: float) -> Start:
    row = session.execute(
        text(
            """
            WITH g AS (SELECT ST_GeomFromWKB(decode(:g, 'hex'), 4326) AS g),
            near AS (
                SELECT e.id, e.geom, e.name, e.cost
                FROM river_edges e, g
                WHERE e.network_id = :n
                ORDER BY e.geom <-> g.g LIMIT 16
            ),
            measured AS (
                SELECT near.*, ST_Distance(near.geom::geography, g.g::geography) AS off,
                       ST_LineLocatePoint(near.geom, ST_ClosestPoint(near.geom, g.g)) AS f
                FROM near, g
            )
            SELECT id, name, cost, off, f,
                   ST_Length(ST_LineSubstring(geom, 0, f)::geography) AS m
            FROM measured ORDER BY off, id LIMIT 1
            """
        ),
        {"g": wkb_hex, "n": network.id},
    ).first()
    if row is None or row.off > snap_m:
        far = f"{row.off:,.0f} m" if row is not None else "—"
        raise InvalidNetworkQueryError(
            f"The start is {far} from the nearest river of the network, farther than "
            f"snap_m = {snap_m:,.0f} m: move it onto a river or raise snap_m "
            f"(≤ {MAX_SNAP_M:,.0f} m).",
            field="geometry",
        )
    return Start(int(row.id), float(row.f), float(row.m), float(row.off), row.name or "")


def trace(
    session: Session,
    geometry: BaseGeometry,
    direction: Direction,
    distance_m: float,
    collections: list[str],
    *,
    as_of: date,
    snap_m: float = DEFAULT_SNAP_M,
    filters: dict[str, ColumnElement[bool]] | None = None,
    report_fields: dict[str, tuple[str, ...]] | None = None,
) -> Trace:
    """Trace up- or downstream from ``geometry`` and find features of ``collections``.

    ``filters`` (per collection) restrict the features; ``report_fields`` name fields
    returned as ``attributes``.

    Raises:
        NetworkNotBuiltError: no network for the water release in force on ``as_of``.
        InvalidNetworkQueryError: distance or snap out of range, start too far from a river.
        CollectionNotFoundError: an unknown collection.
    """
    if not 0 < distance_m <= MAX_TRACE_M:
        raise InvalidNetworkQueryError(
            f"distance_m must be more than 0 and at most {MAX_TRACE_M:,.0f} m.",
            field="distance_m",
        )
    if not 0 < snap_m <= MAX_SNAP_M:
        raise InvalidNetworkQueryError(
            f"snap_m must be more than 0 and at most {MAX_SNAP_M:,.0f} m.", field="snap_m"
        )
    for c in collections:
        read_collection(c)
    network = network_in_force(session, as_of)
    start = _snap(session, network, geometry.wkb_hex, snap_m)
    down = direction == "downstream"
    reaches = _reaches(session, network, geometry.wkb_hex, direction, distance_m, snap_m)
    found = _features(
        session,
        collections,
        reaches,
        network.id,
        as_of=as_of,
        snap_m=snap_m,
        limit_m=distance_m,
        down=down,
        filters=filters or {},
        fields=report_fields or {},
    )
    found.sort(key=lambda f: (f.distance_m, f.collection, f.id))
    return Trace(network, direction, distance_m, start, reaches, found)


def _reaches(
    session: Session,
    network: Network,
    g: str,
    direction: Direction,
    distance_m: float,
    snap_m: float,
) -> list[Reach]:
    """The reaches of the trace (the database function ``river_reaches``, pgRouting)."""
    rows = session.execute(
        text(
            "SELECT r.edge, r.entry_m, r.seed, r.lo, r.hi, ST_AsBinary(r.path) AS path, "
            "r.rivers, e.cost, e.name, ST_AsBinary(e.geom) AS geom "
            "FROM river_reaches(ST_GeomFromWKB(decode(:g, 'hex'), 4326), :n, :down, :d, :snap) r "
            "JOIN river_edges e ON e.id = r.edge"
        ),
        {
            "g": g,
            "n": network.id,
            "down": direction == "downstream",
            "d": distance_m,
            "snap": snap_m,
        },
    ).all()
    return [
        Reach(
            int(r.edge),
            float(r.cost),
            r.name or "",
            wkb.loads(bytes(r.geom)),
            float(r.entry_m),
            float(r.seed),
            float(r.lo),
            float(r.hi),
            wkb.loads(bytes(r.path)) if r.path is not None else None,
            tuple(r.rivers or ()),
        )
        for r in rows
    ]


#: The network tables as the lookups read them.
EDGES = sa_table(
    "river_edges",
    column("id", BigInteger()),
    column("network_id", BigInteger()),
    column("feature_id", BigInteger()),
    column("release_id", BigInteger()),
    column("name", Text()),
    column("geom"),
)
NETWORKS = sa_table(
    "river_networks", column("id", BigInteger()), column("release_id", BigInteger())
)


def near_reach(part: Any, geom: Any, snap_m: float) -> list[ColumnElement[bool]]:
    """A feature within ``snap_m`` (geodesic) of a covered part of an edge, index first."""
    box = degrees_per_metre(60.0, snap_m)
    return [
        geom.op("&&")(func.ST_Expand(part, box.lon * snap_m, box.lat * snap_m)),
        # planar first (cheap), then the geodesic test on the few left
        func.ST_DWithin(geom, part, box.planar * snap_m),
        func.ST_DWithin(cast(geom, GEOGRAPHY), cast(part, GEOGRAPHY), snap_m),
    ]


def position_on(edge: Any, part: Any, geom: Any, *, down: bool) -> ColumnElement[float]:
    """Where a feature lies on an edge (a fraction of it).

    Its closest point to the covered part or, when it crosses the river, the first
    crossing the trace meets.
    """
    crossing_points = func.ST_DumpPoints(func.ST_Intersection(part, geom)).table_valued(
        "path", "geom"
    )
    located = func.ST_LineLocatePoint(edge, crossing_points.c.geom)
    first_crossing = (
        select(func.min(located) if down else func.max(located))
        .select_from(crossing_points)
        .scalar_subquery()
    )
    return case(
        (func.ST_Intersects(part, geom), first_crossing),
        else_=func.ST_LineLocatePoint(edge, func.ST_ClosestPoint(part, geom)),
    )


def on_a_river(network: Any, geom: Any) -> ColumnElement[bool]:
    """Whether a river of the network crosses the feature.

    Such a feature lies on the rivers crossing it: a trace meets it only where it
    crosses it, never because another river passes within ``snap_m`` (a zone on a
    tributary is not on the main stem beside it).
    """
    other = EDGES.alias("crossing")
    return exists().where(
        other.c.network_id == network,
        other.c.geom.op("&&")(geom),
        func.ST_Intersects(other.c.geom, geom),
    )


def along_m(entry: Any, edge: Any, seed: Any, at: Any) -> ColumnElement[float]:
    """Metres along the rivers: the entry distance plus the edge between seed and ``at``."""
    stretch = func.ST_LineSubstring(edge, func.least(seed, at), func.greatest(seed, at))
    return entry + func.ST_Length(cast(stretch, GEOGRAPHY))  # type: ignore[no-any-return]


def _features(
    session: Session,
    collections: list[str],
    reaches: list[Reach],
    network_id: int,
    *,
    as_of: date,
    snap_m: float,
    limit_m: float,
    down: bool,
    filters: dict[str, ColumnElement[bool]],
    fields: dict[str, tuple[str, ...]],
) -> list[Found]:
    """Features of the collections within ``snap_m`` of the covered reaches (one statement).

    The along-river distance of a feature on a reach is the reach's entry distance plus
    the geodesic length of the reach from where the trace enters it (its start
    downstream, its end upstream; the start's position on the start edge) to the
    feature's position (:func:`position_on`). A feature a river of the network crosses
    is met only where a traced reach crosses it (:func:`on_a_river`).
    """
    if not reaches or not collections:
        return []
    reach = values(
        column("edge", BigInteger()),
        column("entry", Float()),
        column("lo", Float()),
        column("hi", Float()),
        column("seed", Float()),
        name="reach",
    ).data([(r.edge, r.entry_m, r.lo, r.hi, r.seed) for r in reaches])
    selects = [
        _features_of(c, reach, network_id, as_of, snap_m, down, filters.get(c), fields.get(c, ()))
        for c in collections
    ]
    rows = session.execute(union_all(*selects)).all()
    best: dict[tuple[str, int], Found] = {}
    for r in rows:
        if r.along > limit_m + 1e-6 or (r.on_river and not r.crosses):
            continue
        key = (r.collection, int(r.id))
        seen = best.get(key)
        if seen is None or r.along < seen.distance_m:
            best[key] = Found(
                r.collection,
                int(r.id),
                r.name,
                int(r.release_id),
                float(r.along),
                int(r.edge),
                float(r.g),
                float(r.off),
                dict(r.attrs) if r.attrs else None,
            )
    return list(best.values())


def _features_of(
    collection: str,
    reach: Any,
    network_id: int,
    as_of: date,
    snap_m: float,
    down: bool,
    condition: ColumnElement[bool] | None,
    fields: tuple[str, ...],
) -> Select[Any]:
    """One collection's part of :func:`_features` (its release in force on ``as_of``)."""
    info = read_collection(collection)
    table = feature_table(info.storage)
    release_id = select_in_force(info.storage, as_of, Release.id).scalar_subquery()
    e = EDGES
    part = func.ST_LineSubstring(e.c.geom, reach.c.lo, reach.c.hi)
    geog = cast(table.c.geom, GEOGRAPHY)
    where = [table.c.release_id == release_id, *near_reach(part, table.c.geom, snap_m)]
    if info.stored_in is not None and info.dimension is not None:
        where.append(func.ST_Dimension(table.c.geom) == info.dimension)
    if condition is not None:
        where.append(condition)
    attrs = (
        func.jsonb_build_object(*[a for f in fields for a in (f, table.c[f])])
        if fields
        else cast(null(), JSONB)
    )
    pairs = (
        select(
            table.c.id.label("id"),
            table.c.name.label("name"),
            table.c.release_id.label("release_id"),
            reach.c.edge,
            reach.c.entry,
            reach.c.seed,
            e.c.geom.label("geom"),
            position_on(e.c.geom, part, table.c.geom, down=down).label("g"),
            func.ST_Intersects(part, table.c.geom).label("crosses"),
            on_a_river(literal(network_id, BigInteger()), table.c.geom).label("on_river"),
            func.ST_Distance(geog, cast(part, GEOGRAPHY)).label("off"),
            cast(attrs, JSONB).label("attrs"),
        )
        .select_from(reach)
        .join(e, e.c.id == reach.c.edge)
        .join(table, and_(*where))
        .offset(0)
        .subquery(f"pairs_{collection}")
    )
    return select(
        literal(collection, Text()).label("collection"),
        pairs.c.id,
        pairs.c.name,
        pairs.c.release_id,
        pairs.c.edge,
        pairs.c.g,
        pairs.c.off,
        pairs.c.crosses,
        pairs.c.on_river,
        along_m(pairs.c.entry, pairs.c.geom, pairs.c.seed, pairs.c.g).label("along"),
        pairs.c.attrs,
    ).where(
        # on the start edge only what lies the trace's way from the start counts
        (pairs.c.g >= pairs.c.seed) if down else (pairs.c.g <= pairs.c.seed)
    )
