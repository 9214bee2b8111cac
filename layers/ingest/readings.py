"""Import station readings from CSV/xlsx, long or wide layout, in one transaction.

- **long**: one reading per row — station, time, parameter, value, unit (and an
  optional flag); Chinese headers are understood (站点编码, 时间, 参数, 值, 单位, 标记 …).
- **wide**: CNEMC's national release style — a station column (站点/监测点编码), a time
  column (时间) and one column per pollutant (PM2.5, PM10, SO2, NO2, O3, CO; a unit may
  follow in brackets, ``CO(mg/m³)``); CNEMC's derived columns (AQI, ``*_24h``, ``*_8h``)
  are skipped. An empty cell is a missing value, not an error.

Times without a zone are China Standard Time (+08:00); a time is the end of its hour
as CNEMC labels it (``24:00`` is understood). Parameters and units are normalised to
:data:`gis.quality.PARAMETERS` (μg/m³, CO in mg/m³, water in mg/L; ppm/ppb refused).

Every bad row is reported with its row number in the file (the header is row 1):
unparsable time or value, unknown parameter or unit, a value outside the physical
range, an unknown station (a code of no ``monitoring_stations`` feature), and a
duplicated (station, parameter, time) — in the file or already stored. Any bad row
refuses the whole file: nothing is written. The columns become categorical codes checked
with numpy (each distinct text — a station, a time, a unit — is parsed once); duplicates
in the file are found next to each other once the rows are in primary-key order. A year
without a partition gets a new table filled by a binary ``COPY`` built by numpy, then its
primary key, then is attached (:func:`_new_year`); rows of a year already stored go by
``COPY`` into a temporary table and ``INSERT … SELECT`` through ``readings``, where a
reading already stored is found by the primary key (:func:`_insert_year`). The daily
values (``readings_daily``) of the days touched are computed from the rows in hand
(:func:`_write_daily`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.civil_time import LOCAL_ZONE
from gis.quality import (
    DAILY_MEAN_PARAMETERS,
    O3_DAILY_MAX_8H,
    PARAMETERS,
    daily_max_8h,
    is_derived_column,
    parameter_code,
    unit_factor,
)
from layers.errors import ImportFileError, ReadingsRejectedError
from layers.ingest.files import ReadingsLayout

Layout = ReadingsLayout
#: Called as progress(stage, done, total).
Progress = Callable[[str, int, int], None]

#: The zone of times written without one: China Standard Time.

_ALIASES: dict[str, tuple[str, ...]] = {
    "station": ("站点编码", "监测点编码", "断面编码", "站点", "监测点", "站号", "station", "code"),
    "time": ("时间", "监测时间", "日期时间", "time", "datetime"),
    "parameter": ("参数", "指标", "监测项目", "污染物", "项目", "parameter"),
    "value": ("值", "数值", "浓度", "监测值", "value"),
    "unit": ("单位", "unit"),
    "flag": ("标记", "标识", "数据标记", "flag"),
}
_MISSING = {"", "-", "—", "--", "NA", "NAN", "NULL", "NONE"}
_HOUR_24 = re.compile(r"^(.*?\d)[ T]24(:00){1,2}$")
_HEADER_UNIT = re.compile(r"^(.*?)\s*[(（\[](.*?)[)）\]]\s*$")

#: Bad rows kept in the error (the count says how many there were).
MAX_REPORTED = 200
_CHUNK = 200_000


@dataclass
class ReadingsReport:
    """What an import did: rows loaded, missing cells skipped, years touched."""

    rows: int = 0
    skipped_missing: int = 0
    years: list[int] = field(default_factory=list)
    skipped_columns: list[str] = field(default_factory=list)


@dataclass
class _Bad:
    """Bad rows: all counted, the first :data:`MAX_REPORTED` (by row) kept with reasons."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, rows: np.ndarray, field_name: str, reasons: list[str]) -> None:
        self.count += len(rows)
        self.rows += [
            {"row": int(r), "field": field_name, "reason": why}
            for r, why in zip(rows[:MAX_REPORTED], reasons[:MAX_REPORTED], strict=False)
        ]

    def report(self) -> list[dict[str, Any]]:
        return sorted(self.rows, key=lambda r: r["row"])[:MAX_REPORTED]


def _roles(columns: list[str], layout: Layout) -> dict[str, str | None]:
    def find(role: str, required: bool) -> str | None:
        wanted = {a.lower() for a in _ALIASES[role]}
        found = next((c for c in columns if c.lower() in wanted), None)
        if found is None and required:
            raise ImportFileError(
                f"No {role} column; name it one of: {', '.join(_ALIASES[role])}.", field=role
            )
        return found

    if layout == "long":
        return {role: find(role, role not in ("unit", "flag")) for role in _ALIASES}
    return {role: find(role, role in ("station", "time")) for role in ("station", "time", "flag")}


