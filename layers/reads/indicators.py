"""The plans' indicators of a division on a date, computed from the layers and readings.

Each indicator is a value beside its plan target (``indicator_targets.yaml``, one entry
per indicator and jurisdiction, each citing the digest line it was copied from) and a
status: 达标 / 未达标 against the target, 无数据 with the reason when the layers or
readings cannot give a value, 无目标 when the jurisdiction's plans set no number (a
qualitative target, or none: the value is still shown).

A division takes the target of the most specific plan whose jurisdiction (adcode prefix)
contains it: 江阴 (320281) its own, a 连云港 county (3207xx) 连云港's, another Jiangsu
division Jiangsu's; ``target.jurisdiction`` says whose it is.

Definitions (areas are geodesic, ``ST_Area(geography)``, m²; every layer is the release in
force on ``as_of``; a feature counts for the part of it inside the division):

- **自然湿地保护率** = protected natural-wetland area ÷ natural-wetland area × 100, as the
  digests define it (jiangsu.md §A.1 A6: 「protected natural-wetland area ÷ total
  natural-wetland area」; jiangxi.md §F.2: 「area of wetland under protection (inside
  protected areas, wetland parks, or otherwise designated) ÷ total wetland area」).
  Natural wetland: a ``wetlands`` feature whose 湿地类别 is 湖泊, 河流, 沼泽 or 近海与海岸
  (人工 and unclassified ones are not counted). Protected: the part lying in a 自然保护地
  (``protected_areas``) or a 生态保护红线 (``red_lines``), plus whole wetlands designated
  国际重要 / 国家重要 / 省级重要 / 湿地公园 by their 保护级别. The union is measured, so
  overlaps count once.
- **生态保护红线 / 生态空间管控区域 share** = area of the layer's footprint (the union of its
  features) inside the division ÷ the division's area × 100. The plans' denominator is
  (陆域) 国土面积; the division's polygon is used (it includes inland water).
- **只增不减** (area indicators): the footprint inside the division of the release in
  force on ``as_of`` against that of the release in force the day before it took effect;
  lost = ⋃ older − ⋃ newer, as the release diff computes it (:mod:`layers.reads.diff`), and
  a loss above :data:`~layers.reads.diff.TOLERANCE_M2` is 未达标.
- **PM2.5** and **优良天数比率** are of the last complete calendar year before ``as_of``
  (``as_of.year − 1``), for the air stations whose ``admin_code`` lies in the division,
  a day's value being the mean of their valid daily values (HJ 663-2013's city rule). PM2.5
  is the annual mean (≥ 324 valid days, GB/T 8170 rounding, :func:`gis.quality.evaluate_air`).
  A day's AQI follows HJ 633-2012 (:func:`gis.quality.daily_aqi`: six pollutants' daily
  values, O3 by its daily maximum 8-hour mean and its daily maximum 1-hour value, the
  latter from the hourly readings on days with ≥ 20 hours); a day counts when all six have
  a value, and is 优良 when its AQI ≤ 100. The ratio = 优良 days ÷ counted days × 100, and needs ≥ 324
  counted days.
- **优Ⅲ类比例** = sections of class Ⅰ–Ⅲ ÷ classified sections × 100 and **劣Ⅴ类断面** the
  number of sections worse than Ⅴ (:func:`layers.reads.attainment.attainment`, same year);
  when the target names section levels (国控 for 国考, 国控/省控 for 省考以上), only
  sections of those levels count.
- **排污口排查 / 整治进度** = outfalls surveyed / closed (销号) ÷ all outfalls of the division
  × 100 on ``as_of`` (:func:`layers.reads.outfalls.deadlines`); 达标 while no outfall is
  overdue against its due date (排查 2023-12-31; 整治 2023-12-31 for 长江/太湖, else
  2025-12-31, or the outfall's own), 未达标 when any is.
- **管控单元数量** by 管控类别 (``control_units`` whose ``admin_code`` lies in the
  division): counts, no plan target.
"""

