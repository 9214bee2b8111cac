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
refuses the whole file: nothing is written. Good files are loaded with ``COPY`` into a
temporary table, checked there, and moved with one ``INSERT … SELECT``; the yearly
partitions they need are created on demand (:func:`ensure_partitions`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.quality import PARAMETERS, is_derived_column, parameter_code, unit_factor
from layers.errors import ImportFileError, ReadingsRejectedError

Layout = Literal["long", "wide"]
#: Called as progress(stage, done, total).
Progress = Callable[[str, int, int], None]

#: The zone of times written without one: China Standard Time.
LOCAL_ZONE = "Asia/Shanghai"

_ALIASES: dict[str, tuple[str, ...]] = {
    "station": ("站点编码", "监测点编码", "断面编码", "站点", "监测点", "站号", "station", "code"),
    "time": ("时间", "监测时间", "日期时间", "time", "datetime"),
    "parameter": ("参数", "指标", "监测项目", "污染物", "项目", "parameter"),
    "value": ("值", "数值", "浓度", "监测值", "value"),
    "unit": ("单位", "unit"),
    "flag": ("标记", "标识", "数据标记", "flag"),
}
_MISSING = {"", "-", "—", "--", "NA", "NAN", "NULL", "NONE"}
_ZONE = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
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
    rows: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, frame: pd.DataFrame, field_name: str, reason: str | pd.Series) -> None:
        self.count += len(frame)
        room = MAX_REPORTED - len(self.rows)
        if room <= 0 or frame.empty:
            return
        head = frame.head(room)
        reasons = reason.loc[head.index] if isinstance(reason, pd.Series) else None
        for i, row in enumerate(head["row"].tolist()):
            self.rows.append(
                {
                    "row": int(row),
                    "field": field_name,
                    "reason": str(reasons.iloc[i]) if reasons is not None else reason,
                }
            )


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (UTF-8, else GB18030) or xlsx file as strings, header on the first row."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        elif suffix in (".csv", ".txt"):
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except UnicodeDecodeError:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
        else:
            raise ImportFileError(
                f"'{path.name}' is neither CSV nor xlsx; give a .csv or .xlsx file.", field="file"
            )
    except (OSError, ValueError) as exc:
        raise ImportFileError(f"Cannot read '{path.name}': {exc}", field="file") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.fillna("")


def _column(frame: pd.DataFrame, role: str, *, required: bool = True) -> str | None:
    wanted = {a.lower() for a in _ALIASES[role]}
    for name in frame.columns:
        if name.lower() in wanted:
            return str(name)
    if required:
        raise ImportFileError(
            f"No {role} column; name it one of: {', '.join(_ALIASES[role])}.", field=role
        )
    return None


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    cols = {role: _column(frame, role, required=role not in ("unit", "flag")) for role in _ALIASES}
    out = pd.DataFrame(
        {
            "row": np.arange(2, len(frame) + 2),
            **{
                role: frame[name] if name else pd.Series("", index=frame.index)
                for role, name in cols.items()
            },
        }
    )
    return out.reset_index(drop=True)


