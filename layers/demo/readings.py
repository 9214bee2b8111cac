"""Synthetic readings for the demo's stations (labelled synthetic in the data itself).

Nothing here is measured: every reading carries the flag :data:`FLAG` (``synthetic``), and
``ecozone demo load`` (:func:`load_readings`) writes them for the **last complete year**
before today — the year a screening run today judges (``quality_year`` of
:mod:`layers.screening.attainment`, the one home of that rule; the demo may not import the
screening package, so :func:`demo_year` repeats ``today.year - 1``).

**Air** — hourly PM2.5, PM10, SO2, NO2, O3 (μg/m³) and CO (mg/m³) at one station per demo
city: its first active 国控 air station by code (the 城区空气站 of an urban district), else
its first active air station. Hours are labelled by their end in China Standard Time
(CNEMC's convention). Each series is a seasonal cycle (PM, NO2, SO2, CO highest in January,
O3 in early summer in Jiangsu and late summer in Jiangxi) times a diurnal profile (traffic
peaks for NO2 and CO, the afternoon peak of O3) times log-normal day-to-day noise (AR(1),
shared in part between the pollutants that the same weather accumulates) and hourly noise,
with about 1 % of the hours lost to outages of 1–10 hours. The series is then scaled so that
its GB 3095 / HJ 663 statistic equals the city's figure below, so each outcome is deliberate.
The levels follow the plans' baselines (jiangsu.md §C: PM2.5 38 μg/m³ in 2020 towards 33,
five cities attaining PM2.5 in 2020; jiangxi.md: 30 μg/m³, all cities to attain by 2025):

========  ======  =====  ====  ===  ===  ======  =====  =========================
city      adcode  PM2.5  PM10  NO2  SO2  CO p95  O3p90  outcome (GB 3095 二级)
========  ======  =====  ====  ===  ===  ======  =====  =========================
南京      3201    29     52    30   6    1.0     168    超标: O3
无锡      3202    30     55    31   7    1.1     157    达标
徐州      3203    41     76    32   10   1.3     171    超标: PM2.5, PM10, O3
常州      3204    33     58    30   8    1.1     158    达标
苏州      3205    29     50    32   6    1.0     158    达标
南通      3206    27     47    24   7    0.9     152    达标
连云港    3207    31     57    24   9    1.1     154    达标
淮安      3208    33     62    23   8    1.0     156    达标
盐城      3209    26     46    18   6    0.9     148    达标
扬州      3210    32     60    27   7    1.0     166    超标: O3
镇江      3211    37     63    30   8    1.1     165    超标: PM2.5, O3
泰州      3212    32     57    25   7    1.0     159    达标
宿迁      3213    38     68    25   8    1.1     157    超标: PM2.5
南昌      3601    31     55    30   8    1.1     152    达标
景德镇    3602    27     48    19   9    1.0     142    达标
萍乡      3603    37     62    24   15   1.4     145    超标: PM2.5
九江      3604    33     58    26   9    1.2     164    超标: O3
新余      3605    34     58    24   14   1.3     148    达标
鹰潭      3606    30     50    21   10   1.1     144    达标
赣州      3607    28     46    20   10   1.1     140    达标
吉安      3608    30     50    20   9    1.2     138    达标
宜春      3609    34     56    21   12   1.2     146    达标
抚州      3610    29     47    18   8    1.0     139    达标
上饶      3611    28     50    20   8    1.0     143    达标
========  ======  =====  ====  ===  ===  ======  =====  =========================

(PM2.5, PM10, NO2, SO2: annual means in μg/m³; CO: 95th percentile of daily means in mg/m³;
O3: 90th percentile of daily maximum 8-hour means in μg/m³.) A city not in the table gets
the attaining levels of :data:`DEFAULT_AIR`.

**Surface water** — a sample on the 10th of each month (10:00) at every active section:
DO, CODMn, NH3-N and TP, and TN at lake points (GB 3838 judges TN in lakes only). Each
parameter's annual mean sits inside the section's ``target_class`` (Ⅲ when it has none)
with a monthly cycle (DO and NH3-N higher in winter, TP and TN higher in summer), so the
section meets its target — except, on purpose, the lake points of 宿迁 (3213, 洪泽湖) and
九江 (3604, 鄱阳湖), whose TP misses the target, and the first river section of 徐州
(3203), whose NH3-N misses it: those three cities miss a section target (R-EIAREG-11-WATER).

The values depend only on the seed, the station's code and the year.
"""

