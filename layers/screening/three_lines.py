"""The 三线一单 conclusions at the head of a conformity block: 三线 and the 一单.

EIA reports open their 「三线一单」符合性分析 with these conclusions before the
clause-by-clause tables; :func:`conclusions` draws them from what the screening already
found:

* **生态保护红线**: the outcomes of the rules on ``red_lines`` (a DENY is 不符合 citing the
  rule; a rule not checked, a red line the project lies in without a DENY, or a rule
  flagging its outfall in one, is 需人工核实; else 符合, with the nearest red line's
  distance when one was found);
* **环境质量底线**: the attainment status of the project's city in the last complete
  year before ``as_of`` (:mod:`layers.screening.attainment`): 达标 is 符合, 超标 (a
  不达标区) and no valid data are 需人工核实 with the reason;
* **资源利用上线**: the 地下水开采管控区 and 高污染燃料禁燃区 the project touches and every
  资源开发效率要求 clause judged, the worst judgement winning (需人工核实 when there is
  nothing to judge, or a zone layer does not cover the project);
* **生态环境准入清单**: every clause of the lists as the block judged it, the worst
  winning (a clause quoting a judged rule's article takes the rule's outcome).
"""

from __future__ import annotations

from typing import Any

from layers.screening.attainment import stations_text
from layers.screening.conformity import (
    COMPLIES,
    MANUAL,
    NOT_CONCERNED,
    RANK,
    VIOLATES,
    uncovered,
)
from layers.screening.rules import LoadedRuleSet

RED_LINES = "red_lines"
#: The element zones of the resource ceiling (资源利用上线).
RESOURCE_ZONES = ("groundwater_zones", "fuel_ban_zones")
#: The dimension of the resource ceiling in the lists.
RESOURCE_DIMENSION = "resource_efficiency"


def _red_line(body: dict[str, Any], rules: LoadedRuleSet) -> dict[str, Any]:
    ids = rules.rule_ids_reading(RED_LINES)
    results = [r for r in body.get("results", []) if r["rule_id"] in ids]
    hits = [h for h in body.get("hits", []) if h["collection"] == RED_LINES]
    inside = [h for h in hits if h["distance_m"] == 0.0]
    denied = [r for r in results if r["outcome"] == "DENY"]
    unchecked = [r for r in results if r["outcome"] == "NOT_CHECKED"]
    evidence: dict[str, Any] = {
        "rules": [
            {"rule_id": r["rule_id"], "title": r["title"], "outcome": r["outcome"]}
            for r in results
            if r["outcome"] != "NOT_APPLICABLE"
        ],
        "red_lines": [{"name": h.get("name"), "distance_m": h["distance_m"]} for h in hits],
    }
    if denied:
        names = "、".join(sorted({h.get("name") or "" for h in inside} - {""})) or "生态保护红线"
        # a rule measured from the outfall denies where the site itself lies outside
        subject = "项目占用" if inside else "项目排污口位于"
        finding = f"{subject}{names}，违反{'；'.join(r['title'] for r in denied)}。"
        return {"judgement": VIOLATES, "finding": finding, "evidence": evidence}
    if inside:
        names = "、".join(sorted({h.get("name") or "" for h in inside} - {""}))
        finding = f"项目与生态保护红线{names}重叠，须人工核实是否属于允许的有限人为活动。"
        return {"judgement": MANUAL, "finding": finding, "evidence": evidence}
    flagged = [r for r in results if r["outcome"] in ("REQUIRE", "FLAG")]
    if flagged:  # the site lies outside, its outfall inside (R-RL2022-1-OUTFALL)
        finding = f"{'；'.join(r['title'] for r in flagged)}，须人工核实。"
        return {"judgement": MANUAL, "finding": finding, "evidence": evidence}
    if unchecked or not ids:
        finding = "生态保护红线图层未覆盖项目所在区域（或无有效版本），未能核对，须人工核实。"
        return {"judgement": MANUAL, "finding": finding, "evidence": evidence}
    nearest = min((h["distance_m"] for h in hits), default=None)
    finding = "项目不占用生态保护红线" + (
        f"，距最近的生态保护红线约 {nearest:,.0f} 米。" if nearest is not None else "。"
    )
    return {"judgement": COMPLIES, "finding": finding, "evidence": evidence}


def _quality(quality: dict[str, Any] | None) -> dict[str, Any]:
    if quality is None:
        return {
            "judgement": MANUAL,
            "finding": "未能确定项目所在城市，环境质量达标情况须人工核实。",
            "evidence": {},
        }
    air, water, year = quality.get("air"), quality.get("water"), quality["year"]
    parts: list[str] = []
    if water:
        parts.append(
            f"{year}年该市 {water['sections']} 个地表水断面中 {water['class_iii_or_better']} 个"
            f"达到或优于Ⅲ类，有考核目标的 {water['with_target']} 个中 {water['target_met']} 个达标"
        )
    tail = ("；" + "；".join(parts) + "。") if parts else "。"
    if quality.get("synthetic"):
        tail = "（监测数据为演示合成数据，非实测）" + tail
    if air is None:
        finding = (
            f"所在城市（{quality['city']}）无{year}年环境空气监测数据，须人工核实环境质量达标情况"
        )
        return {"judgement": MANUAL, "finding": finding + tail, "evidence": quality}
    if air["status"] == "达标":
        finding = f"所在城市{year}年环境空气质量达标（GB 3095-2012 二级，{stations_text(air)}）"
        return {"judgement": COMPLIES, "finding": finding + tail, "evidence": quality}
    if air["status"] == "超标":
        finding = (
            f"所在城市{year}年为环境空气质量不达标区（{'、'.join(air['reasons'])}），"
            "须人工核实项目是否落实区域削减（倍量替代）要求"
        )
        return {"judgement": MANUAL, "finding": finding + tail, "evidence": quality}
    finding = (
        f"所在城市{year}年环境空气监测数据不足以评价（{'；'.join(air['reasons'][:3])}），须人工核实"
    )
    return {"judgement": MANUAL, "finding": finding + tail, "evidence": quality}


