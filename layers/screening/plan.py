"""The screening plan of a rule set: one SQL statement that answers every rule for a project.

For a project geometry, every catalogue collection is searched within a radius (the
request's ``buffer_m``, widened to the largest distance any rule asks of that
collection) in the release in force on ``as_of`` (:func:`layers.screening.lookups.branch_select`).
Each ``upstream`` rule adds one branch to the same statement
(:func:`layers.screening.lookups.upstream_select`). The statement also returns the release
in force per collection and the rule set in force, so a cached rule set is checked in
the same round trip. A plan is built once per rule set (:class:`layers.screening.rulebook.RuleBook`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from psycopg import sql as psycopg_sql
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Float,
    LargeBinary,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB, distinct_on
from sqlalchemy.dialects.postgresql.psycopg import PGCompiler_psycopg, PGDialect_psycopg
from sqlalchemy.sql import visitors
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseElement, ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect
from sqlalchemy.sql.visitors import ExternallyTraversible

from layers.reads.entry_lists import UNITS, applicable_clauses, scopes_select
from layers.reads.filters import GEOGRAPHY
from layers.screening.element_zones import REPORTED as ZONE_REPORTED
from layers.screening.element_zones import ZONE_TITLES
from layers.screening.lookups import (
    CLAUSE_ROW,
    OUTFALL_ROW,
    RASTER_ROW,
    RULE_SET_ROW,
    WITHIN_SUFFIX,
    Branch,
    Condition,
    UpstreamBranch,
    as_of_param,
    branch_select,
    packed_row,
    reach,
    rule_condition,
    rule_filter,
    targets_select,
    upstream_select,
)
from layers.screening.river_network import (
    has_network,
    network_targets_select,
    network_upstream_select,
    receiving_reach,
    trace_row,
)
from layers.screening.rules import LoadedRuleSet, Rule, RuleSetKey
from layers.screening.rulesets import select_rule_set_in_force
from layers.screening.scope import (
    ADCODE_FIELD,
    JURISDICTION,
    PARKS,
    Decision,
    ProjectScope,
    RuleScope,
    compile_scopes,
)
from layers.store.catalog import COLLECTIONS
from layers.store.models import RasterFile, Release, feature_table
from layers.store.rasters import IN_FORCE_COLUMNS
from layers.store.releases import NEWEST_FIRST, in_force_on

#: The switch of a collection's lookups (:meth:`Plan.variant`): ``RELEASED`` + its id.
RELEASED = "released:"
#: The switch of the 环境保护目标 lookups (:mod:`layers.screening.protection`): off where
#: the table is not wanted (``screen-batch`` and sweeps write one row per site without it).
TARGETS = "targets"

#: How many answers a plan keeps per cache (:meth:`Plan.decide`, :meth:`Plan.reach`):
#: each is a few hundred bytes; a full cache starts again empty.
KEPT = 4096


@dataclass(frozen=True)
class Decided:
    """What the rules in force on a date decide for one project scope (before ``within``)."""

    #: each rule in force, in order, with its decision and the facts it lacks
    rules: tuple[tuple[RuleScope, Decision, tuple[str, ...]], ...]
    #: whether a rule in force is scoped by region (the divisions must then be known)
    regional: bool
    #: the adcodes of the project's divisions the decision was made for
    adcodes: frozenset[str]
    #: what the evaluation builds once for this decision (its own keys)
    built: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Reach:
    """How far a project's lookups reach, from what is known before the round trip."""

    #: the largest distance a rule that may apply asks of each collection (metres)
    widest: dict[str, float]
    #: whether each ``upstream`` rule may apply, by its parameter name
    applying: dict[str, bool]