from __future__ import annotations

import logging
import math
import tempfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.civil_time import today
from gis.quality import (
    LAKE_TP_LIMITS,
    MIN_8H_PER_DAY,
    MIN_HOURS_PER_DAY,
    SYNTHETIC_FLAG,
    WATER_CLASSES,
    WATER_LIMITS,
    daily_max_8h,
    percentile_hj663,
)
from layers.ingest.readings import Layout, import_readings
from layers.store.releases import get_release

logger = logging.getLogger(__name__)

#: The ``flag`` of every generated reading: the data says itself that it is synthetic.
FLAG = SYNTHETIC_FLAG

Rng = np.random.Generator
FloatArray = np.ndarray[Any, np.dtype[np.float64]]

#: The air pollutants, in the order of :class:`AirLevels`, with the unit of the file.
AIR_PARAMETERS = ("PM2.5", "PM10", "NO2", "SO2", "CO", "O3")


@dataclass(frozen=True)
class AirLevels:
    """A city's year by the statistics of GB 3095 / HJ 663 (what the generator aims at)."""

    pm25: float
    pm10: float
    no2: float
    so2: float
    co: float
    o3: float

    def target(self, parameter: str) -> float:
        """The statistic of ``parameter`` (annual mean; CO p95 daily; O3 p90 daily max 8 h)."""
        return dict(zip(AIR_PARAMETERS, self.as_tuple(), strict=True))[parameter]

    def as_tuple(self) -> tuple[float, ...]:
        """(PM2.5, PM10, NO2, SO2, CO, O3)."""
        return (self.pm25, self.pm10, self.no2, self.so2, self.co, self.o3)


#: The cities' years (see the table of the module docstring).
AIR_CITIES: dict[str, tuple[str, AirLevels]] = {
    "3201": ("南京", AirLevels(29, 52, 30, 6, 1.0, 168)),
    "3202": ("无锡", AirLevels(30, 55, 31, 7, 1.1, 157)),
    "3203": ("徐州", AirLevels(41, 76, 32, 10, 1.3, 171)),
    "3204": ("常州", AirLevels(33, 58, 30, 8, 1.1, 158)),
    "3205": ("苏州", AirLevels(29, 50, 32, 6, 1.0, 158)),
    "3206": ("南通", AirLevels(27, 47, 24, 7, 0.9, 152)),
    "3207": ("连云港", AirLevels(31, 57, 24, 9, 1.1, 154)),
    "3208": ("淮安", AirLevels(33, 62, 23, 8, 1.0, 156)),
    "3209": ("盐城", AirLevels(26, 46, 18, 6, 0.9, 148)),
    "3210": ("扬州", AirLevels(32, 60, 27, 7, 1.0, 166)),
    "3211": ("镇江", AirLevels(37, 63, 30, 8, 1.1, 165)),
    "3212": ("泰州", AirLevels(32, 57, 25, 7, 1.0, 159)),
    "3213": ("宿迁", AirLevels(38, 68, 25, 8, 1.1, 157)),
    "3601": ("南昌", AirLevels(31, 55, 30, 8, 1.1, 152)),
    "3602": ("景德镇", AirLevels(27, 48, 19, 9, 1.0, 142)),
    "3603": ("萍乡", AirLevels(37, 62, 24, 15, 1.4, 145)),
    "3604": ("九江", AirLevels(33, 58, 26, 9, 1.2, 164)),
    "3605": ("新余", AirLevels(34, 58, 24, 14, 1.3, 148)),
    "3606": ("鹰潭", AirLevels(30, 50, 21, 10, 1.1, 144)),
    "3607": ("赣州", AirLevels(28, 46, 20, 10, 1.1, 140)),
    "3608": ("吉安", AirLevels(30, 50, 20, 9, 1.2, 138)),
    "3609": ("宜春", AirLevels(34, 56, 21, 12, 1.2, 146)),
    "3610": ("抚州", AirLevels(29, 47, 18, 8, 1.0, 139)),
    "3611": ("上饶", AirLevels(28, 50, 20, 8, 1.0, 143)),
}
#: The levels of a city not in :data:`AIR_CITIES` (attaining).
DEFAULT_AIR = AirLevels(30, 52, 24, 8, 1.1, 150)

