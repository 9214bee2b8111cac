"""The rule and policy library (政策文件一库览): rules and documents of a rule set, in words.

Read functions behind ``GET /rules`` and ``GET /documents``: the rule versions of a
rule set filtered by jurisdiction, document, collection and date; one rule with all its
versions; the source documents with their rule counts; each rule's layer, predicate and
scope in Chinese words for reviewers; and the stored screenings that cited a rule.
Nothing here writes.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import JSONB, JSONPATH
from sqlalchemy.orm import Session

from layers.errors import CollectionNotFoundError, DocumentNotFoundError, RuleNotFoundError
from layers.screening.rules import (
    FACT_NAMES,
    AttainmentCondition,
    Document,
    LoadedRuleSet,
    Predicate,
    RasterCondition,
    Rule,
    Verification,
)
from layers.screening.scope import facts_text, jurisdiction_label, region_title, regions_of
from layers.screening.storage import SUMMARY_COLUMNS, summary
from layers.store.catalog import Collection, get_collection
from layers.store.models import Screening
from layers.store.rasters import RASTER_LAYERS

#: Reviewer-facing label of each verification status of a citation.
VERIFICATION_LABELS: dict[Verification, str] = {
    "V-OFF": "官方原文",
    "V-STAT": "法条原文",
    "PARTIAL": "部分核实",
    "UNVERIFIED": "未核实",
    "SEED": "规划原文摘录",
}
#: Document levels in words.
LEVEL_LABELS = {"national": "国家", "province": "省级", "city": "市级", "county": "县级"}
#: The outcomes for which a stored screening counts as citing a rule.
CITING_OUTCOMES = ("DENY", "REQUIRE", "FLAG", "NOT_CHECKED")
#: How many citing screenings a rule page lists.
CITING_LIMIT = 20
#: A yes/no fact's condition in words: (true, false).
_FACT_STATES = {
    "in_park": ("位于工业园区内", "不在工业园区内"),
    "outfall": ("设有排污口", "不设排污口"),
}
_FACT_OPS = {">": "大于", ">=": "不小于", "<": "小于", "<=": "不大于", "=": "等于", "!=": "不等于"}

# The CQL2 filters rules use, as far as they are put in words: ``field = 'v'``,
# ``field <> 'v'`` and ``field IN ('a', 'b')``, joined by AND.
_EQ = re.compile(r"^\s*(\w+)\s*(=|<>|!=)\s*'([^']*)'\s*$")
_IN = re.compile(r"^\s*(\w+)\s+(NOT\s+)?IN\s*\(([^)]*)\)\s*$", re.IGNORECASE)
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)
_LITERAL = re.compile(r"'([^']*)'")


def in_jurisdiction(rule: Rule, rules: LoadedRuleSet, adcode: str) -> bool:
    """Whether the rule applies in the division ``adcode``.

    True for a rule without regions (national), and for one whose regions (region names
    expanded to adcode prefixes) contain a prefix of ``adcode``.
    """
    prefixes = regions_of(rule, rules)
    return prefixes is None or any(adcode.startswith(p) for p in prefixes)


def rule_collections(rule: Rule) -> set[str]:
    """Every collection a rule reads: its layer, the river it follows, its ``within``."""
    names = {
        rule.layer.collection if rule.layer else None,
        rule.predicate.via,
        rule.applies_to.within.collection if rule.applies_to.within else None,
    }
    return {n for n in names if n is not None}


def filter_rules(
    rules: LoadedRuleSet,
    as_of: date,
    *,
    jurisdiction: str | None = None,
    document: str | None = None,
    collection: str | None = None,
) -> list[Rule]:
    """The rule versions of ``rules`` in force on ``as_of`` that match every filter given.

    Args:
        rules: the rule set (in force on ``as_of``).
        as_of: only versions in force on this date.
        jurisdiction: an adcode; see :func:`in_jurisdiction`.
        document: a document key.
        collection: a collection id the rule reads (:func:`rule_collections`).
    """
    return [
        rule
        for rule in rules.rules
        if rule.in_force(as_of)
        and (jurisdiction is None or in_jurisdiction(rule, rules, jurisdiction))
        and (document is None or rule.document == document)
        and (collection is None or collection in rule_collections(rule))
    ]


def rule_versions(rules: LoadedRuleSet, rule_id: str) -> list[Rule]:
    """Every version of a rule in the rule set, oldest first.

    Raises:
        RuleNotFoundError: the rule set has no rule with this id.
    """
    versions = sorted(
        (r for r in rules.rules if r.id == rule_id), key=lambda r: r.valid_from or date.min
    )
    if not versions:
        raise RuleNotFoundError(rule_id)
    return versions


def version_on(versions: list[Rule], as_of: date) -> Rule:
    """The version in force on ``as_of``; else the latest that started before it; else the first.

    ``versions`` is non-empty and sorted oldest first (:func:`rule_versions`).
    """
    for rule in versions:
        if rule.in_force(as_of):
            return rule
    started = [r for r in versions if (r.valid_from or date.min) <= as_of]
    return started[-1] if started else versions[0]


def _collection(collection_id: str) -> Collection | None:
    try:
        return get_collection(collection_id)
    except CollectionNotFoundError:  # a rule set stored before a collection was renamed
        return None


def _value_label(collection: Collection | None, field: str, value: str) -> str:
    if collection is None:
        return value
    try:
        spec = collection.field(field)
    except KeyError:
        return value
    if value in spec.value_labels:
        return spec.value_labels[value]
    if not value.isascii():  # stored in Chinese already (一级, 准保护区)
        return value
    return next((k for k, v in spec.synonyms.items() if v == value and not k.isascii()), value)


def _field_label(collection: Collection | None, field: str) -> str:
    if collection is None:
        return field
    try:
        return collection.field(field).label
    except KeyError:
        return field


def filter_text(collection_id: str, cql: str | None) -> str:
    """A rule's CQL2 filter in words, e.g. ``长江保护法分类为干流`` (the text when not simple)."""
    if not cql:
        return ""
    collection = _collection(collection_id)
    parts: list[str] = []
    for term in _AND.split(cql.strip()):
        if m := _EQ.match(term):
            field, op, value = m.groups()
            verb = "为" if op == "=" else "不为"
            parts.append(
                f"{_field_label(collection, field)}{verb}{_value_label(collection, field, value)}"
            )
        elif m := _IN.match(term):
            field, negated, listed = m.groups()
            values = [_value_label(collection, field, v) for v in _LITERAL.findall(listed)]
            if not values:
                return f"筛选条件 {cql}"
            verb = "不为" if negated else "为"
            joined = "、".join(values[:-1]) + ("或" if len(values) > 1 else "") + values[-1]
            parts.append(f"{_field_label(collection, field)}{verb}{joined}")
        else:
            return f"筛选条件 {cql}"
    return "，且".join(parts)