@dataclass(frozen=True)
class Plan:
    """The query of a rule set: what every screening runs, compiled once.

    ``sql`` is the statement compiled for psycopg (IN lists expanded, the rule set's
    values inlined), so a screening pays neither SQLAlchemy's compile nor its cache-key
    walk, and binds only ``param_names`` (``$1``, ``$2``, … in that order). A screening
    runs :meth:`variant`: the same statement without the branches switched off for it.
    """

    statement: Select[Any]
    branches: tuple[Branch, ...]
    sql: bytes
    param_names: tuple[str, ...]
    upstream: tuple[UpstreamBranch, ...] = ()
    #: each rule's compiled scope, in the rule set's order
    scopes: tuple[RuleScope, ...] = ()
    #: the rules whose distance widens their collection's search radius (``dwithin``)
    widening: tuple[RuleScope, ...] = ()
    #: the result entry of each rule that does not apply and its stored form, built once
    #: (by rule key; shared between screenings: never mutate one)
    not_applicable: dict[str, tuple[dict[str, Any], dict[str, Any] | str]] = field(
        default_factory=dict, compare=False
    )
    #: each ``UNION ALL`` branch of ``statement`` with the switches that must all be on
    #: for it to run (none: always): boolean parameters, and :data:`RELEASED` + a
    #: collection for the lookups of a collection
    parts: tuple[tuple[tuple[str, ...], Select[Any]], ...] = ()
    _variants: dict[frozenset[str], tuple[bytes, tuple[str, ...]]] = field(
        default_factory=dict, compare=False
    )
    _decided: dict[tuple[Any, ...], Decided] = field(default_factory=dict, compare=False)
    _reach: dict[tuple[Any, ...], Reach] = field(default_factory=dict, compare=False)

    def variant(self, switches: Mapping[str, bool]) -> tuple[bytes, tuple[str, ...]]:
        """The statement without the branches ``switches`` turn off, and its parameters.

        A switched-off branch (the outfall's lookups without an outfall, an ``upstream``
        rule that cannot apply, a collection with no release in force) returns no row,
        but PostgreSQL still sets up its plan nodes at every execution: with ~40 branches
        that set-up was most of the statement's fixed cost (bench/RESULTS.md). A switch
        not in ``switches`` is on. Compiled once per combination of switches that are on.
        """
        on = frozenset(g for g in self._switch_names if switches.get(g, True))
        got = self._variants.get(on)
        if got is None:
            if on == self._switch_names:
                got = (self.sql, self.param_names)  # every branch on: the whole statement
            else:
                got = _compile(union_all(*(s for g, s in self.parts if on.issuperset(g))))
            _keep(self._variants, on, got)
        return got

    @cached_property
    def _switch_names(self) -> frozenset[str]:
        return frozenset(g for gates, _ in self.parts for g in gates)

    def released(self, rows: list[tuple[Any, ...]]) -> frozenset[str]:
        """The collections searched by the plan that have a release in force, from its rows."""
        searched = self._searched
        return frozenset(r[0] for r in rows if r[1] is None and r[0] in searched)

    @cached_property
    def _searched(self) -> frozenset[str]:
        return frozenset(b.collection for b in self.branches)

    def decide(self, as_of: date, project: ProjectScope) -> Decided:
        """The decision of every rule in force on ``as_of`` for ``project``.

        Kept per (date, project scope): screenings of one kind of project in one county
        decide alike, and deciding some 200 rules was a fifth of a screening's Python.
        """
        key = (as_of, project.key)
        decided = self._decided.get(key)
        if decided is None:
            in_force = [s for s in self.scopes if s.rule.in_force(as_of)]
            decided = Decided(
                tuple((s, *s.decide(project)) for s in in_force),
                any(s.prefixes is not None for s in in_force),
                project.adcodes,
            )
            _keep(self._decided, key, decided)
        return decided

    def reach(self, as_of: date, labels: frozenset[str], tags: frozenset[str], kind: str) -> Reach:
        """The distances and ``upstream`` rules of the rules in force that may apply."""
        key = (as_of, labels, tags, kind)
        got = self._reach.get(key)
        if got is None:
            widest: dict[str, float] = {}
            for scope in self.widening:
                rule = scope.rule
                if rule.layer and rule.in_force(as_of) and scope.may_apply(labels, tags, kind):
                    c = rule.layer.collection
                    widest[c] = max(widest.get(c, 0.0), rule.predicate.distance_m or 0.0)
            applying = {
                up.param: (
                    (scope := self.scopes[up.position]).rule.in_force(as_of)
                    and scope.may_apply(labels, tags, kind)
                )
                for up in self.upstream
            }
            got = Reach(widest, applying)
            _keep(self._reach, key, got)
        return got


