"""Outfall lifecycle events (查测溯治, then 销号) from CSV or xlsx, all or nothing.

Columns (Chinese or English; the header is the first row): 排污口编码 / ``code``,
阶段 / ``stage``, 日期 / ``date``, and optionally 文件 / ``document`` (title and number
of the record) and 备注 / ``note``. Every row is checked before anything is written: the
outfall must exist in some release of ``outfalls`` (a code outlives releases), the stage
must be one of 排查 监测 溯源 整治 销号, the date a calendar date (``2023-05-01``,
``2023/5/1``, ``2023年5月1日`` or a spreadsheet date), and the stages of an outfall must
not go back in time: with the events already stored, no stage may be dated before an
earlier stage of the same outfall. Any bad row refuses the whole file, listing the rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from layers.errors import ImportFileError, OutfallEventsRejectedError
from layers.ingest.entry_lists import read_grid
from layers.store.models import OUTFALL_STAGES, OutfallEvent

#: Header names (compared without spaces, case-insensitive) of each column.
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("排污口编码", "编码", "code", "outfall_code"),
    "stage": ("阶段", "查测溯治阶段", "stage"),
    "date": ("日期", "完成日期", "date"),
    "document": ("文件", "文件名称及文号", "document"),
    "note": ("备注", "说明", "note"),
}
_REQUIRED = ("code", "stage", "date")
#: At most this many bad rows are listed.
MAX_REPORTED = 200

#: Stage names as written in files → the stage.
STAGE_SYNONYMS = {
    **{s: s for s in OUTFALL_STAGES},
    "查": "排查",
    "测": "监测",
    "溯": "溯源",
    "治": "整治",
    "survey": "排查",
    "monitor": "监测",
    "trace": "溯源",
    "remediate": "整治",
    "close": "销号",
    "closed": "销号",
}
_ORDER = {s: i for i, s in enumerate(OUTFALL_STAGES)}
_CN_DATE = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")


def parse_date(raw: str) -> date | None:
    """A calendar date from ISO, ``2023/5/1``, ``2023.5.1``, ``2023年5月1日`` or an xlsx date-time."""
    s = raw.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}T00:00:00$", s):
        s = s[:10]
    m = _CN_DATE.match(s)
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


@dataclass(frozen=True)
class EventRow:
    """One checked event and the file row it came from."""

    row: int
    code: str
    stage: str
    date: date
    document: str
    note: str


@dataclass(frozen=True)
class OutfallEventsReport:
    """What an import stored: events, outfalls touched."""

    events: int
    outfalls: int


def _columns(header: list[str]) -> dict[str, int]:
    keys = [re.sub(r"\s+", "", h).lower() for h in header]
    found: dict[str, int] = {}
    for role, names in ALIASES.items():
        wanted = {n.lower() for n in names}
        index = next((i for i, k in enumerate(keys) if k in wanted), None)
        if index is not None:
            found[role] = index
        elif role in _REQUIRED:
            raise ImportFileError(
                f"No {role} column; name it one of: {', '.join(names)}.", field=role
            )
    return found


def _stored(session: Session, codes: list[str]) -> dict[str, list[tuple[str, date]]]:
    rows = session.execute(
        text(
            "SELECT outfall_code, stage, date FROM outfall_events WHERE outfall_code = ANY(:codes)"
        ),
        {"codes": codes},
    ).all()
    out: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for code, stage, day in rows:
        out[code].append((stage, day))
    return out


def check_order(
    rows: list[EventRow], stored: dict[str, list[tuple[str, date]]]
) -> list[dict[str, Any]]:
    """Rows dated before an earlier stage (or after a later one) of the same outfall."""
    problems: list[dict[str, Any]] = []
    by_code: dict[str, list[EventRow]] = defaultdict(list)
    for r in rows:
        by_code[r.code].append(r)
    for code, events in by_code.items():
        known: list[tuple[str, date, EventRow | None]] = [
            (s, d, None) for s, d in stored.get(code, [])
        ]
        known += [(r.stage, r.date, r) for r in events]
        for r in events:
            rank = _ORDER[r.stage]
            for stage, day, other in known:
                if other is r:
                    continue
                earlier = _ORDER[stage] < rank and day > r.date
                # a stored later stage dated before this row (file pairs are reported once,
                # on the later stage's row)
                later = other is None and _ORDER[stage] > rank and day < r.date
                if earlier or later:
                    where = "已入库" if other is None else f"row {other.row}"
                    relation = "earlier than its" if earlier else "later than its"
                    problems.append(
                        {
                            "row": r.row,
                            "field": "date",
                            "reason": f"{code}: {r.stage} dated {r.date.isoformat()} is "
                            f"{relation} {stage} of {day.isoformat()} ({where}); stages go "
                            "排查 → 监测 → 溯源 → 整治 → 销号 in time.",
                        }
                    )
                    break
    return problems


def parse_events(session: Session, path: Path) -> list[EventRow]:
    """The file's events, checked; raise :class:`OutfallEventsRejectedError` on any bad row."""
    grid = read_grid(path)
    if not grid.rows:
        raise ImportFileError(f"'{path.name}' is empty.", field="file")
    columns = _columns(grid.rows[0])
    problems: list[dict[str, Any]] = []
    raw: list[tuple[int, dict[str, str]]] = []
    for number, cells in zip(grid.numbers[1:], grid.rows[1:], strict=True):
        values = {role: (cells[i].strip() if i < len(cells) else "") for role, i in columns.items()}
        if not any(values.values()):
            continue
        raw.append((number, values))
    codes = sorted({v["code"] for _, v in raw if v["code"]})
    known = {
        c
        for (c,) in session.execute(
            text("SELECT DISTINCT code FROM outfalls WHERE code = ANY(:codes)"), {"codes": codes}
        ).all()
    }
    rows: list[EventRow] = []
    for number, v in raw:
        bad = len(problems)
        if not v["code"]:
            problems.append({"row": number, "field": "code", "reason": "排污口编码 is empty."})
        elif v["code"] not in known:
            problems.append(
                {
                    "row": number,
                    "field": "code",
                    "reason": f"No outfall with code '{v['code']}' in any release of outfalls.",
                }
            )
        stage = STAGE_SYNONYMS.get(v["stage"]) or STAGE_SYNONYMS.get(v["stage"].lower())
        if stage is None:
            problems.append(
                {
                    "row": number,
                    "field": "stage",
                    "reason": f"Unknown stage '{v['stage']}'; use one of "
                    f"{', '.join(OUTFALL_STAGES)}.",
                }
            )
        day = parse_date(v["date"])
        if day is None:
            problems.append(
                {
                    "row": number,
                    "field": "date",
                    "reason": f"'{v['date']}' is not a date (e.g. 2023-05-01 or 2023年5月1日).",
                }
            )
        if len(problems) == bad and stage is not None and day is not None:
            rows.append(
                EventRow(number, v["code"], stage, day, v.get("document", ""), v.get("note", ""))
            )
    problems += check_order(rows, _stored(session, sorted({r.code for r in rows})))
    if problems:
        problems.sort(key=lambda p: int(p["row"]))
        raise OutfallEventsRejectedError(len(problems), problems[:MAX_REPORTED])
    if not rows:
        raise ImportFileError(f"'{path.name}' has no event rows.", field="file")
    return rows


def store_events(session: Session, rows: list[EventRow], *, synthetic: bool = False) -> None:
    """Insert checked events (the caller commits)."""
    session.execute(
        insert(OutfallEvent),
        [
            {
                "outfall_code": r.code,
                "stage": r.stage,
                "date": r.date,
                "document": r.document,
                "note": r.note,
                "synthetic": synthetic,
            }
            for r in rows
        ],
    )


def import_outfall_events(
    session: Session, path: Path, *, synthetic: bool = False
) -> OutfallEventsReport:
    """Check and insert a file's events in the session's transaction (the caller commits)."""
    rows = parse_events(session, path)
    store_events(session, rows, synthetic=synthetic)
    session.flush()
    return OutfallEventsReport(len(rows), len({r.code for r in rows}))