def layer_text(collection_id: str, cql: str | None) -> str:
    """A collection and its filter in words: ``水体（长江保护法分类为干流）``."""
    collection = _collection(collection_id)
    title = collection.title if collection else collection_id
    words = filter_text(collection_id, cql)
    return f"{title}（{words}）" if words else title


def _metres(value: float | None) -> str:
    return f"{value or 0:g} 米"


def predicate_text(rule: Rule) -> str:
    """The rule's layer and spatial predicate in words, e.g. 「距 水体（…）1000 米以内」."""
    predicate: Predicate = rule.predicate
    if predicate.raster is not None:
        return raster_text(predicate.raster)
    if predicate.attainment is not None:
        return attainment_text(predicate.attainment)
    if rule.layer is None or predicate.op == "always":
        return "仅按项目属性判断"
    target = layer_text(rule.layer.collection, rule.layer.filter)
    if rule.layer.industry_field:
        target += "（其名录列明本项目行业）"
    subject = "排污口" if rule.measure_from == "outfall" else ""
    match predicate.op:
        case "intersects":
            text = f"与 {target} 相交"
        case "dwithin":
            text = f"距 {target} {_metres(predicate.distance_m)}以内"
            if predicate.exclude_intersecting:
                text += "（不含相交者）"
        case "within":
            text = f"位于 {target} 内"
        case "contains":
            text = f"包含 {target}"
        case "not_intersects":
            text = f"不在任何 {target} 内"
        case _:  # upstream
            river = layer_text(predicate.via or "", predicate.via_filter)
            text = f"位于 {target} 上游（沿 {river} {_metres(predicate.distance_m)}以内）"
    return f"{subject}{text}" if subject else text


