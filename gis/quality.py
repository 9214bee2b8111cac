"""Environmental quality: parameters and units, and the standards' own statistics.

Pure computations (no database) used by the readings importer and the attainment
evaluation:

- the parameters a reading may carry, their canonical unit, the units understood
  (with the factor to the canonical one) and the physical range a value must lie in;
- GB 3095-2012 (环境空气质量标准) Grade II limits with the statistics of
  HJ 663-2013 (环境空气质量评价技术规范): annual means of PM2.5, PM10, NO2, SO2; the
  95th percentile of daily CO means; the 90th percentile of daily maximum 8-hour O3;
- the data-validity rules of GB 3095-2012 Table 4 (数据统计的有效性规定): a daily mean
  needs at least 20 hourly values, an 8-hour mean at least 6 hourly values, a year at
  least 324 daily values; and of HJ 663-2013 §6 / Annex A: a daily maximum 8-hour mean
  needs at least 14 valid 8-hour means (windows ending 08:00 … 24:00);
- the percentile of HJ 663-2013 Annex A (A.4): sort ascending, ``k = 1 + (n − 1)·p %``,
  ``s`` its integer part, ``X(s) + (X(s+1) − X(s))·(k − s)``;
- rounding by GB/T 8170-2008 (四舍六入五成双: round half to even on the decimal value);
- GB 3838-2002 (地表水环境质量标准) Table 1 class of a surface-water section by its
  worst single parameter (TN counted for lakes and reservoirs only);
- the daily air quality index of HJ 633-2012 (环境空气质量指数（AQI）技术规定) Table 1 from
  daily values, and whether a day is 优良 (AQI ≤ 100).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

Medium = Literal["air", "surface_water"]

UG_M3 = "μg/m³"
MG_M3 = "mg/m³"
MG_L = "mg/L"
NO_UNIT = "无量纲"


@dataclass(frozen=True)
class Parameter:
    """A measured quantity: canonical code and unit, names it is published under, range."""

    code: str
    label: str
    medium: Medium
    unit: str
    aliases: tuple[str, ...]
    low: float
    high: float


PARAMETERS: dict[str, Parameter] = {
    p.code: p
    for p in (
        Parameter(
            "PM2.5", "细颗粒物", "air", UG_M3, ("PM25", "PM2_5", "PM₂.₅", "细颗粒物"), 0, 2000
        ),
        Parameter("PM10", "可吸入颗粒物", "air", UG_M3, ("PM₁₀", "可吸入颗粒物"), 0, 10000),
        Parameter("SO2", "二氧化硫", "air", UG_M3, ("SO₂", "二氧化硫"), 0, 10000),
        Parameter("NO2", "二氧化氮", "air", UG_M3, ("NO₂", "二氧化氮"), 0, 5000),
        Parameter("O3", "臭氧", "air", UG_M3, ("O₃", "臭氧"), 0, 2000),
        Parameter("CO", "一氧化碳", "air", MG_M3, ("一氧化碳",), 0, 100),
        Parameter("DO", "溶解氧", "surface_water", MG_L, ("溶解氧",), 0, 25),
        Parameter("CODMn", "高锰酸盐指数", "surface_water", MG_L, ("高锰酸盐指数",), 0, 200),
        Parameter("COD", "化学需氧量", "surface_water", MG_L, ("CODCr", "化学需氧量"), 0, 2000),
        Parameter(
            "BOD5", "五日生化需氧量", "surface_water", MG_L, ("BOD₅", "五日生化需氧量"), 0, 1000
        ),
        Parameter("NH3-N", "氨氮", "surface_water", MG_L, ("NH3N", "NH₃-N", "氨氮"), 0, 500),
        Parameter("TP", "总磷", "surface_water", MG_L, ("总磷",), 0, 100),
        Parameter("TN", "总氮", "surface_water", MG_L, ("总氮",), 0, 500),
        Parameter("pH", "pH值", "surface_water", NO_UNIT, ("pH值", "PH"), 0, 14),
    )
}

#: The reading ``flag`` of generated, not measured, values (the demo's readings carry it).
SYNTHETIC_FLAG = "synthetic"

#: Columns of CNEMC's hourly releases that are derived values, not readings (skipped).
DERIVED_COLUMNS = frozenset({"AQI", "首要污染物", "质量等级", "PRIMARY_POLLUTANT", "QUALITY"})


def _key(name: str) -> str:
    return "".join(name.split()).upper().replace("．", ".")


_BY_NAME: dict[str, str] = {
    _key(alias): p.code for p in PARAMETERS.values() for alias in (p.code, *p.aliases)
}


def parameter_code(name: str) -> str | None:
    """The canonical code of a parameter name (``PM2.5``, ``pm25``, ``细颗粒物`` …), or None."""
    return _BY_NAME.get(_key(name))


def is_derived_column(name: str) -> bool:
    """True for CNEMC's derived columns (AQI, ``PM2.5_24h``, ``O3_8h`` …)."""
    key = _key(name)
    return key in DERIVED_COLUMNS or key.endswith(("_24H", "_8H", "_8H_24H"))