def _resource(body: dict[str, Any]) -> dict[str, Any]:
    block = body["conformity"]
    zones = [z for z in block.get("zones", []) if z["collection"] in RESOURCE_ZONES]
    gap = uncovered(body, RESOURCE_ZONES)
    zone_codes = {z["code"] for z in zones}
    judged: list[tuple[str, dict[str, Any]]] = []
    for group in block.get("lists", []):
        for dimension in group["dimensions"]:
            if group["scope"] in zone_codes or dimension["dimension"] == RESOURCE_DIMENSION:
                judged += [(group["scope_name"] or group["scope"], c) for c in dimension["clauses"]]
    evidence = {
        "zones": [
            {k: z[k] for k in ("collection_title", "code", "name", "element_subtype", "share")}
            for z in zones
        ],
        "clauses": len(judged),
    }
    named = "、".join(f"{z['collection_title']}{z['name'] or z['code']}" for z in zones)
    where = f"项目位于{named}。" if zones else "项目不涉及地下水开采管控区、高污染燃料禁燃区。"
    if gap:  # an absence in a layer that does not cover the project is not a finding
        where = (f"项目位于{named}。" if zones else "") + (
            f"{gap}在项目所在地无有效版本或不覆盖项目，未能核查项目是否位于其中。"
        )
        evidence["not_covered"] = gap
    if not judged:
        finding = where + "未查到资源开发效率要求条款，资源利用上线须人工核实。"
        return {"judgement": MANUAL, "finding": finding, "evidence": evidence}
    worst = max(judged, key=lambda j: RANK[j[1]["judgement"]])
    counts = {j: sum(c["judgement"] == j for _, c in judged) for j in (VIOLATES, MANUAL, COMPLIES)}
    judgement = worst[1]["judgement"] if worst[1]["judgement"] != NOT_CONCERNED else COMPLIES
    if gap and judgement == COMPLIES:
        judgement = MANUAL
    finding = (
        where + f"资源利用相关条款 {len(judged)} 条：不符合 {counts[VIOLATES]} 条，"
        f"需人工核实 {counts[MANUAL]} 条，符合 {counts[COMPLIES]} 条。"
    )
    if judgement == VIOLATES:
        finding += f"不符合：{worst[0]}「{worst[1]['text']}」。"
    return {"judgement": judgement, "finding": finding, "evidence": evidence}


def _entry_list(body: dict[str, Any]) -> dict[str, Any]:
    """生态环境准入清单: the lists' clauses as the block judged them, the worst winning."""
    block = body["conformity"]
    counts = block.get("summary") or {}
    judged = sum(int(counts.get(j, 0)) for j in (VIOLATES, MANUAL, COMPLIES))
    evidence = {"summary": counts, "lists": len(block.get("lists") or [])}
    if not judged:
        return {
            "judgement": MANUAL,
            "finding": "未查到适用于本项目的准入清单条款（或清单、管控单元图层在项目所在地无有效版本），须人工核实。",
            "evidence": evidence,
        }
    judgement = next(j for j in (VIOLATES, MANUAL, COMPLIES) if counts.get(j))
    finding = (
        f"准入清单条款 {judged} 条：不符合 {counts.get(VIOLATES, 0)} 条，"
        f"需人工核实 {counts.get(MANUAL, 0)} 条，符合 {counts.get(COMPLIES, 0)} 条。"
    )
    cited = (block.get("denied_by") or []) + (block.get("flagged_by") or [])
    if judgement == VIOLATES and cited:
        first = cited[0]
        finding += (
            f"不符合：{first.get('scope_name') or first.get('scope')}「{first.get('text')}」。"
        )
    return {"judgement": judgement, "finding": finding, "evidence": evidence}


def conclusions(
    body: dict[str, Any], rules: LoadedRuleSet, quality: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The four conclusions (三线 and the 一单), in the order EIA reports give them."""
    return [
        {"line": "red_line", "title": "生态保护红线", **_red_line(body, rules)},
        {"line": "quality", "title": "环境质量底线", **_quality(quality)},
        {"line": "resource", "title": "资源利用上线", **_resource(body)},
        {"line": "entry_list", "title": "生态环境准入清单", **_entry_list(body)},
    ]


def attach(body: dict[str, Any], rules: LoadedRuleSet, quality: dict[str, Any] | None) -> None:
    """Put the three conclusions at the head of ``body["conformity"]``."""
    block = body["conformity"]
    body["conformity"] = {"three_lines": conclusions(body, rules, quality), **block}