from __future__ import annotations

import functools
import math
from datetime import date, timedelta
from importlib import resources
from typing import Any, Literal

import yaml
from psycopg import sql
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.quality import AQI_GOOD_MAX, MIN_DAYS_PER_YEAR, daily_aqi, evaluate_air, round_gbt8170
from layers.errors import DivisionNotFoundError, InvalidIndicatorQueryError
from layers.reads.attainment import area_daily_air, attainment
from layers.reads.diff import TOLERANCE_M2
from layers.reads.outfalls import deadlines
from layers.store.adcodes import adcode_name
from layers.store.catalog import get_collection
from layers.store.models import Release, feature_table
from layers.store.releases import (
    ADMIN_COLLECTION,
    release_as_of,
    release_public,
    six_digit_adcode,
)

Status = Literal["达标", "未达标", "无数据", "无目标"]
Comparator = Literal[">=", "<=", "==", "no_decrease", "qualitative"]


class Baseline(BaseModel):
    """The value a plan reports for its base year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int
    value: float


class Target(BaseModel):
    """One plan target of one indicator for one jurisdiction (an adcode prefix)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator: str
    jurisdiction: str
    document: str
    binding: Literal["约束性", "预期性"] | None
    comparator: Comparator
    approximate: bool = False
    value: float | None
    unit: str
    baseline: Baseline | None
    target_year: int
    due: date | None = None
    section_levels: tuple[str, ...] | None = None
    quote: str
    text: str | None = None
    source: str
    note: str | None = None

    @property
    def wording(self) -> str:
        """How the target reads: its ``text``, else the quote."""
        return self.text or self.quote


class TargetFile(BaseModel):
    """``indicator_targets.yaml``: the documents and targets (names: :mod:`layers.store.adcodes`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    documents: dict[str, str]
    targets: tuple[Target, ...]


#: The indicators, in the order they are listed: key → (名称, unit).
INDICATORS: dict[str, tuple[str, str]] = {
    "natural_wetland_protection_rate": ("自然湿地保护率", "%"),
    "red_line_share": ("生态保护红线占国土面积比例", "%"),
    "red_line_area": ("生态保护红线面积（只增不减）", "km²"),
    "ecological_space_share": ("生态空间管控区域占国土面积比例", "%"),
    "ecological_space_area": ("生态空间管控区域面积（只增不减）", "km²"),
    "pm25_annual_mean": ("细颗粒物（PM2.5）年均浓度", "μg/m³"),
    "good_air_days_ratio": ("空气质量优良天数比率", "%"),
    "section_class_iii_share": ("地表水断面水质优Ⅲ类比例", "%"),
    "section_worse_than_v": ("劣Ⅴ类断面数量", "个"),
    "outfall_survey_progress": ("入河入海排污口排查进度", "%"),
    "outfall_remediation_progress": ("入河入海排污口整治（销号）进度", "%"),
    "control_units_by_class": ("环境管控单元数量", "个"),
}

#: 湿地类别 values that are natural wetlands (GB/T 24708 first level 自然湿地).
NATURAL_WETLAND_CATEGORIES = ("湖泊", "河流", "沼泽", "近海与海岸")
#: 保护级别 values that put a whole wetland under protection (designated).
DESIGNATED_WETLAND_STATUSES = ("国际重要", "国家重要", "省级重要", "湿地公园")
UNIT_CLASSES = ("优先保护单元", "重点管控单元", "一般管控单元")


@functools.cache
def load_targets() -> TargetFile:
    """The targets file next to this module, validated (read once)."""
    raw = resources.files("layers.reads").joinpath("indicator_targets.yaml").read_text("utf-8")
    loaded = TargetFile.model_validate(yaml.safe_load(raw))
    unknown = {t.indicator for t in loaded.targets} - set(INDICATORS)
    if unknown:
        raise ValueError(f"indicator_targets.yaml: unknown indicators {sorted(unknown)}")
    return loaded


def target_for(indicator: str, adcode: str) -> Target | None:
    """The target of the most specific jurisdiction containing ``adcode``, if any."""
    found = [
        t
        for t in load_targets().targets
        if t.indicator == indicator and adcode.startswith(t.jurisdiction)
    ]
    return max(found, key=lambda t: len(t.jurisdiction), default=None)


def check_admin(admin: str) -> str:
    """An adcode of 2, 4 or 6 digits as the division's 6-digit code, or a 400 naming ``admin``."""
    full = six_digit_adcode(admin)
    if full is None:
        raise InvalidIndicatorQueryError(
            f"'{admin}' is not an adcode: write 2 (province), 4 (city) or 6 (county) digits, "
            "e.g. 32, 3207 or 320281.",
            field="admin",
        )
    return full


