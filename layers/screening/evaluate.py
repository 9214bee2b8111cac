"""Rule evaluation: the rows of a plan's SQL, judged rule by rule, become a screening result.

Each rule is judged by its predicate's function (:data:`PREDICATES`, one per ``op`` the
rule schema allows) on the rows of its lookup; no rule has code of its own. The result
body lists every rule's outcome with its evidence, citation and measures, the releases
used, the hit list and the warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import shapely

from gis.civil_time import today
from gis.project_geometry import ProjectGeometry
from layers.screening import attainment
from layers.screening.lookups import (
    CLAUSE_ROW,
    DIMENSION_KEY,
    OUTFALL_ROW,
    RASTER_ROW,
    RULE_SET_ROW,
    TARGET_ROW,
    TRACE_ROW,
    UPSTREAM_ROW,
    WITHIN_SUFFIX,
)
from layers.screening.plan import Decided, Plan
from layers.screening.project import ProjectInput
from layers.screening.rasters import RasterFacts, judge
from layers.screening.rules import (
    CAPACITY,
    SEVERITY,
    LoadedRuleSet,
    Op,
    Rule,
    fact_label,
    version_key,
)
from layers.screening.scope import (
    ADCODE_FIELD,
    JURISDICTION,
    PARKS,
    ProjectScope,
    RuleScope,
    in_regions,
    jurisdiction_label,
)
from layers.store.catalog import COLLECTIONS

#: What a predicate gives: the outcome, the evidence, and whether the rule was checked.
Evaluation = tuple[str, list[dict[str, Any]], bool]


@dataclass
class Row:
    """A feature found by a lookup, as the predicates read it (a row of the plan's SQL).

    The plan's rows have these columns, in this order; a release row has no ``id`` (its
    ``release_id`` and ``name`` are the release in force), and the rule-set row's
    ``collection`` is :data:`layers.screening.lookups.RULE_SET_ROW`.
    """

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


@dataclass
class Prepared:
    """Everything a screening binds before its one round trip, and its rules read after."""

    rules: LoadedRuleSet
    as_of: date
    labels: frozenset[str]
    tags: frozenset[str]
    geom: ProjectGeometry
    plan: Plan
    radii: dict[str, float]
    #: the plan's statement for this project (:meth:`Plan.variant`) and its parameters
    sql: bytes
    args: list[Any]
    #: The outfall, reprojected and checked, when the request gives one.
    outfall: ProjectGeometry | None = None
    #: The raster statistics (:mod:`layers.screening.rasters`), when a rule needs them.
    rasters: RasterFacts | None = None
    #: The attainment of the project's city (:func:`layers.screening.attainment.area_quality`;
    #: None when the city is unknown).
    quality: dict[str, Any] | None = None
    #: every parameter by name, and the switches ``sql`` was chosen by (:meth:`Plan.variant`)
    params: dict[str, Any] = field(default_factory=dict)
    switches: dict[str, bool] = field(default_factory=dict)


@dataclass
class ScreeningResult:
    """The outcome of screening one project (before it is stored)."""

    verdict: str
    rule_set_id: int
    geometry: ProjectGeometry
    body: dict[str, Any]
    #: ``body["results"]`` as stored (:func:`stored_entry` of each)
    stored_results: list[dict[str, Any] | str]


#: What a stored rule result keeps: what the screening found (and the rule version's
#: start, which names the version); the rest (title, predicate, collection, citation,
#: measures, note, document, jurisdiction) is the rule's own text, rebuilt from the stored
#: rule set on read (:func:`layers.screening.storage.public_body`).
STORED_KEYS = ("rule_id", "valid_from", "outcome", "checked", "evidence")
#: What a rule result carries only when the screening found it (:func:`rule_result`).
FOUND_KEYS = ("reason", "regions_matched", "measured_from", "offset")


def stored_entry(entry: dict[str, Any]) -> dict[str, Any] | str:
    """A rule result as stored: without the rule's own text.

    A rule that does not apply is stored as its version key alone (``id@valid_from``):
    most rules of a screening do not apply, and their entries are the rule's text.
    """
    if entry["outcome"] == "NOT_APPLICABLE":
        return version_key(entry["rule_id"], entry["valid_from"])
    return {k: entry[k] for k in (*STORED_KEYS, *FOUND_KEYS) if k in entry}


def _evidence(row: Row, area_m2: float, polygonal: bool) -> dict[str, Any]:
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
        attrs = dict(row.attrs)
        dimension = attrs.pop(DIMENSION_KEY, None)
        if dimension is not None:
            item["measured_to"] = MEASURED_TO[int(dimension)]
        if attrs:
            item["attributes"] = attrs
    return item


#: What a distance to a feature of a mixed collection was measured to, by dimension: the
#: edge of a water polygon (the bank) or a line (a river's centreline, a shoreline).
MEASURED_TO = {0: "point", 1: "line", 2: "polygon_edge"}


def _matching(rule: Rule, rows: list[Row]) -> list[Row]:
    """The rows that meet the rule's own filter and industry match."""
    layer = rule.layer
    conditional = layer is not None and (
        layer.filter is not None or layer.industry_field is not None
    )
    return [r for r in rows if not conditional or rule.key in r.matched]


