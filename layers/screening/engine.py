"""The siting-screening engine: one SQL round trip per project, rules evaluated generically.

For a project geometry, every catalogue collection is searched within a radius (the
request's ``buffer_m``, widened to the largest distance any rule asks of that
collection) in the release in force on ``as_of``. The query returns, per feature, the
geodesic distance, whether it intersects, the geodesic overlap area and one boolean
per rule condition (its CQL2 filter and industry match). Each ``upstream`` rule adds
one branch to the same statement: its target features on a river line near the project,
with the along-river distance and whether the project is upstream
(:func:`_upstream_select`). Rules are then evaluated on those rows by their predicate;
no rule has code of its own.

Distances are ``ST_Distance(geography)`` on the WGS84 spheroid; the search uses the
geometry GiST index through a conservative ``&&`` box and then ``ST_DWithin(geography)``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

import numpy as np
import orjson
import psycopg
import shapely
from psycopg import sql as psycopg_sql
from psycopg_pool import AsyncConnectionPool
from pyproj import Geod
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    Float,
    LargeBinary,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB, distinct_on
from sqlalchemy.dialects.postgresql import array as pg_array
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from gis.crs import (
    M_PER_DEG_LAT_MIN,
    WGS84,
    DegreesPerMetre,
    degrees_per_metre,
    parse_crs,
    to_wgs84,
)
from gis.errors import GisError, InvalidGeometryError
from layers.errors import (
    ProjectGeometryError,
    ScreeningNotFoundError,
    UnknownKindError,
    database_error,
)
from layers.reads.fastread import fetch_on_pool, make_pool
from layers.reads.filters import GEOGRAPHY, parse_filter
from layers.screening.rules import (
    KINDS,
    SEVERITY,
    LoadedRuleSet,
    Rule,
    cached_rule_set,
    get_rule_set,
    rule_set_for,
    select_rule_set_in_force,
)
from layers.store.catalog import COLLECTIONS, get_collection
from layers.store.db import DatabaseSettings, set_statement_timeout
from layers.store.models import STORAGE_SRID, Release, RuleSet, Screening, feature_table
from layers.store.releases import NEWEST_FIRST, in_force_on

logger = logging.getLogger(__name__)

#: Bounds on a project geometry (README, "Limits"): vertices, parts (of a Multi*), the
#: diagonal of its bounding box (a project, not a province; a pipeline can be long) and
#: its area. Each is checked in O(vertices) before any SQL is built.
MAX_VERTICES = 10_000
MAX_PARTS = 2_000
MAX_EXTENT_M = 1_000_000.0
MAX_AREA_M2 = 1_000 * 1_000_000.0
MAX_BUFFER_M = 50_000.0
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")

_GEOD = Geod(ellps="WGS84")

#: The ``collection`` of the plan's last row, whose ``release_id`` is the rule set in force.
_RULE_SET_ROW = "#rule_set"
#: The ``collection`` of an ``upstream`` rule's rows: this prefix and the rule id.
_UPSTREAM_ROW = "#upstream/"


# ----------------------------------------------------------------------------- input
@dataclass(frozen=True)
class ProjectInput:
    """A project to screen, as the API and CLI receive it."""

    name: str
    geometry: dict[str, Any]
    industry: str
    kind: str
    crs: str | None = None
    industry_code: str | None = None
    as_of: date | None = None
    buffer_m: float = 500.0
    tags: tuple[str, ...] = ()

    def echo(self) -> dict[str, Any]:
        """The project as echoed in a result (input geometry kept as given)."""
        return {
            "name": self.name,
            "industry": self.industry,
            "industry_code": self.industry_code,
            "kind": self.kind,
            "tags": list(self.tags),
            "crs": self.crs or WGS84,
            "buffer_m": self.buffer_m,
        }


@dataclass
class ProjectGeometry:
    """A project geometry in WGS84, with its measures and the repairs made to it."""

    geom: BaseGeometry
    area_m2: float
    length_m: float
    warnings: list[str] = field(default_factory=list)

    @property
    def polygonal(self) -> bool:
        """Whether the project has an area (overlaps are then measured)."""
        return self.geom.geom_type in ("Polygon", "MultiPolygon")


def _shape(geojson: Any) -> BaseGeometry:
    if not isinstance(geojson, dict) or geojson.get("type") not in GEOMETRY_TYPES:
        kind = geojson.get("type") if isinstance(geojson, dict) else type(geojson).__name__
        raise InvalidGeometryError(
            f"geometry must be a GeoJSON {', '.join(GEOMETRY_TYPES)}; got {kind!r}.",
            field="geometry",
        )
    coords = geojson.get("coordinates")
    if (  # the common case without shapely's generic GeoJSON walk
        geojson["type"] == "Point"
        and isinstance(coords, list)
        and len(coords) in (2, 3)
        and all(type(c) in (int, float) for c in coords)
    ):
        return shapely.Point(coords[0], coords[1])
    try:
        geom = shapely.geometry.shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise InvalidGeometryError(
            f"geometry is not valid GeoJSON {geojson.get('type')}: {exc}", field="geometry"
        ) from None
    if geom.is_empty:
        raise InvalidGeometryError("geometry is empty.", field="geometry")
    return geom


def prepare_geometry(geojson: Any, crs: str | None) -> ProjectGeometry:
    """Parse, reproject to WGS84, check and repair a project geometry.

    Raises:
        InvalidGeometryError: not GeoJSON of an accepted type, empty, or NaN coordinates.
        UnknownCRSError: ``crs`` is not a CRS.
        OutOfChinaError: the coordinates are not in China in the declared CRS.
        ProjectGeometryError: more than 10,000 vertices or 2,000 parts, a bounding box
            whose diagonal is over 1,000 km, or more than 1,000 km².
    """
    geom = _shape(geojson)
    warnings: list[str] = []
    coords = shapely.get_coordinates(geom)
    if len(coords) > MAX_VERTICES:
        raise ProjectGeometryError(
            f"geometry has {len(coords)} vertices; at most {MAX_VERTICES:,} are screened. "
            "Simplify it first.",
            field="geometry",
        )
    if not np.all(np.isfinite(coords)):
        raise InvalidGeometryError("geometry has NaN or infinite coordinates.", field="geometry")
    n_parts = int(shapely.get_num_geometries(geom))
    if n_parts > MAX_PARTS:
        raise ProjectGeometryError(
            f"geometry has {n_parts:,} parts; at most {MAX_PARTS:,} are screened. "
            "Screen the parts as separate projects, or merge them.",
            field="geometry",
        )
    geom = shapely.force_2d(geom)
    # WGS84 / CGCS2000 lon/lat by name: no pyproj work per request
    source = None if _is_lonlat_name(crs) else parse_crs(crs or WGS84, field="crs")
    out = to_wgs84(coords[:, 0].astype(float), coords[:, 1], source, field="geometry")
    warnings.extend(out.notes)
    lon, lat = out.lon, out.lat
    extent = (
        float(_GEOD.inv(lon.min(), lat.min(), lon.max(), lat.max())[2]) if len(lon) > 1 else 0.0
    )
    if extent > MAX_EXTENT_M:
        raise ProjectGeometryError(
            f"geometry spans {extent / 1000:,.0f} km (the diagonal of its bounding box); at "
            f"most {MAX_EXTENT_M / 1000:,.0f} km are screened as one project. Split it into "
            "sections.",
            field="geometry",
        )
    geom = shapely.set_coordinates(geom, np.column_stack([lon, lat]))
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        repaired = shapely.make_valid(geom)
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            parts = [
                p for p in shapely.get_parts(repaired) if p.geom_type in ("Polygon", "MultiPolygon")
            ]
            repaired = shapely.union_all(parts) if parts else shapely.Polygon()
        if repaired.is_empty:
            raise InvalidGeometryError(
                f"geometry is invalid ({reason}) and cannot be repaired.", field="geometry"
            )
        warnings.append(f"几何无效（{reason}），已自动修复（make_valid）后筛查；请核对项目范围。")
        geom = repaired
    area, length = _measure(geom)
    if area > MAX_AREA_M2:
        raise ProjectGeometryError(
            f"geometry covers {area / 1e6:,.1f} km²; at most 1,000 km² are screened.",
            field="geometry",
        )
    return ProjectGeometry(geom=geom, area_m2=area, length_m=length, warnings=warnings)


_LONLAT = {"EPSG:4326", "EPSG:4490", "OGC:CRS84", "WGS84", "CGCS2000", "CRS84", "4326", "4490"}


def _is_lonlat_name(crs: str | None) -> bool:
    """Whether ``crs`` names WGS84/CGCS2000 lon/lat (taken as identical), or is absent."""
    return crs is None or crs.strip().upper() in _LONLAT


def _measure(geom: BaseGeometry) -> tuple[float, float]:
    if geom.geom_type in ("Point", "MultiPoint"):
        return 0.0, 0.0
    area, perimeter = _GEOD.geometry_area_perimeter(geom)
    if geom.geom_type in ("LineString", "MultiLineString"):
        return 0.0, float(_GEOD.geometry_length(geom))
    return abs(float(area)), float(perimeter)


# ------------------------------------------------------------------------------ plan
@dataclass(frozen=True)
class _Condition:
    rule_id: str
    expression: ColumnElement[bool]


@dataclass(frozen=True)
class _Branch:
    collection: str
    radius_m: float
    report_fields: tuple[str, ...]
    conditions: tuple[_Condition, ...]
    #: Whether a rule of this collection tests ``within`` / ``contains`` (else the
    #: ``ST_Covers`` / ``ST_CoveredBy`` columns are constant false and cost nothing).
    covers: bool = False
    covered: bool = False


@dataclass(frozen=True)
class _UpstreamBranch:
    """The lookup of one ``upstream`` rule: targets on a river below the project."""

    rule_id: str
    #: The rule's index in the rule set.
    position: int
    #: Name of the boolean parameter that switches the branch on (the rule applies).
    param: str
    #: Metres around the project within which a target can be reached (index search).
    reach_m: float


@dataclass(frozen=True)
class Plan:
    """The query of a rule set: what every screening runs, compiled once.

    ``sql`` is the statement compiled for psycopg (IN lists expanded, the rule set's
    values inlined), so a screening pays neither SQLAlchemy's compile nor its cache-key
    walk, and binds only ``param_names``.
    """

    statement: Select[Any]
    branches: tuple[_Branch, ...]
    sql: bytes
    param_names: tuple[str, ...]
    upstream: tuple[_UpstreamBranch, ...] = ()


def _conditions(rule: Rule) -> ColumnElement[bool] | None:
    if rule.layer is None:
        return None
    table = feature_table(rule.layer.collection)
    parts: list[ColumnElement[bool]] = []
    if rule.layer.filter:
        parts.append(parse_filter(rule.layer.collection, rule.layer.filter))
    if rule.layer.industry_field:
        parts.append(
            func.coalesce(
                table.c[rule.layer.industry_field].op("&&")(
                    bindparam("labels", type_=ARRAY(Text()), required=False)
                ),
                false(),
            )
        )
    return and_(*parts) if parts else None


def build_plan(rule_set: LoadedRuleSet) -> Plan:
    """Build the one query that answers every rule (and the hit list) for a project.

    Parameters bound at execution: ``ewkb`` (project geometry, EWKB with SRID 4326),
    ``as_of`` (date), ``polygonal`` (bool), ``labels`` (the project's industry labels)
    and ``r_<collection>`` (the search radius per collection, in metres).
    """
    project = select(
        func.ST_GeomFromEWKB(bindparam("ewkb", type_=LargeBinary(), required=False)).label("geom")
    ).cte("project")
    project_geog = cast(project.c.geom, GEOGRAPHY)
    as_of = bindparam("as_of", type_=Date(), required=False)
    release = (
        select(Release.collection, Release.id, Release.name)
        .where(in_force_on(as_of))
        .order_by(Release.collection, *NEWEST_FIRST)
        .ext(distinct_on(Release.collection))
        .cte("rel")
    )
    polygonal = bindparam("polygonal", type_=Boolean(), required=False)

    branches: list[_Branch] = []
    selects: list[Select[Any]] = []
    for collection in COLLECTIONS:
        rules = [
            r
            for r in rule_set.rules
            if r.layer and r.layer.collection == collection.id and r.predicate.op != "upstream"
        ]
        radius = max(
            [0.0] + [r.predicate.distance_m or 0.0 for r in rules if r.predicate.op == "dwithin"]
        )
        report: dict[str, None] = {}
        for r in rules:
            if r.layer is not None:
                report.update(dict.fromkeys(r.layer.report_fields))
                if r.layer.industry_field:
                    report[r.layer.industry_field] = None
        conditions = tuple(
            _Condition(r.id, expr) for r in rules if (expr := _conditions(r)) is not None
        )
        ops = {r.predicate.op for r in rules}
        branch = _Branch(
            collection.id,
            radius,
            tuple(report),
            conditions,
            covers="within" in ops,
            covered="contains" in ops,
        )
        branches.append(branch)
        selects.append(_branch_select(branch, project, project_geog, release, polygonal))
    upstream: list[_UpstreamBranch] = []
    for position, rule in enumerate(rule_set.rules):
        if rule.predicate.op == "upstream" and rule.layer is not None:
            up = _UpstreamBranch(rule.id, position, f"up_{len(upstream)}", _reach(rule))
            upstream.append(up)
            selects.append(_upstream_select(rule, up, project, project_geog, release))
    selects.append(
        select(
            release.c.collection,
            cast(null(), BigInteger()).label("id"),
            release.c.name,
            release.c.id.label("release_id"),
            cast(null(), Float()),
            cast(null(), Boolean()),
            cast(null(), Boolean()),
            cast(null(), Boolean()),
            cast(null(), Float()),
            cast(null(), JSONB),
            cast(null(), ARRAY(Text())),
        )
    )
    # … and the id of the rule set in force, so a cached rule set is checked in the same trip
    in_force = select_rule_set_in_force(as_of).scalar_subquery()
    selects.append(
        select(
            literal(_RULE_SET_ROW, Text()),
            cast(null(), BigInteger()),
            cast(null(), Text()),
            in_force,
            *[cast(null(), t) for t in (Float(), Boolean(), Boolean(), Boolean(), Float())],
            cast(null(), JSONB),
            cast(null(), ARRAY(Text())),
        )
    )
    statement = union_all(*selects)
    compiled = statement.compile(dialect=_dialect(), compile_kwargs={"render_postcompile": True})
    static = {k: v for k, v in compiled.construct_params(_check=False).items() if v is not None}
    # The rule set's own values (collection names, filter literals, rule ids, constants)
    # are written into the text as SQL literals, quoted by psycopg; only what varies per
    # project stays a parameter (``$n`` for psycopg's RawCursor: the query is longer
    # than psycopg caches its %(name)s conversion for). Binding ~150 constants on every
    # execution cost more client and server time than the lookups they describe.
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in static:
            return psycopg_sql.Literal(static[name]).as_string(None)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    raw = re.sub(r"%\(([^)]+)\)s", number, str(compiled))
    return Plan(
        statement=statement,  # type: ignore[arg-type]
        branches=tuple(branches),
        sql=raw.encode(),  # bytes: psycopg would encode the ~15 KB text on every execution
        param_names=tuple(names),
        upstream=tuple(upstream),
    )


def _branch_select(
    branch: _Branch,
    project: Any,
    project_geog: ColumnElement[Any],
    release: Any,
    polygonal: ColumnElement[bool],
) -> Select[Any]:
    collection = get_collection(branch.collection)
    table = feature_table(collection.id)
    intersects = func.ST_Intersects(table.c.geom, project.c.geom)
    overlap: ColumnElement[Any] = (
        case(
            (
                and_(polygonal, intersects),
                func.ST_Area(cast(func.ST_Intersection(table.c.geom, project.c.geom), GEOGRAPHY)),
            ),
            else_=0.0,
        )
        if collection.has_area
        else null()
    )
    attrs: ColumnElement[Any] = (
        func.jsonb_build_object(
            *[a for f in branch.report_fields for a in (literal(f), table.c[f])]
        )
        if branch.report_fields
        else null()
    )
    matched: ColumnElement[Any] = (
        func.array_remove(
            pg_array[Any](
                [
                    case((c.expression, literal(c.rule_id, Text())), else_=null())
                    for c in branch.conditions
                ],
                type_=Text(),
            ),
            null(),
        )
        if branch.conditions
        else null()
    )
    radius = bindparam(f"r_{collection.id}", type_=Float(), required=False)
    lon_deg_per_m = bindparam("kx", type_=Float(), required=False)
    diagonal_deg_per_m = bindparam("kd", type_=Float(), required=False)
    return (
        select(
            literal(collection.id, Text()).label("collection"),
            table.c.id.label("id"),
            table.c.name.label("name"),
            table.c.release_id.label("release_id"),
            func.ST_Distance(cast(table.c.geom, GEOGRAPHY), project_geog).label("distance_m"),
            intersects.label("intersects"),
            (
                case((intersects, func.ST_Covers(table.c.geom, project.c.geom)), else_=false())
                if branch.covers
                else false()
            ).label("covers"),
            (
                case((intersects, func.ST_CoveredBy(table.c.geom, project.c.geom)), else_=false())
                if branch.covered
                else false()
            ).label("covered"),
            cast(overlap, Float()).label("overlap_m2"),
            cast(attrs, JSONB).label("attrs"),
            cast(matched, ARRAY(Text())).label("matched"),
        )
        .select_from(table)
        .join(project, true())
        .where(
            table.c.release_id
            == select(release.c.id).where(release.c.collection == collection.id).scalar_subquery(),
            table.c.geom.op("&&")(
                func.ST_Expand(
                    project.c.geom,
                    radius * lon_deg_per_m + 1e-6,
                    radius / M_PER_DEG_LAT_MIN + 1e-6,
                )
            ),
            # planar pre-test in degrees, implied by the geodesic one (the box's diagonal
            # per metre): far cheaper than the geodesic test on long rivers and coasts
            func.ST_DWithin(table.c.geom, project.c.geom, radius * diagonal_deg_per_m),
            func.ST_DWithin(cast(table.c.geom, GEOGRAPHY), project_geog, radius),
        )
    )


def _reach(rule: Rule) -> float:
    """Metres around the project within which a target of an ``upstream`` rule can lie.

    The along-river length is at least the geodesic distance between the two positions
    on the line, and each position is the planar (degree) closest point of its geometry,
    at most snap_m / cos φ (< 2 snap_m in China) from it; so the target lies within
    ``distance_m + 4 snap_m`` of the project. Only the index search uses this bound.
    """
    return (rule.predicate.distance_m or 0.0) + 4.0 * rule.predicate.snap


def _upstream_select(
    rule: Rule,
    up: _UpstreamBranch,
    project: Any,
    project_geog: ColumnElement[Any],
    release: Any,
) -> Select[Any]:
    """The lookup of one ``upstream`` rule: one row per (target feature, river line) pair.

    A river line is a part of ``ST_LineMerge(geom, true)`` (direction-preserving) of a
    line feature of the ``via`` collection (its release in force, its ``via_filter``),
    clipped to the window of :func:`_reach` around the project, within ``snap_m``
    (geodesic) of the project; a target (the rule's collection, filter and industry
    match, its release in force) pairs with it when it lies within ``snap_m`` of that
    line. The vertex order of the line is the flow direction. Positions along the line
    (``ST_LineLocatePoint``): the closest point of each geometry to the line, or, when it
    crosses the line, the project's last (most downstream) and the target's first (most
    upstream) crossing point. A river that leaves the window and comes back gives two
    lines, each checked on its own (a project beside both passes of a meander is
    checked on both).

    The rows share the plan's columns: ``collection`` is ``#upstream/<rule id>``; ``id``,
    ``name``, ``release_id`` are the target's; ``distance_m`` is the geodesic length of
    the line between the two positions (``ST_Length(geography)`` of
    ``ST_LineSubstring``); ``intersects`` says whether the project is upstream (its
    position before the target's); ``attrs`` is ``{"via": {collection, feature_id, name,
    release_id}, "attributes": {report fields}}``. The branch runs only when the rule
    applies to the project (the boolean parameter ``up.param``).
    """
    layer, pred = rule.layer, rule.predicate
    if layer is None or pred.via is None:  # pragma: no cover - the rule model forbids it
        raise ValueError(f"rule {rule.id}: upstream needs a layer and via")
    target = feature_table(layer.collection)
    river = feature_table(pred.via)
    snap = pred.snap
    lon_deg_per_m = bindparam("kx", type_=Float(), required=False)
    diagonal_deg_per_m = bindparam("kd", type_=Float(), required=False)

    def near(geom: Any, metres: float) -> ColumnElement[bool]:
        """Within ``metres`` (geodesic) of the project, with the branches' index pre-tests."""
        return and_(
            geom.op("&&")(
                func.ST_Expand(
                    project.c.geom,
                    lon_deg_per_m * metres + 1e-6,
                    metres / M_PER_DEG_LAT_MIN + 1e-6,
                )
            ),
            func.ST_DWithin(geom, project.c.geom, diagonal_deg_per_m * metres),
            func.ST_DWithin(cast(geom, GEOGRAPHY), project_geog, metres),
        )

    def in_force(table: Any, collection_id: str) -> ColumnElement[bool]:
        return (  # type: ignore[no-any-return]
            table.c.release_id
            == select(release.c.id).where(release.c.collection == collection_id).scalar_subquery()
        )

    # Only the river within reach of the project matters (a stretch that leaves the
    # window is longer than distance_m), so each line is clipped to it first: the
    # geodesic tests and positions then work on a few vertices, not a whole river.
    # ST_ClipByBox2D keeps the vertex order; ST_LineMerge(…, true) then joins the parts
    # that meet end to start without reversing any (PostGIS ≥ 3.3 with GEOS ≥ 3.11).
    window = func.Box2D(
        func.ST_Expand(
            project.c.geom,
            lon_deg_per_m * up.reach_m + 1e-6,
            up.reach_m / M_PER_DEG_LAT_MIN + 1e-6,
        )
    )
    clipped = func.ST_CollectionExtract(func.ST_ClipByBox2D(river.c.geom, window), 2)
    part = func.ST_Dump(func.ST_LineMerge(clipped, true())).table_valued("path", "geom")
    river_where = [
        bindparam(up.param, type_=Boolean(), required=False).is_(true()),
        in_force(river, pred.via),
        func.ST_Dimension(river.c.geom) == 1,
        # the index and planar pre-tests; the geodesic test is on the clipped lines
        river.c.geom.op("&&")(
            func.ST_Expand(
                project.c.geom, lon_deg_per_m * snap + 1e-6, snap / M_PER_DEG_LAT_MIN + 1e-6
            )
        ),
        func.ST_DWithin(river.c.geom, project.c.geom, diagonal_deg_per_m * snap),
    ]
    if pred.via_filter:
        river_where.append(parse_filter(pred.via, pred.via_filter))
    rivers = (
        select(
            river.c.id.label("id"),
            river.c.name.label("name"),
            river.c.release_id.label("release_id"),
            part.c.geom.label("line"),
        )
        .select_from(river)
        .join(project, true())
        .join(part, true())
        .where(*river_where, func.ST_DWithin(cast(part.c.geom, GEOGRAPHY), project_geog, snap))
        .subquery(f"{up.param}_river")
    )

    def position(geom: Any, *, last: bool) -> ColumnElement[Any]:
        points = func.ST_DumpPoints(func.ST_Intersection(rivers.c.line, geom)).table_valued(
            "path", "geom"
        )
        located = func.ST_LineLocatePoint(rivers.c.line, points.c.geom)
        crossing = (
            select(func.max(located) if last else func.min(located))
            .select_from(points)
            .scalar_subquery()
        )
        return case(
            (func.ST_Intersects(rivers.c.line, geom), crossing),
            else_=func.ST_LineLocatePoint(rivers.c.line, func.ST_ClosestPoint(rivers.c.line, geom)),
        )

    attrs: ColumnElement[Any] = (
        func.jsonb_build_object(
            *[a for f in layer.report_fields for a in (literal(f), target.c[f])]
        )
        if layer.report_fields
        else null()
    )
    condition = _conditions(rule)
    pairs = (
        select(
            target.c.id.label("id"),
            target.c.name.label("name"),
            target.c.release_id.label("release_id"),
            rivers.c.id.label("river_id"),
            rivers.c.name.label("river_name"),
            rivers.c.release_id.label("river_release_id"),
            rivers.c.line.label("line"),
            position(project.c.geom, last=True).label("at_project"),
            position(target.c.geom, last=False).label("at_target"),
            cast(attrs, JSONB).label("attrs"),
        )
        .select_from(rivers)
        .join(project, true())
        .join(
            target,
            and_(
                in_force(target, layer.collection),
                near(target.c.geom, up.reach_m),
                func.ST_DWithin(
                    cast(target.c.geom, GEOGRAPHY), cast(rivers.c.line, GEOGRAPHY), snap
                ),
                *([condition] if condition is not None else []),
            ),
        )
        .offset(0)  # a fence: the positions are computed once, not inlined thrice
        .subquery(f"{up.param}_pair")
    )
    lo = func.least(pairs.c.at_project, pairs.c.at_target)
    hi = func.greatest(pairs.c.at_project, pairs.c.at_target)
    via = func.jsonb_build_object(
        literal("collection"),
        literal(pred.via, Text()),
        literal("feature_id"),
        pairs.c.river_id,
        literal("name"),
        pairs.c.river_name,
        literal("release_id"),
        pairs.c.river_release_id,
    )
    return select(
        literal(_UPSTREAM_ROW + rule.id, Text()).label("collection"),
        pairs.c.id,
        pairs.c.name,
        pairs.c.release_id,
        func.ST_Length(cast(func.ST_LineSubstring(pairs.c.line, lo, hi), GEOGRAPHY)).label(
            "distance_m"
        ),
        (pairs.c.at_project < pairs.c.at_target).label("intersects"),
        false().label("covers"),
        false().label("covered"),
        cast(null(), Float()).label("overlap_m2"),
        cast(
            func.jsonb_build_object(literal("via"), via, literal("attributes"), pairs.c.attrs),
            JSONB,
        ).label("attrs"),
        cast(null(), ARRAY(Text())).label("matched"),
    )