#: Cities whose lake points miss their target on TP, and whose first river section (by code)
#: misses it on NH3-N (see the module docstring).
LAKES_MISSING_TP = frozenset({"3213", "3604"})
RIVER_MISSING_NH3N = frozenset({"3203"})


@dataclass(frozen=True)
class _Shape:
    """How a pollutant varies: seasonal log-amplitude and peak day, diurnal profile, noise."""

    seasonal: float
    peak_day: int
    diurnal: tuple[tuple[float, float, int], ...]  # (amplitude, harmonic, peak hour end)
    day_sigma: float
    common: float  # correlation of the day-to-day noise with the shared weather factor
    hour_sigma: float


_SHAPES: dict[str, _Shape] = {
    "PM2.5": _Shape(0.42, 15, ((0.12, 1, 22), (0.08, 2, 9)), 0.45, 0.8, 0.12),
    "PM10": _Shape(0.32, 25, ((0.12, 1, 21), (0.10, 2, 9)), 0.40, 0.8, 0.14),
    "NO2": _Shape(0.28, 10, ((0.10, 1, 21), (0.25, 2, 8)), 0.30, 0.6, 0.15),
    "SO2": _Shape(0.25, 5, ((0.20, 1, 11),), 0.30, 0.4, 0.18),
    "CO": _Shape(0.25, 10, ((0.10, 1, 22), (0.12, 2, 9)), 0.25, 0.7, 0.10),
    "O3": _Shape(0.45, 165, ((0.80, 1, 15),), 0.25, -0.3, 0.10),
}
#: O3 peaks later in Jiangxi (late summer) than in Jiangsu (early summer).
_O3_PEAK_DAY = {"32": 165, "36": 235}
_AR_PHI = 0.6


def demo_year(on: date | None = None) -> int:
    """The year the demo's readings cover: the last complete year before ``on`` (today).

    The rule's one home is ``layers.screening.attainment.quality_year``; the demo sits
    beside the screening package (import-linter) and cannot import it.
    """
    return (on or today()).year - 1


