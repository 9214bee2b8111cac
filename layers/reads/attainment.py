"""Attainment of a calendar year per station and per city, by the standards' own statistics.

Air (GB 3095-2012 Grade II, statistics of HJ 663-2013, see :mod:`gis.quality`): a
station's daily value of PM2.5, PM10, NO2, SO2 and CO is the mean of the day's hourly
values when there are at least 20 (days in CST; an hour labelled by its end belongs to the
day it ends in); O3's is the day's maximum 8-hour mean when at least 14 of the 8-hour
means ending 08:00 … 24:00 are valid (each needs 6 hours). A year needs 324 valid days
per pollutant, else the pollutant is 无效 with the reason and no number. A station
attains (达标) when all six pollutants are valid and within their limits; it is 超标 when
any valid one exceeds; otherwise 无效.

A city is the 4-digit prefix of the stations' ``admin_code``. As HJ 663-2013 evaluates a
city by the arithmetic mean of its stations, the city's daily value is the mean of its
stations' valid daily values that day (a day with no valid station is missing), and the
same statistics and validity apply to that series. (Background stations are not told
apart: the station catalogue has no 对照点 field yet.)

Surface water (GB 3838-2002): a section's annual mean of each Table 1 parameter (DO,
CODMn, COD, BOD5, NH3-N, TP; TN for lakes only; TP with the lake limits for lakes) gives
the parameter's class; the section's class is the worst of them. A section with a
``target_class`` meets it when its class is no worse. Means are compared unrounded.

A station is ``synthetic`` when its readings of the year carry the flag
:data:`gis.quality.SYNTHETIC_FLAG` — its first reading of the year in primary-key order is
looked at (one index probe; the demo flags every reading it generates) — and a city when any
of its stations is.

Stations are those of the ``monitoring_stations`` release in force on 31 December. The daily
values are read from ``readings_daily``, which the importer keeps
(:mod:`layers.ingest.readings`): a year is some 400k daily rows, not 9 M hourly ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.civil_time import start_of
from gis.quality import (
    AIR_STATISTICS,
    DAILY_MEAN_PARAMETERS,
    MIN_8H_PER_DAY,
    MIN_HOURS_PER_DAY,
    O3_DAILY_MAX_8H,
    PARAMETERS,
    SYNTHETIC_FLAG,
    WATER_CLASS_LABELS,
    AirResult,
    class_rank,
    evaluate_air,
    water_class,
    water_parameters,
)
from layers.errors import InvalidReadingsQueryError
from layers.store.releases import release_as_of

#: The valid daily values of a year (``readings_daily``, kept by the importer): a day of a
#: daily-mean parameter with enough hours, a day of O3 with enough 8-hour means. One
#: primary-key range scan per (station, parameter), its days already in order: no sort of
#: the year's ~450k daily rows (which spilled to disk at the default ``work_mem``).
_DAILY_VALUES = """
SELECT c.code, p.param, d.days, d.vals
FROM unnest(CAST(:codes AS text[])) AS c(code)
CROSS JOIN unnest(CAST(:params AS text[])) AS p(param)
CROSS JOIN LATERAL (
    SELECT array_agg(day - DATE '1970-01-01' ORDER BY day) AS days,
           array_agg(value ORDER BY day) AS vals
    FROM readings_daily r
    WHERE r.station = c.code AND r.parameter = p.param AND r.day >= :lo AND r.day < :hi
      AND r.n >= CASE WHEN p.param = :o3 THEN :min_8h ELSE :min_hours END) AS d
WHERE d.days IS NOT NULL
"""
_WATER_MEANS = """
SELECT station, parameter, avg(value) AS mean, count(*) AS n
FROM readings
WHERE station = ANY(:codes) AND parameter = ANY(:params) AND time >= :lo AND time < :hi
GROUP BY 1, 2
"""

#: The stations whose readings of the year are synthetic: one index probe per station.
_SYNTHETIC = """
SELECT s.code FROM unnest(CAST(:codes AS text[])) AS s(code)
WHERE (SELECT r.flag FROM readings r
       WHERE r.station = s.code AND r.time >= :lo AND r.time < :hi
       ORDER BY r.parameter, r.time LIMIT 1) = :flag