def _triggered(rule: Rule, hits: list[Row], project: ProjectGeometry) -> Evaluation:
    """The rule's outcome when anything is hit (nearest first), else PASS."""
    hits.sort(key=lambda r: (0.0 if r.intersects else r.distance_m, r.id))
    evidence = [_evidence(r, project.area_m2, project.polygonal) for r in hits]
    return (rule.outcome if hits else "PASS"), evidence, True


def _always(rule: Rule, _rows: list[Row], _project: ProjectGeometry) -> Evaluation:
    """Triggered by every project the rule applies to (it consults no layer)."""
    return rule.outcome, [], True


def _intersects(rule: Rule, rows: list[Row], project: ProjectGeometry) -> Evaluation:
    """Triggered by the matching features the project intersects."""
    return _triggered(rule, [r for r in _matching(rule, rows) if r.intersects], project)


def _dwithin(rule: Rule, rows: list[Row], project: ProjectGeometry) -> Evaluation:
    """Triggered by the matching features within ``distance_m`` (or only near, not touching)."""
    pred = rule.predicate
    limit = pred.distance_m or 0.0
    hits = [
        r
        for r in _matching(rule, rows)
        if (r.intersects or r.distance_m <= limit)
        and not (pred.exclude_intersecting and r.intersects)
    ]
    return _triggered(rule, hits, project)


def _within(rule: Rule, rows: list[Row], project: ProjectGeometry) -> Evaluation:
    """Triggered by the matching features that cover the project."""
    return _triggered(rule, [r for r in _matching(rule, rows) if r.covers], project)


def _contains(rule: Rule, rows: list[Row], project: ProjectGeometry) -> Evaluation:
    """Triggered by the matching features the project covers."""
    return _triggered(rule, [r for r in _matching(rule, rows) if r.covered], project)


def _not_intersects(rule: Rule, rows: list[Row], project: ProjectGeometry) -> Evaluation:
    """Triggered when no matching feature intersects; the nearest three as context."""
    candidates = _matching(rule, rows)
    crossing = [r for r in candidates if r.intersects]
    if crossing:
        return "PASS", [_evidence(r, project.area_m2, project.polygonal) for r in crossing], True
    near = sorted(candidates, key=lambda r: r.distance_m)[:3]
    return rule.outcome, [_evidence(r, project.area_m2, project.polygonal) for r in near], True


def _upstream(rule: Rule, rows: list[Row], _project: ProjectGeometry) -> Evaluation:
    """An ``upstream`` rule on its lookup's rows (:func:`layers.screening.lookups.upstream_select`).

    A target is hit when, on some river line, the project is upstream of it
    (``intersects`` carries that flag) at most ``distance_m`` along the river; its
    evidence gives the shortest such along-river distance, the river followed and the
    path along it (GeoJSON LineString, from the project's position to the target's).
    """
    limit = rule.predicate.distance_m or 0.0
    best: dict[int, Row] = {}
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
        if extra.get("path"):
            item["path"] = extra["path"]
        evidence.append(item)
    return (rule.outcome if hits else "PASS"), evidence, True


def _not_on_rows(_rule: Rule, _rows: list[Row], _project: ProjectGeometry) -> Evaluation:
    """Not judged on rows: :func:`assemble` judges it on the raster statistics or attainment."""
    return "NOT_CHECKED", [], False