@lru_cache(maxsize=1)
def _dialect() -> Any:
    return psycopg_dialect()  # type: ignore[no-untyped-call]


class _Result(NamedTuple):
    collection: str
    id: int | None
    name: str | None
    release_id: int
    distance_m: float
    intersects: bool
    covers: bool
    covered: bool
    overlap_m2: float | None
    attrs: dict[str, Any] | None
    matched: list[str] | None


def _run(session: Session, plan: Plan, args: list[Any]) -> list[tuple[Any, ...]]:
    """Execute the plan's SQL as a server-side prepared statement on the session's connection."""
    with psycopg.RawCursor(_driver(session)) as cursor:
        cursor.execute(plan.sql, args, prepare=True)
        return cursor.fetchall()


def _driver(session: Session) -> psycopg.Connection[Any]:
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - a pooled psycopg connection always has one
        raise RuntimeError("no DBAPI connection")
    return driver  # type: ignore[no-any-return]


_PLANS: dict[tuple[int, str], Plan] = {}


def _plan_for(rule_set: LoadedRuleSet) -> Plan:
    key = (rule_set.id, rule_set.source_hash)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = build_plan(rule_set)
    return plan


# ------------------------------------------------------------------------- evaluate
@dataclass
class _Row:
    collection: str
    id: int
    name: str | None
    release_id: int
    distance_m: float
    intersects: bool
    covers: bool
    covered: bool
    overlap_m2: float | None
    attrs: dict[str, Any] | None
    matched: frozenset[str]


