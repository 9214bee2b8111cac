"""The lookups a screening plan joins: one per collection, one per ``upstream`` rule.

A collection's lookup (:func:`branch_select`) returns, per feature near the project,
the geodesic distance, whether it intersects, the geodesic overlap area and one boolean
per rule condition (its CQL2 filter and industry match). An ``upstream`` rule's lookup
(:func:`upstream_select`) returns its target features on a river line near the project,
with the along-river distance, whether the project is upstream, and the path along the
river. Every lookup returns the same columns (:class:`layers.screening.evaluate.Row`).

Distances are ``ST_Distance(geography)`` on the WGS84 spheroid; the search uses the
geometry GiST index through a conservative ``&&`` box and then ``ST_DWithin(geography)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import array as pg_array

from gis.crs import M_PER_DEG_LAT_MIN
from layers.reads.filters import GEOGRAPHY, parse_filter
from layers.screening.rules import Rule
from layers.store.catalog import get_collection
from layers.store.models import feature_table

#: The ``collection`` of the plan's last row, whose ``release_id`` is the rule set in force.
RULE_SET_ROW = "#rule_set"
#: The ``collection`` of an ``upstream`` rule's rows: this prefix and the rule id.
UPSTREAM_ROW = "#upstream/"
#: The ``collection`` of the rows measured from the outfall: this prefix and the collection.
OUTFALL_ROW = "#outfall/"
#: The ``collection`` of the rows of the raster releases in force (their files).
RASTER_ROW = "#raster"
#: The collection of 环境敏感目标, the receptors the 环境保护目标 lookup reads.
RECEPTORS = "sensitive_receptors"
#: The ``collection`` of the rows of the 环境保护目标 lookup (:func:`targets_select`).
TARGET_ROW = "#target"
#: The parameters of the 环境保护目标 lookup: one array element per (medium, receptor type).
TARGET_PARAMS = ("pt_media", "pt_types", "pt_radii", "pt_from_outfall", "pt_dx", "pt_dy")
#: The parameters of the surface-water targets traced down the receiving river: whether to
#: trace (a discharging project), how far (metres along the rivers), which receptor types.
TRACE_PARAMS = ("sw_trace", "sw_along_m", "sw_types")
#: The medium whose targets are traced down the river when a network is built.
SURFACE_WATER = "surface_water"
#: The ``collection`` of the row saying whether the receiving river was traced.
TRACE_ROW = "#sw_trace"
#: The ``collection`` of the rows of entry-list clauses that apply (the plan's clause lookup).
CLAUSE_ROW = "#clause"
#: A rule's ``within`` condition in a branch's ``matched``: the rule's key and this suffix.
WITHIN_SUFFIX = "#within"
#: The key of a feature's dimension in ``attrs`` (collections mixing lines and polygons).
DIMENSION_KEY = "_dimension"
#: Decimal places of the along-river path's lon/lat (about 0.1 m).
PATH_DIGITS = 6


@dataclass(frozen=True)
class Condition:
    """A rule's own condition on its collection's features (filter and industry match)."""

    rule_id: str
    expression: ColumnElement[bool]


@dataclass(frozen=True)
class Branch:
    """The lookup of one collection, shared by every rule that consults it."""

    collection: str
    radius_m: float
    report_fields: tuple[str, ...]
    conditions: tuple[Condition, ...]
    #: Whether a rule of this collection tests ``within`` / ``contains`` (else the
    #: ``ST_Covers`` / ``ST_CoveredBy`` columns are constant false and cost nothing).
    covers: bool = False
    covered: bool = False
    #: The rows' ``collection``: the collection id, or :data:`OUTFALL_ROW` + it for the
    #: lookup measured from the outfall.
    label: str | None = None
    #: Distances (metres) of ``dwithin`` rules with a filter, each with the filter: a
    #: feature the filter selects is searched that far (:func:`_within_reach`).
    bands: tuple[tuple[float, ColumnElement[bool]], ...] = ()
    #: The largest distance of the ``dwithin`` rules without a filter (every feature).
    near_m: float = 0.0


@dataclass(frozen=True)
class UpstreamBranch:
    """The lookup of one ``upstream`` rule: targets on a river below the project."""

    rule_id: str
    #: The rule's index in the rule set.
    position: int
    #: Name of the boolean parameter that switches the branch on (the rule applies).
    param: str
    #: Metres around the project within which a target can be reached (index search).
    reach_m: float


def as_of_param() -> ColumnElement[Any]:
    """The plan's ``as_of`` parameter: the screening's date, which picks every release."""
    return bindparam("as_of", type_=Date(), required=False)


def rule_filter(collection_id: str, text: str) -> ColumnElement[bool]:
    """A rule's CQL2 filter, reading ``COLLECTION(...)`` releases in force on ``as_of``.

    Like the rule's own layer, the collections a filter refers to are read in their
    release in force on the screening's date.
    """
    return parse_filter(collection_id, text, as_of=as_of_param())


def rule_condition(rule: Rule) -> ColumnElement[bool] | None:
    """The rule's filter and industry match on its collection, or None when it has neither."""
    if rule.layer is None:
        return None
    table = feature_table(rule.layer.collection)
    parts: list[ColumnElement[bool]] = []
    if rule.layer.filter:
        parts.append(rule_filter(rule.layer.collection, rule.layer.filter))
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