def adcode_prefix(adcode: str) -> str:
    """The prefix a division's members' ``admin_code`` start with (``320700`` → ``3207``)."""
    if adcode.endswith("0000"):
        return adcode[:2]
    if adcode.endswith("00"):
        return adcode[:4]
    return adcode


# --- areas -------------------------------------------------------------------------

#: The union of a polygon layer's features of one release, cut to the division ``d``.
_FOOTPRINT = """(SELECT ST_Union(CASE WHEN ST_CoveredBy(x.geom, d.geom) THEN x.geom
                     ELSE ST_CollectionExtract(ST_Intersection(x.geom, d.geom), 3) END)
 FROM {table} x, d
 WHERE x.release_id = {release} AND ST_Intersects(x.geom, d.geom) AND ST_Dimension(x.geom) = 2
   {extra})"""

_AREAS = """
WITH d AS (SELECT geom FROM {admin} WHERE id = %(division)s),
nat AS (SELECT {natural} AS g),
des AS (SELECT {designated} AS g),
red AS (SELECT {red} AS g),
eco AS (SELECT {eco} AS g),
prot AS (SELECT {protected} AS g),
shield AS (SELECT ST_Union(g) AS g FROM (SELECT g FROM prot UNION ALL SELECT g FROM red) s),
pnat AS (
  SELECT ST_Union(g) AS g FROM (
    SELECT ST_CollectionExtract(ST_Intersection(nat.g, shield.g), 3) AS g FROM nat, shield
    UNION ALL SELECT g FROM des) s)
SELECT ST_Area(geography(d.geom)) AS division_m2,
       COALESCE(ST_Area(geography(nat.g)), 0) AS natural_m2,
       COALESCE(ST_Area(geography(pnat.g)), 0) AS protected_natural_m2,
       COALESCE(ST_Area(geography(red.g)), 0) AS red_lines_m2,
       COALESCE(ST_Area(geography(eco.g)), 0) AS ecological_spaces_m2
FROM d, nat, pnat, red, eco
"""

#: Area lost inside the division from release ``old`` to ``new``: ⋃ old − ⋃ new, built as
#: the release diff does (:mod:`layers.reads.diff`) from the old features without an equal
#: geometry in the new release, each cut by the new features it touches.
_LOST = """
WITH d AS (SELECT geom FROM {admin} WHERE id = %(division)s),
changed AS (
  SELECT x.geom FROM {table} x, d
  WHERE x.release_id = %(old)s AND ST_Intersects(x.geom, d.geom) AND ST_Dimension(x.geom) = 2
    AND NOT EXISTS (SELECT 1 FROM {table} y WHERE y.release_id = %(new)s AND y.geom ~= x.geom
                    AND ST_Equals(y.geom, x.geom))),
pieces AS (
  SELECT CASE WHEN n.g IS NULL THEN c.geom ELSE ST_Difference(c.geom, n.g) END AS g
  FROM changed c CROSS JOIN LATERAL (
    SELECT ST_Union(y.geom) AS g FROM {table} y
    WHERE y.release_id = %(new)s AND ST_Dimension(y.geom) = 2 AND ST_Intersects(y.geom, c.geom)) n)
SELECT COALESCE(ST_Area(geography(ST_CollectionExtract(ST_Intersection(ST_Union(p.g), d.geom), 3))), 0)
       AS lost_m2
FROM pieces p, d
GROUP BY d.geom
"""