def _applies(rule: Rule, labels: frozenset[str], tags: frozenset[str], kind: str) -> bool:
    scope = rule.applies_to
    if scope.industries is not None and not labels & set(scope.industries):
        return False
    if scope.kinds is not None and kind not in scope.kinds:
        return False
    if scope.tags_any is not None and not tags & set(scope.tags_any):
        return False
    return not tags & set(scope.tags_none)


def _evidence(row: _Row, area_m2: float, polygonal: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "collection": row.collection,
        "feature_id": row.id,
        "name": row.name,
        "release_id": row.release_id,
        "distance_m": 0.0 if row.intersects else round(row.distance_m, 2),
    }
    if row.overlap_m2 is not None and polygonal:
        item["overlap_m2"] = round(row.overlap_m2, 2)
        item["overlap_ratio"] = round(row.overlap_m2 / area_m2, 6) if area_m2 > 0 else None
    if row.attrs:
        item["attributes"] = row.attrs
    return item


def _evaluate(
    rule: Rule,
    rows: list[_Row],
    layer_missing: bool,
    project: ProjectGeometry,
) -> tuple[str, list[dict[str, Any]], bool]:
    """Outcome, evidence and whether the rule could be checked."""
    if rule.layer is None:
        return rule.outcome, [], True
    if layer_missing:
        return "PASS", [], False
    pred = rule.predicate
    if pred.op == "upstream":
        return _evaluate_upstream(rule, rows)
    conditional = rule.layer.filter is not None or rule.layer.industry_field is not None
    candidates = [r for r in rows if not conditional or rule.id in r.matched]
    if pred.op == "intersects":
        hits = [r for r in candidates if r.intersects]
    elif pred.op == "dwithin":
        limit = pred.distance_m or 0.0
        hits = [
            r
            for r in candidates
            if (r.intersects or r.distance_m <= limit)
            and not (pred.exclude_intersecting and r.intersects)
        ]
    elif pred.op == "within":
        hits = [r for r in candidates if r.covers]
    elif pred.op == "contains":
        hits = [r for r in candidates if r.covered]
    else:  # not_intersects: triggered when nothing matching intersects; nearest as context
        if any(r.intersects for r in candidates):
            return (
                "PASS",
                [
                    _evidence(r, project.area_m2, project.polygonal)
                    for r in candidates
                    if r.intersects
                ],
                True,
            )
        near = sorted(candidates, key=lambda r: r.distance_m)[:3]
        return rule.outcome, [_evidence(r, project.area_m2, project.polygonal) for r in near], True
    hits.sort(key=lambda r: (0.0 if r.intersects else r.distance_m, r.id))
    evidence = [_evidence(r, project.area_m2, project.polygonal) for r in hits]
    return (rule.outcome if hits else "PASS"), evidence, True