_UNIT_KEYS = {
    "μG/M3": UG_M3,
    "UG/M3": UG_M3,
    "微克/立方米": UG_M3,
    "MG/M3": MG_M3,
    "毫克/立方米": MG_M3,
    "MG/L": MG_L,
    "毫克/升": MG_L,
    "μG/L": "μg/L",
    "UG/L": "μg/L",
    "微克/升": "μg/L",
    "": NO_UNIT,
    "无量纲": NO_UNIT,
    "-": NO_UNIT,
}

#: Factor from a unit to another (value_in_target = value · factor).
_FACTORS = {
    (UG_M3, UG_M3): 1.0,
    (MG_M3, MG_M3): 1.0,
    (MG_M3, UG_M3): 1000.0,
    (UG_M3, MG_M3): 0.001,
    (MG_L, MG_L): 1.0,
    ("μg/L", MG_L): 0.001,
    (NO_UNIT, NO_UNIT): 1.0,
}


def unit_factor(parameter: str, unit: str | None) -> float | None:
    """Factor converting ``unit`` to the parameter's canonical unit, or None if not understood.

    ``None``/empty stands for the canonical unit. Volume ratios (ppm, ppb) are not
    understood: converting them needs the temperature and pressure of the reference state.
    """
    canonical = PARAMETERS[parameter].unit
    if unit is None or not unit.strip():
        return 1.0
    key = "".join(unit.split()).upper().replace("µ", "μ").replace("³", "3").replace("Μ", "μ")
    key = key.replace("/M^3", "/M3")
    source = _UNIT_KEYS.get(key)
    if source is None:
        return None
    return _FACTORS.get((source, canonical))


# --- statistics ---------------------------------------------------------------

#: GB 3095-2012 Table 4: hourly values a daily mean needs.
MIN_HOURS_PER_DAY = 20
#: GB 3095-2012 Table 4: hourly values an 8-hour mean needs.
MIN_HOURS_PER_8H = 6
#: HJ 663-2013: valid 8-hour means (of the 17 ending 08:00 … 24:00) a daily maximum needs.
MIN_8H_PER_DAY = 14
#: GB 3095-2012 Table 4: valid daily values a year needs.
MIN_DAYS_PER_YEAR = 324
#: GB 3095-2012 Table 4: valid daily values a month needs (February: 25).
MIN_DAYS_PER_MONTH = 27
MIN_DAYS_PER_FEBRUARY = 25


def min_days(interval: Literal["month", "year"], month: int) -> int:
    """Valid daily values a monthly (of ``month``) or yearly mean needs (GB 3095-2012 Table 4)."""
    if interval == "year":
        return MIN_DAYS_PER_YEAR
    return MIN_DAYS_PER_FEBRUARY if month == 2 else MIN_DAYS_PER_MONTH


def round_gbt8170(value: float, digits: int) -> float:
    """Round by GB/T 8170-2008 (half to even on the decimal value, e.g. 34.5 → 34, 35.5 → 36)."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_EVEN))


def percentile_hj663(values: Sequence[float], p: float) -> float:
    """The p-th percentile by HJ 663-2013 Annex A: ``k = 1 + (n−1)·p %``, linear between X(s), X(s+1)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    k = 1 + (len(ordered) - 1) * p / 100
    s = math.floor(k)
    low = ordered[s - 1]
    if s >= len(ordered):
        return low
    return low + (ordered[s] - low) * (k - s)


