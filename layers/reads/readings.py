"""A station's readings as a series: hourly values, or daily, monthly and yearly means.

Buckets are calendar periods in China Standard Time (Asia/Shanghai). An air reading's
time is the end of its hour (CNEMC), so it is bucketed by its start (``time − 1 h``):
the hour labelled 24:00 (00:00 of the next day) belongs to the day it ends. Water
readings are samples at an instant and are bucketed by their time.

Air (GB 3095-2012 Table 4): a daily mean needs at least 20 hourly values — a day with
fewer has ``value`` null and its ``n``; a month's or year's value is the mean of its valid
daily means (``n`` = valid days), as HJ 663-2013 computes them, and needs at least 27 valid
days (February 25) or 324 — a period with fewer has ``value`` null and its ``n``. Water: a
bucket's value is the mean of its samples (``n`` = samples).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.quality import (
    DAILY_MEAN_PARAMETERS,
    MIN_HOURS_PER_DAY,
    PARAMETERS,
    min_days,
    parameter_code,
)
from layers.errors import InvalidReadingsQueryError, StationNotFoundError

Interval = Literal["hour", "day", "month", "year"]
_CST = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True)
class SeriesPoint:
    """One bucket's start in CST (an hour keeps its label, the hour's end), value, count, flag.

    ``value`` is None for an invalid bucket (an air day with fewer than 20 hours).
    """

    time: datetime
    value: float | None
    n: int
    flag: str = ""


@dataclass(frozen=True)
class Series:
    """A station's series of one parameter."""

    station: str
    parameter: str
    unit: str
    interval: Interval
    points: list[SeriesPoint]


def time_shift(parameter: str) -> timedelta:
    """How far a reading's time lies after the start of the period it averages."""
    return timedelta(hours=1) if PARAMETERS[parameter].medium == "air" else timedelta(0)


def check_station(session: Session, code: str) -> None:
    """Raise :class:`StationNotFoundError` unless some monitoring station has this code."""
    found = session.execute(
        text("SELECT 1 FROM monitoring_stations WHERE code = :c LIMIT 1"), {"c": code}
    ).first()
    if found is None:
        raise StationNotFoundError(code)


def resolve_parameter(name: str) -> str:
    """The canonical parameter code, or a 400 naming ``parameter``."""
    code = parameter_code(name)
    if code is None:
        raise InvalidReadingsQueryError(
            f"Unknown parameter '{name}'; use one of {', '.join(PARAMETERS)}.", field="parameter"
        )
    return code


_HOURS = """
SELECT time AT TIME ZONE 'Asia/Shanghai' AS bucket, value, 1 AS n, flag
FROM readings WHERE station = :s AND parameter = :p AND time >= :lo AND time < :hi
ORDER BY time
"""
_AIR_DAYS = """
SELECT bucket, CASE WHEN n >= :min_hours THEN value END AS value, n, '' AS flag FROM (
    SELECT date_trunc('day', (time - :shift) AT TIME ZONE 'Asia/Shanghai') AS bucket,
           avg(value) AS value, count(*) AS n
    FROM readings WHERE station = :s AND parameter = :p AND time >= :lo AND time < :hi
    GROUP BY 1) d
ORDER BY bucket
"""
_AIR_LONGER = """
SELECT date_trunc(:unit, bucket) AS bucket,
       avg(value) FILTER (WHERE n >= :min_hours) AS value,
       count(*) FILTER (WHERE n >= :min_hours) AS n, '' AS flag FROM (
    SELECT date_trunc('day', (time - :shift) AT TIME ZONE 'Asia/Shanghai') AS bucket,
           avg(value) AS value, count(*) AS n
    FROM readings WHERE station = :s AND parameter = :p AND time >= :lo AND time < :hi
    GROUP BY 1) d
GROUP BY 1 ORDER BY 1
"""
#: The same two series from the daily values the importer keeps (``readings_daily``), for
#: the parameters kept there and bounds at CST midnight (a year is 365 rows, not 8,760).
_KEPT_DAYS = """
SELECT day::timestamp AS bucket, CASE WHEN n >= :min_hours THEN value END AS value, n,
       '' AS flag
FROM readings_daily WHERE station = :s AND parameter = :p AND day >= :lo_day AND day < :hi_day
ORDER BY day
"""
_KEPT_LONGER = """
SELECT date_trunc(:unit, day::timestamp) AS bucket,
       avg(value) FILTER (WHERE n >= :min_hours) AS value,
       count(*) FILTER (WHERE n >= :min_hours) AS n, '' AS flag
FROM readings_daily WHERE station = :s AND parameter = :p AND day >= :lo_day AND day < :hi_day
GROUP BY 1 ORDER BY 1
"""
_WATER = """
SELECT date_trunc(:unit, time AT TIME ZONE 'Asia/Shanghai') AS bucket, avg(value) AS value,
       count(*) AS n, '' AS flag
FROM readings WHERE station = :s AND parameter = :p AND time >= :lo AND time < :hi
GROUP BY 1 ORDER BY 1
"""