def branch_select(
    branch: Branch,
    project: Any,
    project_geog: ColumnElement[Any],
    release: Any,
    polygonal: ColumnElement[bool],
) -> Select[Any]:
    """The lookup of one collection: its features in force within the branch's radius.

    ``project`` is the plan's project CTE (``geom``), ``release`` its CTE of the release
    in force per collection, ``polygonal`` whether overlaps are measured. The radius is
    the parameter ``r_<collection>``; ``kx``/``kd`` size the index and planar pre-tests.
    """
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
    pairs: list[ColumnElement[Any]] = [
        a for f in branch.report_fields for a in (literal(f), table.c[f])
    ]
    if collection.geometry == "GEOMETRY":  # lines and polygons: say which was measured to
        pairs += [literal(DIMENSION_KEY), func.ST_Dimension(table.c.geom)]
    attrs: ColumnElement[Any] = func.jsonb_build_object(*pairs) if pairs else null()
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
            literal(branch.label or collection.id, Text()).label("collection"),
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
            _within_reach(branch, table, project, project_geog, radius, diagonal_deg_per_m),
        )
    )


def _within_reach(
    branch: Branch,
    table: Any,
    project: Any,
    project_geog: ColumnElement[Any],
    radius: ColumnElement[Any],
    diagonal_deg_per_m: ColumnElement[Any],
) -> ColumnElement[bool]:
    """Whether a feature is near enough for some rule or the hit list (geodesic).

    The collection's radius is the largest distance any rule asks; a rule whose own
    filter selects a few features (鄱阳湖, the coast) reaches that far only for those
    (:attr:`Branch.bands`): every other feature is tested with the request's buffer and
    the distances of the rules without a filter (``near``), so a 5 km lake rule does not
    make every river within 5 km a row of the answer.
    """
    if not branch.bands:
        return func.ST_DWithin(cast(table.c.geom, GEOGRAPHY), project_geog, radius)
    near = func.greatest(
        bindparam("buffer_m", type_=Float(), required=False), literal(branch.near_m, Float())
    )

    def reach(metres: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(
            func.ST_DWithin(table.c.geom, project.c.geom, metres * diagonal_deg_per_m),
            func.ST_DWithin(cast(table.c.geom, GEOGRAPHY), project_geog, metres),
        )

    return or_(
        reach(func.least(near, radius)),
        *(
            and_(expression, reach(func.least(literal(metres, Float()), radius)))
            for metres, expression in branch.bands
        ),
    )


def reach(rule: Rule) -> float:
    """Metres around the project within which a target of an ``upstream`` rule can lie.

    The along-river length is at least the geodesic distance between the two positions
    on the line, and each position is the planar (degree) closest point of its geometry,
    at most snap_m / cos φ (< 2 snap_m in China) from it; so the target lies within
    ``distance_m + 4 snap_m`` of the project. Only the index search uses this bound.
    """
    return (rule.predicate.distance_m or 0.0) + 4.0 * rule.predicate.snap


def upstream_select(
    rule: Rule,
    up: UpstreamBranch,
    project: Any,
    project_geog: ColumnElement[Any],
    release: Any,
) -> Select[Any]:
    """The lookup of one ``upstream`` rule: one row per (target feature, river line) pair.

    A river line is a part of ``ST_LineMerge(geom, true)`` (direction-preserving) of a
    line feature of the ``via`` collection (its release in force, its ``via_filter``),
    clipped to the window of :func:`reach` around the project, within ``snap_m``
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
    release_id}, "attributes": {report fields}, "path": GeoJSON LineString}``, the path
    being that stretch of the line, from the project's position to the target's, when the
    project is upstream (else null). The branch runs only when the rule
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
        river_where.append(rule_filter(pred.via, pred.via_filter))
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

    attrs = report_attrs(target, layer.report_fields)
    condition = rule_condition(rule)
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
    stretch = func.ST_LineSubstring(pairs.c.line, lo, hi)
    upstream = pairs.c.at_project < pairs.c.at_target
    # the river between the two positions, from the project down to the target (only
    # when the project is upstream: the line's order is the flow), for the map to draw
    path = case((upstream, func.ST_AsGeoJSON(stretch, PATH_DIGITS).cast(JSONB)), else_=null())
    return select(
        literal(UPSTREAM_ROW + rule.key, Text()).label("collection"),
        pairs.c.id,
        pairs.c.name,
        pairs.c.release_id,
        func.ST_Length(cast(stretch, GEOGRAPHY)).label("distance_m"),
        upstream.label("intersects"),
        false().label("covers"),
        false().label("covered"),
        cast(null(), Float()).label("overlap_m2"),
        cast(
            func.jsonb_build_object(
                literal("via"), via, literal("attributes"), pairs.c.attrs, literal("path"), path
            ),
            JSONB,
        ).label("attrs"),
        cast(null(), ARRAY(Text())).label("matched"),
    )


def packed_row(
    label: str,
    attrs: ColumnElement[Any],
    *,
    feature_id: ColumnElement[Any] | None = None,
    name: ColumnElement[Any] | None = None,
    release_id: ColumnElement[Any] | None = None,
    distance_m: ColumnElement[Any] | None = None,
) -> list[Any]:
    """The columns of a plan row whose content is ``attrs`` (JSONB), labelled ``label``.

    For the lookups that are not a collection's (clauses, targets, rasters): the measures
    a collection's lookup returns are null, except those given.
    """

    def given(value: ColumnElement[Any] | None, type_: Any) -> Any:
        return cast(null(), type_) if value is None else value

    return [
        literal(label, Text()),
        given(feature_id, BigInteger()),
        given(name, Text()),
        given(release_id, BigInteger()),
        given(distance_m, Float()),
        *[cast(null(), t) for t in (Boolean(), Boolean(), Boolean(), Float())],
        cast(attrs, JSONB),
        cast(null(), ARRAY(Text())),
    ]


def report_attrs(table: Any, fields: tuple[str, ...]) -> ColumnElement[Any]:
    """A feature's report fields as one JSON object (null when the rule reports none)."""
    if not fields:
        return null()
    return func.jsonb_build_object(*[a for f in fields for a in (literal(f), table.c[f])])


def target_attrs(t: Any, medium: ColumnElement[Any]) -> ColumnElement[Any]:
    """A receptor's row content in the 环境保护目标 lookup: medium, code, type, scale, centre."""
    centre = func.ST_PointOnSurface(t.c.geom)
    return func.jsonb_build_object(
        "medium", medium, "code", t.c.code, "type", t.c.type,
        "population", t.c.population, "grade", t.c.grade, "area_m2", t.c.area_m2,
        "synthetic", t.c.synthetic, "lon", func.ST_X(centre), "lat", func.ST_Y(centre),
    )  # fmt: skip


def targets_select(
    release: Any, receptors: str = RECEPTORS, traced: ColumnElement[bool] | None = None
) -> Select[Any]:
    """The 环境保护目标 lookup: the receptors within each medium's range, as plan rows.

    One row per (medium, receptor) in the release in force of ``receptors`` (the plan's
    ``release`` CTE), within the medium's range of the project (``ewkb``) or, for the
    media measured from it, the outfall (``outfall_ewkb``, the project when none is
    given): a GiST ``&&`` box, then ``ST_DWithin`` on geography. ``distance_m`` is the
    geodesic distance from the edge; ``attrs`` the medium, code, type, scale and the
    receptor's centre (``lon``/``lat``). The ranges are the parameters
    :data:`TARGET_PARAMS` (:func:`layers.screening.protection.target_params`).

    ``traced``: true when the surface-water targets were traced down the river network
    (:func:`layers.screening.river_network.network_targets_select`); the circle of that
    medium is then left out.
    """
    t = feature_table(receptors)
    project = func.ST_GeomFromEWKB(bindparam("ewkb", type_=LargeBinary(), required=False))
    outfall = func.ST_GeomFromEWKB(bindparam("outfall_ewkb", type_=LargeBinary(), required=False))
    element_types: tuple[Any, ...] = (Text(), Text(), Float(), Boolean(), Float(), Float())
    arrays: list[Any] = [
        bindparam(name, type_=ARRAY(element), required=False)
        for name, element in zip(TARGET_PARAMS, element_types, strict=True)
    ]
    m = (
        func.unnest(*arrays)
        .table_valued("medium", "type", "radius_m", "from_outfall", "dx", "dy")
        .render_derived(name="m")
    )
    in_force = select(release.c.id).where(release.c.collection == receptors).scalar_subquery()
    source = case((m.c.from_outfall, outfall), else_=project)
    circle = [] if traced is None else [~and_(m.c.medium == SURFACE_WATER, traced)]
    return (
        select(
            *packed_row(
                TARGET_ROW,
                target_attrs(t, m.c.medium),
                feature_id=t.c.id,
                name=t.c.name,
                release_id=t.c.release_id,
                distance_m=func.ST_Distance(func.geography(t.c.geom), func.geography(source)),
            )
        )
        .select_from(m)
        .join(
            t,
            and_(
                t.c.release_id == in_force,
                t.c.type == m.c.type,
                t.c.geom.op("&&")(func.ST_Expand(source, m.c.dx, m.c.dy)),
                func.ST_DWithin(func.geography(t.c.geom), func.geography(source), m.c.radius_m),
                *circle,
            ),
        )
    )