def daily_max_8h(
    hours: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Daily maximum 8-hour means of days × 24 hourly values (NaN = missing).

    Column 0 is the hour ending 01:00, column 23 the hour ending 24:00 (CNEMC labels).
    The 8-hour mean ending at hour e (8 … 24) averages hours e−7 … e and is valid with
    at least :data:`MIN_HOURS_PER_8H` values. Returns (max of the valid means, NaN when
    none; count of valid means) per day.
    """
    present = ~np.isnan(hours)
    filled = np.where(present, hours, 0.0)
    csum = np.concatenate([np.zeros((hours.shape[0], 1)), np.cumsum(filled, axis=1)], axis=1)
    ccount = np.concatenate(
        [np.zeros((hours.shape[0], 1), dtype=np.int64), np.cumsum(present, axis=1)], axis=1
    )
    sums = csum[:, 8:] - csum[:, :-8]  # windows ending at hours 8 … 24
    counts = ccount[:, 8:] - ccount[:, :-8]
    valid = counts >= MIN_HOURS_PER_8H
    means = np.where(valid, sums / np.maximum(counts, 1), -np.inf)
    best = means.max(axis=1)
    return np.where(np.isfinite(best), best, np.nan), valid.sum(axis=1).astype(np.int64)


@dataclass(frozen=True)
class AirStatistic:
    """How GB 3095-2012 Grade II judges a pollutant over a calendar year."""

    parameter: str
    statistic: Literal["annual_mean", "p95_daily", "p90_daily_max_8h"]
    label: str
    limit: float
    digits: int


AIR_STATISTICS: dict[str, AirStatistic] = {
    s.parameter: s
    for s in (
        AirStatistic("PM2.5", "annual_mean", "年平均", 35, 0),
        AirStatistic("PM10", "annual_mean", "年平均", 70, 0),
        AirStatistic("NO2", "annual_mean", "年平均", 40, 0),
        AirStatistic("SO2", "annual_mean", "年平均", 60, 0),
        AirStatistic("CO", "p95_daily", "日均值第95百分位数", 4, 1),
        AirStatistic("O3", "p90_daily_max_8h", "日最大8小时平均第90百分位数", 160, 0),
    )
}

#: The parameters judged on daily means (kept as daily values with their hour count).
DAILY_MEAN_PARAMETERS = tuple(
    p for p, s in AIR_STATISTICS.items() if s.statistic != "p90_daily_max_8h"
)
#: The daily value of O3 that is kept: its maximum 8-hour mean (:func:`daily_max_8h`).
O3_DAILY_MAX_8H = "O3_8h"


@dataclass(frozen=True)
class AirResult:
    """One pollutant's statistic for a year: a value and its verdict, or 无效 with the reason."""

    parameter: str
    statistic: str
    valid_days: int
    value: float | None
    limit: float
    attained: bool | None
    reason: str | None

    @property
    def status(self) -> str:
        """达标 / 超标 / 无效."""
        if self.attained is None:
            return "无效"
        return "达标" if self.attained else "超标"


def evaluate_air(parameter: str, daily: Sequence[float]) -> AirResult:
    """Judge a year of valid daily values (daily means; for O3 daily maximum 8-hour means)."""
    rule = AIR_STATISTICS[parameter]
    n = len(daily)
    if n < MIN_DAYS_PER_YEAR:
        return AirResult(
            parameter,
            rule.label,
            n,
            None,
            rule.limit,
            None,
            f"有效日数 {n} 天，不足 GB 3095-2012 表4 要求的 {MIN_DAYS_PER_YEAR} 天",
        )
    if rule.statistic == "annual_mean":
        raw = math.fsum(daily) / n
    elif rule.statistic == "p95_daily":
        raw = percentile_hj663(daily, 95)
    else:
        raw = percentile_hj663(daily, 90)
    value = round_gbt8170(raw, rule.digits)
    return AirResult(parameter, rule.label, n, value, rule.limit, value <= rule.limit, None)


# --- surface water ------------------------------------------------------------

WATER_CLASSES = ("I", "II", "III", "IV", "V")
WATER_CLASS_LABELS = {
    "I": "Ⅰ类",
    "II": "Ⅱ类",
    "III": "Ⅲ类",
    "IV": "Ⅳ类",
    "V": "Ⅴ类",
    "worse_than_V": "劣Ⅴ类",
}

#: GB 3838-2002 Table 1 limits of classes Ⅰ … Ⅴ (mg/L); DO is a lower bound.
WATER_LIMITS: dict[str, tuple[float, float, float, float, float]] = {
    "DO": (7.5, 6, 5, 3, 2),
    "CODMn": (2, 4, 6, 10, 15),
    "COD": (15, 15, 20, 30, 40),
    "BOD5": (3, 3, 4, 6, 10),
    "NH3-N": (0.15, 0.5, 1.0, 1.5, 2.0),
    "TP": (0.02, 0.1, 0.2, 0.3, 0.4),
    "TN": (0.2, 0.5, 1.0, 1.5, 2.0),
}
#: TP limits for lakes and reservoirs (湖、库).
LAKE_TP_LIMITS = (0.01, 0.025, 0.05, 0.1, 0.2)


def water_class(parameter: str, value: float, *, lake: bool) -> str:
    """The GB 3838-2002 class a parameter's value meets (``I`` … ``V``, or ``worse_than_V``)."""
    limits = LAKE_TP_LIMITS if lake and parameter == "TP" else WATER_LIMITS[parameter]
    for name, limit in zip(WATER_CLASSES, limits, strict=True):
        if (value >= limit) if parameter == "DO" else (value <= limit):
            return name
    return "worse_than_V"


def class_rank(name: str) -> int:
    """Order of classes: I = 1 … V = 5, worse than V = 6."""
    return WATER_CLASSES.index(name) + 1 if name in WATER_CLASSES else 6


def water_parameters(*, lake: bool) -> tuple[str, ...]:
    """The parameters a section's class is judged by (TN for lakes and reservoirs only)."""
    return tuple(p for p in WATER_LIMITS if lake or p != "TN")


# --- daily AQI (HJ 633-2012) ---------------------------------------------------

#: HJ 633-2012 Table 1: the IAQI levels and, per pollutant, the daily concentration limits
#: at those levels: 24-hour means, and for O3 its daily maximum 8-hour mean (``O3``, whose
#: table stops at IAQI 300) and its daily maximum 1-hour value (``O3_1h``), both of which
#: the daily AQI takes.
IAQI_LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)
IAQI_BREAKPOINTS: dict[str, tuple[float, ...]] = {
    "SO2": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "NO2": (0, 40, 80, 180, 280, 565, 750, 940),
    "PM10": (0, 50, 150, 250, 350, 420, 500, 600),
    "CO": (0, 2, 4, 14, 24, 36, 48, 60),  # mg/m³
    "O3": (0, 100, 160, 215, 265, 800),  # daily maximum 8-hour mean
    "PM2.5": (0, 35, 75, 115, 150, 250, 350, 500),
    "O3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),  # daily maximum 1-hour value
}
#: The pollutants a day needs for its AQI (``O3_1h`` counts when given).
AQI_REQUIRED = ("SO2", "NO2", "PM10", "CO", "O3", "PM2.5")
#: A day is 优 (≤ 50) or 良 (51–100): 优良 when its AQI is at most this (HJ 633-2012 Table 2).
AQI_GOOD_MAX = 100