def _wide(frame: pd.DataFrame, report: ReadingsReport) -> pd.DataFrame:
    station = _column(frame, "station")
    time = _column(frame, "time")
    flag = _column(frame, "flag", required=False)
    params: dict[str, tuple[str, str]] = {}
    unknown: list[str] = []
    for name in frame.columns:
        if name in (station, time, flag):
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
    base = pd.DataFrame(
        {
            "row": np.arange(2, len(frame) + 2),
            "station": frame[station].to_numpy(),
            "time": frame[time].to_numpy(),
            "flag": frame[flag].to_numpy() if flag else "",
        }
    )
    parts = [
        base.assign(parameter=code, unit=unit, value=frame[name].to_numpy())
        for name, (code, unit) in params.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _parse_times(values: pd.Series) -> pd.Series:
    """Each distinct time string parsed once; naive ones in China Standard Time; NaT if bad."""
    uniq = pd.unique(values)
    parsed: dict[Any, Any] = {}
    for raw in uniq:
        s = str(raw).strip()
        shift = pd.Timedelta(0)
        m = _HOUR_24.match(s)
        if m:
            s, shift = m.group(1), pd.Timedelta(days=1)
        try:
            t: Any = pd.Timestamp(s)
        except (ValueError, TypeError):
            parsed[raw] = pd.NaT
            continue
        if pd.isna(t) or (m and (t.hour or t.minute)):
            parsed[raw] = pd.NaT
            continue
        t = t.tz_localize(LOCAL_ZONE) if t.tzinfo is None else t
        parsed[raw] = t.tz_convert("UTC") + shift
    return values.map(parsed)


def normalise(frame: pd.DataFrame, bad: _Bad, report: ReadingsReport) -> pd.DataFrame:
    """Rows with canonical parameter, unit, value and UTC epoch; bad rows go to ``bad``."""
    frame = frame.assign(
        station=frame["station"].astype(str).str.strip(),
        value=frame["value"].astype(str).str.strip(),
    )
    missing = frame["value"].str.upper().isin(_MISSING)
    report.skipped_missing = int(missing.sum())
    frame = frame[~missing]

    names = pd.unique(frame["parameter"])
    codes = frame["parameter"].map({n: parameter_code(str(n)) for n in names})
    unknown = codes.isna()
    bad.add(
        frame[unknown],
        "parameter",
        frame["parameter"].map(lambda n: f"未知参数 '{n}'（可用：{'、'.join(PARAMETERS)}）"),
    )
    frame = frame[~unknown].assign(parameter=codes[~unknown])

    pairs = frame[["parameter", "unit"]].drop_duplicates()
    factors = {(p, u): unit_factor(p, u) for p, u in pairs.itertuples(index=False, name=None)}
    factor = pd.Series(
        [factors[k] for k in zip(frame["parameter"], frame["unit"], strict=True)],
        index=frame.index,
        dtype="float64",
    )
    no_unit = factor.isna()
    bad.add(
        frame[no_unit],
        "unit",
        frame["unit"].astype(str)
        + frame["parameter"].map(
            lambda p: (
                f" 不是 {p} 可换算的单位（应为 {PARAMETERS[p].unit}；ppm/ppb 需温压条件，不予换算）"
            )
        ),
    )
    frame, factor = frame[~no_unit], factor[~no_unit]

    numbers = pd.to_numeric(frame["value"], errors="coerce")
    nan = numbers.isna()
    bad.add(frame[nan], "value", frame["value"].map(lambda v: f"'{v}' 不是数值"))
    frame, numbers, factor = frame[~nan], numbers[~nan], factor[~nan]
    values = numbers * factor
    low = frame["parameter"].map({k: p.low for k, p in PARAMETERS.items()})
    high = frame["parameter"].map({k: p.high for k, p in PARAMETERS.items()})
    out = (values < low) | (values > high)
    bad.add(
        frame[out],
        "value",
        frame["parameter"].map(
            lambda p: (
                f"超出 {p} 的物理范围 [{PARAMETERS[p].low:g}, {PARAMETERS[p].high:g}] {PARAMETERS[p].unit}"
            )
        ),
    )
    frame, values = frame[~out], values[~out]

    times = _parse_times(frame["time"])
    no_time = times.isna()
    bad.add(
        frame[no_time],
        "time",
        frame["time"].map(lambda t: f"'{t}' 不是时间（如 2024-01-01 01:00，无时区按北京时间）"),
    )
    keep = ~no_time
    epoch = (pd.to_datetime(times[keep], utc=True).astype("int64") // 10**9).astype("int64")
    return pd.DataFrame(
        {
            "row": frame["row"][keep].astype("int64"),
            "station": frame["station"][keep],
            "parameter": frame["parameter"][keep],
            "epoch": epoch,
            "value": values[keep],
            "unit": frame["parameter"][keep].map({k: p.unit for k, p in PARAMETERS.items()}),
            "flag": frame["flag"][keep].astype(str).str.strip(),
        }
    )


def ensure_partitions(session: Session, years: list[int]) -> None:
    """Create the yearly partitions of ``readings`` that do not exist yet (CST years)."""
    for year in years:
        session.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS readings_y{year:04d} PARTITION OF readings "
                f"FOR VALUES FROM ('{year:04d}-01-01 00:00+08') TO ('{year + 1:04d}-01-01 00:00+08')"
            )
        )


