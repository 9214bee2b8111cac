"""三线一单 conformity (符合性分析): every entry-list clause that applies to a project, judged.

After the plan's round trip has found the control units a project touches
(:func:`layers.screening.evaluate.assemble`'s hits) and its administrative divisions,
one more statement (:func:`statement`) reads, in one indexed query, the clauses in force
of those units and of the province and city lists where the project lies
(:func:`layers.reads.entry_lists.applicable_clauses`). Each clause is judged here:

* a clause with machine conditions (:data:`layers.store.entry_lists.CONDITION_KINDS`)
  is 符合 / 不符合 / 不涉及 / 需人工核实 by them, with the evidence (the condition, the
  project fact it was compared with);
* a clause without is 需人工核实 with its text: never silently 符合.

A 不符合 on a 空间布局约束 clause makes the verdict DENY (the clause is cited in
``denied_by``); a 不符合 in another dimension is at least FLAG.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    Integer,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.sql.compiler import SQLCompiler

from layers.reads.entry_lists import UNITS, applicable_clauses, grouped, scopes_of
from layers.screening.element_zones import params as zone_params
from layers.screening.element_zones import zone_entries, zones_cte
from layers.screening.evaluate import Prepared, ScreeningResult
from layers.screening.rules import SEVERITY
from layers.store.entry_lists import CONDITION_KINDS
from layers.store.models import feature_table

COMPLIES, VIOLATES, NOT_CONCERNED, MANUAL = "符合", "不符合", "不涉及", "需人工核实"
#: The judgements, in the order a summary lists them.
JUDGEMENTS = (VIOLATES, MANUAL, COMPLIES, NOT_CONCERNED)
#: Of several conditions of one clause, the worst judgement wins.
_RANK = {NOT_CONCERNED: 0, COMPLIES: 1, MANUAL: 2, VIOLATES: 3}
_NO_CONDITION = "本条款无可由系统判定的条件，请对照条款原文人工核实。"
#: The dimension whose 不符合 is a DENY (a ban on where a project may be).
BAN_DIMENSION = "spatial_constraints"


#: The columns of the conformity query's rows: a touched unit's row (``kind`` ``unit``:
#: ``unit_id``, ``unit_class``, ``scope`` = its code, ``scope_name`` = its name), a
#: touched element control zone's (``kind`` ``zone``: ``unit_id`` its feature id,
#: ``unit_class`` its 要素细类, ``level`` its collection, ``scope``/``scope_name`` its code
#: and name) or a clause's (``kind`` ``clause``: the columns of
#: :func:`layers.reads.entry_lists.applicable_clauses`).
COLUMNS = (
    "kind", "unit_id", "unit_class", "level", "scope", "scope_name", "dimension", "clause_no",
    "text", "source", "synthetic", "release", "conditions",
)  # fmt: skip


def _none(type_: Any) -> Any:
    return cast(null(), type_)


@lru_cache(maxsize=1)
def statement() -> tuple[bytes, tuple[str, ...], dict[str, Any]]:
    """The conformity query as ``$n`` SQL, its parameter names and its constant values.

    Parameters: ``unit_ids`` (the touched control units' feature ids), ``zones_<c>``
    (the touched element control zones' feature ids, per collection ``c``), ``cities``
    and ``provinces`` (scope adcodes) and ``as_of``. It returns rows of :data:`COLUMNS`:
    the touched units and zones, then the clauses that apply. Plain rows, not JSON: building and
    parsing JSON cost more than the query.
    """
    units_table = feature_table(UNITS)
    units = (
        select(
            units_table.c.id,
            units_table.c.code,
            units_table.c.name,
            units_table.c.unit_class,
        )
        .where(units_table.c.id == any_(bindparam("unit_ids", type_=ARRAY(BigInteger()))))
        .cte("units")
    )
    codes = func.array(select(units.c.code).scalar_subquery())
    zones = zones_cte()
    clauses = applicable_clauses(
        codes,
        bindparam("cities", type_=ARRAY(Text())),
        bindparam("provinces", type_=ARRAY(Text())),
        bindparam("as_of", type_=Date()),
        element_codes=func.array(select(zones.c.code).scalar_subquery()),
    ).subquery("clauses")
    c = clauses.c
    unit_rows = select(
        literal("unit", Text()), units.c.id, units.c.unit_class, _none(Text()), units.c.code,
        units.c.name, _none(Text()), _none(Integer()), _none(Text()), _none(Text()),
        _none(Boolean()), _none(Text()), _none(JSONB()),
    )  # fmt: skip
    zone_rows = select(
        literal("zone", Text()), zones.c.id, zones.c.element_subtype, zones.c.collection,
        zones.c.code, zones.c.name, _none(Text()), _none(Integer()), _none(Text()),
        _none(Text()), _none(Boolean()), _none(Text()), _none(JSONB()),
    )  # fmt: skip
    clause_rows = select(
        literal("clause", Text()), _none(BigInteger()), _none(Text()), c.level, c.scope,
        c.scope_name, c.dimension, c.clause_no, c.text, c.source, c.synthetic, c.release,
        c.conditions,
    )  # fmt: skip
    stmt = union_all(unit_rows, zone_rows, clause_rows)
    dialect = PGDialect_psycopg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
    compiled = stmt.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler):  # pragma: no cover - a select compiles so
        raise TypeError("a statement compiles with the SQL compiler")
    names = tuple(compiled.positiontup or ())
    constants = {k: v for k, v in compiled.params.items() if v is not None}
    return str(compiled).encode(), names, constants


def touched_units(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The control units a screened project intersects (from its hits), largest overlap first."""
    units = [h for h in body.get("hits", []) if h["collection"] == UNITS and h["distance_m"] == 0.0]
    return sorted(units, key=lambda h: (-(h.get("overlap_m2") or 0.0), h["feature_id"]))


def query(result: ScreeningResult, as_of: date) -> tuple[bytes, list[Any]]:
    """:func:`statement` and its parameters for a screened project."""
    sql, names, constants = statement()
    adcodes = [d["adcode"] for d in result.body["jurisdiction"]["divisions"]]
    cities, provinces = scopes_of(adcodes)
    values = {
        **constants,
        "unit_ids": [h["feature_id"] for h in touched_units(result.body)],
        **zone_params(result.body),
        "cities": cities,
        "provinces": provinces,
        "as_of": as_of,
    }
    return sql, [values[n] for n in names]


def _judge_condition(
    condition: dict[str, Any], p: Prepared, project: dict[str, Any]
) -> tuple[str, str, dict[str, Any]]:
    """One condition against the project: judgement, finding (Chinese) and evidence."""
    kind = condition["kind"]
    industry, project_kind = project["industry"], project["kind"]
    named = list(condition.get("industries") or [])
    matched = sorted(set(named) & p.labels)
    evidence: dict[str, Any] = {
        "condition": kind,
        "condition_title": CONDITION_KINDS.get(kind, kind),
        "industries": named,
        "project_industry": industry,
        "project_kind": project_kind,
    }
    kinds = list(condition.get("project_kinds") or [])
    if kinds:
        evidence["project_kinds"] = kinds
        if project_kind not in kinds:
            return (
                NOT_CONCERNED,
                f"本条仅约束{'、'.join(kinds)}项目，本项目为{project_kind}。",
                evidence,
            )
    listed = "、".join(named)
    if kind == "banned_industries":
        evidence["matched"] = matched
        if matched:
            return (
                VIOLATES,
                f"本项目行业为{industry}，属于本条禁止的{'、'.join(matched)}。",
                evidence,
            )
        return COMPLIES, f"本项目行业为{industry}，不属于本条禁止的{listed}。", evidence
    if kind == "restricted_industries":
        evidence["matched"] = matched
        if matched:
            return (
                MANUAL,
                f"本项目行业为{industry}，属于本条限制的{'、'.join(matched)}，须人工核实是否满足限制条件。",
                evidence,
            )
        return COMPLIES, f"本项目行业为{industry}，不属于本条限制的{listed}。", evidence
    if kind == "park_only":
        evidence["matched"] = matched
        in_park = project["facts"].get("in_park")
        evidence["in_park"] = in_park
        if not matched:
            return NOT_CONCERNED, f"本项目行业为{industry}，不属于本条须入园的{listed}。", evidence
        if in_park is True:
            return COMPLIES, f"本项目属{'、'.join(matched)}，位于工业园区内。", evidence
        if in_park is False:
            return VIOLATES, f"本项目属{'、'.join(matched)}，须入园，但不在工业园区内。", evidence
        return MANUAL, "未能确定本项目是否位于工业园区内，须人工核实。", evidence
    if kind == "emission_cap":
        params = condition.get("params") or {}
        pollutant, cap = params.get("pollutant"), params.get("max_t_a")
        amount = project["facts"].get(f"emissions.{pollutant}")
        evidence.update({"pollutant": pollutant, "max_t_a": cap, "project_t_a": amount})
        if amount is None or cap is None:
            return MANUAL, f"项目未提供{pollutant}排放量，须人工核实。", evidence
        if float(amount) > float(cap):
            return (
                VIOLATES,
                f"本项目{pollutant}排放量{amount} t/a，超过本条上限{cap} t/a。",
                evidence,
            )
        return COMPLIES, f"本项目{pollutant}排放量{amount} t/a，不超过本条上限{cap} t/a。", evidence
    return MANUAL, _NO_CONDITION, evidence  # pragma: no cover - the table's check refuses others


def judge(clause: dict[str, Any], p: Prepared, project: dict[str, Any]) -> dict[str, Any]:
    """A clause's entry in the block: its text and source, judgement, finding and evidence."""
    conditions = clause.get("conditions") or []
    out = {k: clause[k] for k in ("clause_no", "text", "source", "synthetic")}
    if not conditions:
        return {**out, "judgement": MANUAL, "decided_by": "manual", "finding": _NO_CONDITION,
                "evidence": []}  # fmt: skip
    judged = [_judge_condition(c, p, project) for c in conditions]
    worst = max(judged, key=lambda j: _RANK[j[0]])
    return {
        **out,
        "judgement": worst[0],
        "decided_by": "condition",
        "finding": " ".join(j[1] for j in judged),
        "evidence": [j[2] for j in judged],
    }


def attach(result: ScreeningResult, p: Prepared, rows: list[tuple[Any, ...]]) -> None:
    """Judge the clauses of the conformity query's ``rows`` and add the block to ``result``.

    The verdict becomes DENY when a 空间布局约束 clause is 不符合 (FLAG for another
    dimension) unless it is already worse.
    """
    body = result.body
    found = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    info = {r["unit_id"]: r for r in found if r["kind"] == "unit"}
    clauses = [r for r in found if r["kind"] == "clause"]
    project = body["project"]
    area = project.get("area_m2") or 0.0
    units = []
    for hit in touched_units(body):
        unit = info.get(hit["feature_id"], {})
        overlap = hit.get("overlap_m2")
        units.append(
            {
                "feature_id": hit["feature_id"],
                "code": unit.get("scope"),
                "name": unit.get("scope_name") or hit.get("name"),
                "unit_class": unit.get("unit_class"),
                "overlap_m2": overlap,
                "share": round(overlap / area, 6) if overlap is not None and area > 0 else None,
            }
        )
    zones = zone_entries(body, found)
    lists = grouped(clauses)
    by_code = {u["code"]: u for u in units}
    zones_by_code = {z["code"]: z for z in zones}
    for group in lists:
        if group["level"] == "unit":
            group["unit"] = by_code.get(group["scope"])
        elif group["level"] == "element":
            group["zone"] = zones_by_code.get(group["scope"])
        for dimension in group["dimensions"]:
            dimension["clauses"] = [judge(c, p, project) for c in dimension["clauses"]]
    warnings = []
    listed = {g["scope"] for g in lists if g["level"] in ("unit", "element")}
    for u in units:
        if u["code"] not in listed:
            warnings.append(
                f"管控单元 {u['code']} {u['name']} 在 {body['as_of']} 无有效的准入清单，须人工核对。"
            )
    for z in zones:
        if z["code"] not in listed:
            warnings.append(
                f"{z['collection_title']} {z['code']} {z['name']} 在 {body['as_of']} "
                "无有效的准入清单，须人工核对。"
            )
    if not body["jurisdiction"]["divisions"]:
        warnings.append("未能确定项目所在行政区，省级、市级准入清单未能核对。")
    if not units:
        warnings.append("项目未落入任何环境管控单元（或管控单元图层无有效版本）。")
    counts: Counter[str] = Counter()
    denied_by: list[dict[str, Any]] = []
    flagged_by: list[dict[str, Any]] = []
    for group in lists:
        for dimension in group["dimensions"]:
            for clause in dimension["clauses"]:
                counts[clause["judgement"]] += 1
                if clause["judgement"] == VIOLATES:
                    cite = {
                        "level": group["level"],
                        "scope": group["scope"],
                        "scope_name": group["scope_name"],
                        "dimension": dimension["dimension"],
                        "dimension_title": dimension["title"],
                        "clause_no": clause["clause_no"],
                        "text": clause["text"],
                        "finding": clause["finding"],
                    }
                    (denied_by if dimension["dimension"] == BAN_DIMENSION else flagged_by).append(
                        cite
                    )
    outcome = "DENY" if denied_by else "FLAG" if flagged_by else None
    if outcome is not None and SEVERITY[outcome] > SEVERITY[result.verdict]:
        result.verdict = body["verdict"] = outcome
    for cite in denied_by + flagged_by:
        body["warnings"].append(
            f"准入清单{cite['scope_name'] or cite['scope']}「{cite['dimension_title']}」第"
            f"{cite['clause_no']}条不符合：{cite['text']}"
        )
    body["conformity"] = {
        "summary": {j: counts.get(j, 0) for j in JUDGEMENTS},
        "outcome": outcome,
        "denied_by": denied_by,
        "flagged_by": flagged_by,
        "units": units,
        "zones": zones,
        "lists": lists,
        "synthetic": any(
            c["synthetic"] for g in lists for d in g["dimensions"] for c in d["clauses"]
        ),
        "warnings": warnings,
    }