def _evaluate_upstream(rule: Rule, rows: list[_Row]) -> tuple[str, list[dict[str, Any]], bool]:
    """An ``upstream`` rule on its lookup's rows (see :func:`_upstream_select`).

    A target is hit when, on some river line, the project is upstream of it
    (``intersects`` carries that flag) at most ``distance_m`` along the river; its
    evidence gives the shortest such along-river distance and the river followed.
    """
    limit = rule.predicate.distance_m or 0.0
    best: dict[int, _Row] = {}
    for r in rows:
        if r.intersects and r.distance_m <= limit:
            seen = best.get(r.id)
            if seen is None or r.distance_m < seen.distance_m:
                best[r.id] = r
    hits = sorted(best.values(), key=lambda r: (r.distance_m, r.id))
    evidence = []
    for r in hits:
        extra = r.attrs or {}
        item: dict[str, Any] = {
            "collection": rule.layer.collection if rule.layer else None,
            "feature_id": r.id,
            "name": r.name,
            "release_id": r.release_id,
            "distance_m": round(r.distance_m, 2),
        }
        if extra.get("attributes"):
            item["attributes"] = extra["attributes"]
        item["via"] = extra.get("via")
        evidence.append(item)
    return (rule.outcome if hits else "PASS"), evidence, True