def attainment_text(condition: AttainmentCondition) -> str:
    """An attainment condition in words, e.g. 「所在城市上一完整年度 PM2.5 不达标（GB 3095-2012 二级）」."""
    if condition.medium == "surface_water":
        return "所在城市上一完整年度有地表水考核断面未达到水质目标（GB 3838-2002）"
    pollutants = "、".join(condition.parameters) if condition.parameters else "任一污染物"
    return f"所在城市上一完整年度环境空气 {pollutants} 不达标（GB 3095-2012 二级，HJ 663-2013）"


#: Raster statistics in words.
_RASTER_STATS = {
    "min": "最低高程（米）",
    "mean": "平均高程（米）",
    "max": "最高高程（米）",
    "slope_min": "最小坡度（°）",
    "slope_mean": "平均坡度（°）",
    "slope_max": "最大坡度（°）",
    "share_pct": "面积占比（%）",
    "area_m2": "面积（平方米）",
}


def raster_text(condition: RasterCondition) -> str:
    """A raster condition in words, e.g. 「项目范围内 数字高程模型（DEM） 平均坡度（°）> 25」."""
    where = "缓冲区内" if condition.of == "buffer" else "项目范围内"
    layer = RASTER_LAYERS[condition.layer].title
    classes = f"类别 {'、'.join(map(str, condition.classes))} 的" if condition.classes else ""
    stat = _RASTER_STATS.get(condition.stat, condition.stat)
    return f"{where} {layer} {classes}{stat}{_FACT_OPS.get(condition.op, condition.op)} {condition.value:g}"


def fact_text(condition: str) -> str:
    """A fact condition as written in a rule file (``energy_tce > 5000``) in words."""
    parts = condition.split()
    if len(parts) == 4:  # a capacity in its unit: 产能不超过 35 蒸吨/小时
        fact, op, value, unit = parts
        return f"{FACT_NAMES.get(fact, fact)}{_FACT_OPS.get(op, op)} {value} {unit}"
    if len(parts) != 3:
        return condition
    fact, op, value = parts
    if value in ("true", "false"):
        yes = (value == "true") == (op == "=")
        stated, denied = _FACT_STATES.get(fact, (fact, f"非 {fact}"))
        return stated if yes else denied
    return f"{FACT_NAMES.get(fact, fact)}{_FACT_OPS.get(op, op)} {value}"


def applies_text(rule: Rule) -> list[str]:
    """Whom the rule applies to, in words: one line per condition (empty: every project)."""
    scope = rule.applies_to
    lines: list[str] = []
    if scope.industries is not None:
        lines.append("行业：" + "、".join(scope.industries))
    if scope.kinds is not None:
        lines.append("建设性质：" + "、".join(scope.kinds))
    if scope.tags_any is not None:
        lines.append("项目具有以下任一属性：" + "、".join(scope.tags_any))
    if scope.tags_none:
        lines.append("不适用于：" + "、".join(scope.tags_none))
    if scope.within is not None:
        lines.append(f"项目与 {layer_text(scope.within.collection, scope.within.filter)} 相交")
    lines.extend("项目" + fact_text(f) for f in facts_text(scope.facts))
    return lines