#: Fields a collection's lookup always reports: a division's adcode (the jurisdiction),
#: a control unit's code and class and an element zone's code and 要素细类 (the
#: conformity block's units and zones).
_ALWAYS_REPORTED = {
    JURISDICTION: (ADCODE_FIELD,),
    UNITS: ("code", "unit_class"),
    **dict.fromkeys(ZONE_TITLES, ZONE_REPORTED),
}


def _keep(cache: dict[Any, Any], key: Any, value: Any) -> None:
    """Keep ``value`` under ``key``, emptying a full cache first (:data:`KEPT`)."""
    if len(cache) >= KEPT:
        cache.clear()
    cache[key] = value


def build_plan(rule_set: LoadedRuleSet) -> Plan:
    """Build the one query that answers every rule (and the hit list) for a project.

    Parameters bound at execution: ``ewkb`` (project geometry, EWKB with SRID 4326),
    ``as_of`` (date), ``polygonal`` (bool), ``labels`` (the project's industry labels),
    ``r_<collection>`` (the search radius per collection, in metres) and, when a rule
    measures from the outfall, ``outfall_ewkb``.
    """
    project = select(
        func.ST_GeomFromEWKB(bindparam("ewkb", type_=LargeBinary(), required=False)).label("geom")
    ).cte("project")
    project_geog = cast(project.c.geom, GEOGRAPHY)
    as_of = as_of_param()
    release = (
        select(Release.collection, Release.id, Release.name, Release.coverage)
        .where(in_force_on(as_of))
        .order_by(Release.collection, *NEWEST_FIRST)
        .ext(distinct_on(Release.collection))
        .cte("rel")
    )
    polygonal = bindparam("polygonal", type_=Boolean(), required=False)
    uses_park = any(c.fact == "in_park" for r in rule_set.rules for c in r.applies_to.facts)

    branches: list[Branch] = []
    selects: list[Select[Any]] = []
    #: the switches of a select (:attr:`Plan.parts`), by its position (else always on)
    switches: dict[int, tuple[str, ...]] = {}
    for collection in COLLECTIONS:
        rules = [
            r
            for r in rule_set.rules
            if r.layer and r.layer.collection == collection.id and r.predicate.op != "upstream"
        ]
        within = [
            r
            for r in rule_set.rules
            if r.applies_to.within
            and r.applies_to.within.collection == collection.id
            and r.applies_to.within.filter
        ]
        branch = _branch(collection.id, rules, within)
        if collection.id in _ALWAYS_REPORTED:
            fields = (*branch.report_fields, *_ALWAYS_REPORTED[collection.id])
            branch = replace(branch, report_fields=tuple(dict.fromkeys(fields)))
        if collection.id == PARKS and uses_park:
            branch = replace(branch, covers=True)
        branches.append(branch)
        switches[len(selects)] = (RELEASED + collection.id,)
        selects.append(branch_select(branch, project, project_geog, release, polygonal))
    outfall_rules = [r for r in rule_set.rules if r.measure_from == "outfall" and r.layer]
    if outfall_rules:
        outfall = select(
            func.ST_GeomFromEWKB(
                bindparam("outfall_ewkb", type_=LargeBinary(), required=False)
            ).label("geom")
        ).cte("outfall")
        for collection_id in dict.fromkeys(r.layer.collection for r in outfall_rules if r.layer):
            mine = [r for r in outfall_rules if r.layer and r.layer.collection == collection_id]
            branch = replace(_branch(collection_id, mine, []), label=OUTFALL_ROW + collection_id)
            # only when the request gives an outfall (else these rules read the project's
            # own lookup of the collection, which carries their conditions too)
            switches[len(selects)] = ("has_outfall", RELEASED + collection_id)
            selects.append(
                branch_select(
                    branch, outfall, cast(outfall.c.geom, GEOGRAPHY), release, polygonal
                ).where(bindparam("has_outfall", type_=Boolean(), required=False).is_(true()))
            )
    upstream: list[UpstreamBranch] = []
    for position, rule in enumerate(rule_set.rules):
        if rule.predicate.op == "upstream" and rule.layer is not None:
            up = UpstreamBranch(rule.key, position, f"up_{len(upstream)}", reach(rule))
            upstream.append(up)
            # on the river network when one was built from the via release in force,
            # else along one line feature (layers.screening.river_network)
            switches[len(selects)] = switches[len(selects) + 1] = (up.param,)
            selects.append(
                upstream_select(rule, up, project, project_geog, release).where(
                    ~has_network(rule, release)
                )
            )
            selects.append(network_upstream_select(rule, up, project, release))
    # the entry-list clauses that apply where the project lies (judged by conformity)
    selects.append(_clauses_select(project, release))
    # the 环境保护目标 within each medium's range (layers.screening.protection); those of
    # surface water down the receiving river when a network is built (else in a circle)
    receiving = receiving_reach(release)
    traced = exists(select(literal(1)).select_from(receiving))
    for target_select in (
        targets_select(release, traced=traced),
        network_targets_select(release, receiving),
        trace_row(release, traced),
    ):
        switches[len(selects)] = (TARGETS,)
        selects.append(target_select)
    # the raster releases in force and their files, when a rule reads a raster
    if any(r.predicate.op == "raster_stat" for r in rule_set.rules):
        selects.append(_rasters_select(release))
    # the release in force per collection, and whether its coverage covers the project
    selects.append(
        select(
            release.c.collection,
            cast(null(), BigInteger()).label("id"),
            release.c.name,
            release.c.id.label("release_id"),
            cast(null(), Float()),
            cast(null(), Boolean()),
            func.coalesce(func.ST_Covers(release.c.coverage, project.c.geom), false()),
            cast(null(), Boolean()),
            cast(null(), Float()),
            cast(null(), JSONB),
            cast(null(), ARRAY(Text())),
        ).select_from(release.join(project, true()))
    )
    # … and the rule set in force (hash as ``name``, id as ``release_id``), so a cached
    # rule set is checked in the same trip
    in_force = select_rule_set_in_force(as_of)
    selects.append(
        select(
            literal(RULE_SET_ROW, Text()),
            cast(null(), BigInteger()),
            in_force.with_only_columns(in_force.selected_columns.source_hash).scalar_subquery(),
            in_force.with_only_columns(in_force.selected_columns.id).scalar_subquery(),
            *[cast(null(), t) for t in (Float(), Boolean(), Boolean(), Boolean(), Float())],
            cast(null(), JSONB),
            cast(null(), ARRAY(Text())),
        )
    )
    statement = union_all(*selects)
    sql, names = _compile(statement)
    scopes = compile_scopes(rule_set)
    return Plan(
        statement=statement,  # type: ignore[arg-type]
        branches=tuple(branches),
        sql=sql,
        param_names=names,
        upstream=tuple(upstream),
        scopes=scopes,
        widening=tuple(
            s for s in scopes if s.rule.layer is not None and s.rule.predicate.op == "dwithin"
        ),
        parts=tuple((switches.get(i, ()), s) for i, s in enumerate(selects)),
    )