def _footprint(collection: str, release: str, extra: str = "") -> sql.Composable:
    return sql.SQL(_FOOTPRINT).format(
        table=sql.Identifier(feature_table(collection).name),
        release=sql.Placeholder(release),
        extra=sql.SQL(extra),
    )


def _areas_sql() -> str:
    natural = "AND x.category = ANY(%(natural)s)"
    return (
        sql.SQL(_AREAS)
        .format(
            admin=sql.Identifier(feature_table(ADMIN_COLLECTION).name),
            natural=_footprint("wetlands", "wetlands", natural),
            designated=_footprint(
                "wetlands", "wetlands", natural + " AND x.protection_status = ANY(%(designated)s)"
            ),
            red=_footprint("red_lines", "red_lines"),
            eco=_footprint("ecological_spaces", "ecological_spaces"),
            protected=_footprint("protected_areas", "protected_areas"),
        )
        .as_string(None)
    )


def _lost_sql(collection: str) -> str:
    return (
        sql.SQL(_LOST)
        .format(
            admin=sql.Identifier(feature_table(ADMIN_COLLECTION).name),
            table=sql.Identifier(feature_table(collection).name),
        )
        .as_string(None)
    )


# --- judging -------------------------------------------------------------------------


def _target_public(target: Target) -> dict[str, Any]:
    targets = load_targets()
    return {
        "value": target.value,
        "comparator": target.comparator,
        "approximate": target.approximate,
        "unit": target.unit,
        "text": target.wording,
        "quote": target.quote,
        "document": targets.documents.get(target.document.split()[0], target.document),
        "clause": target.document,
        "binding": target.binding,
        "baseline_year": target.baseline.year if target.baseline else None,
        "baseline_value": target.baseline.value if target.baseline else None,
        "target_year": target.target_year,
        "due": target.due.isoformat() if target.due else None,
        "jurisdiction": target.jurisdiction,
        "jurisdiction_name": adcode_name(target.jurisdiction),
        "source": target.source,
        "note": target.note,
    }


def _compare(value: float, target: Target) -> Status:
    if target.value is None:
        return "无目标"
    if target.comparator == ">=":
        met = value >= target.value
    elif target.comparator == "<=":
        met = value <= target.value
    else:  # "=="
        met = math.isclose(value, target.value)
    return "达标" if met else "未达标"


def _indicator(
    key: str,
    adcode: str,
    value: float | None,
    *,
    reason: str | None = None,
    definition: str,
    details: dict[str, Any] | None = None,
    status: Status | None = None,
    target: Target | None = None,
) -> dict[str, Any]:
    """One indicator's entry; the status is judged here unless given."""
    name, unit = INDICATORS[key]
    target = target or target_for(key, adcode)
    if value is None and status is None:
        status = "无数据"
    elif status is None:
        if target is None:
            status, reason = "无目标", reason or "所在辖区的规划未给出该指标的目标"
        elif target.comparator == "qualitative":
            status, reason = "无目标", reason or f"规划目标为定性表述：{target.wording}"
        else:
            status = _compare(value, target) if value is not None else "无数据"
    return {
        "key": key,
        "name": name,
        "unit": unit,
        "value": value,
        "status": status,
        "reason": reason,
        "definition": definition,
        "details": details or {},
        "target": _target_public(target) if target else None,
    }


def _pct(part: float, whole: float, digits: int = 2) -> float:
    return round_gbt8170(part / whole * 100, digits)


def _no_release(title: str) -> str:
    return f"{title}图层在该日期无生效版本"


# --- the indicators ------------------------------------------------------------------