#: The evaluation of each predicate ``op`` (:data:`layers.screening.rules.OPS`, every
#: one: a test holds the two equal, and the rule schema refuses any other op on load).
PREDICATES: dict[Op, Callable[[Rule, list[Row], ProjectGeometry], Evaluation]] = {
    "intersects": _intersects,
    "dwithin": _dwithin,
    "within": _within,
    "contains": _contains,
    "not_intersects": _not_intersects,
    "always": _always,
    "upstream": _upstream,
    "raster_stat": _not_on_rows,
    "attainment": _not_on_rows,
}


#: The ops judged on the lookup's rows of the rule's own layer (``upstream`` has rows of
#: its own trace, ``raster_stat`` and ``attainment`` none).
ON_ROWS = frozenset(PREDICATES) - {"upstream", "raster_stat", "attainment"}


def evaluate(rule: Rule, rows: list[Row], project: ProjectGeometry) -> Evaluation:
    """Outcome, evidence and whether the rule was checked, by its predicate's function."""
    return PREDICATES[rule.predicate.op](rule, rows, project)


#: Why a rule could not be checked, by reason code (shown to reviewers).
REASONS = {
    "no_release": "图层 {layers} 在 {as_of} 无有效版本",
    "outside_coverage": "项目不在图层 {layers} 当前版本的覆盖范围内",
    "missing_facts": "项目未提供 {facts}",
    "no_division": "项目不在图层 {layers} 的任何区划内",
}


def rule_result(
    rules: LoadedRuleSet,
    rule: Rule,
    outcome: str,
    evidence: list[dict[str, Any]],
    checked: bool,
    extra: dict[str, Any] | None = None,
    jurisdiction: str | None = None,
) -> dict[str, Any]:
    """One rule's entry in a result: its outcome, evidence and its own text.

    A rule that does not apply gets a short entry (id, version, title, document,
    jurisdiction): its clause is on its page (``/rules/{id}``), and with some 200 rules
    the full text of those that do not apply would be most of every answer.
    ``extra`` is what this screening found beyond the evidence (``reason`` of a rule not
    checked, ``regions_matched``, ``measured_from``); it is stored with the outcome.
    ``jurisdiction`` is the rule's jurisdiction in words (computed when not given).
    """
    head = {
        "rule_id": rule.id,
        "valid_from": rule.iso_dates[0],
        "title": rule.title,
        "outcome": outcome,
        "checked": checked,
        "document": rule.document,
        "jurisdiction": jurisdiction
        if jurisdiction is not None
        else jurisdiction_label(rule, rules),
    }
    if outcome == "NOT_APPLICABLE":
        return {**head, "evidence": evidence}
    predicate, citation = rules.dumped(rule)
    return {
        **head,
        "predicate": predicate,
        "collection": rule.layer.collection if rule.layer else None,
        "valid_to": rule.iso_dates[1],
        "citation": citation,
        # the computed 削减替代 first: every report lists the measures
        "measures": [
            *([extra["offset"]["text"]] if extra and "offset" in extra else []),
            *rule.measures,
        ]
        if outcome not in ("PASS", "NOT_CHECKED") or rule.outcome == "PASS"
        else [],
        "evidence": evidence,
        **(extra or {}),
        **({"note": rule.note} if rule.note else {}),
    }


@dataclass
class _Found:
    """The plan's rows sorted by lookup, and the releases in force with their coverage."""

    by_collection: dict[str, list[Row]]
    by_upstream: dict[str, list[Row]]
    by_outfall: dict[str, list[Row]]
    #: collection → {release_id, release, covers}
    releases: dict[str, dict[str, Any]]