def iaqi(parameter: str, value: float) -> int | None:
    """The individual index of a daily value (HJ 633-2012 formula (1), rounded up).

    Linear between the breakpoints that bracket ``value``; HJ 633-2012 §5 rounds every
    index up to an integer. Above the table's last breakpoint: its last level (500; 300
    for O3 above 800 μg/m³, where the standard needs the 1-hour value) as a lower bound,
    which is enough to tell that the day is not 优良. A negative value: ``None``.
    """
    limits = IAQI_BREAKPOINTS[parameter]
    if value < 0:
        return None
    for i in range(1, len(limits)):
        if value <= limits[i]:
            lo, hi = limits[i - 1], limits[i]
            level_lo, level_hi = IAQI_LEVELS[i - 1], IAQI_LEVELS[i]
            raw = (level_hi - level_lo) / (hi - lo) * (value - lo) + level_lo
            return math.ceil(round(raw, 9))  # round first: 99.99999999 from float error is 100
    return IAQI_LEVELS[len(limits) - 1]


def daily_aqi(values: dict[str, float]) -> int | None:
    """A day's AQI: the largest IAQI of its pollutants, ``None`` unless all six have one.

    ``values`` are the day's values keyed by :data:`IAQI_BREAKPOINTS`: the six of
    :data:`AQI_REQUIRED` (O3 = daily maximum 8-hour mean) are needed, the daily maximum
    1-hour O3 (``O3_1h``) is taken when given. A day missing one of the six is not a valid
    day (it is not counted at all).
    """
    indices: list[int] = []
    for parameter in IAQI_BREAKPOINTS:
        value = values.get(parameter)
        index = None if value is None else iaqi(parameter, value)
        if index is None:
            if parameter in AQI_REQUIRED:
                return None
            continue
        indices.append(index)
    return max(indices)