def rule_entry(rule: Rule, rules: LoadedRuleSet, as_of: date | None = None) -> dict[str, Any]:
    """One rule version as the library returns it (JSON-ready)."""
    predicate, citation = rules.dumped(rule)
    doc = rules.documents.get(rule.document) if rule.document else None
    return {
        "id": rule.id,
        "key": rule.key,
        "title": rule.title,
        "outcome": rule.outcome,
        "document": rule.document,
        "document_title": doc.title if doc else rule.citation.document,
        "valid_from": rule.valid_from.isoformat() if rule.valid_from else None,
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else None,
        **({"in_force": rule.in_force(as_of)} if as_of is not None else {}),
        "jurisdiction": jurisdiction_label(rule, rules),
        "regions": list(rule.applies_to.regions) if rule.applies_to.regions is not None else None,
        "collections": sorted(rule_collections(rule)),
        "collection": rule.layer.collection if rule.layer else None,
        "filter": rule.layer.filter if rule.layer else None,
        "predicate": predicate,
        "predicate_text": predicate_text(rule),
        "measure_from": rule.measure_from,
        "applies_to": rule.applies_to.model_dump(mode="json", exclude_none=True),
        "applies_text": applies_text(rule),
        "citation": citation,
        "verification": VERIFICATION_LABELS[rule.citation.status],
        "measures": list(rule.measures),
        **({"note": rule.note} if rule.note else {}),
    }


def document_entry(
    key: str, doc: Document, rules: LoadedRuleSet, as_of: date | None = None
) -> dict[str, Any]:
    """A source document as the library returns it, with how many rules cite it."""
    cited = [r for r in rules.rules if r.document == key]
    jurisdiction = (
        "全国"
        if doc.jurisdiction is None
        else "、".join(region_title(rules, c) for c in doc.jurisdiction)
    )
    return {
        "key": key,
        "title": doc.title,
        "issuer": doc.issuer,
        "number": doc.number,
        "issued": doc.issued.isoformat() if doc.issued else None,
        "in_force": doc.in_force.isoformat() if doc.in_force else None,
        "repealed": doc.repealed.isoformat() if doc.repealed else None,
        "level": doc.level,
        "level_label": LEVEL_LABELS[doc.level],
        "jurisdiction": jurisdiction,
        "url": doc.url,
        "rule_count": len({r.id for r in cited}),
        **(
            {"rules_in_force": len({r.id for r in cited if r.in_force(as_of)})}
            if as_of is not None
            else {}
        ),
    }


def document_of(rules: LoadedRuleSet, key: str) -> Document:
    """The document ``key`` of the rule set.

    Raises:
        DocumentNotFoundError: no such document.
    """
    doc = rules.documents.get(key)
    if doc is None:
        raise DocumentNotFoundError(key)
    return doc


def citing_screenings(
    session: Session, rule_id: str, limit: int = CITING_LIMIT
) -> list[dict[str, Any]]:
    """The most recent stored screenings whose result has ``rule_id`` with a cited outcome.

    A screening cites a rule when the rule's result there is DENY, REQUIRE, FLAG or
    NOT_CHECKED (:data:`CITING_OUTCOMES`). Newest first, at most ``limit``.
    """
    outcomes = " || ".join(f'@.outcome == "{o}"' for o in CITING_OUTCOMES)
    hit = f"$.results[*] ? (@.rule_id == $id && ({outcomes}))"
    variables = literal({"id": rule_id}, JSONB)
    outcome = func.jsonb_path_query_first(
        Screening.result, literal(f"{hit}.outcome", JSONPATH), variables
    )
    rows = session.execute(
        select(*SUMMARY_COLUMNS, outcome.label("outcome"))
        .where(func.jsonb_path_exists(Screening.result, literal(hit, JSONPATH), variables))
        .order_by(Screening.created_at.desc(), Screening.id.desc())
        .limit(limit)
    )
    return [{**summary(r), "outcome": r.outcome} for r in rows]