#: Far bounds when ``from``/``to`` are not given.
_MIN = datetime.fromisoformat("1900-01-01T00:00:00+08:00")
_MAX = datetime.fromisoformat("2200-01-01T00:00:00+08:00")


def station_series(
    session: Session,
    station: str,
    parameter: str,
    *,
    start: datetime | None,
    end: datetime | None,
    interval: Interval,
) -> Series:
    """The series of ``parameter`` at ``station`` for periods starting in [start, end) (aware)."""
    code = resolve_parameter(parameter)
    check_station(session, station)
    if start is not None and end is not None and end <= start:
        raise InvalidReadingsQueryError("'to' must be after 'from'.", field="to")
    shift = time_shift(code)
    air = PARAMETERS[code].medium == "air"
    params = {
        "s": station,
        "p": code,
        "shift": shift,
        "lo": (start or _MIN) + shift,
        "hi": (end or _MAX) + shift,
        "unit": interval,
        "min_hours": MIN_HOURS_PER_DAY,
    }
    kept = _midnight(start or _MIN) and _midnight(end or _MAX)
    if interval == "hour":
        sql = _HOURS
    elif air and code in DAILY_MEAN_PARAMETERS and kept:
        sql = _KEPT_DAYS if interval == "day" else _KEPT_LONGER
        params["lo_day"] = (start or _MIN).astimezone(_CST).date()
        params["hi_day"] = (end or _MAX).astimezone(_CST).date()
    elif air:
        sql = _AIR_DAYS if interval == "day" else _AIR_LONGER
    else:
        sql = _WATER
    rows = session.execute(text(sql), params).all()
    periods = interval if air and interval in ("month", "year") else None
    points = [
        SeriesPoint(
            time=r.bucket.replace(tzinfo=_CST),
            value=None
            if r.value is None or (periods and r.n < min_days(periods, r.bucket.month))
            else float(r.value),
            n=int(r.n),
            flag=r.flag or "",
        )
        for r in rows
    ]
    return Series(station, code, PARAMETERS[code].unit, interval, points)


def _midnight(bound: datetime) -> bool:
    """Whether an (aware) bound is 00:00 China Standard Time: a whole day's start."""
    return bound.astimezone(_CST).time() == time(0)


def parse_bound(value: str | None, field: str) -> datetime | None:
    """A ``from``/``to`` value: a date (00:00 CST) or a date-time (without zone: CST)."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidReadingsQueryError(
            f"'{value}' is not a date or date-time (e.g. 2024-01-01 or 2024-01-01T08:00+08:00).",
            field=field,
        ) from None
    bound = parsed if parsed.tzinfo else parsed.replace(tzinfo=_CST)
    if not _MIN <= bound <= _MAX:
        raise InvalidReadingsQueryError(
            f"'{value}' is outside the years 1900–2199 readings can have.", field=field
        )
    return bound