def _releases(session: Session, as_of: date) -> dict[str, Release | None]:
    names = ("wetlands", "protected_areas", "red_lines", "ecological_spaces", "control_units")
    return {c: release_as_of(session, c, as_of) for c in names}


def _previous(session: Session, release: Release) -> Release | None:
    """The release in force the day before ``release`` took effect (another one), if any."""
    before = release_as_of(session, release.collection, release.valid_from - timedelta(days=1))
    return before if before is not None and before.id != release.id else None


def _only_grows(
    session: Session, collection: str, current: Release, division_id: int
) -> dict[str, Any] | None:
    previous = _previous(session, current)
    if previous is None:
        return None
    row = (
        session.connection()
        .exec_driver_sql(
            _lost_sql(collection),
            {"division": division_id, "old": previous.id, "new": current.id},
        )
        .one_or_none()
    )
    lost_m2 = float(row.lost_m2) if row is not None else 0.0  # no changed feature: no row
    return {
        "rule": "只增不减",
        "older": previous.name,
        "older_valid_from": previous.valid_from.isoformat(),
        "newer": current.name,
        "lost_m2": round(lost_m2, 1),
        "tolerance_m2": TOLERANCE_M2,
        "only_grows": lost_m2 < TOLERANCE_M2,
    }


def _space_indicators(
    session: Session,
    adcode: str,
    collection: str,
    release: Release | None,
    area_m2: float,
    division_m2: float,
    division_id: int,
) -> list[dict[str, Any]]:
    title = get_collection(collection).title
    share_key, area_key = (
        ("red_line_share", "red_line_area")
        if collection == "red_lines"
        else ("ecological_space_share", "ecological_space_area")
    )
    share_def = f"{title}（各要素并集）在行政区内的椭球面积 ÷ 行政区面积 × 100"
    area_def = (
        f"{title}在行政区内的椭球面积（km²）；只增不减：与上一生效版本相比，"
        "旧版本范围减去新版本范围的面积（损失）不超过 1 m²"
    )
    if release is None:
        reason = _no_release(title)
        return [
            _indicator(share_key, adcode, None, reason=reason, definition=share_def),
            _indicator(area_key, adcode, None, reason=reason, definition=area_def),
        ]
    change = _only_grows(session, collection, release, division_id)
    details = {"area_m2": round(area_m2, 1), "division_m2": round(division_m2, 1)}
    release_info = {"release": release.name, "only_grows": change}
    area_target = target_for(area_key, adcode)
    area_status: Status | None = None
    area_reason = None
    if area_target is not None and area_target.comparator == "no_decrease":
        if change is None:
            area_status, area_reason = "无数据", "无上一生效版本，无法判断面积是否减少"
        elif change["only_grows"]:
            area_status = "达标"
        else:
            area_status = "未达标"
            area_reason = f"较上一版本 {change['older']} 减少 {change['lost_m2'] / 1e6:.4f} km²"
    elif change is not None and not change["only_grows"]:
        area_reason = f"较上一版本 {change['older']} 减少 {change['lost_m2'] / 1e6:.4f} km²"
    return [
        _indicator(
            share_key,
            adcode,
            _pct(area_m2, division_m2) if division_m2 > 0 else None,
            definition=share_def,
            details={**details, **release_info},
        ),
        _indicator(
            area_key,
            adcode,
            round(area_m2 / 1e6, 4),
            reason=area_reason,
            status=area_status,
            definition=area_def,
            details={**details, **release_info},
            target=area_target,
        ),
    ]


