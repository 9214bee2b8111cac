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

from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    Float,
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
    EDGES,
    NETWORKS,
    along_m,
    near_reach,
    on_a_river,
    position_on,
)
from layers.screening.lookups import (
    PATH_DIGITS,
    UPSTREAM_ROW,
    UpstreamBranch,
    report_attrs,
    rule_condition,
)
from layers.screening.rules import Rule
from layers.store.models import feature_table


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
    reach = func.river_reaches(
        project.c.geom, network, true(), literal(pred.distance_m or 0.0, Float()), snap
    ).table_valued("edge", "entry_m", "seed", "lo", "hi", "path", "rivers")
    e = EDGES
    part = func.ST_LineSubstring(e.c.geom, reach.c.lo, reach.c.hi)
    in_force = (
        target.c.release_id
        == select(release.c.id).where(release.c.collection == layer.collection).scalar_subquery()
    )
    condition = rule_condition(rule)
    attrs = report_attrs(target, layer.report_fields)
    pairs = (
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
        .select_from(project)
        .join(reach, true())
        .join(e, e.c.id == reach.c.edge)
        .join(
            target,
            and_(
                in_force,
                *near_reach(part, target.c.geom, snap),
                *([condition] if condition is not None else []),
            ),
        )
        .where(bindparam(up.param, type_=Boolean(), required=False).is_(true()))
        .offset(0)  # a fence: the positions are computed once
        .subquery(f"{up.param}_net")
    )
    stretch = func.ST_LineSubstring(pairs.c.line, pairs.c.seed, pairs.c.at)
    line = func.ST_RemoveRepeatedPoints(
        case(
            (pairs.c.path.is_(None), stretch),
            else_=func.ST_MakeLine(pairs.c.path, stretch),
        )
    )
    via = func.jsonb_build_object(
        literal("collection"),
        literal(pred.via, Text()),
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
    return select(
        literal(UPSTREAM_ROW + rule.key, Text()).label("collection"),
        pairs.c.id,
        pairs.c.name,
        pairs.c.release_id,
        along_m(pairs.c.entry_m, pairs.c.line, pairs.c.seed, pairs.c.at).label("distance_m"),
        true().label("intersects"),
        false().label("covers"),
        false().label("covered"),
        cast(null(), Float()).label("overlap_m2"),
        cast(
            func.jsonb_build_object(
                literal("via"),
                via,
                literal("attributes"),
                pairs.c.attrs,
                literal("path"),
                func.ST_AsGeoJSON(line, PATH_DIGITS).cast(JSONB),
            ),
            JSONB,
        ).label("attrs"),
        cast(null(), ARRAY(Text())).label("matched"),
    ).where(pairs.c.at >= pairs.c.seed, or_(pairs.c.crosses, ~pairs.c.on_river))