def _sort_rows(plan: Plan, rows: list[tuple[Any, ...]]) -> _Found:
    found = _Found(
        {b.collection: [] for b in plan.branches},
        {u.rule_id: [] for u in plan.upstream},
        {},
        {},
    )
    for collection, feature_id, name, release_id, *measures in rows:
        if collection in (RULE_SET_ROW, CLAUSE_ROW, TARGET_ROW, RASTER_ROW, TRACE_ROW):
            continue
        distance_m, intersects, covers, covered, overlap_m2, attrs, matched = measures
        if feature_id is None:
            found.releases[collection] = {
                "release_id": release_id,
                "release": name,
                "covers": bool(covers),
            }
            continue
        if collection.startswith(UPSTREAM_ROW):
            target = found.by_upstream[collection[len(UPSTREAM_ROW) :]]
        elif collection.startswith(OUTFALL_ROW):  # evidence names the collection itself
            collection = collection[len(OUTFALL_ROW) :]
            target = found.by_outfall.setdefault(collection, [])
        else:
            target = found.by_collection[collection]
        target.append(
            Row(
                collection,
                feature_id,
                name,
                release_id,
                float(distance_m),
                bool(intersects),
                bool(covers),
                bool(covered),
                overlap_m2,
                attrs,
                frozenset(matched or ()),
            )
        )
    return found


def _rows(rule: Rule, found: _Found, outfall_given: bool) -> list[Any]:
    """The lookup's rows a rule's predicate is judged on."""
    if rule.measure_from == "outfall" and rule.layer and outfall_given:
        return found.by_outfall.get(rule.layer.collection, [])
    if rule.predicate.op == "upstream":
        return found.by_upstream.get(rule.key, [])
    return found.by_collection.get(rule.layer.collection if rule.layer else "", [])


def _layer_problem(found: _Found, collection: str) -> str | None:
    """Why ``collection`` cannot be relied on for this project (None: it can)."""
    release = found.releases.get(collection)
    if release is None:
        return "no_release"
    return None if release["covers"] else "outside_coverage"


def _in_within(rule: Rule, found: _Found) -> bool:
    """Whether the project intersects a feature of the rule's ``within`` collection."""
    within = rule.applies_to.within
    if within is None:  # pragma: no cover - callers test it
        return True
    rows = found.by_collection.get(within.collection, [])
    return any(
        r.intersects and (within.filter is None or rule.key + WITHIN_SUFFIX in r.matched)
        for r in rows
    )


@dataclass(frozen=True)
class _Step:
    """A rule to evaluate for a project, with what its decision fixed."""

    scope: RuleScope
    #: the facts the request lacks (the rule is then ``NOT_CHECKED``)
    missing: tuple[str, ...]
    #: the project's adcodes in the rule's regions (None: the rule applies everywhere)
    regions_matched: tuple[str, ...] | None
    #: the collections the rule reads: its layer, its ``via`` and its ``within``
    needed: tuple[str, ...]
    #: the project's divisions are not known and may lie in the rule's regions
    region_unknown: bool = False


def _steps(
    plan: Plan, decided: Decided, rules: LoadedRuleSet
) -> tuple[_Step | tuple[list[dict[str, Any]], list[dict[str, Any] | str]], ...]:
    """The rules to evaluate, with the rules that do not apply between them as runs.

    A run is the prebuilt entries (public and stored) of consecutive rules that do not
    apply; built once per decision.
    """
    steps = decided.built.get("steps")
    if steps is None:
        built: list[_Step | tuple[list[dict[str, Any]], list[dict[str, Any] | str]]] = []
        run: tuple[list[dict[str, Any]], list[dict[str, Any] | str]] = ([], [])
        for scope, decision, missing in decided.rules:
            if decision == "not_applicable":
                public, stored = _not_applicable(plan, rules, scope)
                run[0].append(public)
                run[1].append(stored)
                continue
            if run[0]:
                built.append(run)
                run = ([], [])
            rule = scope.rule
            built.append(
                _Step(
                    scope,
                    missing,
                    None if scope.prefixes is None else in_regions(scope.prefixes, decided.adcodes),
                    tuple(
                        c
                        for c in (
                            rule.layer.collection if rule.layer else None,
                            rule.predicate.via,
                            rule.applies_to.within.collection if rule.applies_to.within else None,
                        )
                        if c is not None
                    ),
                    decision == "region_unknown",
                )
            )
        if run[0]:
            built.append(run)
        steps = decided.built["steps"] = tuple(built)
    return steps