def _rule_result(
    rule: Rule, outcome: str, evidence: list[dict[str, Any]], checked: bool
) -> dict[str, Any]:
    predicate, citation = _rule_static(rule)
    return {
        "rule_id": rule.id,
        "title": rule.title,
        "outcome": outcome,
        "checked": checked,
        "predicate": predicate,
        "collection": rule.layer.collection if rule.layer else None,
        "citation": citation,
        "measures": list(rule.measures)
        if outcome not in ("PASS", "NOT_APPLICABLE") or rule.outcome == "PASS"
        else [],
        "evidence": evidence,
        **({"note": rule.note} if rule.note else {}),
    }


#: A rule's predicate and citation as JSON-ready dicts, dumped once per rule object (the
#: rules of a loaded rule set are immutable; pydantic's dump of the 23 rules was ~10 % of
#: a screening's Python time). Shared between results: never mutated.
_RULE_STATIC: dict[int, tuple[Rule, dict[str, Any], dict[str, Any]]] = {}


def _rule_static(rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
    cached = _RULE_STATIC.get(id(rule))
    if cached is None or cached[0] is not rule:
        if len(_RULE_STATIC) > 10_000:
            _RULE_STATIC.clear()
        cached = _RULE_STATIC[id(rule)] = (
            rule,
            rule.predicate.model_dump(mode="json", exclude_none=True),
            rule.citation.model_dump(mode="json"),
        )
    return cached[1], cached[2]


@dataclass
class ScreeningResult:
    """The outcome of screening one project (before it is stored)."""

    verdict: str
    rule_set_id: int
    geometry: ProjectGeometry
    body: dict[str, Any]


def _check_input(project: ProjectInput) -> None:
    """What the rules cannot check themselves: the buffer and the kind.

    A kind outside :data:`layers.screening.rules.KINDS` would make every kind-scoped rule silently
    not apply (the HTTP body's model refuses it too; this guards every other caller).
    """
    if not 0 <= project.buffer_m <= MAX_BUFFER_M:
        raise ProjectGeometryError(
            f"buffer_m must be between 0 and {MAX_BUFFER_M:,.0f} m.", field="buffer_m"
        )
    if project.kind not in KINDS:
        raise UnknownKindError(
            f"kind must be one of {', '.join(KINDS)}; got {project.kind!r}.", field="kind"
        )


@dataclass
class _Prepared:
    """Everything a screening binds before its one round trip."""

    rules: LoadedRuleSet
    as_of: date
    labels: frozenset[str]
    tags: frozenset[str]
    geom: ProjectGeometry
    plan: Plan
    radii: dict[str, float]
    args: list[Any]


def _prepare(
    rules: LoadedRuleSet, project: ProjectInput, as_of: date, geom: ProjectGeometry | None
) -> _Prepared:
    labels = rules.project_labels(project.industry, project.industry_code)
    tags = rules.project_tags(labels, project.tags)
    geom = geom or prepare_geometry(project.geometry, project.crs)
    plan = _plan_for(rules)
    radii = {b.collection: float(project.buffer_m) for b in plan.branches}
    for rule in rules.rules:
        if (
            rule.layer is not None
            and rule.predicate.op == "dwithin"
            and _applies(rule, labels, tags, project.kind)
        ):
            c = rule.layer.collection
            radii[c] = max(radii[c], rule.predicate.distance_m or 0.0)
    applying = {
        up.param: _applies(rules.rules[up.position], labels, tags, project.kind)
        for up in plan.upstream
    }
    reach = max([*radii.values(), *(u.reach_m for u in plan.upstream if applying[u.param])])
    params = {
        **{f"r_{c}": r for c, r in radii.items()},
        **applying,
        "ewkb": shapely.to_wkb(shapely.set_srid(geom.geom, STORAGE_SRID), include_srid=True),
        "as_of": as_of,
        "polygonal": geom.polygonal,
        "labels": sorted(labels),
        "kx": (k := _degrees_per_metre(geom.geom, reach)).lon,
        "kd": k.planar,
    }
    args = [params[n] for n in plan.param_names]
    return _Prepared(rules, as_of, labels, tags, geom, plan, radii, args)


def _degrees_per_metre(geom: BaseGeometry, radius_m: float) -> DegreesPerMetre:
    """Degrees per metre that bound every search circle (up to ``radius_m``) around ``geom``.

    Each collection's index box is the project's box widened by its radius times
    ``lon``/``lat``, and its planar pre-test uses ``planar``; sized at the project's
    highest |latitude|, tighter than one bound for all of China.
    """
    _minx, miny, _maxx, maxy = geom.bounds
    return degrees_per_metre(max(abs(miny), abs(maxy)), radius_m)


def _rule_set_in_force(rows: list[tuple[Any, ...]]) -> int | None:
    """The rule set id the plan's SQL found in force (its last row)."""
    for row in reversed(rows):
        if row[0] == _RULE_SET_ROW:
            return int(row[3]) if row[3] is not None else None
    raise AssertionError("the plan's SQL always returns the rule-set row")  # pragma: no cover


def screen(
    session: Session,
    project: ProjectInput,
    *,
    rule_set: LoadedRuleSet | None = None,
    geometry: ProjectGeometry | None = None,
) -> ScreeningResult:
    """Screen a project against the rule set and layers in force on its ``as_of``.

    Nothing is written (except, on a fresh database, the repository's rule set; the
    caller's commit keeps it).

    Raises:
        InvalidGeometryError, UnknownCRSError, OutOfChinaError, ProjectGeometryError:
            the geometry cannot be screened.
        UnknownIndustryError: the industry is not a category of the rule set.
        NoRuleSetError: no rule set in force on ``as_of``.
    """
    _check_input(project)
    as_of = project.as_of or date.today()
    rules = rule_set or rule_set_for(session, as_of)
    prepared = _prepare(rules, project, as_of, geometry)
    result = _assemble(prepared, project, _run(session, prepared.plan, prepared.args))
    if rule_set is None:
        _IN_FORCE[as_of] = rules.id  # the guess of create_screening_async
    return result


def _assemble(p: _Prepared, project: ProjectInput, rows: list[tuple[Any, ...]]) -> ScreeningResult:
    """Evaluate the rules on the rows of the plan's SQL and build the result body."""
    rules, geom, as_of, labels, tags, radii = p.rules, p.geom, p.as_of, p.labels, p.tags, p.radii
    rows_by: dict[str, list[_Row]] = {b.collection: [] for b in p.plan.branches}
    upstream_by: dict[str, list[_Row]] = {u.rule_id: [] for u in p.plan.upstream}
    releases: dict[str, dict[str, Any]] = {}
    for r in map(_Result._make, rows):
        if r.collection == _RULE_SET_ROW:
            continue
        if r.id is None:
            releases[r.collection] = {"release_id": r.release_id, "release": r.name}
            continue
        target = (
            upstream_by[r.collection[len(_UPSTREAM_ROW) :]]
            if r.collection.startswith(_UPSTREAM_ROW)
            else rows_by[r.collection]
        )
        target.append(
            _Row(
                r.collection,
                r.id,
                r.name,
                r.release_id,
                float(r.distance_m),
                bool(r.intersects),
                bool(r.covers),
                bool(r.covered),
                r.overlap_m2,
                r.attrs,
                frozenset(r.matched or ()),
            )
        )
    warnings = list(geom.warnings)
    results = []
    worst = "PASS"
    for rule in rules.rules:
        if not _applies(rule, labels, tags, project.kind):
            results.append(_rule_result(rule, "NOT_APPLICABLE", [], True))
            continue
        collection_id = rule.layer.collection if rule.layer else None
        needed = [c for c in (collection_id, rule.predicate.via) if c is not None]
        absent = [c for c in needed if c not in releases]
        if rule.predicate.op == "upstream":
            rule_rows = upstream_by.get(rule.id, [])
        else:
            rule_rows = rows_by.get(collection_id or "", [])
        outcome, evidence, checked = _evaluate(rule, rule_rows, bool(absent), geom)
        if not checked:
            warnings.append(
                f"规则 {rule.id} 未能核查：图层 {'、'.join(absent)} 在 {as_of.isoformat()} 无有效版本。"
            )
        results.append(_rule_result(rule, outcome, evidence, checked))
        if SEVERITY[outcome] > SEVERITY[worst]:
            worst = outcome
    hits = sorted(
        (
            _evidence(r, geom.area_m2, geom.polygonal)
            for b in p.plan.branches
            for r in rows_by[b.collection]
            if r.intersects or r.distance_m <= project.buffer_m
        ),
        key=lambda e: (_ORDER[e["collection"]], e["distance_m"], e["feature_id"]),
    )
    layers = [
        {
            "collection": c.id,
            "title": c.title,
            "release_id": releases.get(c.id, {}).get("release_id"),
            "release": releases.get(c.id, {}).get("release"),
            "search_radius_m": radii[c.id],
        }
        for c in COLLECTIONS
    ]
    body = {
        "as_of": as_of.isoformat(),
        # the project echo at top level (what clients and the report read first) …
        **{k: v for k, v in project.echo().items() if k != "crs"},
        "geometry": shapely.geometry.mapping(geom.geom),
        # … and in full, with the input CRS and derived measures
        "project": {
            **project.echo(),
            "geometry_wgs84": shapely.geometry.mapping(geom.geom),
            "area_m2": round(geom.area_m2, 2),
            "length_m": round(geom.length_m, 2),
            "industry_labels": sorted(labels),
            "effective_tags": sorted(tags),
        },
        "verdict": worst,
        "rule_set": {
            "id": rules.id,
            "version": rules.version,
            "valid_from": rules.valid_from.isoformat(),
            "source_hash": rules.source_hash,
        },
        "results": results,
        "layers": layers,
        "hits": hits,
        "warnings": warnings,
    }
    return ScreeningResult(verdict=worst, rule_set_id=rules.id, geometry=geom, body=body)


_ORDER = {c.id: i for i, c in enumerate(COLLECTIONS)}


# -------------------------------------------------------------------------- storage
#: Stores a screening in one statement. ``set_config(…, true)`` is ``SET LOCAL
#: synchronous_commit = off`` for the statement's own transaction: the commit returns
#: before its WAL reaches disk, so a crash may lose the screenings of the last few
#: hundred milliseconds (never corrupt them). A screening is reproducible from its
#: request, rule set and release ids, so this is acceptable; nothing else is written so.
_INSERT_SQL = (
    b"INSERT INTO screenings (name, rule_set_id, verdict, geom, request, result) "
    b"SELECT $1, $2, $3, ST_GeomFromEWKB($4), $5::jsonb, $6::jsonb "
    b"FROM (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting "
    b"RETURNING id, created_at"
)


def _insert_args(project: ProjectInput, result: ScreeningResult) -> list[Any]:
    request = {**project.echo(), "geometry": project.geometry, "as_of": result.body["as_of"]}
    return [
        project.name,
        result.rule_set_id,
        result.verdict,
        shapely.to_wkb(shapely.set_srid(result.geometry.geom, STORAGE_SRID), include_srid=True),
        orjson.dumps(request).decode(),
        orjson.dumps(stored_body(result.body)).decode(),
    ]


#: What a stored rule result keeps; the rest (title, predicate, collection, citation,
#: measures, note) is the rule's own text, rebuilt from the stored rule set on read.
_STORED_KEYS = ("rule_id", "outcome", "checked", "evidence")


def stored_body(body: dict[str, Any]) -> dict[str, Any]:
    """The result as stored: each rule result without the rule set's own text.

    A screening records the id of its rule set, and stored rule sets never change, so
    the citations and measures (two thirds of a result's bytes) are not copied into
    every screening; :func:`public_body` puts them back, with the same function that
    wrote them, so a read returns what the POST returned.
    """
    return {
        **body,
        "results": [{k: r[k] for k in _STORED_KEYS} for r in body.get("results", [])],
    }


def public_body(body: dict[str, Any], rules: LoadedRuleSet | None) -> dict[str, Any]:
    """A stored result as it was returned: the rules' text rebuilt from ``rules``.

    Results stored whole (before bodies were stored compact) are returned as stored.
    """
    by_id = {r.id: r for r in rules.rules} if rules is not None else {}
    results = []
    for r in body.get("results", []):
        rule = by_id.get(r.get("rule_id"))
        if "citation" in r or rule is None:
            results.append(r)
        else:
            results.append(_rule_result(rule, r["outcome"], r["evidence"], r["checked"]))
    return {**body, "results": results} if "results" in body else body


def _insert(session: Session, args: list[Any]) -> tuple[int, datetime]:
    with psycopg.RawCursor(_driver(session)) as cursor:
        cursor.execute(_INSERT_SQL, args, prepare=True)
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - INSERT … RETURNING returns its row
        raise RuntimeError("no row returned")
    return int(row[0]), row[1]


def create_screening(session: Session, project: ProjectInput) -> dict[str, Any]:
    """Screen a project and store the screening; commit. Nothing is stored on error."""
    result = screen(session, project)
    screening_id, created_at = _insert(session, _insert_args(project, result))
    session.commit()
    return _public(screening_id, created_at, result.body)


class ScreeningStore(Protocol):
    """Where the async screening path runs its two statements."""

    async def fetch(self, sql: bytes, args: list[Any]) -> list[tuple[Any, ...]]:
        """All rows of a ``$n`` statement."""
        ...

    async def insert(self, args: list[Any]) -> tuple[int, datetime]:
        """Store a screening (``_INSERT_SQL``) and commit it: its id and creation time."""
        ...

    async def create_sync(self, project: ProjectInput) -> dict[str, Any]:
        """:func:`create_screening` on a session (the path that resolves the rule set)."""
        ...


def make_screening_pool(settings: DatabaseSettings) -> AsyncConnectionPool[Any]:
    """The (unopened) pool of ``POST /screenings``, apart from the read pool.

    Screenings queue on their own connections (``screening_pool_max_size``) under their
    own statement timeout, so a burst of heavy screenings cannot starve item reads.
    """
    return make_pool(
        settings,
        name="ecozone-screening",
        min_size=settings.screening_pool_min_size,
        max_size=settings.screening_pool_max_size,
        statement_timeout_ms=settings.screening_timeout_ms,
    )


class PoolScreeningStore:
    """The server's store: the screening pool (autocommit) and, rarely, a session."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        sessions: sessionmaker[Session],
        timeout_ms: int | None = None,
    ) -> None:
        """Run on ``pool``; fall back to sessions from ``sessions`` (``timeout_ms`` each)."""
        self.pool = pool
        self.sessions = sessions
        self.timeout_ms = timeout_ms

    async def _execute(self, sql: bytes, args: list[Any]) -> list[tuple[Any, ...]]:
        return await fetch_on_pool(self.pool, sql, args, raw=True)

    async def fetch(self, sql: bytes, args: list[Any]) -> list[tuple[Any, ...]]:
        """All rows."""
        return await self._execute(sql, args)

    async def insert(self, args: list[Any]) -> tuple[int, datetime]:
        """One autocommit statement: its own transaction."""
        rows = await self._execute(_INSERT_SQL, args)
        return int(rows[0][0]), rows[0][1]

    async def create_sync(self, project: ProjectInput) -> dict[str, Any]:
        """In a worker thread, on a new session."""

        def run() -> dict[str, Any]:
            with self.sessions() as session:
                if self.timeout_ms is not None:
                    set_statement_timeout(session, self.timeout_ms)
                try:
                    return create_screening(session, project)
                except OperationalError as exc:
                    raise database_error(exc) or exc from None

        return await asyncio.to_thread(run)


class SessionScreeningStore:
    """A store on one sync session (tests that roll back), each call in a worker thread."""

    def __init__(self, session: Session) -> None:
        """Run on ``session``; ``insert`` commits it as :func:`create_screening` does."""
        self.session = session

    async def fetch(self, sql: bytes, args: list[Any]) -> list[tuple[Any, ...]]:
        """All rows."""

        def run() -> list[tuple[Any, ...]]:
            with psycopg.RawCursor(_driver(self.session)) as cursor:
                cursor.execute(sql, args, prepare=True)
                return cursor.fetchall()

        return await asyncio.to_thread(run)

    async def insert(self, args: list[Any]) -> tuple[int, datetime]:
        """Insert and commit."""

        def run() -> tuple[int, datetime]:
            row = _insert(self.session, args)
            self.session.commit()
            return row

        return await asyncio.to_thread(run)

    async def create_sync(self, project: ProjectInput) -> dict[str, Any]:
        """:func:`create_screening` on the session."""
        return await asyncio.to_thread(create_screening, self.session, project)


#: The rule set last found in force per ``as_of`` (per process). Only a guess: the
#: screening statement returns the id actually in force, and a different id sends the
#: request down the resolving path, so a rule set loaded by another process is honoured.
_IN_FORCE: dict[date, int] = {}


async def create_screening_async(store: ScreeningStore, project: ProjectInput) -> tuple[int, bytes]:
    """Screen a project and store it in two statements; its id and public JSON.

    The first statement returns every spatial lookup, the releases in force and the id
    of the rule set in force; when that is the cached rule set the rules are evaluated
    and the result stored by the second. Otherwise (first request, a new rule set, an
    input the cached rules reject) the request takes :func:`create_screening`, which
    resolves the rule set (storing the repository's on a fresh database) and raises
    the authoritative error. The database keeps the compact form (:func:`stored_body`).
    """
    as_of = project.as_of or date.today()
    rules = cached_rule_set(_IN_FORCE.get(as_of))
    prepared: _Prepared | None = None
    if rules is not None:
        try:
            _check_input(project)
            prepared = _prepare(rules, project, as_of, None)
        except GisError:
            prepared = None
    if rules is not None and prepared is not None:
        rows = await store.fetch(prepared.plan.sql, prepared.args)
        if _rule_set_in_force(rows) == rules.id:
            result = _assemble(prepared, project, rows)
            screening_id, created_at = await store.insert(_insert_args(project, result))
            head = orjson.dumps({"id": screening_id, "created_at": created_at.isoformat()})
            return screening_id, head[:-1] + b"," + orjson.dumps(result.body)[1:]
    public = await store.create_sync(project)
    if len(_IN_FORCE) > 1024:
        _IN_FORCE.clear()
    return int(public["id"]), orjson.dumps(public)


def _public(screening_id: int, created_at: datetime, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": screening_id, "created_at": created_at.isoformat(), **body}


def get_screening(session: Session, screening_id: int) -> dict[str, Any]:
    """A stored screening by id.

    Raises:
        ScreeningNotFoundError: no such id.
    """
    row = session.execute(
        select(
            Screening.id,
            Screening.created_at,
            Screening.result,
            Screening.rule_set_id,
            RuleSet.source_hash,
        )
        .join(RuleSet, RuleSet.id == Screening.rule_set_id)
        .where(Screening.id == screening_id)
    ).first()
    if row is None:
        raise ScreeningNotFoundError(screening_id)
    rules = get_rule_set(session, row.rule_set_id)
    if rules.source_hash != row.source_hash:  # a cached rule set of another database
        rules = get_rule_set(session, row.rule_set_id, cached=False)
    return _public(row.id, row.created_at, public_body(row.result, rules))


def list_screenings(
    session: Session, *, limit: int = 20, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Stored screenings, newest first (summaries), and the total count."""
    rows = session.execute(
        select(
            Screening.id,
            Screening.created_at,
            Screening.name,
            Screening.verdict,
            Screening.result["as_of"].astext.label("as_of"),
            Screening.result["project"]["industry"].astext.label("industry"),
            Screening.result["project"]["kind"].astext.label("kind"),
        )
        .order_by(Screening.created_at.desc(), Screening.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(select(func.count()).select_from(Screening)) or 0
    items = [
        {
            "id": r.id,
            "created_at": r.created_at.isoformat(),
            "name": r.name,
            "verdict": r.verdict,
            "as_of": r.as_of,
            "industry": r.industry,
            "kind": r.kind,
        }
        for r in rows
    ]
    return items, total