def _clauses_select(project: Any, release: Any) -> Select[Any]:
    """The entry-list clauses in force that apply to the project, as plan rows.

    The clauses of the control units and element control zones the project intersects
    and of the province and city lists of the divisions it intersects (each layer in its
    release in force, as its own lookup finds it), by
    :func:`layers.reads.entry_lists.applicable_clauses`.
    A row's ``name`` is the clause's text, its ``attrs`` the rest of the clause (level,
    scope, scope_name, dimension, clause_no, source, synthetic, release, conditions);
    :mod:`layers.screening.conformity` judges them.
    """

    def touching(collection_id: str) -> tuple[Any, ColumnElement[Any]]:
        table = feature_table(collection_id)
        in_force = select(release.c.id).where(release.c.collection == collection_id)
        return table, and_(
            table.c.release_id == in_force.scalar_subquery(),
            func.ST_Intersects(table.c.geom, project.c.geom),
        )

    zone_codes = union_all(
        *(select(t.c.code).where(here) for t, here in map(touching, ZONE_TITLES))
    ).subquery("zone_codes")
    units, units_here = touching(UNITS)
    divisions, divisions_here = touching(JURISDICTION)
    adcodes = select(divisions.c[ADCODE_FIELD].label("adcode")).where(divisions_here).cte("adcodes")
    cities, provinces = scopes_select(adcodes)
    codes = func.array(select(units.c.code).where(units_here).scalar_subquery())
    elements = func.array(select(zone_codes.c.code).scalar_subquery())
    clauses = applicable_clauses(codes, cities, provinces, as_of_param(), elements)
    c = clauses.subquery("clauses").c
    attrs = func.jsonb_build_object(
        "level", c.level, "scope", c.scope, "scope_name", c.scope_name,
        "dimension", c.dimension, "clause_no", c.clause_no, "source", c.source,
        "synthetic", c.synthetic, "release", c.release, "conditions", c.conditions,
    )  # fmt: skip
    return select(*packed_row(CLAUSE_ROW, attrs, name=c.text))