"""


def check_admin(admin: str | None) -> str | None:
    """An adcode prefix (2 to 6 digits), or a 400 naming ``admin``."""
    if admin is None or admin == "":
        return None
    if not (admin.isascii() and admin.isdigit()) or not 2 <= len(admin) <= 6:
        raise InvalidReadingsQueryError(
            f"'{admin}' is not an adcode or adcode prefix (2 to 6 digits, e.g. 3202).",
            field="admin",
        )
    return admin


def _stations(session: Session, year: int, admin: str | None) -> list[dict[str, Any]]:
    release = release_as_of(session, "monitoring_stations", date(year, 12, 31))
    if release is None:
        return []
    rows = session.execute(
        text(
            "SELECT code, name, medium, admin_code, target_class, water_type "
            "FROM monitoring_stations WHERE release_id = :r "
            "AND medium IN ('air', 'surface_water') AND code IS NOT NULL "
            "AND (CAST(:admin AS text) IS NULL OR admin_code LIKE :admin || '%') ORDER BY code"
        ),
        {"r": release.id, "admin": admin},
    ).mappings()
    return [dict(r) for r in rows]


_Daily = dict[tuple[str, str], tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]


def _air_daily(session: Session, codes: list[str], year: int) -> _Daily:
    """Valid daily values per (station, parameter) of the year: (CST day numbers, values)."""
    daily: _Daily = {}
    for station, parameter, days, vals in session.execute(
        text(_DAILY_VALUES),
        {
            "codes": codes,
            "params": [*DAILY_MEAN_PARAMETERS, O3_DAILY_MAX_8H],
            "lo": date(year, 1, 1),
            "hi": date(year + 1, 1, 1),
            "o3": O3_DAILY_MAX_8H,
            "min_8h": MIN_8H_PER_DAY,
            "min_hours": MIN_HOURS_PER_DAY,
        },
    ):
        key = "O3" if parameter == O3_DAILY_MAX_8H else parameter
        daily[(station, key)] = (np.asarray(days, dtype=np.int64), np.asarray(vals, dtype=float))
    return daily


def _air_verdict(results: list[AirResult]) -> dict[str, Any]:
    exceeded = [r.parameter for r in results if r.attained is False]
    invalid = [r for r in results if r.attained is None]
    if exceeded:
        status, reasons = "超标", [f"{p} 超标" for p in exceeded]
    elif invalid:
        status, reasons = "无效", [f"{r.parameter}：{r.reason}" for r in invalid]
    else:
        status, reasons = "达标", []
    return {
        "status": status,
        "reasons": reasons,
        "pollutants": [
            {
                **asdict(r),
                "unit": PARAMETERS[r.parameter].unit,
                "status": r.status,
            }
            for r in results
        ],
    }


def _water(
    session: Session, stations: list[dict[str, Any]], year: int
) -> dict[str, dict[str, Any]]:
    codes = [s["code"] for s in stations]
    means: dict[str, dict[str, tuple[float, int]]] = defaultdict(dict)
    for station, parameter, mean, n in session.execute(
        text(_WATER_MEANS),
        {
            "codes": codes,
            "params": list(water_parameters(lake=True)),
            "lo": start_of(date(year, 1, 1)),
            "hi": start_of(date(year + 1, 1, 1)),
        },
    ):
        means[station][parameter] = (float(mean), int(n))
    out: dict[str, dict[str, Any]] = {}
    for s in stations:
        lake = s["water_type"] == "lake"
        judged = [
            {"parameter": p, "mean": m, "n": n, "class": water_class(p, m, lake=lake)}
            for p in water_parameters(lake=lake)
            if (found := means[s["code"]].get(p)) is not None
            for m, n in [found]
        ]
        if not judged:
            out[s["code"]] = {
                "status": "无效",
                "reasons": [f"{year} 年无 GB 3838-2002 表1 项目的监测数据"],
                "class": None,
                "class_label": None,
                "target_met": None,
                "parameters": [],
            }
            continue
        worst = max(judged, key=lambda j: class_rank(str(j["class"])))["class"]
        target = s["target_class"]
        met = None if target is None else class_rank(str(worst)) <= class_rank(target)
        out[s["code"]] = {
            "status": "无目标" if met is None else ("达标" if met else "未达标"),
            "reasons": [
                f"{j['parameter']} 为 {WATER_CLASS_LABELS[str(j['class'])]}"
                for j in judged
                if j["class"] == worst
            ],
            "class": worst,
            "class_label": WATER_CLASS_LABELS[str(worst)],
            "target_met": met,
            "parameters": judged,
        }
    return out


def _synthetic(session: Session, codes: list[str], year: int) -> set[str]:
    """The stations among ``codes`` whose readings of ``year`` are flagged synthetic."""
    if not codes:
        return set()
    found = session.execute(
        text(_SYNTHETIC),
        {
            "codes": codes,
            "lo": start_of(date(year, 1, 1)),
            "hi": start_of(date(year + 1, 1, 1)),
            "flag": SYNTHETIC_FLAG,
        },
    ).scalars()
    return set(found)


def _mean_by_day(daily: _Daily, codes: list[str], parameter: str) -> dict[int, float]:
    """Per CST day number, the mean of the stations' valid daily values (days with one)."""
    found = [daily[(c, parameter)] for c in codes if (c, parameter) in daily]
    if not found:
        return {}
    days = np.concatenate([d for d, _ in found])
    values = np.concatenate([v for _, v in found])
    uniq, inverse = np.unique(days, return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=len(uniq))
    counts = np.bincount(inverse, minlength=len(uniq))
    return dict(zip(uniq.tolist(), (sums / counts).tolist(), strict=True))


