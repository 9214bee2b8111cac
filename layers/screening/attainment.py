"""The area's quality in a screening: the city's attainment, and the rules that test it.

A screening reads the attainment of the project's city (GB 3095 / HJ 663 for air, GB 3838
for the surface-water sections, by :func:`layers.reads.attainment.attainment`) for the
**last complete calendar year before its** ``as_of`` — a year still running has no
verdict — once, kept by the caller's :class:`QualityCache` for a few minutes (it reads a
year of readings and changes only when readings are imported). Two things use it:

* rules with ``op: attainment`` (:func:`judge`): a project in a city that does not attain
  a pollutant the rule names triggers the rule (``REQUIRE`` 区域削减, or ``DENY``), with the
  city's figures as evidence; a city without a valid verdict for that year leaves the rule
  ``NOT_CHECKED``, never PASS;
* the 环境质量底线 conclusion of the conformity block (:mod:`layers.screening.three_lines`).

The project's city is the 4-digit prefix of the county (else city) it lies in.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from gis.quality import AIR_STATISTICS, PARAMETERS
from layers.reads.attainment import attainment
from layers.screening.rules import AttainmentCondition, Rule
from layers.screening.scope import ADCODE_FIELD, JURISDICTION

#: How long a city's attainment is kept (seconds).
QUALITY_TTL_S = 300.0
AIR_STANDARD = "GB 3095-2012 二级（HJ 663-2013 评价）"
WATER_STANDARD = "GB 3838-2002（断面考核目标）"


def quality_year(as_of: date) -> int:
    """The year whose attainment a screening on ``as_of`` uses: the last complete one."""
    return as_of.year - 1


def city_of(adcodes: Iterable[str]) -> str | None:
    """The 4-digit city prefix of the project's county, else of its city (None: unknown)."""
    codes = [a for a in adcodes if a]
    counties = sorted(a for a in codes if not a.endswith("00"))
    cities = sorted(a for a in codes if not a.endswith("0000"))
    found = counties or cities
    return found[0][:4] if found else None


def city_in_rows(rows: list[tuple[Any, ...]]) -> str | None:
    """:func:`city_of` the divisions the project intersects, from the plan's rows."""
    return city_of(
        str((row[9] or {}).get(ADCODE_FIELD) or "")
        for row in rows
        if row[0] == JURISDICTION and row[1] is not None and row[5]
    )


def area_quality(session: Session, year: int, city: str) -> dict[str, Any]:
    """The city's air and surface-water attainment of ``year``.

    Returns ``{"city", "year", "air": {status, reasons, stations, pollutants} | None,
    "water": {sections, with_target, target_met, …} | None, "synthetic"}`` (synthetic: some
    of the city's readings are flagged generated, as the demo's are).
    """
    entry: dict[str, Any] = next(
        (c for c in attainment(session, year, city)["cities"] if c["city"] == city), {}
    )
    return {
        "city": city,
        "year": year,
        "air": entry.get("air"),
        "water": entry.get("water"),
        "synthetic": bool(entry.get("synthetic")),
    }


@dataclass
class QualityCache:
    """Cities' attainment summaries for a few minutes (:data:`QUALITY_TTL_S`)."""

    ttl_s: float = QUALITY_TTL_S
    _kept: dict[tuple[int, str], tuple[float, dict[str, Any]]] = field(default_factory=dict)

    def peek(self, as_of: date, city: str) -> dict[str, Any] | None:
        """The summary kept for the year of ``as_of`` and ``city``, when it is fresh."""
        kept = self._kept.get((quality_year(as_of), city))
        if kept is not None and time.monotonic() - kept[0] < self.ttl_s:
            return kept[1]
        return None

    def get(self, session: Session, as_of: date, city: str) -> dict[str, Any]:
        """:func:`area_quality` of the year :func:`quality_year` gives, kept per (year, city)."""
        summary = self.peek(as_of, city)
        if summary is None:
            if len(self._kept) > 1024:
                self._kept.clear()
            year = quality_year(as_of)
            summary = area_quality(session, year, city)
            self._kept[(year, city)] = (time.monotonic(), summary)
        return summary