def _wetland_indicator(
    adcode: str, releases: dict[str, Release | None], natural_m2: float, protected_m2: float
) -> dict[str, Any]:
    key = "natural_wetland_protection_rate"
    definition = (
        "受保护的自然湿地面积 ÷ 自然湿地面积 × 100。自然湿地：湿地类别为湖泊、河流、沼泽、"
        "近海与海岸的湿地（不含人工湿地）；受保护：位于自然保护地或生态保护红线内的部分，"
        "以及保护级别为国际重要、国家重要、省级重要或湿地公园的湿地（面积按并集计，椭球面积）"
    )
    missing = [c for c in ("wetlands", "protected_areas", "red_lines") if releases[c] is None]
    if missing:
        reason = "；".join(_no_release(get_collection(c).title) for c in missing)
        return _indicator(key, adcode, None, reason=reason, definition=definition)
    if natural_m2 <= 0:
        return _indicator(key, adcode, None, reason="行政区内无自然湿地", definition=definition)
    return _indicator(
        key,
        adcode,
        _pct(protected_m2, natural_m2),
        definition=definition,
        details={
            "natural_wetland_m2": round(natural_m2, 1),
            "protected_natural_wetland_m2": round(protected_m2, 1),
            "releases": {c: releases[c].name for c in ("wetlands", "protected_areas", "red_lines")},  # type: ignore[union-attr]
        },
    )


def _air_indicators(session: Session, adcode: str, prefix: str, year: int) -> list[dict[str, Any]]:
    stations, series = area_daily_air(session, year, prefix)
    pm_def = (
        f"{year} 年 PM2.5 年均浓度：行政区内空气站日均值的算术平均（HJ 663-2013），"
        f"有效日数 ≥ {MIN_DAYS_PER_YEAR}，GB/T 8170 修约"
    )
    good_def = (
        f"{year} 年优良天数 ÷ 有效天数 × 100：日 AQI 按 HJ 633-2012 表1 由六项污染物日均值"
        "（O3 取日最大8小时平均及日最大1小时平均）计算，六项齐全的日子为有效天，AQI ≤ 100 为优良；"
        f"有效天数 ≥ {MIN_DAYS_PER_YEAR}"
    )
    if not stations:
        reason = f"行政区内无空气监测站点（{year} 年 12 月 31 日生效的站点版本）"
        return [
            _indicator("pm25_annual_mean", adcode, None, reason=reason, definition=pm_def),
            _indicator("good_air_days_ratio", adcode, None, reason=reason, definition=good_def),
        ]
    pm = evaluate_air("PM2.5", list(series["PM2.5"].values()))
    pm_entry = _indicator(
        "pm25_annual_mean",
        adcode,
        pm.value,
        reason=pm.reason,
        definition=pm_def,
        details={"year": year, "stations": stations, "valid_days": pm.valid_days},
    )
    days = sorted(set().union(*(s.keys() for s in series.values())))
    aqis = [
        a
        for day in days
        if (a := daily_aqi({p: v for p, s in series.items() if (v := s.get(day)) is not None}))
        is not None
    ]
    good = sum(a <= AQI_GOOD_MAX for a in aqis)
    details = {"year": year, "stations": stations, "valid_days": len(aqis), "good_days": good}
    if len(aqis) < MIN_DAYS_PER_YEAR:
        good_entry = _indicator(
            "good_air_days_ratio",
            adcode,
            None,
            reason=f"六项污染物齐全的有效天数 {len(aqis)} 天，不足 {MIN_DAYS_PER_YEAR} 天",
            definition=good_def,
            details=details,
        )
    else:
        good_entry = _indicator(
            "good_air_days_ratio",
            adcode,
            _pct(good, len(aqis), 1),
            definition=good_def,
            details=details,
        )
    return [pm_entry, good_entry]


def _section_levels(session: Session, year: int, codes: list[str]) -> dict[str, str | None]:
    release = release_as_of(session, "monitoring_stations", date(year, 12, 31))
    if release is None or not codes:
        return {}
    rows = session.execute(
        text(
            "SELECT code, level FROM monitoring_stations WHERE release_id = :r AND code = ANY(:c)"
        ),
        {"r": release.id, "c": codes},
    ).all()
    return {str(code): level for code, level in rows}


