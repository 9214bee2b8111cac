"""三线一单 conformity (符合性分析): every entry-list clause that applies to a project, judged.

The plan's one statement also returns the clauses in force of the control units the
project touches and of the province and city lists where it lies
(:func:`layers.screening.plan.build_plan`); the units themselves are among its
hits, with their code and class. Each clause is judged here:

* a clause with machine conditions (:data:`layers.store.entry_lists.CONDITION_KINDS`)
  is 符合 / 不符合 / 不涉及 / 需人工核实 by them, with the evidence (the condition, the
  project fact it was compared with);
* a clause without is 需人工核实 with its text: never silently 符合.

A 不符合 on a 空间布局约束 clause makes the verdict DENY (the clause is cited in
``denied_by``); a 不符合 in another dimension is at least FLAG.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from layers.reads.entry_lists import UNITS, grouped
from layers.screening.element_zones import zone_entries
from layers.screening.evaluate import Prepared, ScreeningResult
from layers.screening.lookups import CLAUSE_ROW
from layers.screening.rules import SEVERITY
from layers.store.entry_lists import CONDITION_KINDS

COMPLIES, VIOLATES, NOT_CONCERNED, MANUAL = "符合", "不符合", "不涉及", "需人工核实"
#: The judgements, in the order a summary lists them.
JUDGEMENTS = (VIOLATES, MANUAL, COMPLIES, NOT_CONCERNED)
#: Of several conditions of one clause, the worst judgement wins.
RANK = {NOT_CONCERNED: 0, COMPLIES: 1, MANUAL: 2, VIOLATES: 3}
_NO_CONDITION = "本条款无可由系统判定的条件，请对照条款原文人工核实。"
#: The dimension whose 不符合 is a DENY (a ban on where a project may be).
BAN_DIMENSION = "spatial_constraints"


def touched_units(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The control units a screened project intersects (from its hits), largest overlap first."""
    units = [h for h in body.get("hits", []) if h["collection"] == UNITS and h["distance_m"] == 0.0]
    return sorted(units, key=lambda h: (-(h.get("overlap_m2") or 0.0), h["feature_id"]))


def clauses_of(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The clauses among the plan's rows (:func:`layers.screening.plan.build_plan`)."""
    return [{**row[9], "text": row[2]} for row in rows if row[0] == CLAUSE_ROW]


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
    excepted = sorted(set((condition.get("params") or {}).get("except_tags") or ()) & p.tags)
    if excepted:  # the clause's own exception: 平板玻璃（不含光伏玻璃）
        evidence["except_tags"] = excepted
        return (
            NOT_CONCERNED,
            f"本项目为{'、'.join(excepted)}，属本条除外情形。",
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


#: The shortest citation text a clause must quote to be judged by that rule (a clause
#: quoting 「禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。」).
MIN_QUOTE = 12
#: A rule's outcome -> the judgement of a clause quoting its article.
BY_RULE = {"DENY": VIOLATES, "REQUIRE": MANUAL, "FLAG": MANUAL, "NOT_CHECKED": MANUAL,
           "PASS": COMPLIES}  # fmt: skip


def _quoting(clause_text: str, results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rule results (not NOT_APPLICABLE) whose article the clause quotes word for word."""
    found = []
    for r in results:
        quote = str((r.get("citation") or {}).get("text") or "").rstrip("。；;. ")
        if r.get("outcome") in BY_RULE and len(quote) >= MIN_QUOTE and quote in clause_text:
            found.append(r)
    return found


def judge(
    clause: dict[str, Any],
    p: Prepared,
    project: dict[str, Any],
    results: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A clause's entry in the block: its text and source, judgement, finding and evidence.

    A clause without machine conditions that quotes the article of a rule this screening
    judged (``results``) takes that rule's outcome: a unit list that repeats 长江保护法
    第二十六条 is 不符合 where R-CJBHF-26-2 denies the project, not 需人工核实 beside it.
    """
    conditions = clause.get("conditions") or []
    out = {k: clause[k] for k in ("clause_no", "text", "source", "synthetic")}
    if not conditions:
        quoted = _quoting(str(clause.get("text") or ""), results)
        if quoted:
            decisive = max(quoted, key=lambda r: RANK[BY_RULE[r["outcome"]]])
            judgement = BY_RULE[decisive["outcome"]]
            named = "、".join(str(r["rule_id"]) for r in quoted)
            return {**out, "judgement": judgement, "decided_by": "rule",
                    "finding": f"本条款引用的条文已由规则 {named} 判定为{judgement}，见逐条规则结果。",
                    "evidence": [{"rule_id": r["rule_id"], "outcome": r["outcome"]}
                                 for r in quoted]}  # fmt: skip
        return {**out, "judgement": MANUAL, "decided_by": "manual", "finding": _NO_CONDITION,
                "evidence": []}  # fmt: skip
    judged = [_judge_condition(c, p, project) for c in conditions]
    worst = max(judged, key=lambda j: RANK[j[0]])
    return {
        **out,
        "judgement": worst[0],
        "decided_by": "condition",
        "finding": " ".join(j[1] for j in judged),
        "evidence": [j[2] for j in judged],
    }


def uncovered(body: dict[str, Any], collections: tuple[str, ...]) -> str:
    """The titles of the ``collections`` read for the project that do not cover it.

    ``""`` when all do. A layer does not cover the project when it has no release in
    force or its release's coverage leaves the project out: an absence found in it is
    not a finding (a verdict never pretends).
    """
    return "、".join(
        str(layer["title"])
        for layer in body.get("layers", [])
        if layer["collection"] in collections and not layer.get("covers_project")
    )


def attach(result: ScreeningResult, p: Prepared, rows: list[tuple[Any, ...]]) -> None:
    """Judge the clauses among the plan's ``rows`` and add the block to ``result``.

    The verdict becomes DENY when a 空间布局约束 clause is 不符合 (FLAG for another
    dimension) unless it is already worse.
    """
    body = result.body
    clauses = clauses_of(rows)
    project = body["project"]
    area = project.get("area_m2") or 0.0
    units = []
    for hit in touched_units(body):
        unit = hit.get("attributes") or {}
        overlap = hit.get("overlap_m2")
        units.append(
            {
                "feature_id": hit["feature_id"],
                "code": unit.get("code"),
                "name": hit.get("name"),
                "unit_class": unit.get("unit_class"),
                "overlap_m2": overlap,
                "share": round(overlap / area, 6) if overlap is not None and area > 0 else None,
            }
        )
    zones = zone_entries(body)
    lists = grouped(clauses)
    by_code = {u["code"]: u for u in units}
    zones_by_code = {z["code"]: z for z in zones}
    for group in lists:
        if group["level"] == "unit":
            group["unit"] = by_code.get(group["scope"])
        elif group["level"] == "element":
            group["zone"] = zones_by_code.get(group["scope"])
        for dimension in group["dimensions"]:
            dimension["clauses"] = [
                judge(c, p, project, body["results"]) for c in dimension["clauses"]
            ]
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
        gap = uncovered(body, ("control_units",))
        warnings.append(
            f"{gap}在项目所在地无有效版本或不覆盖项目，环境管控单元及其准入清单未能核对。"
            if gap
            else "项目未落入任何环境管控单元。"
        )
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