def _no_release(
    rules: LoadedRuleSet, step: _Step, problems: dict[str, str], iso: str, outfall_given: bool
) -> tuple[dict[str, Any], dict[str, Any] | str, str, dict[str, str]]:
    """A rule whose layer has no release in force: its entry, stored form, warning, layers.

    What :func:`assemble` builds for it when it evaluates it, without evaluating it.
    """
    rule = step.scope.rule
    extra: dict[str, Any] = {}
    if step.regions_matched is not None:
        extra["regions_matched"] = list(step.regions_matched)
    if rule.measure_from == "outfall" and rule.layer is not None:
        extra["measured_from"] = "outfall" if outfall_given else "project"
    lacking = [c for c, w in problems.items() if w == "no_release"]
    text = REASONS["no_release"].format(layers="、".join(_TITLES[c] for c in lacking), as_of=iso)
    extra["reason"] = {"code": "no_release", "collections": lacking, "text": text}
    entry = rule_result(rules, rule, "NOT_CHECKED", [], False, extra, step.scope.jurisdiction)
    warning = f"规则 {rule.id} 未能核查：{text}。"
    return entry, stored_entry(entry), warning, dict.fromkeys(lacking, "no_release")


def _not_applicable(
    plan: Plan, rules: LoadedRuleSet, scope: RuleScope
) -> tuple[dict[str, Any], dict[str, Any] | str]:
    """The entry of a rule that does not apply, and its stored form (built once per plan)."""
    pair = plan.not_applicable.get(scope.key)
    if pair is None:
        entry = rule_result(rules, scope.rule, "NOT_APPLICABLE", [], True, None, scope.jurisdiction)
        pair = plan.not_applicable[scope.key] = (entry, stored_entry(entry))
    return pair


def _other_unit(project: ProjectInput, missing: tuple[str, ...]) -> str:
    """Why a capacity that was given is missing: it is in another unit than the rule's."""
    if project.capacity is None or not any(f.startswith(f"{CAPACITY}@") for f in missing):
        return ""
    given = project.capacity.get("unit")
    return f"（已申报产能单位为 {given}，本条以所列单位判定，不作换算：请按该单位申报）"