def _water_indicators(
    session: Session, adcode: str, prefix: str, year: int
) -> list[dict[str, Any]]:
    sections = [
        s
        for s in attainment(session, year, prefix)["stations"]
        if s["medium"] == "surface_water" and s["class"] is not None
    ]
    levels = _section_levels(session, year, [s["code"] for s in sections])
    share_def = (
        f"{year} 年水质为Ⅰ～Ⅲ类的断面数 ÷ 有评价结果的断面数 × 100（GB 3838-2002 单因子，"
        "年均值）；目标限定国考（国控）或省考以上（国控、省控）断面时只计这些断面"
    )
    worse_def = f"{year} 年水质劣于Ⅴ类的断面数（GB 3838-2002 单因子，年均值）"
    if not sections:
        reason = f"行政区内无 {year} 年有评价结果的地表水断面"
        return [
            _indicator(
                "section_class_iii_share", adcode, None, reason=reason, definition=share_def
            ),
            _indicator("section_worse_than_v", adcode, None, reason=reason, definition=worse_def),
        ]
    target = target_for("section_class_iii_share", adcode)
    counted = sections
    note = None
    if target is not None and target.section_levels:
        if any(levels.get(s["code"]) for s in sections):
            counted = [s for s in sections if levels.get(s["code"]) in target.section_levels]
        else:
            note = "断面均未标注级别（国控/省控），按全部断面统计"
    better = sum(s["class"] in ("I", "II", "III") for s in counted)
    wanted = list(target.section_levels) if target and target.section_levels else []
    share_details = {
        "year": year,
        "sections": len(counted),
        "class_iii_or_better": better,
        "section_levels": wanted or None,
        "note": note,
    }
    if counted:
        share = _indicator(
            "section_class_iii_share",
            adcode,
            _pct(better, len(counted), 1),
            definition=share_def,
            details=share_details,
        )
    else:
        share = _indicator(
            "section_class_iii_share",
            adcode,
            None,
            reason=f"行政区内无{'、'.join(wanted)}断面的评价结果",
            definition=share_def,
            details=share_details,
        )
    worse = [s["code"] for s in sections if s["class"] == "worse_than_V"]
    return [
        share,
        _indicator(
            "section_worse_than_v",
            adcode,
            len(worse),
            definition=worse_def,
            details={"year": year, "sections": len(sections), "worse_than_v": worse},
        ),
    ]


def _outfall_indicators(
    session: Session, adcode: str, prefix: str, as_of: date
) -> list[dict[str, Any]]:
    body = deadlines(session, as_of, prefix)
    totals = body["totals"]
    survey_def = (
        "已排查（有任一查测溯治记录）的排污口数 ÷ 排污口总数 × 100；"
        "截至现状日期无逾期未排查的排污口为达标（排查时限 2023-12-31）"
    )
    remediation_def = (
        "已销号的排污口数 ÷ 排污口总数 × 100；截至现状日期无逾期未整治的排污口为达标"
        "（长江、太湖流域 2023-12-31，其他 2025-12-31，排污口自身整治时限优先）"
    )
    if body["release"] is None or not totals["outfalls"]:
        reason = _no_release("入河入海排污口") if body["release"] is None else "行政区内无排污口"
        return [
            _indicator(
                "outfall_survey_progress", adcode, None, reason=reason, definition=survey_def
            ),
            _indicator(
                "outfall_remediation_progress",
                adcode,
                None,
                reason=reason,
                definition=remediation_def,
            ),
        ]
    n = totals["outfalls"]
    details = {"release": body["release"], **totals}

    def judged(key: str, done: int, overdue: int, definition: str) -> dict[str, Any]:
        target = target_for(key, adcode)
        status: Status | None = None
        reason = None
        if target is not None:
            status = "未达标" if overdue else "达标"
            reason = f"{overdue} 个排污口逾期" if overdue else None
        return _indicator(
            key,
            adcode,
            _pct(done, n, 1),
            status=status,
            reason=reason,
            definition=definition,
            details=details,
        )

    return [
        judged("outfall_survey_progress", totals["surveyed"], totals["survey_overdue"], survey_def),
        judged(
            "outfall_remediation_progress",
            totals["closed"],
            totals["remediation_overdue"],
            remediation_def,
        ),
    ]