def read_table(path: Path, layout: Layout) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """A CSV (UTF-8, else GB18030) or xlsx file and its column roles; text columns as str."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise ImportFileError(
            f"'{path.name}' is neither CSV nor xlsx; give a .csv or .xlsx file.", field="file"
        )
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, engine="openpyxl")
            frame.columns = [str(c).strip() for c in frame.columns]
            roles = _roles(list(frame.columns), layout)
            for role, name in roles.items():
                if name and role != "value":
                    frame[name] = frame[name].map(lambda v: "" if pd.isna(v) else str(v))
        else:
            encoding = "utf-8-sig"
            try:
                header = pd.read_csv(path, nrows=0, encoding=encoding)
            except UnicodeDecodeError:
                encoding = "gb18030"
                header = pd.read_csv(path, nrows=0, encoding=encoding)
            names = [str(c).strip() for c in header.columns]
            roles = _roles(names, layout)
            text_cols = {
                i for i, n in enumerate(names) if n in roles.values() and n != roles.get("value")
            }
            frame = pd.read_csv(
                path,
                encoding=encoding,
                header=0,
                names=names,
                dtype={names[i]: str for i in text_cols},
                keep_default_na=False,
                na_values={n: [""] for i, n in enumerate(names) if i not in text_cols},
            )
    except (OSError, ValueError) as exc:
        raise ImportFileError(f"Cannot read '{path.name}': {exc}", field="file") from None
    return frame, roles


def _categorical(values: Any) -> pd.Categorical[Any]:
    return pd.Categorical(pd.Series(values, dtype=object).fillna("").astype(str))


@dataclass
class _Rows:
    """Readings as codes into small tables (one entry per distinct text)."""

    row: np.ndarray
    station: pd.Categorical[Any]
    time: pd.Categorical[Any]
    parameter: pd.Categorical[Any]
    unit: pd.Categorical[Any]
    flag: pd.Categorical[Any]
    value: pd.Series


def _long(frame: pd.DataFrame, roles: dict[str, str | None]) -> _Rows:
    def col(role: str) -> pd.Categorical[Any]:
        name = roles[role]
        return _categorical(frame[name] if name else [""] * len(frame))

    value = roles["value"]
    assert value is not None  # required  # noqa: S101
    return _Rows(
        row=np.arange(2, len(frame) + 2, dtype=np.int64),
        station=col("station"),
        time=col("time"),
        parameter=col("parameter"),
        unit=col("unit"),
        flag=col("flag"),
        value=frame[value],
    )


def _wide(frame: pd.DataFrame, roles: dict[str, str | None], report: ReadingsReport) -> _Rows:
    params: dict[str, tuple[str, str]] = {}
    unknown: list[str] = []
    for name in frame.columns:
        if name in roles.values():
            continue
        m = _HEADER_UNIT.match(name)
        bare, unit = (m.group(1), m.group(2)) if m else (name, "")
        if is_derived_column(bare):
            report.skipped_columns.append(name)
            continue
        code = parameter_code(bare)
        if code is None:
            unknown.append(name)
        else:
            params[name] = (code, unit)
    if unknown:
        raise ImportFileError(
            f"Unknown pollutant columns {unknown}; known: {', '.join(PARAMETERS)} "
            "(a unit may follow in brackets, e.g. 'CO(mg/m³)').",
            field="columns",
        )
    if not params:
        raise ImportFileError(
            "No pollutant column (PM2.5, PM10, SO2, NO2, O3, CO …).", field="columns"
        )
    n, k = len(frame), len(params)

    def tiled(name: str | None) -> pd.Categorical[Any]:
        base = _categorical(frame[name] if name else [""] * n)
        return pd.Categorical.from_codes(np.tile(base.codes, k), categories=base.categories)

    names = list(params)
    p_cats = pd.Index([params[c][0] for c in names]).unique()
    u_cats = pd.Index([params[c][1] for c in names]).unique()
    values = [frame[c] for c in names]
    numeric = all(pd.api.types.is_numeric_dtype(v) for v in values)
    return _Rows(
        row=np.tile(np.arange(2, n + 2, dtype=np.int64), k),
        station=tiled(roles["station"]),
        time=tiled(roles["time"]),
        parameter=pd.Categorical.from_codes(
            np.repeat([p_cats.get_loc(params[c][0]) for c in names], n), categories=p_cats
        ),
        unit=pd.Categorical.from_codes(
            np.repeat([u_cats.get_loc(params[c][1]) for c in names], n), categories=u_cats
        ),
        flag=tiled(roles["flag"]),
        value=pd.Series(
            np.concatenate([v.to_numpy(dtype=float if numeric else object) for v in values])
        ),
    )


def _parse_time(raw: str) -> pd.Timestamp | None:
    s = raw.strip()
    shift = pd.Timedelta(0)
    m = _HOUR_24.match(s)
    if m:
        s, shift = m.group(1), pd.Timedelta(days=1)
    try:
        t: Any = pd.Timestamp(s)
    except (ValueError, TypeError):
        return None
    if pd.isna(t) or (m and (t.hour or t.minute)) or not 1970 <= t.year <= 2100:
        return None
    t = t.tz_localize(LOCAL_ZONE) if t.tzinfo is None else t
    return t.tz_convert("UTC") + shift  # type: ignore[no-any-return]


_CODES = list(PARAMETERS)


def _reasons(template: Callable[[Any], str], keys: np.ndarray) -> list[str]:
    return [template(k) for k in keys[:MAX_REPORTED]]


def _known_stations(session: Session, codes: list[str]) -> set[str]:
    found = session.execute(
        text("SELECT DISTINCT code FROM monitoring_stations WHERE code = ANY(:c)"), {"c": codes}
    ).scalars()
    return set(found)


@dataclass
class _Checked:
    row: np.ndarray
    station: np.ndarray
    parameter: np.ndarray
    epoch: np.ndarray
    value: np.ndarray
    flag: np.ndarray
    stations: list[str]
    flags: list[str]
    years: list[int]


def normalise(session: Session, rows: _Rows, bad: _Bad, report: ReadingsReport) -> _Checked:
    """Parameters, units, values, times and stations checked column-wise; bad rows to ``bad``."""
    ok = np.ones(len(rows.row), dtype=bool)

    def reject(
        mask: np.ndarray, field_name: str, reasons: Callable[[np.ndarray], list[str]]
    ) -> None:
        hit = np.flatnonzero(mask & ok)
        if len(hit):
            bad.add(rows.row[hit], field_name, reasons(hit))
            ok[hit] = False

    # values: numbers, or missing (skipped), or not a number (bad)
    raw = rows.value
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    nan = np.isnan(numbers)
    missing = nan.copy()
    if nan.any() and not pd.api.types.is_numeric_dtype(raw):
        texts = raw[nan].map(lambda v: "" if v is None or v != v else str(v).strip().upper())
        missing[np.flatnonzero(nan)] = texts.isin(_MISSING).to_numpy()
    report.skipped_missing = int(missing.sum())
    ok &= ~missing

    # parameters
    p_of_cat = np.array(
        [
            _CODES.index(c) if (c := parameter_code(str(n))) else -1
            for n in rows.parameter.categories
        ]
        + [-1],
        dtype=np.int64,
    )
    pidx = p_of_cat[rows.parameter.codes]
    names = np.asarray(rows.parameter.categories, dtype=object)
    reject(
        pidx < 0,
        "parameter",
        lambda hit: _reasons(
            lambda n: f"未知参数 '{n}'（可用：{'、'.join(PARAMETERS)}）",
            names[rows.parameter.codes[hit]],
        ),
    )
    # units
    ucodes = np.asarray(rows.unit.codes, dtype=np.int64)
    units = list(rows.unit.categories)
    table = np.full((len(_CODES), len(units) + 1), np.nan)
    width = len(units) + 1  # the last column: no unit (code -1)
    pairs = np.bincount(pidx[ok] * width + ucodes[ok] % width, minlength=len(_CODES) * width)
    for pi, ui in (divmod(int(k), width) for k in np.flatnonzero(pairs)):
        f = unit_factor(_CODES[pi], units[ui] if ui < len(units) else "")
        table[pi, ui] = np.nan if f is None else f
    factor = table[pidx, ucodes]
    reject(
        np.isnan(factor),
        "unit",
        lambda hit: [
            f"{units[u] if u >= 0 else ''} 不是 {_CODES[p]} 可换算的单位（应为 "
            f"{PARAMETERS[_CODES[p]].unit}；ppm/ppb 需温压条件，不予换算）"
            for p, u in zip(pidx[hit][:MAX_REPORTED], ucodes[hit][:MAX_REPORTED], strict=True)
        ],
    )
    reject(
        nan & ~missing,
        "value",
        lambda hit: _reasons(lambda v: f"'{v}' 不是数值", raw.to_numpy()[hit]),
    )
    values = numbers * factor
    low = np.array([PARAMETERS[c].low for c in _CODES])[pidx]
    high = np.array([PARAMETERS[c].high for c in _CODES])[pidx]
    with np.errstate(invalid="ignore"):
        out = (values < low) | (values > high)
    reject(
        out,
        "value",
        lambda hit: _reasons(
            lambda p: (
                f"超出 {_CODES[p]} 的物理范围 [{PARAMETERS[_CODES[p]].low:g}, "
                f"{PARAMETERS[_CODES[p]].high:g}] {PARAMETERS[_CODES[p]].unit}"
            ),
            pidx[hit],
        ),
    )
    # times: each distinct text parsed once
    t_cats = list(rows.time.categories)
    parsed = [_parse_time(str(t)) for t in t_cats]
    epoch_of = np.array(
        [t.value // 10**9 if t is not None else -(2**62) for t in parsed] + [-(2**62)],
        dtype=np.int64,
    )
    epochs = epoch_of[rows.time.codes]
    reject(
        epochs == -(2**62),
        "time",
        lambda hit: _reasons(
            lambda t: f"'{t}' 不是 1970–2100 年间的时间（如 2024-01-01 01:00，无时区按北京时间）",
            np.asarray([*t_cats, ""], dtype=object)[rows.time.codes[hit]],
        ),
    )
    # stations
    s_cats = [str(c).strip() for c in rows.station.categories]
    known = _known_stations(session, s_cats)
    s_ok = np.array([c in known for c in s_cats] + [False])
    reject(
        ~s_ok[rows.station.codes],
        "station",
        lambda hit: _reasons(
            lambda c: f"未知站点 {c}（monitoring_stations 中没有此编码）",
            np.asarray([*s_cats, ""], dtype=object)[rows.station.codes[hit]],
        ),
    )
    # in primary-key order (the key's index is then built from presorted rows); a duplicate
    # of (station, parameter, time) in the file is next to its first row: the later are bad
    # a station's index into the distinct stripped codes (" 1151A" is 1151A): also its rank
    s_distinct, s_rank = np.unique(np.asarray([*s_cats, ""], dtype=object), return_inverse=True)
    p_rank = np.argsort(np.argsort(np.asarray(_CODES, dtype=object)))
    good = np.flatnonzero(ok)
    key = (s_rank[rows.station.codes[good]] * len(_CODES) + p_rank[pidx[good]]) << 32
    key += epochs[good]  # 1970–2100 CST: −8 h … < 2^32 s, so keys keep their order
    order = np.argsort(key, kind="stable")  # runs of ascending keys: a near-linear merge
    good, key = good[order], key[order]
    dup = np.zeros(len(good), dtype=bool)
    dup[1:] = key[1:] == key[:-1]
    if dup.any():
        run_start = np.maximum.accumulate(np.where(dup, 0, np.arange(len(good))))
        hit, first = good[dup], rows.row[good[run_start[dup]]]
        by_row = np.argsort(hit, kind="stable")
        hit, first = hit[by_row], first[by_row]
        bad.add(
            rows.row[hit],
            "time",
            [f"重复：同一站点、参数、时间已在第 {r} 行" for r in first[:MAX_REPORTED]],
        )
        ok[hit] = False
        good = good[~dup]
    seen = np.flatnonzero(np.bincount(rows.time.codes[good], minlength=len(t_cats)))
    years = sorted({t.tz_convert(LOCAL_ZONE).year for i in seen if (t := parsed[i]) is not None})
    return _Checked(
        row=rows.row[good],
        station=s_rank[rows.station.codes[good]].astype(np.int32),
        parameter=pidx[good].astype(np.int16),
        epoch=epochs[good],
        value=values[good],
        flag=np.asarray(rows.flag.codes[good], dtype=np.int32),
        stations=[str(c) for c in s_distinct],
        flags=[str(f) for f in rows.flag.categories],
        years=years,
    )


def _partition(year: int) -> tuple[str, str, str]:
    """Name and CST bounds of a year's partition."""
    return f"readings_y{year:04d}", f"{year:04d}-01-01 00:00+08", f"{year + 1:04d}-01-01 00:00+08"


