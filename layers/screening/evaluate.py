"""Rule evaluation: the rows of a plan's SQL, judged rule by rule, become a screening result.

Each rule is judged by its predicate's function (:data:`PREDICATES`, one per ``op`` the
rule schema allows) on the rows of its lookup; no rule has code of its own. The result
body lists every rule's outcome with its evidence, citation and measures, the releases
used, the hit list and the warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely

from gis.project_geometry import ProjectGeometry
from layers.screening.lookups import RULE_SET_ROW, UPSTREAM_ROW
from layers.screening.plan import Plan
from layers.screening.project import ProjectInput
from layers.screening.rules import SEVERITY, LoadedRuleSet, Op, Rule
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
    args: list[Any]


@dataclass
class ScreeningResult:
    """The outcome of screening one project (before it is stored)."""

    verdict: str
    rule_set_id: int
    geometry: ProjectGeometry
    body: dict[str, Any]


def applies(rule: Rule, labels: frozenset[str], tags: frozenset[str], kind: str) -> bool:
    """Whether ``rule`` applies to a project of these industry labels, tags and kind."""
    scope = rule.applies_to
    if scope.industries is not None and not labels & set(scope.industries):
        return False
    if scope.kinds is not None and kind not in scope.kinds:
        return False
    if scope.tags_any is not None and not tags & set(scope.tags_any):
        return False
    return not tags & set(scope.tags_none)


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
        item["attributes"] = row.attrs
    return item


def _matching(rule: Rule, rows: list[Row]) -> list[Row]:
    """The rows that meet the rule's own filter and industry match."""
    layer = rule.layer
    conditional = layer is not None and (
        layer.filter is not None or layer.industry_field is not None
    )
    return [r for r in rows if not conditional or rule.id in r.matched]


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
}


def evaluate(
    rule: Rule, rows: list[Row], layer_missing: bool, project: ProjectGeometry
) -> Evaluation:
    """Outcome, evidence and whether the rule could be checked (not when a layer is missing)."""
    if layer_missing:
        return "PASS", [], False
    return PREDICATES[rule.predicate.op](rule, rows, project)


def rule_result(
    rules: LoadedRuleSet,
    rule: Rule,
    outcome: str,
    evidence: list[dict[str, Any]],
    checked: bool,
) -> dict[str, Any]:
    """One rule's entry in a result: its outcome, evidence and its own text."""
    predicate, citation = rules.dumped(rule)
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


def assemble(p: Prepared, project: ProjectInput, rows: list[tuple[Any, ...]]) -> ScreeningResult:
    """Evaluate the rules on the rows of the plan's SQL and build the result body."""
    rules, geom, as_of, labels, tags, radii = p.rules, p.geom, p.as_of, p.labels, p.tags, p.radii
    rows_by: dict[str, list[Row]] = {b.collection: [] for b in p.plan.branches}
    upstream_by: dict[str, list[Row]] = {u.rule_id: [] for u in p.plan.upstream}
    releases: dict[str, dict[str, Any]] = {}
    for collection, feature_id, name, release_id, *measures in rows:
        if collection == RULE_SET_ROW:
            continue
        if feature_id is None:
            releases[collection] = {"release_id": release_id, "release": name}
            continue
        distance_m, intersects, covers, covered, overlap_m2, attrs, matched = measures
        target = (
            upstream_by[collection[len(UPSTREAM_ROW) :]]
            if collection.startswith(UPSTREAM_ROW)
            else rows_by[collection]
        )
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
    warnings = list(geom.warnings)
    results = []
    worst = "PASS"
    for rule in rules.rules:
        if not applies(rule, labels, tags, project.kind):
            results.append(rule_result(rules, rule, "NOT_APPLICABLE", [], True))
            continue
        collection_id = rule.layer.collection if rule.layer else None
        needed = [c for c in (collection_id, rule.predicate.via) if c is not None]
        absent = [c for c in needed if c not in releases]
        if rule.predicate.op == "upstream":
            rule_rows = upstream_by.get(rule.id, [])
        else:
            rule_rows = rows_by.get(collection_id or "", [])
        outcome, evidence, checked = evaluate(rule, rule_rows, bool(absent), geom)
        if not checked:
            warnings.append(
                f"规则 {rule.id} 未能核查：图层 {'、'.join(absent)} 在 {as_of.isoformat()} 无有效版本。"
            )
        results.append(rule_result(rules, rule, outcome, evidence, checked))
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


#: The order of collections in the hit list (the catalogue's).
_ORDER = {c.id: i for i, c in enumerate(COLLECTIONS)}
