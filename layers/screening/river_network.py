"""The network lookup of an ``upstream`` rule: its targets downstream of the project.

When a river network was built from the ``via`` collection's release in force
(``ecozone network build``), an ``upstream`` rule is judged on it: the project is
upstream of a target when a downstream trace from the project (the database function
``river_reaches``, pgRouting) reaches the target within ``distance_m`` along the
rivers, through any confluence (a project on a tributary finds a zone on the main
stem). The lookup's rows have the plan's columns, like
:func:`layers.screening.lookups.upstream_select`'s, which runs only when there is no
such network. It is one more branch of the plan's single statement, switched on by the
rule's parameter, so a screening no ``upstream`` rule applies to costs nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    Float,
    LargeBinary,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from layers.network.trace import (
    DEFAULT_SNAP_M,
    EDGES,
    NETWORKS,
    along_m,
    near_reach,
    on_a_river,
    position_on,
)
from layers.screening.lookups import (
    PATH_DIGITS,
    RECEPTORS,
    SURFACE_WATER,
    TARGET_ROW,
    TRACE_PARAMS,
    TRACE_ROW,
    UPSTREAM_ROW,
    UpstreamBranch,
    packed_row,
    report_attrs,
    rule_condition,
    target_attrs,
)
from layers.screening.rules import Rule
from layers.store.models import feature_table

#: The water collection whose network the surface-water targets are traced on.
WATER = "water_bodies"


def network_of(rule: Rule, release: Any) -> Any:
    """The id of the network built from the ``via`` release in force (null without one)."""
    via_release = (
        select(release.c.id).where(release.c.collection == rule.predicate.via).scalar_subquery()
    )
    return select(NETWORKS.c.id).where(NETWORKS.c.release_id == via_release).scalar_subquery()


def has_network(rule: Rule, release: Any) -> ColumnElement[bool]:
    """Whether a network was built from the ``via`` release in force."""
    via_release = (
        select(release.c.id).where(release.c.collection == rule.predicate.via).scalar_subquery()
    )
    return exists().where(NETWORKS.c.release_id == via_release)


def _downstream_pairs(
    reach: Any,
    target: Any,
    conditions: list[ColumnElement[bool]],
    network: Any,
    snap: float,
    attrs: ColumnElement[Any],
    name: str,
) -> Any:
    """The features of ``target`` on the reaches of a downstream trace, one row per edge.

    ``reach``: the rows of ``river_reaches`` (edge, entry_m, seed, lo, hi, path, rivers);
    ``conditions``: the features' release in force and filters. A feature is on a reach
    when it lies within ``snap`` metres (geodesic) of the edge's covered part; ``at`` is
    where on the edge (:func:`position_on`).
    """
    e = EDGES
    part = func.ST_LineSubstring(e.c.geom, reach.c.lo, reach.c.hi)
    return (
        select(
            target.c.id.label("id"),
            target.c.name.label("name"),
            target.c.release_id.label("release_id"),
            e.c.feature_id.label("river_id"),
            e.c.name.label("river_name"),
            e.c.release_id.label("river_release_id"),
            e.c.network_id.label("network_id"),
            e.c.geom.label("line"),
            reach.c.entry_m,
            reach.c.seed,
            reach.c.path,
            reach.c.rivers,
            position_on(e.c.geom, part, target.c.geom, down=True).label("at"),
            func.ST_Intersects(part, target.c.geom).label("crosses"),
            on_a_river(network, target.c.geom).label("on_river"),
            cast(attrs, JSONB).label("attrs"),
        )
        .select_from(reach)
        .join(e, e.c.id == reach.c.edge)
        .join(target, and_(*conditions, *near_reach(part, target.c.geom, snap)))
        .offset(0)  # a fence: the positions are computed once
        .subquery(name)
    )


@dataclass(frozen=True)
class _Found:
    """What a downstream hit reports: along-river metres, the river it took, its path."""

    distance_m: ColumnElement[float]
    via: ColumnElement[Any]
    path: ColumnElement[Any]
    #: the hit lies downstream of the start (on its edge) and on the river it was reached by
    downstream: ColumnElement[bool]


def _found(pairs: Any, via_collection: str) -> _Found:
    stretch = func.ST_LineSubstring(pairs.c.line, pairs.c.seed, pairs.c.at)
    line = func.ST_RemoveRepeatedPoints(
        case(
            (pairs.c.path.is_(None), stretch),
            else_=func.ST_MakeLine(pairs.c.path, stretch),
        )
    )
    via = func.jsonb_build_object(
        literal("collection"),
        literal(via_collection, Text()),
        literal("feature_id"),
        pairs.c.river_id,
        literal("name"),
        pairs.c.river_name,
        literal("release_id"),
        pairs.c.river_release_id,
        literal("network_id"),
        pairs.c.network_id,
        literal("rivers"),
        func.array_remove(pairs.c.rivers, literal("", Text())),
    )
    return _Found(
        along_m(pairs.c.entry_m, pairs.c.line, pairs.c.seed, pairs.c.at),
        via,
        func.ST_AsGeoJSON(line, PATH_DIGITS).cast(JSONB),
        and_(pairs.c.at >= pairs.c.seed, or_(pairs.c.crosses, ~pairs.c.on_river)),
    )


def network_upstream_select(
    rule: Rule, up: UpstreamBranch, project: Any, release: Any
) -> Select[Any]:
    """One row per target found downstream of the project on the network (per edge).

    ``distance_m`` is along the rivers (the geodesic length of the path), ``intersects``
    is true (the project is upstream), ``attrs`` = ``{"via": {collection, feature_id,
    name, release_id, network_id, rivers}, "attributes", "path"}`` with the path from
    the project's point on the river to the target (GeoJSON LineString, flow order) and
    the river names on it. The rule's ``via_filter`` does not apply: the network is
    every line of the water release (canals carry water too).
    """
    layer, pred = rule.layer, rule.predicate
    if layer is None or pred.via is None:  # pragma: no cover - the rule model forbids it
        raise ValueError(f"rule {rule.id}: upstream needs a layer and via")
    target = feature_table(layer.collection)
    snap = pred.snap
    network = network_of(rule, release)
    reach = (
        func.river_reaches(
            project.c.geom, network, true(), literal(pred.distance_m or 0.0, Float()), snap
        )
        .table_valued("edge", "entry_m", "seed", "lo", "hi", "path", "rivers")
        .render_derived(name=f"{up.param}_reach")
    )
    in_force = (
        target.c.release_id
        == select(release.c.id).where(release.c.collection == layer.collection).scalar_subquery()
    )
    condition = rule_condition(rule)
    switched_on = bindparam(up.param, type_=Boolean(), required=False).is_(true())
    pairs = _downstream_pairs(
        select(reach).select_from(project).where(switched_on).subquery(f"{up.param}_r"),
        target,
        [in_force, *([condition] if condition is not None else [])],
        network,
        snap,
        report_attrs(target, layer.report_fields),
        f"{up.param}_net",
    )
    found = _found(pairs, pred.via)
    return select(
        literal(UPSTREAM_ROW + rule.key, Text()).label("collection"),
        pairs.c.id,
        pairs.c.name,
        pairs.c.release_id,
        found.distance_m.label("distance_m"),
        true().label("intersects"),
        false().label("covers"),
        false().label("covered"),
        cast(null(), Float()).label("overlap_m2"),
        cast(
            func.jsonb_build_object(
                literal("via"),
                found.via,
                literal("attributes"),
                pairs.c.attrs,
                literal("path"),
                found.path,
            ),
            JSONB,
        ).label("attrs"),
        cast(null(), ARRAY(Text())).label("matched"),
    ).where(found.downstream)


def receiving_reach(release: Any) -> Any:
    """The reaches downstream of the outfall (the project without one), as a CTE.

    ``river_reaches`` on the network built from the water release in force, for
    ``sw_along_m`` metres, when ``sw_trace`` is on (a discharging project); empty without
    a network or when the start lies more than :data:`DEFAULT_SNAP_M` from its rivers.
    """
    trace = bindparam(TRACE_PARAMS[0], type_=Boolean(), required=False)
    along = bindparam(TRACE_PARAMS[1], type_=Float(), required=False)
    source = func.ST_GeomFromEWKB(bindparam("outfall_ewkb", type_=LargeBinary(), required=False))
    water = select(release.c.id).where(release.c.collection == WATER).scalar_subquery()
    network = select(NETWORKS.c.id).where(NETWORKS.c.release_id == water).scalar_subquery()
    reach = func.river_reaches(source, network, true(), along, DEFAULT_SNAP_M).table_valued(
        "edge", "entry_m", "seed", "lo", "hi", "path", "rivers"
    )
    # both tests are one-time filters: without a trace or a network the function never runs
    return (
        select(reach, network.label("network_id"))
        .where(trace.is_(true()), network.is_not(None))
        .cte("sw_reach")
    )


def network_targets_select(release: Any, reach: Any, receptors: str = RECEPTORS) -> Select[Any]:
    """The surface-water 环境保护目标 down the receiving river, as the lookup's rows.

    The receptors of the types ``sw_types`` in the release in force of ``receptors``
    within :data:`DEFAULT_SNAP_M` of the reaches of :func:`receiving_reach`; like
    :func:`layers.screening.lookups.targets_select`'s rows, with ``distance_m`` along the
    rivers and ``via`` (the river, the rivers on the way) and ``path`` in ``attrs``.
    """
    t = feature_table(receptors)
    types = bindparam(TRACE_PARAMS[2], type_=ARRAY(Text()), required=False)
    in_force = select(release.c.id).where(release.c.collection == receptors).scalar_subquery()
    network = select(reach.c.network_id).limit(1).scalar_subquery()
    pairs = _downstream_pairs(
        reach,
        t,
        [t.c.release_id == in_force, t.c.type == func.any_(types)],
        network,
        DEFAULT_SNAP_M,
        target_attrs(t, literal(SURFACE_WATER, Text())),
        "sw_targets",
    )
    found = _found(pairs, WATER)
    attrs = pairs.c.attrs.op("||")(
        func.jsonb_build_object(literal("via"), found.via, literal("path"), found.path)
    )
    return select(
        *packed_row(
            TARGET_ROW,
            attrs,
            feature_id=pairs.c.id,
            name=pairs.c.name,
            release_id=pairs.c.release_id,
            distance_m=found.distance_m,
        )
    ).where(found.downstream)


def trace_row(release: Any, traced: ColumnElement[bool]) -> Select[Any]:
    """One row (:data:`TRACE_ROW`) saying how the surface-water targets were found.

    ``attrs``: ``{"network": a network is built from the water release in force,
    "traced": the receiving river was traced}`` (not traced: the circle was used).
    """
    water = select(release.c.id).where(release.c.collection == WATER).scalar_subquery()
    built = exists().where(NETWORKS.c.release_id == water)
    attrs = func.jsonb_build_object(literal("network"), built, literal("traced"), traced)
    return select(*packed_row(TRACE_ROW, attrs))