def _rng(seed: int, name: str) -> Rng:
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def _ar1(rng: Rng, n: int, sigma: float) -> FloatArray:
    """A stationary AR(1) series of standard deviation ``sigma``."""
    eps = rng.normal(0.0, sigma * math.sqrt(1 - _AR_PHI**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sigma)
    for i in range(1, n):
        out[i] = _AR_PHI * out[i - 1] + eps[i]
    return out


def _statistic(parameter: str, grid: FloatArray) -> float:
    """The GB 3095 / HJ 663 statistic of a days × 24 grid (NaN = missing), unrounded."""
    if parameter == "O3":
        best, counts = daily_max_8h(grid)
        return percentile_hj663(best[counts >= MIN_8H_PER_DAY].tolist(), 90)
    present = (~np.isnan(grid)).sum(axis=1)
    daily = np.nanmean(np.where(present[:, None] > 0, grid, 0.0), axis=1)[
        present >= MIN_HOURS_PER_DAY
    ]
    if parameter == "CO":
        return percentile_hj663(daily.tolist(), 95)
    return float(daily.mean())


def air_year(station: str, city: str, year: int, seed: int) -> dict[str, FloatArray]:
    """Hourly values (days × 24, NaN during outages) of every pollutant for one station.

    Column 0 is the hour ending 01:00 CST, column 23 the hour ending 24:00.
    """
    rng = _rng(seed, f"readings/air/{station}/{year}")
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    doy = np.arange(days, dtype=float)
    hour_end = np.arange(1, 25, dtype=float)
    weather = _ar1(rng, days, 1.0)
    outage = np.zeros(days * 24, dtype=bool)
    for _ in range(int(rng.poisson(12))):
        start = int(rng.integers(0, days * 24))
        outage[start : start + int(rng.integers(1, 11))] = True
    levels = AIR_CITIES.get(city, ("", DEFAULT_AIR))[1]
    out: dict[str, FloatArray] = {}
    for parameter in AIR_PARAMETERS:
        shape = _SHAPES[parameter]
        peak = _O3_PEAK_DAY.get(city[:2], shape.peak_day) if parameter == "O3" else shape.peak_day
        seasonal = shape.seasonal * np.cos(2 * math.pi * (doy - peak) / 365.25)
        own = _ar1(rng, days, 1.0)
        c = shape.common
        noise = shape.day_sigma * (c * weather + math.sqrt(1 - c**2) * own)
        diurnal = sum(
            (a * np.cos(2 * math.pi * k * (hour_end - h) / 24) for a, k, h in shape.diurnal),
            np.zeros(24),
        )
        log_grid = (seasonal + noise)[:, None] + diurnal[None, :]
        log_grid = log_grid + rng.normal(0.0, shape.hour_sigma, (days, 24))
        grid = np.exp(log_grid)
        grid.reshape(-1)[outage] = np.nan
        out[parameter] = grid * (levels.target(parameter) / _statistic(parameter, grid))
    return out


def _limit(parameter: str, target: str, *, lake: bool) -> float:
    limits = LAKE_TP_LIMITS if lake and parameter == "TP" else WATER_LIMITS[parameter]
    return float(limits[WATER_CLASSES.index(target)])


#: Monthly cycle of the water parameters: (log-amplitude, peak month).
_WATER_CYCLE = {"DO": (0.12, 1), "CODMn": (0.10, 7), "NH3-N": (0.30, 2), "TP": (0.20, 7)}
_WATER_CYCLE_LAKE_TN = (0.15, 7)


def water_year(
    station: str, target: str | None, *, lake: bool, miss: str | None, year: int, seed: int
) -> dict[str, FloatArray]:
    """Twelve monthly values per parameter; the annual means meet ``target`` unless ``miss``.

    ``miss`` names the parameter whose annual mean misses the target class (by 15–35 %).
    """
    rng = _rng(seed, f"readings/water/{station}/{year}")
    target = target if target in WATER_CLASSES else "III"
    params = ("DO", "CODMn", "NH3-N", "TP", *(("TN",) if lake else ()))
    month = np.arange(1, 13, dtype=float)
    out: dict[str, FloatArray] = {}
    for parameter in params:
        amplitude, peak = _WATER_CYCLE_LAKE_TN if parameter == "TN" else _WATER_CYCLE[parameter]
        pattern = np.exp(
            amplitude * np.cos(2 * math.pi * (month - peak) / 12) + rng.normal(0, 0.15, 12)
        )
        limit = _limit(parameter, target, lake=lake)
        if parameter == "DO":
            mean = limit + (-rng.uniform(0.6, 1.0) if miss == "DO" else rng.uniform(1.2, 2.5))
        elif parameter == miss:
            mean = limit * rng.uniform(1.15, 1.35)
        else:
            mean = limit * rng.uniform(0.45, 0.8)
        out[parameter] = pattern * (mean / pattern.mean())
    return out


@dataclass(frozen=True)
class Station:
    """What the generator needs of a monitoring station."""

    code: str
    medium: str
    level: str | None
    admin_code: str
    target_class: str | None = None
    water_type: str | None = None


def air_stations(stations: Iterable[Station]) -> list[Station]:
    """One air station per city: its first 国控 station by code, else its first one."""
    by_city: dict[str, list[Station]] = {}
    for s in sorted(stations, key=lambda s: s.code):
        if s.medium == "air" and len(s.admin_code) >= 4:
            by_city.setdefault(s.admin_code[:4], []).append(s)
    return [
        next((s for s in found if s.level == "国控"), found[0])
        for _city, found in sorted(by_city.items())
    ]


def _hour_labels(year: int) -> list[str]:
    """The end of every hour of ``year`` in CST, as CNEMC writes it (``… 24:00``)."""
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    first = datetime(year, 1, 1)
    out = []
    for d in range(days):
        day = (first + timedelta(days=d)).strftime("%Y-%m-%d")
        out += [f"{day} {h:02d}:00" for h in range(1, 25)]
    return out


def air_frame(stations: Iterable[Station], year: int, seed: int) -> pd.DataFrame:
    """The air readings as CNEMC's wide layout: 站点编码, 时间, one column per pollutant, 标记."""
    labels = np.asarray(_hour_labels(year), dtype=object)
    frames = []
    for s in air_stations(stations):
        grids = air_year(s.code, s.admin_code[:4], year, seed)
        present = ~np.isnan(grids["PM2.5"].reshape(-1))
        columns: dict[str, Any] = {"站点编码": s.code, "时间": labels[present]}
        for parameter in AIR_PARAMETERS:
            values = grids[parameter].reshape(-1)[present]
            name = "CO(mg/m³)" if parameter == "CO" else f"{parameter}(μg/m³)"
            columns[name] = np.round(values, 2) if parameter == "CO" else np.round(values)
        columns["标记"] = FLAG
        frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def water_frame(stations: Iterable[Station], year: int, seed: int) -> pd.DataFrame:
    """The surface-water samples in the long layout (站点编码, 时间, 参数, 值, 单位, 标记)."""
    sections = sorted((s for s in stations if s.medium == "surface_water"), key=lambda s: s.code)
    first_river: dict[str, str] = {}
    for s in sections:
        if s.water_type != "lake":
            first_river.setdefault(s.admin_code[:4], s.code)
    rows: list[tuple[str, str, str, float, str, str]] = []
    times = [f"{year}-{m:02d}-10 10:00" for m in range(1, 13)]
    for s in sections:
        city, lake = s.admin_code[:4], s.water_type == "lake"
        miss = None
        if lake and city in LAKES_MISSING_TP:
            miss = "TP"
        elif not lake and city in RIVER_MISSING_NH3N and first_river.get(city) == s.code:
            miss = "NH3-N"
        for parameter, values in water_year(
            s.code, s.target_class, lake=lake, miss=miss, year=year, seed=seed
        ).items():
            digits = 3 if parameter == "TP" else 2
            rows += [
                (s.code, t, parameter, round(float(v), digits), "mg/L", FLAG)
                for t, v in zip(times, values, strict=True)
            ]
    return pd.DataFrame(rows, columns=["站点编码", "时间", "参数", "值", "单位", "标记"])


def _stations(session: Session, release: str) -> list[Station]:
    rel = get_release(session, "monitoring_stations", release)
    rows = session.execute(
        text(
            "SELECT code, medium, level, admin_code, target_class, water_type "
            "FROM monitoring_stations WHERE release_id = :r AND code IS NOT NULL "
            "AND admin_code IS NOT NULL AND medium IN ('air', 'surface_water') "
            "AND coalesce(status, 'active') = 'active'"
        ),
        {"r": rel.id},
    ).all()
    return [Station(*row) for row in rows]


def load_readings(
    session: Session,
    release: str,
    seed: int,
    *,
    year: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Import the synthetic readings of ``year`` (default :func:`demo_year`) unless some exist.

    Goes through :func:`layers.ingest.readings.import_readings` (CSV files in a temporary
    folder): the same checks, the daily values kept, all in the caller's transaction.
    Returns the readings written (0 when the year's synthetic readings are there already).
    """
    year = demo_year() if year is None else year
    loaded = session.execute(
        text(
            "SELECT 1 FROM readings WHERE flag = :flag AND time > make_timestamptz(:y, 1, 1, 0, 0, 0, "
            "'Asia/Shanghai') AND time <= make_timestamptz(:y + 1, 1, 1, 0, 0, 0, 'Asia/Shanghai') "
            "LIMIT 1"
        ),
        {"flag": FLAG, "y": year},
    ).first()
    if loaded:
        return 0
    stations = _stations(session, release)
    written = 0
    with tempfile.TemporaryDirectory(prefix="ecozone-demo-readings-") as folder:
        files: tuple[tuple[str, Layout, pd.DataFrame], ...] = (
            ("air.csv", "wide", air_frame(stations, year, seed)),
            ("water.csv", "long", water_frame(stations, year, seed)),
        )
        for name, layout, frame in files:
            if frame.empty:
                continue
            path = Path(folder) / name
            frame.to_csv(path, index=False)
            report = import_readings(session, path, layout)
            written += report.rows
            if progress:
                kind = "hourly air" if layout == "wide" else "monthly surface-water"
                stations_n = frame["站点编码"].nunique()
                progress(
                    f"readings ← {report.rows} synthetic {kind} readings of {year} "
                    f"at {stations_n} stations"
                )
    return written