def _rasters_select(release: Any) -> Select[Any]:
    """The raster releases in force (the plan's ``release`` CTE) with their files, as plan rows.

    ``attrs`` holds :data:`layers.store.rasters.IN_FORCE_COLUMNS`
    (:func:`layers.screening.rasters.stored_in_plan` reads them).
    """
    files = RasterFile.__table__
    releases = Release.__table__
    columns = {
        "release_id": releases.c.id, "release": releases.c.name,
        "revision": releases.c.revision, "valid_from": releases.c.valid_from,
        "source": releases.c.source, "licence": releases.c.licence, "note": releases.c.note,
        "synthetic": releases.c.synthetic, "layer": files.c.layer, "kind": files.c.kind,
        "path": files.c.path, "crs": files.c.crs, "resolution_m": files.c.resolution_m,
        "classes": files.c.classes,
    }  # fmt: skip
    attrs = func.jsonb_build_object(*[a for c in IN_FORCE_COLUMNS for a in (c, columns[c])])
    stmt: Select[Any] = select(*packed_row(RASTER_ROW, attrs)).select_from(
        files.join(release, release.c.id == files.c.release_id).join(
            releases, releases.c.id == files.c.release_id
        )
    )
    return stmt


class _PlanCompiler(PGCompiler_psycopg):
    """Renders a constant as psycopg quotes it, with the cast its parameter would carry."""

    def render_literal_value(self, value: Any, type_: Any) -> str:
        """``value`` as an SQL literal, by psycopg's adaptation (every type it adapts)."""
        text = psycopg_sql.Literal(value).as_string(None)
        impl = type_._unwrapped_dialect_impl(self.dialect)
        if impl.render_bind_cast:
            return str(self.render_bind_cast(type_, impl, text))  # type: ignore[no-untyped-call]
        return text