def stations_text(air: dict[str, Any]) -> str:
    """A city's air figure's stations in words: ``14 个站点`` or ``14 个站点中 1 个有监测数据``."""
    listed, with_data = air["stations"], air.get("stations_with_data", air["stations"])
    return f"{listed} 个站点" + (f"中 {with_data} 个有监测数据" if with_data < listed else "")


def _not_checked(text: str) -> tuple[str, list[dict[str, Any]], bool, dict[str, Any]]:
    return "NOT_CHECKED", [], False, {"code": "no_attainment", "text": text}


def _air(
    rule: Rule, condition: AttainmentCondition, quality: dict[str, Any]
) -> tuple[str, list[dict[str, Any]], bool, dict[str, Any] | None]:
    air, year, city = quality["air"], quality["year"], quality["city"]
    if air is None:
        return _not_checked(f"所在城市（{city}）无{year}年环境空气监测数据，无法判断是否达标")
    wanted = condition.parameters or tuple(AIR_STATISTICS)
    judged = [p for p in air["pollutants"] if p["parameter"] in wanted]
    evidence = [
        {
            "medium": "air",
            "city": city,
            "year": year,
            "stations": air["stations"],
            "stations_with_data": air.get("stations_with_data", air["stations"]),
            "parameter": p["parameter"],
            "statistic": AIR_STATISTICS[p["parameter"]].label,
            "value": p["value"],
            "limit": p["limit"],
            "unit": PARAMETERS[p["parameter"]].unit,
            "status": p["status"],
            "standard": AIR_STANDARD,
            "synthetic": bool(quality.get("synthetic")),
        }
        for p in judged
    ]
    if any(p["status"] == "超标" for p in judged):
        return rule.outcome, evidence, True, None
    invalid = [p for p in judged if p["status"] == "无效"]
    if invalid:
        why = "；".join(f"{p['parameter']}：{p['reason']}" for p in invalid)
        return "NOT_CHECKED", evidence, False, {"code": "no_attainment", "text": f"{year}年{why}"}
    return "PASS", evidence, True, None


def _water(
    rule: Rule, quality: dict[str, Any]
) -> tuple[str, list[dict[str, Any]], bool, dict[str, Any] | None]:
    water, year, city = quality["water"], quality["year"], quality["city"]
    if water is None or not water["with_target"]:
        return _not_checked(
            f"所在城市（{city}）无{year}年有考核目标的地表水断面监测数据，无法判断水质目标是否完成"
        )
    evidence = [
        {
            "medium": "surface_water",
            "city": city,
            "year": year,
            "sections": water["sections"],
            "with_target": water["with_target"],
            "target_met": water["target_met"],
            "worse_than_v": water["worse_than_v"],
            "standard": WATER_STANDARD,
            "synthetic": bool(quality.get("synthetic")),
        }
    ]
    missed = water["target_met"] < water["with_target"]
    return (rule.outcome if missed else "PASS"), evidence, True, None


def judge(
    rule: Rule, quality: dict[str, Any] | None
) -> tuple[str, list[dict[str, Any]], bool, dict[str, Any] | None]:
    """An ``attainment`` rule's outcome, evidence, whether checked, and why not.

    Air: triggered when the city exceeds the standard for a pollutant the rule names
    (every pollutant of GB 3095 when it names none), PASS when each attains, else not
    checked. Water: triggered when a section with a target missed it.
    """
    condition = rule.predicate.attainment
    if condition is None:  # pragma: no cover - the rule schema requires it
        return "NOT_CHECKED", [], False, None
    if quality is None:
        return _not_checked("无法确定项目所在城市，无法判断环境质量是否达标")
    if condition.medium == "air":
        return _air(rule, condition, quality)
    return _water(rule, quality)