def assemble(p: Prepared, project: ProjectInput, rows: list[tuple[Any, ...]]) -> ScreeningResult:
    """Evaluate the rules on the rows of the plan's SQL and build the result body.

    A rule in force on ``as_of`` is evaluated when it applies to the project
    (:func:`layers.screening.scope.decide`, and its ``within`` collection). It is
    ``NOT_CHECKED`` when a fact it tests is not given, when a layer it reads has no
    release in force, or when the project lies outside that release's coverage and the
    rule found nothing (a DENY, REQUIRE or FLAG found in a partly covered layer stands).
    The screening is complete when no rule was left unchecked and the project's
    administrative divisions are known; otherwise its verdict is never PASS but
    ``INCOMPLETE``.
    """
    rules, geom, as_of, labels, tags, radii = p.rules, p.geom, p.as_of, p.labels, p.tags, p.radii
    found = _sort_rows(p.plan, rows)
    divisions = sorted(
        (
            (r.attrs or {}).get(ADCODE_FIELD) or "",
            r.name or "",
        )
        for r in found.by_collection.get(JURISDICTION, [])
        if r.intersects
    )
    facts = project.facts()
    if "in_park" not in facts and _layer_problem(found, PARKS) is None:
        facts["in_park"] = any(r.covers for r in found.by_collection.get(PARKS, []))
    # the divisions' release does not cover the project (at sea, a province not loaded),
    # has none in force, or covers it with no division there: its region is not known
    region_problem = _layer_problem(found, JURISDICTION) or (None if divisions else "no_division")
    scope = ProjectScope(
        labels,
        tags,
        project.kind,
        frozenset(a for a, _ in divisions),
        facts,
        region_problem is None,
    )
    iso = as_of.isoformat()
    warnings = list(geom.warnings)
    if as_of > (now := today()):
        warnings.append(
            f"现状日期 {iso} 晚于今日（北京时间 {now.isoformat()}）：按今日已有的规则与图层版本判定，"
            "此后发布或回溯生效的版本可能改变结论，按原日期复核的结果也可能不同。"
        )
    not_checked: dict[str, str] = {}
    missing_facts: dict[str, None] = {}
    raster_gaps: dict[str, str] = {}
    quality_gaps: dict[str, str] = {}
    results = []
    stored = []
    worst = "PASS"
    decided = p.plan.decide(as_of, scope)
    nothing_to_check = decided.built.setdefault("no_release", {})
    region_text = ""
    if decided.regional and region_problem is not None:
        not_checked[JURISDICTION] = region_problem
        layer_text = REASONS[region_problem].format(layers=_TITLES[JURISDICTION], as_of=iso)
        region_text = f"无法确定项目所在行政区（{layer_text}），未能判定本规则是否适用"
        warnings.append(
            f"无法确定项目所在行政区（{layer_text}），按行政区适用的规则未能判定，列为未能核查。"
        )
    for step in _steps(p.plan, decided, rules):
        if isinstance(step, tuple):  # a run of rules that do not apply
            results.extend(step[0])
            stored.extend(step[1])
            continue
        rule_scope, rule, missing = step.scope, step.scope.rule, step.missing
        if step.region_unknown:
            # where the project is not known, a regional rule is neither applied nor ruled out
            reason = {"code": "region_unknown", "collections": [JURISDICTION], "text": region_text}
            entry = rule_result(
                rules, rule, "NOT_CHECKED", [], False, {"reason": reason}, rule_scope.jurisdiction
            )
            results.append(entry)
            stored.append(stored_entry(entry))
            continue
        if rule.applies_to.within is not None:
            within = rule.applies_to.within.collection
            if _layer_problem(found, within) is None and not _in_within(rule, found):
                pair = _not_applicable(p.plan, rules, rule_scope)
                results.append(pair[0])
                stored.append(pair[1])
                continue
        problems = {c: why for c in step.needed if (why := _layer_problem(found, c)) is not None}
        if not missing and "no_release" in problems.values():
            # the same entry for every project this decision covers while the layers stay
            # without a release: built once (never mutated, like the runs above)
            key = (rule_scope.key, tuple(problems.items()), project.outfall is None)
            unchecked = nothing_to_check.get(key)
            if unchecked is None:
                unchecked = nothing_to_check[key] = _no_release(
                    rules, step, problems, iso, project.outfall is not None
                )
            entry, stored_form, warning, lacking = unchecked
            results.append(entry)
            stored.append(stored_form)
            warnings.append(warning)
            not_checked.update(lacking)
            continue
        extra: dict[str, Any] = {}
        if step.regions_matched is not None:
            extra["regions_matched"] = list(step.regions_matched)
        if rule.measure_from == "outfall" and rule.layer is not None:
            extra["measured_from"] = "outfall" if project.outfall is not None else "project"
        evidence: list[dict[str, Any]] = []
        judged: Evaluation | None = None
        if missing and not problems and rule.layer is not None and rule.predicate.op in ON_ROWS:
            # a fact the rule's scope tests matters only where its layer test can fire: a
            # project 126 km from 鄱阳湖 passes JX-B26 whatever its phosphorus
            judged = evaluate(rule, _rows(rule, found, project.outfall is not None), geom)
            if judged[0] == "PASS" and judged[2]:
                missing = ()  # as if the fact held: the judgement below is this one
        if missing:
            missing_facts.update(dict.fromkeys(missing))
            outcome, checked = "NOT_CHECKED", False
            extra["reason"] = {
                "code": "missing_facts",
                "facts": list(missing),
                "text": REASONS["missing_facts"].format(
                    facts="、".join(fact_label(f) for f in missing)
                )
                + _other_unit(project, missing),
            }
        elif any(why == "no_release" for why in problems.values()):
            outcome, checked = "NOT_CHECKED", False
        elif rule.predicate.op == "raster_stat":
            outcome, evidence, checked, why_not = judge(rule, p.rasters, as_of)
            if why_not is not None:
                extra["reason"] = why_not
                raster_gaps.update(dict.fromkeys(why_not["layers"], why_not["text"]))
        elif rule.predicate.op == "attainment":
            outcome, evidence, checked, why_not = attainment.judge(rule, p.quality)
            if why_not is not None:
                extra["reason"] = why_not
                quality_gaps[rule.id] = why_not["text"]
        else:
            outcome, evidence, checked = judged or evaluate(
                rule, _rows(rule, found, project.outfall is not None), geom
            )
            if problems and outcome == "PASS":
                outcome, checked = "NOT_CHECKED", False
        if outcome == "NOT_CHECKED" and "reason" not in extra:
            why = "no_release" if "no_release" in problems.values() else "outside_coverage"
            lacking = [c for c, w in problems.items() if w == why]
            not_checked.update(dict.fromkeys(lacking, why))
            text = REASONS[why].format(layers="、".join(_TITLES[c] for c in lacking), as_of=iso)
            extra["reason"] = {"code": why, "collections": lacking, "text": text}
            warnings.append(f"规则 {rule.id} 未能核查：{text}。")
        elif outcome == "NOT_CHECKED":
            warnings.append(f"规则 {rule.id} 未能核查：{extra['reason']['text']}。")
        if rule.offset is not None and SEVERITY[outcome] >= SEVERITY["FLAG"]:
            given = facts.get(rule.offset.fact)  # an emission (t/a): the rule's facts require it
            if given is not None:
                extra["offset"] = rule.offset.required(float(given))
        entry = rule_result(rules, rule, outcome, evidence, checked, extra, rule_scope.jurisdiction)
        results.append(entry)
        stored.append(stored_entry(entry))
        if SEVERITY[outcome] > SEVERITY[worst]:
            worst = outcome
    complete = not not_checked and not missing_facts and not raster_gaps and not quality_gaps
    verdict = worst if complete or worst != "PASS" else "INCOMPLETE"
    hits = sorted(
        (
            _evidence(r, geom.area_m2, geom.polygonal)
            for b in p.plan.branches
            for r in found.by_collection[b.collection]
            if r.intersects or r.distance_m <= project.buffer_m
        ),
        key=lambda e: (_ORDER[e["collection"]], e["distance_m"], e["feature_id"]),
    )
    layers = [
        {
            "collection": c.id,
            "title": c.title,
            "release_id": found.releases.get(c.id, {}).get("release_id"),
            "release": found.releases.get(c.id, {}).get("release"),
            "covers_project": found.releases.get(c.id, {}).get("covers", False),
            "search_radius_m": radii[c.id],
        }
        for c in COLLECTIONS
    ]
    body = {
        "as_of": iso,
        # the project echo at top level (what clients and the report read first), its
        # geometry and outfall in WGS84 lon/lat …
        **{k: v for k, v in project.echo().items() if k not in ("crs", "report_crs")},
        "geometry": shapely.geometry.mapping(geom.geom),
        **({"outfall": shapely.geometry.mapping(p.outfall.geom)} if p.outfall else {}),
        # … and in full as given, with the input CRS and derived measures
        "project": {
            **project.echo(),
            "geometry_wgs84": shapely.geometry.mapping(geom.geom),
            "area_m2": round(geom.area_m2, 2),
            "length_m": round(geom.length_m, 2),
            "industry_labels": sorted(labels),
            "effective_tags": sorted(tags),
            "facts": facts,
        },
        "verdict": verdict,
        "completeness": {
            "complete": complete,
            "not_checked": [
                {
                    "collection": c,
                    "title": _TITLES[c],
                    "reason": why,
                    "text": REASONS[why].format(layers=_TITLES[c], as_of=iso),
                }
                for c, why in not_checked.items()
            ],
            "missing_facts": list(missing_facts),
            **(
                {"rasters": [{"layer": k, "text": v} for k, v in raster_gaps.items()]}
                if raster_gaps
                else {}
            ),
            **(
                {"quality": [{"rule_id": k, "text": v} for k, v in quality_gaps.items()]}
                if quality_gaps
                else {}
            ),
        },
        "jurisdiction": {
            "divisions": [{"adcode": a, "name": n} for a, n in divisions],
        },
        "rule_set": {
            "id": rules.id,
            "version": rules.version,
            "valid_from": rules.valid_from.isoformat(),
            "source_hash": rules.source_hash,
            "rules_in_force": len(decided.rules),
        },
        "results": results,
        "layers": layers,
        "hits": hits,
        "warnings": warnings,
    }
    if p.rasters is not None:
        body["rasters"] = list(p.rasters.values())
    return ScreeningResult(verdict, rules.id, geom, body, stored)


#: The order of collections in the hit list (the catalogue's).
_ORDER = {c.id: i for i, c in enumerate(COLLECTIONS)}
#: Collection titles, as reasons name them.
_TITLES = {c.id: c.title for c in COLLECTIONS}