class _PlanDialect(PGDialect_psycopg):
    statement_compiler = _PlanCompiler


@lru_cache(maxsize=1)
def _dialect() -> PGDialect_psycopg:
    """Psycopg's dialect with ``$n`` parameters, which psycopg's RawCursor takes."""
    return _PlanDialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]


def _inline_constants(element: ExternallyTraversible, **_kw: Any) -> ExternallyTraversible | None:
    """A bound parameter that has a value (the rule set's own), to be rendered as a literal."""
    if isinstance(element, BindParameter) and element.value is not None:
        return element.render_literal_execute()
    return None


def _branch(collection_id: str, rules: list[Rule], within: list[Rule]) -> Branch:
    """The lookup of one collection for the rules that consult it (and ``within`` tests)."""
    radius = max(
        [0.0] + [r.predicate.distance_m or 0.0 for r in rules if r.predicate.op == "dwithin"]
    )
    report: dict[str, None] = {}
    for r in rules:
        if r.layer is not None:
            report.update(dict.fromkeys(r.layer.report_fields))
            if r.layer.industry_field:
                report[r.layer.industry_field] = None
    expressions = {r.key: rule_condition(r) for r in rules}
    conditions = [Condition(key, expr) for key, expr in expressions.items() if expr is not None]
    conditions += [
        Condition(r.key + WITHIN_SUFFIX, rule_filter(collection_id, r.applies_to.within.filter))
        for r in within
        if r.applies_to.within and r.applies_to.within.filter
    ]
    ops = {r.predicate.op for r in rules}
    near = 0.0
    by_distance: dict[float, list[ColumnElement[bool]]] = {}
    for r in rules:
        if r.predicate.op != "dwithin":
            continue
        expression = expressions[r.key]
        if expression is None:
            near = max(near, r.predicate.distance_m or 0.0)
        else:
            by_distance.setdefault(r.predicate.distance_m or 0.0, []).append(expression)
    bands = tuple(
        (metres, or_(*expressions))
        for metres, expressions in sorted(by_distance.items())
        if metres > near
    )
    return Branch(
        collection_id,
        radius,
        tuple(report),
        tuple(conditions),
        covers="within" in ops,
        covered="contains" in ops,
        bands=bands,
        near_m=near,
    )


def _compile(statement: CompoundSelect[Any]) -> tuple[bytes, tuple[str, ...]]:
    """The statement's SQL for psycopg's RawCursor, and the names of its ``$n`` parameters.

    The rule set's own values (collection names, filter literals, rule ids, constants)
    are written into the text as SQL literals, quoted by psycopg; only what varies per
    project (the parameters without a value) stays a ``$n`` parameter. Binding ~150
    constants on every execution cost more client and server time than the lookups
    they describe; ``$n`` because the query is longer than psycopg caches its
    ``%(name)s`` conversion for. The text is bytes: psycopg would encode the ~15 KB text
    on every execution.
    """
    no_options: dict[str, Any] = {}
    inlined = visitors.replacement_traverse(statement, no_options, _inline_constants)
    if not isinstance(inlined, ClauseElement):  # pragma: no cover - a select stays one
        raise TypeError("replacement_traverse returned no statement")
    compiled = inlined.compile(dialect=_dialect(), compile_kwargs={"render_postcompile": True})
    if not isinstance(compiled, SQLCompiler):  # pragma: no cover - a select compiles so
        raise TypeError("a statement compiles with the SQL compiler")
    return str(compiled).encode(), tuple(compiled.positiontup or ())


def rule_set_in_force(rows: list[tuple[Any, ...]]) -> RuleSetKey | None:
    """The rule set the plan's SQL found in force (its last row), if any."""
    for row in reversed(rows):
        if row[0] == RULE_SET_ROW:
            return RuleSetKey(int(row[3]), row[2]) if row[3] is not None else None
    raise AssertionError("the plan's SQL always returns the rule-set row")  # pragma: no cover