def _year_epochs(year: int) -> tuple[int, int]:
    """Unix seconds of a year's partition bounds [lo, hi)."""
    _, lo, hi = _partition(year)
    return (
        int(datetime.fromisoformat(lo.replace(" ", "T")).timestamp()),
        int(datetime.fromisoformat(hi.replace(" ", "T")).timestamp()),
    )


def _has_partition(session: Session, year: int) -> bool:
    name = _partition(year)[0]
    return session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None


def _insert_year(session: Session, year: int, names: dict[str, Any]) -> None:
    """Insert the year's rows of the temporary table through ``readings`` (a stored year)."""
    lo, hi = _year_epochs(year)
    session.execute(
        text(f"{_INSERT_INTO} readings {_SELECT} WHERE t.epoch >= :lo AND t.epoch < :hi"),
        {**names, "lo": lo, "hi": hi},
    )


#: Memory for building a new year's primary key: a year of 208 stations (11 M rows) sorts
#: in memory, and its rows, sent in key order, pass the sort's presorted check. The build
#: is serial: on two shared cores parallel workers made it slower (7 s vs 9–15 s).
_INDEX_MEMORY = "1GB"


def _new_year(session: Session, year: int, rows: _Checked, progress: Progress | None) -> None:
    """A year without a partition: a new table, filled by ``COPY``, indexed, attached.

    The year's rows go by a binary ``COPY … FREEZE`` straight into a new table (created in
    the same savepoint, so its rows need no later hint-bit writes), which then gets its
    primary key (one sorted index build instead of an insertion per row) and is attached
    as the year's partition; a CHECK of the bounds, dropped afterwards, spares the attach
    its validation scan.
    """
    name, lo, hi = _partition(year)
    lo_s, hi_s = _year_epochs(year)
    take = np.flatnonzero((rows.epoch >= lo_s) & (rows.epoch < hi_s))
    session.execute(text(f"CREATE TABLE {name} (LIKE readings INCLUDING DEFAULTS)"))
    columns = [
        _Column(rows.station[take], texts=[s.encode() for s in rows.stations]),
        _Column(rows.parameter[take], texts=[c.encode() for c in _CODES]),
        _Column(((rows.epoch[take] - _PG_EPOCH) * 1_000_000).astype(">i8")),
        _Column(rows.value[take].astype(">f8")),
        _Column(rows.parameter[take], texts=[PARAMETERS[c].unit.encode() for c in _CODES]),
        _Column(rows.flag[take], texts=[f.encode() for f in rows.flags]),
    ]
    _copy_binary(
        session,
        f"COPY {name} (station, parameter, time, value, unit, flag) "
        "FROM STDIN (FORMAT binary, FREEZE)",
        columns,
        progress,
    )
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{_INDEX_MEMORY}'"))
    session.execute(text("SET LOCAL max_parallel_maintenance_workers = 0"))
    session.execute(
        text(
            f"ALTER TABLE {name} ADD CONSTRAINT {name}_pkey PRIMARY KEY (station, parameter, time), "
            f"ADD CONSTRAINT {name}_bounds CHECK (time >= '{lo}' AND time < '{hi}')"
        )
    )
    session.execute(text("SET LOCAL maintenance_work_mem TO DEFAULT"))
    session.execute(text("SET LOCAL max_parallel_maintenance_workers TO DEFAULT"))
    session.execute(
        text(f"ALTER TABLE readings ATTACH PARTITION {name} FOR VALUES FROM ('{lo}') TO ('{hi}')")
    )
    session.execute(text(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bounds"))


_BINARY = np.dtype(
    [
        ("n", ">i2"),
        ("l_row", ">i4"),
        ("row", ">i8"),
        ("l_station", ">i4"),
        ("station", ">i4"),
        ("l_parameter", ">i4"),
        ("parameter", ">i2"),
        ("l_epoch", ">i4"),
        ("epoch", ">i8"),
        ("l_value", ">i4"),
        ("value", ">f8"),
        ("l_flag", ">i4"),
        ("flag", ">i4"),
    ]
)
_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
#: 2000-01-01 UTC, PostgreSQL's epoch for binary timestamps, in Unix seconds.
_PG_EPOCH = 946_684_800
#: 1970-01-01 as a binary date (days since 2000-01-01).
_PG_DAY0 = -10_957


def _driver(session: Session) -> psycopg.Connection[Any]:
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - a pooled psycopg connection always has one
        raise ImportFileError("No database connection for COPY.")
    return driver  # type: ignore[no-any-return]


def _copy(session: Session, rows: _Checked, progress: Progress | None) -> None:
    """``COPY … (FORMAT binary)`` of fixed-width tuples built by numpy (no per-row Python)."""
    total = len(rows.row)
    tuples = np.empty(total, dtype=_BINARY)
    tuples["n"] = 6
    for name, size in (
        ("row", 8),
        ("station", 4),
        ("parameter", 2),
        ("epoch", 8),
        ("value", 8),
        ("flag", 4),
    ):
        tuples[f"l_{name}"] = size
        tuples[name] = getattr(rows, name)
    sql = (
        "COPY _readings_in (row, station, parameter, epoch, value, flag) FROM STDIN (FORMAT binary)"
    )
    with (
        _driver(session).cursor() as cursor,
        cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy,
    ):
        copy.write(_HEADER)
        for start in range(0, total, _CHUNK):
            copy.write(tuples[start : start + _CHUNK].tobytes())
            if progress:
                progress("copy", min(start + _CHUNK, total), total)
        copy.write(b"\xff\xff")


@dataclass
class _Column:
    """A column of a binary ``COPY``: fixed-width big-endian values, or codes into ``texts``.

    ``null`` marks the rows whose (fixed-width) value is NULL.
    """

    data: np.ndarray
    texts: list[bytes] | None = None
    null: np.ndarray | None = None


def _copy_binary(
    session: Session, sql: str, columns: list[_Column], progress: Progress | None = None
) -> None:
    """``COPY … (FORMAT binary)`` of rows whose text columns vary in length, built by numpy.

    A binary tuple is fixed-width once the byte lengths of its texts (and which values are
    NULL) are fixed: each chunk of rows is split by that layout into numpy structured
    arrays, so no Python runs per row. Within a layout the rows keep their order.
    """
    total = len(columns[0].data)
    variants: list[np.ndarray] = []
    widths: list[list[int]] = []
    tables: list[np.ndarray | None] = []
    for col in columns:
        if col.texts is not None:
            lengths = np.array([len(t) for t in col.texts] + [0], dtype=np.int64)
            distinct, inverse = np.unique(lengths, return_inverse=True)
            variants.append(inverse[np.asarray(col.data, dtype=np.int64)])
            widths.append(distinct.tolist())
            tables.append(np.array([*col.texts, b""], dtype=f"S{max(1, int(lengths.max()))}"))
        else:
            null = np.zeros(total, dtype=bool) if col.null is None else col.null
            variants.append(null.astype(np.int64))
            widths.append([col.data.dtype.itemsize, -1])
            tables.append(None)
    layout = np.zeros(total, dtype=np.int64)
    for variant, width in zip(variants, widths, strict=True):
        layout = layout * len(width) + variant
    with (
        _driver(session).cursor() as cursor,
        cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy,
    ):
        copy.write(_HEADER)
        for take in _pieces(layout):
            copy.write(_tuples(columns, tables, variants, widths, take).tobytes())
            if progress:
                progress("copy", int(take[-1]) + 1, total)
        copy.write(b"\xff\xff")


def _pieces(layout: np.ndarray) -> Iterator[np.ndarray]:
    """Row indexes in pieces of one layout, at most :data:`_CHUNK` rows each.

    Runs of one layout in row order, when they are long (rows in key order then stay in
    key order: the primary key's sort finds them presorted); otherwise each chunk of rows
    grouped by layout.
    """
    total = len(layout)
    cuts = np.flatnonzero(layout[1:] != layout[:-1]) + 1
    if len(cuts) * 1000 <= total:
        bounds = [0, *cuts.tolist(), total]
        for a, b in itertools.pairwise(bounds):
            for start in range(a, b, _CHUNK):
                yield np.arange(start, min(start + _CHUNK, b))
        return
    for start in range(0, total, _CHUNK):
        stop = min(start + _CHUNK, total)
        order = np.argsort(layout[start:stop], kind="stable") + start
        keys = layout[order]
        edges = [0, *(np.flatnonzero(keys[1:] != keys[:-1]) + 1).tolist(), len(order)]
        for a, b in itertools.pairwise(edges):
            yield order[a:b]


def _tuples(
    columns: list[_Column],
    tables: list[np.ndarray | None],
    variants: list[np.ndarray],
    widths: list[list[int]],
    take: np.ndarray,
) -> np.ndarray:
    """The binary tuples of rows ``take``, which share one layout."""
    first = int(take[0])
    fields: list[tuple[str, str]] = [("n", ">i2")]
    sizes = [widths[i][int(variants[i][first])] for i in range(len(columns))]
    for i, (col, size) in enumerate(zip(columns, sizes, strict=True)):
        fields.append((f"l{i}", ">i4"))
        if size > 0:
            fields.append((f"d{i}", f"S{size}" if col.texts is not None else col.data.dtype.str))
    out = np.empty(len(take), dtype=np.dtype(fields))
    out["n"] = len(columns)
    for i, (col, table, size) in enumerate(zip(columns, tables, sizes, strict=True)):
        out[f"l{i}"] = size
        if size > 0:
            out[f"d{i}"] = table[col.data[take]] if table is not None else col.data[take]
    return out


#: Seconds from an hour's end (CNEMC's label) to its start in CST: −3600 + 28800.
_TO_CST_START = 25200
_DAY_S = 86400
_HOUR_S = 3600
#: The hours already stored on the days an import touches, of the parameters it recomputes.
_STORED_HOURS = """
SELECT station, parameter, extract(epoch FROM time)::bigint, value
FROM readings
WHERE station = ANY(:codes) AND parameter = ANY(:params)
  AND time >= to_timestamp(:lo) AND time < to_timestamp(:hi)
"""


@dataclass
class _Hours:
    """Readings as index arrays: station (into the file's stations), parameter, epoch, value."""

    station: np.ndarray
    parameter: np.ndarray
    epoch: np.ndarray
    value: np.ndarray


def _days(rows: _Checked) -> tuple[int, int]:
    """The first and last CST day (days since 1970-01-01) of the file's readings."""
    return (
        (int(rows.epoch.min()) + _TO_CST_START) // _DAY_S,
        (int(rows.epoch.max()) + _TO_CST_START) // _DAY_S,
    )


def _daily_kept(rows: _Checked) -> list[int]:
    """The file's parameters (indexes into :data:`_CODES`) ``readings_daily`` is kept for."""
    present = np.unique(rows.parameter).tolist()
    return [p for p in present if _CODES[p] in DAILY_MEAN_PARAMETERS or _CODES[p] == "O3"]


def _stored_hours(session: Session, rows: _Checked) -> _Hours:
    """Readings already stored on the days the file touches (its stations, kept parameters).

    They count in those days' values too; read before the file is written.
    """
    kept = _daily_kept(rows)
    empty = np.zeros(0, dtype=np.int64)
    if not len(rows.epoch) or not kept:
        return _Hours(empty, empty, empty, np.zeros(0))
    first, last = _days(rows)
    found = session.execute(
        text(_STORED_HOURS),
        {
            "codes": rows.stations,
            "params": [_CODES[p] for p in kept],
            "lo": first * _DAY_S - _TO_CST_START,
            "hi": (last + 1) * _DAY_S - _TO_CST_START,
        },
    ).all()
    s_index = {c: i for i, c in enumerate(rows.stations)}
    return _Hours(
        np.array([s_index[r[0]] for r in found], dtype=np.int64),
        np.array([_CODES.index(r[1]) for r in found], dtype=np.int64),
        np.array([r[2] for r in found], dtype=np.int64),
        np.array([r[3] for r in found], dtype=float),
    )


def _write_daily(session: Session, rows: _Checked, stored: _Hours) -> int:
    """Recompute the daily values (``readings_daily``) of the days this import touched.

    For the imported stations and parameters, every CST day from the first to the last
    reading of the file: the daily mean and hour count of
    :data:`gis.quality.DAILY_MEAN_PARAMETERS`, and O3's maximum 8-hour mean with the count
    of valid 8-hour means (:func:`gis.quality.daily_max_8h`). Readings already stored on
    those days (``stored``) count too. Computed by numpy from the rows in hand — a mean is
    the sum of the day's values in time order over their count, as ``avg()`` sums them —
    and written by one binary ``COPY``. Returns the number of daily values written.
    """
    kept = _daily_kept(rows)
    if not len(rows.epoch) or not kept:
        return 0
    first, last = _days(rows)
    o3 = _CODES.index("O3")
    names = [_CODES[p] if p != o3 else O3_DAILY_MAX_8H for p in kept]
    session.execute(
        text(
            "DELETE FROM readings_daily WHERE station = ANY(:codes) AND parameter = ANY(:names) "
            "AND day BETWEEN DATE '1970-01-01' + :first AND DATE '1970-01-01' + :last"
        ),
        {"codes": rows.stations, "names": names, "first": first, "last": last},
    )
    mine = np.isin(rows.parameter, kept)
    h = _Hours(
        np.concatenate([rows.station[mine].astype(np.int64), stored.station]),
        np.concatenate([rows.parameter[mine].astype(np.int64), stored.parameter]),
        np.concatenate([rows.epoch[mine], stored.epoch]),
        np.concatenate([rows.value[mine], stored.value]),
    )
    if len(stored.epoch):  # each (station, parameter) in time order again
        order = np.lexsort((h.epoch, h.parameter, h.station))
        h = _Hours(h.station[order], h.parameter[order], h.epoch[order], h.value[order])
    day = (h.epoch + _TO_CST_START) // _DAY_S
    out: list[tuple[np.ndarray, ...]] = []
    means = h.parameter != o3
    if means.any():
        s, p, d, v = h.station[means], h.parameter[means], day[means], h.value[means]
        change = np.flatnonzero((s[1:] != s[:-1]) | (p[1:] != p[:-1]) | (d[1:] != d[:-1])) + 1
        group = np.zeros(len(s), dtype=np.int64)
        group[change] = 1
        group = np.cumsum(group)
        starts = np.concatenate([[0], change])
        sums = np.bincount(group, weights=v)  # in row order: each day's values in time order
        counts = np.bincount(group)
        out.append((s[starts], p[starts], d[starts], sums / counts, counts))
    n_days = last - first + 1
    o3_station, o3_epoch, o3_value = h.station[~means], h.epoch[~means], h.value[~means]
    edges = np.flatnonzero(np.diff(o3_station, prepend=-1, append=-1)).tolist()
    for a, b in itertools.pairwise(edges):  # each station's O3 hours are contiguous
        grid = np.full(n_days * 24, np.nan)
        index = (o3_epoch[a:b] + _TO_CST_START) // _HOUR_S - first * 24
        grid[index] = o3_value[a:b]
        best, valid = daily_max_8h(grid.reshape(n_days, 24))
        days = np.unique(index // 24)
        out.append(
            (
                np.full(len(days), o3_station[a]),
                np.full(len(days), len(_CODES)),
                days + first,
                best[days],
                valid[days],
            )
        )
    s, p, d, v, n = (np.concatenate(parts) for parts in zip(*out, strict=True))
    written = len(s)
    _copy_binary(
        session,
        "COPY readings_daily (station, parameter, day, value, n) FROM STDIN (FORMAT binary)",
        [
            _Column(s, texts=[c.encode() for c in rows.stations]),
            _Column(p, texts=[c.encode() for c in (*_CODES, O3_DAILY_MAX_8H)]),
            _Column((d + _PG_DAY0).astype(">i4")),
            _Column(v.astype(">f8"), null=np.isnan(v)),
            _Column(n.astype(">i4")),
        ],
    )
    return written


#: Daily values written above which ``readings_daily`` is analysed at once.
_ANALYZE_DAILY = 10_000

_STORED = """
SELECT t.row FROM _readings_in t
JOIN readings r ON r.station = (CAST(:stations AS text[]))[t.station + 1]
               AND r.parameter = (CAST(:params AS text[]))[t.parameter + 1]
               AND r.time = to_timestamp(t.epoch)
ORDER BY t.row LIMIT :limit
"""
_INSERT_INTO = "INSERT INTO"
_SELECT = """(station, parameter, time, value, unit, flag)
SELECT (CAST(:stations AS text[]))[t.station + 1], (CAST(:params AS text[]))[t.parameter + 1],
       to_timestamp(t.epoch), t.value, (CAST(:units AS text[]))[t.parameter + 1],
       coalesce((CAST(:flags AS text[]))[t.flag + 1], '')
FROM _readings_in t"""


def _stage(session: Session, rows: _Checked, progress: Progress | None) -> None:
    """The good rows into the temporary table ``_readings_in`` (dropped at commit)."""
    session.execute(text("DROP TABLE IF EXISTS _readings_in"))
    session.execute(
        text(
            "CREATE TEMP TABLE _readings_in (row bigint, station integer, parameter smallint, "
            "epoch bigint, value double precision, flag integer) ON COMMIT DROP"
        )
    )
    _copy(session, rows, progress)


def import_readings(
    session: Session, path: Path, layout: Layout, progress: Progress | None = None
) -> ReadingsReport:
    """Import a readings file; raises :class:`ReadingsRejectedError` listing the bad rows.

    Flushes but does not commit: the caller commits (or rolls back) the one transaction.
    A reading already stored surfaces as the primary key's violation, inside a savepoint,
    and only then are the stored duplicates looked up for the report.
    """
    report = ReadingsReport()
    frame, roles = read_table(path, layout)
    raw = _long(frame, roles) if layout == "long" else _wide(frame, roles, report)
    bad = _Bad()
    rows = normalise(session, raw, bad, report)
    if progress:
        progress("check", 0, len(rows.row))
    stored_years = [y for y in rows.years if _has_partition(session, y)]
    staged = bool(bad.count or stored_years)
    if staged:  # through a temporary table: inserted into a stored year, or looked up
        _stage(session, rows, progress)
    names = {
        "stations": rows.stations,
        "params": _CODES,
        "units": [PARAMETERS[c].unit for c in _CODES],
        "flags": rows.flags,
    }
    duplicate = False
    hours = _stored_hours(session, rows)  # read before the file's rows are written
    if not bad.count:
        try:
            with session.begin_nested():  # a stored duplicate undoes only this insert
                for year in rows.years:
                    if year in stored_years:
                        _insert_year(session, year, names)
                    else:
                        _new_year(session, year, rows, progress)
        except IntegrityError as exc:
            if not isinstance(exc.orig, psycopg.errors.UniqueViolation):
                raise
            duplicate = True
    if bad.count or duplicate:
        if not staged:  # pragma: no cover - a new year's table holds no stored duplicate
            _stage(session, rows, progress)
        stored = (
            session.execute(
                text(_STORED), {"stations": rows.stations, "params": _CODES, "limit": MAX_REPORTED}
            )
            .scalars()
            .all()
        )
        bad.add(
            np.asarray(stored), "time", ["重复：同一站点、参数、时间的读数已入库"] * len(stored)
        )
        raise ReadingsRejectedError(bad.count, bad.report())
    if staged:
        session.execute(text("DROP TABLE _readings_in"))
    written = _write_daily(session, rows, hours)
    for year in rows.years:  # fresh statistics: the planner aggregates instead of sorting
        session.execute(text(f"ANALYZE {_partition(year)[0]}"))
    if written > _ANALYZE_DAILY:  # many new days: the attainment plan needs their statistics
        session.execute(text("ANALYZE readings_daily"))
    report.rows = len(rows.row)
    report.years = rows.years
    if progress:
        progress("insert", report.rows, report.rows)
    return report