def _city_daily(daily: _Daily, codes: list[str], parameter: str) -> list[float]:
    """The city's daily values: per day, the mean of its stations' valid daily values."""
    return list(_mean_by_day(daily, codes, parameter).values())


def area_daily_air(
    session: Session, year: int, admin: str | None
) -> tuple[int, dict[str, dict[int, float]]]:
    """An area's valid daily air values of ``year``, as HJ 663-2013 makes a city's.

    The area is the stations whose ``admin_code`` starts with ``admin`` (the release in
    force on 31 December); its value of a day is the mean of its stations' valid daily
    values that day. Returns the number of air stations and, per pollutant of
    :data:`~gis.quality.AIR_STATISTICS` (``O3`` = daily maximum 8-hour mean) and
    :data:`O3_MAX_1H` (daily maximum 1-hour O3), CST day number (days since 1970-01-01)
    → value.
    """
    codes = [
        s["code"] for s in _stations(session, year, check_admin(admin)) if s["medium"] == "air"
    ]
    daily = _air_daily(session, codes, year) if codes else {}
    if codes:
        daily |= _o3_daily_max_1h(session, codes, year)
    return len(codes), {p: _mean_by_day(daily, codes, p) for p in (*AIR_STATISTICS, O3_MAX_1H)}


#: The key of O3's daily maximum 1-hour value in :func:`area_daily_air` (HJ 633-2012's
#: daily AQI takes it beside the maximum 8-hour mean).
O3_MAX_1H = "O3_1h"
#: O3's daily maximum hourly value per station and CST day number, for days with at least
#: 20 hours. An hour labelled by its end belongs to the day it ends in: epoch − 3600 +
#: 28800 is its start in CST (as ``readings_daily`` buckets them, migration 0018).
_O3_MAX_1H = """
SELECT station, array_agg(d ORDER BY d), array_agg(m ORDER BY d) FROM (
  SELECT station, (extract(epoch FROM time)::bigint + 25200) / 86400 AS d,
         max(value) AS m, count(*) AS n
  FROM readings
  WHERE station = ANY(:codes) AND parameter = 'O3' AND time > :lo AND time <= :hi
  GROUP BY 1, 2) days
WHERE n >= :min_hours
GROUP BY 1
"""