def _copy(session: Session, rows: pd.DataFrame, progress: Progress | None) -> None:
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - a pooled psycopg connection always has one
        raise ImportFileError("No database connection for COPY.")
    sql = "COPY _readings_in (row, station, parameter, epoch, value, unit, flag) FROM STDIN WITH (FORMAT csv)"
    total = len(rows)
    with driver.cursor() as cursor, cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
        for start in range(0, total, _CHUNK):
            buf = io.StringIO()
            rows.iloc[start : start + _CHUNK].to_csv(buf, header=False, index=False)
            copy.write(buf.getvalue())
            if progress:
                progress("copy", min(start + _CHUNK, total), total)


_CHECKS = {
    "station": """
        SELECT row, '未知站点 ' || station || '（monitoring_stations 中没有此编码）' FROM _readings_in t
        WHERE NOT EXISTS (SELECT 1 FROM monitoring_stations s WHERE s.code = t.station)
        ORDER BY row""",
    "duplicate": """
        SELECT row, '重复：同一站点、参数、时间已在第 ' || first || ' 行' FROM (
            SELECT row, min(row) OVER w AS first, row_number() OVER w AS n FROM _readings_in
            WINDOW w AS (PARTITION BY station, parameter, epoch ORDER BY row)) d
        WHERE n > 1 ORDER BY row""",
    "stored": """
        SELECT t.row, '重复：同一站点、参数、时间的读数已入库' FROM _readings_in t
        JOIN readings r ON r.station = t.station AND r.parameter = t.parameter
                        AND r.time = to_timestamp(t.epoch)
        ORDER BY t.row""",
}


def import_readings(
    session: Session, path: Path, layout: Layout, progress: Progress | None = None
) -> ReadingsReport:
    """Import a readings file; raises :class:`ReadingsRejectedError` listing the bad rows.

    Flushes but does not commit: the caller commits (or rolls back) the one transaction.
    """
    report = ReadingsReport()
    frame = read_table(path)
    raw = _long(frame) if layout == "long" else _wide(frame, report)
    bad = _Bad()
    rows = normalise(raw, bad, report)
    if progress:
        progress("check", 0, len(rows))
    session.execute(text("DROP TABLE IF EXISTS _readings_in"))
    session.execute(
        text(
            "CREATE TEMP TABLE _readings_in (row bigint, station text, parameter text, "
            "epoch bigint, value double precision, unit text, flag text) ON COMMIT DROP"
        )
    )
    _copy(session, rows, progress)
    for name, sql in _CHECKS.items():
        found = session.execute(text(sql)).all()
        if found:
            field_name = "station" if name == "station" else "time"
            bad.add(
                pd.DataFrame({"row": [r[0] for r in found]}),
                field_name,
                pd.Series([r[1] for r in found]),
            )
    if bad.count:
        bad.rows.sort(key=lambda r: r["row"])
        raise ReadingsRejectedError(bad.count, bad.rows)
    years = [
        int(y)
        for (y,) in session.execute(
            text(
                "SELECT DISTINCT extract(year FROM to_timestamp(epoch) AT TIME ZONE 'Asia/Shanghai') "
                "FROM _readings_in ORDER BY 1"
            )
        )
    ]
    ensure_partitions(session, years)
    session.execute(
        text(
            "INSERT INTO readings (station, parameter, time, value, unit, flag) "
            "SELECT station, parameter, to_timestamp(epoch), value, unit, coalesce(flag, '') "
            "FROM _readings_in"
        )
    )
    session.execute(text("DROP TABLE _readings_in"))
    report.rows = len(rows)
    report.years = years
    if progress:
        progress("insert", len(rows), len(rows))
    return report