def _unit_indicator(
    session: Session, adcode: str, prefix: str, release: Release | None
) -> dict[str, Any]:
    definition = "行政区内（按单元行政区划代码）各管控类别的环境管控单元数量"
    if release is None:
        return _indicator(
            "control_units_by_class",
            adcode,
            None,
            reason=_no_release("环境管控单元"),
            definition=definition,
        )
    rows = session.execute(
        text(
            "SELECT unit_class, count(*) FROM control_units WHERE release_id = :r "
            "AND admin_code LIKE :p || '%' GROUP BY 1"
        ),
        {"r": release.id, "p": prefix},
    ).all()
    counts = dict.fromkeys(UNIT_CLASSES, 0) | {str(c or "未分类"): int(n) for c, n in rows}
    return _indicator(
        "control_units_by_class",
        adcode,
        sum(counts.values()),
        definition=definition,
        details={"release": release.name, "by_class": counts},
    )


def indicators(session: Session, admin: str, as_of: date) -> dict[str, Any]:
    """Every indicator of division ``admin`` (2, 4 or 6 digits) on ``as_of`` (see the module).

    Raises:
        InvalidIndicatorQueryError: ``admin`` is not an adcode.
        DivisionNotFoundError: no division with that adcode is in force on ``as_of``.
    """
    adcode = check_admin(admin)
    prefix = adcode_prefix(adcode)
    admin_release = release_as_of(session, ADMIN_COLLECTION, as_of)
    division = (
        session.execute(
            text(
                "SELECT id, adcode, name, level FROM admin_divisions "
                "WHERE release_id = :r AND adcode = :a ORDER BY id LIMIT 1"
            ),
            {"r": admin_release.id, "a": adcode},
        ).one_or_none()
        if admin_release is not None
        else None
    )
    if division is None:
        raise DivisionNotFoundError(
            f"No administrative division '{adcode}' is in force on {as_of.isoformat()} "
            "(GET /collections/admin_divisions/items lists them).",
            field="admin",
        )
    releases = _releases(session, as_of)
    areas = (
        session.connection()
        .exec_driver_sql(
            _areas_sql(),
            {
                "division": division.id,
                "natural": list(NATURAL_WETLAND_CATEGORIES),
                "designated": list(DESIGNATED_WETLAND_STATUSES),
                **{c: r.id if r is not None else None for c, r in releases.items()},
            },
        )
        .one()
    )
    year = as_of.year - 1
    items = [
        _wetland_indicator(adcode, releases, areas.natural_m2, areas.protected_natural_m2),
        *_space_indicators(
            session,
            adcode,
            "red_lines",
            releases["red_lines"],
            areas.red_lines_m2,
            areas.division_m2,
            division.id,
        ),
        *_space_indicators(
            session,
            adcode,
            "ecological_spaces",
            releases["ecological_spaces"],
            areas.ecological_spaces_m2,
            areas.division_m2,
            division.id,
        ),
        *_air_indicators(session, adcode, prefix, year),
        *_water_indicators(session, adcode, prefix, year),
        *_outfall_indicators(session, adcode, prefix, as_of),
        _unit_indicator(session, adcode, prefix, releases["control_units"]),
    ]
    return {
        "division": {
            "adcode": division.adcode,
            "name": division.name,
            "level": division.level,
            "area_m2": round(areas.division_m2, 1),
            "release": admin_release.name if admin_release else None,
        },
        "as_of": as_of.isoformat(),
        "quality_year": year,
        "statuses": ["达标", "未达标", "无数据", "无目标"],
        "releases": {c: release_public(r) if r else None for c, r in releases.items()},
        "indicators": items,
    }