def _o3_daily_max_1h(session: Session, codes: list[str], year: int) -> _Daily:
    """O3's daily maximum 1-hour values of ``year`` per station (days with ≥ 20 hours)."""
    out: _Daily = {}
    for station, days, values in session.execute(
        text(_O3_MAX_1H),
        {
            "codes": codes,
            "lo": start_of(date(year, 1, 1)),
            "hi": start_of(date(year + 1, 1, 1)),
            "min_hours": MIN_HOURS_PER_DAY,
        },
    ):
        out[(station, O3_MAX_1H)] = (
            np.asarray(days, dtype=np.int64),
            np.asarray(values, dtype=float),
        )
    return out


def attainment(session: Session, year: int, admin: str | None = None) -> dict[str, Any]:
    """Attainment of ``year`` for the stations (and cities) whose adcode starts with ``admin``."""
    admin = check_admin(admin)
    stations = _stations(session, year, admin)
    air = [s for s in stations if s["medium"] == "air"]
    water = [s for s in stations if s["medium"] == "surface_water"]
    daily = _air_daily(session, [s["code"] for s in air], year) if air else {}
    water_results = _water(session, water, year) if water else {}
    synthetic = _synthetic(session, [s["code"] for s in stations], year)
    out_stations: list[dict[str, Any]] = []
    for s in stations:
        city = (s["admin_code"] or "")[:4] or None
        base = {
            "code": s["code"],
            "name": s["name"],
            "medium": s["medium"],
            "admin_code": s["admin_code"],
            "city": city,
            "synthetic": s["code"] in synthetic,
        }
        if s["medium"] == "air":
            results = [
                evaluate_air(
                    p, daily[(s["code"], p)][1].tolist() if (s["code"], p) in daily else []
                )
                for p in AIR_STATISTICS
            ]
            out_stations.append({**base, **_air_verdict(results)})
        else:
            out_stations.append(
                {
                    **base,
                    "target_class": s["target_class"],
                    "water_type": s["water_type"],
                    **water_results[s["code"]],
                }
            )
    cities: dict[str, dict[str, Any]] = {}
    for city in sorted({s["city"] for s in out_stations if s["city"]}):
        air_codes = [s["code"] for s in air if (s["admin_code"] or "")[:4] == city]
        sections = [s for s in out_stations if s["city"] == city and s["medium"] == "surface_water"]
        entry: dict[str, Any] = {
            "city": city,
            "synthetic": any(s["synthetic"] for s in out_stations if s["city"] == city),
        }
        if air_codes:
            results = [evaluate_air(p, _city_daily(daily, air_codes, p)) for p in AIR_STATISTICS]
            with_data = [c for c in air_codes if any((c, p) in daily for p in AIR_STATISTICS)]
            entry["air"] = {
                "stations": len(air_codes),
                # the stations whose readings make the city's values (HJ 663-2013: the
                # mean of the stations with valid data); a reviewer must see when few do
                "stations_with_data": len(with_data),
                **_air_verdict(results),
            }
        if sections:
            classed = [s for s in sections if s["class"] is not None]
            targeted = [s for s in sections if s["target_met"] is not None]
            entry["water"] = {
                "sections": len(sections),
                "classified": len(classed),
                "class_iii_or_better": sum(class_rank(s["class"]) <= 3 for s in classed),
                "worse_than_v": sum(s["class"] == "worse_than_V" for s in classed),
                "with_target": len(targeted),
                "target_met": sum(bool(s["target_met"]) for s in targeted),
            }
        cities[city] = entry
    return {
        "year": year,
        "admin": admin,
        "standards": {
            "air": "GB 3095-2012 二级，HJ 663-2013 统计方法，GB/T 8170 修约",
            "water": "GB 3838-2002 表1，单因子评价（总氮仅湖库）",
        },
        "stations": out_stations,
        "cities": list(cities.values()),
    }
