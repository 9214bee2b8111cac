"""Importing 生态环境准入清单 (entry lists) from the spreadsheets provinces publish.

Two layouts are read, from ``.xlsx`` (title rows and merged cells allowed) or ``.csv``:

* **wide**: one row per unit or element control zone (a ``YS…`` code; or per province /
  city with ``--level``): the code, name
  and class columns and the four dimension columns, each cell split into its numbered
  clauses (:func:`split_clauses`);
* **long**: one row per clause: 单元编码 or 行政区划代码, 管控层级, 管控维度, 条款序号,
  管控要求, optionally 名称, 出处 and the machine conditions 禁止类行业 / 限制类行业 /
  须入园行业 (industry categories separated by 、) with 适用建设性质 (新建、扩建: the
  project kinds they concern; empty: every kind) and 除外情形 (project tags the clause
  excepts: 光伏玻璃 for 平板玻璃（不含光伏玻璃）).

Headers are matched by the control-unit catalogue's aliases (official codes such as
``HJZHGKDYBM`` and ``KJBJYS`` and their Chinese names). Every problem names its row and
column; any problem fails the whole import, and everything is written in the caller's
one transaction (one release per level present, :mod:`layers.store.entry_lists`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from layers.errors import ImportFileError
from layers.ingest.importer import check_new_release
from layers.store.catalog import ELEMENT_ZONES, get_collection
from layers.store.entry_lists import (
    DIMENSIONS,
    ELEMENT_CODE_PATTERN,
    LEVEL_TITLES,
    LEVELS,
    MAX_CLAUSE_CHARS,
    UNIT_CODE_PATTERN,
    Level,
    release_collection,
)
from layers.store.models import EntryClause, EntryCondition, Release, feature_table
from layers.store.releases import full_adcode, select_in_force

Progress = Callable[[int, int], None]

#: At most this many rows are searched for the header row (title rows come first).
HEADER_SEARCH_ROWS = 20
#: A file larger than this is refused before it is read.
MAX_FILE_BYTES = 50 * 1024 * 1024

# --- headers -----------------------------------------------------------------------------


def _unit_aliases() -> dict[str, str]:
    """Header → field of the control-unit catalogue (code, name, class, the four texts)."""
    units = get_collection("control_units")
    wanted = ("code", "name", "unit_class", *DIMENSIONS)
    out: dict[str, str] = {}
    for f in units.fields:
        if f.name in wanted:
            for alias in (f.name, f.label, *f.aliases):
                out[_key(alias)] = f.name
    return out


#: Long-layout and division headers the catalogue does not hold (our own, and the usual
#: Chinese names in published lists).
_EXTRA_ALIASES = {
    "code": (
        "STHJYSGKFQBM",
        "SHJGKFQBM",
        "DQHJGKFQBM",
        "管控分区编码",
        "要素管控分区编码",
    ),
    "adcode": ("行政区划代码", "区划代码", "行政区代码", "XZQDM", "adcode", "省市代码"),
    "level": ("管控层级", "清单层级", "层级", "level"),
    "dimension": ("管控维度", "维度", "清单类别", "dimension"),
    "clause_no": ("条款序号", "序号", "条款编号", "clause_no"),
    "text": ("管控要求", "准入要求", "条款内容", "要求", "text"),
    "source": ("出处", "依据", "来源", "source"),
    "banned_industries": ("禁止类行业", "禁止行业"),
    "restricted_industries": ("限制类行业", "限制行业"),
    "park_only": ("须入园行业", "入园行业"),
    "project_kinds": ("适用建设性质", "project_kinds"),
    "except_tags": ("除外情形", "除外标签", "except_tags"),
    "province_name": ("省", "省份", "PROV"),
    "city_name": ("市", "地市", "CITY"),
}

_SPACE = re.compile(r"\s+")
_LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_UNIT_CODE = re.compile(UNIT_CODE_PATTERN)
_ELEMENT_CODE = re.compile(ELEMENT_CODE_PATTERN)
#: The levels whose scope is a code (column 单元编码), not an adcode.
_CODED: tuple[Level, ...] = ("unit", "element")

#: Values of 管控层级, by level.
_LEVEL_VALUES: dict[str, Level] = {
    **dict.fromkeys(("省级", "省", "省域", "全省", "province"), "province"),
    **dict.fromkeys(("市级", "市", "市域", "全市", "区域", "city"), "city"),
    **dict.fromkeys(("单元", "管控单元", "单元级", "环境管控单元", "unit"), "unit"),
    **dict.fromkeys(("要素", "要素管控分区", "要素分区", "管控分区", "element"), "element"),
}


def code_level(code: str) -> Level:
    """The level of a coded list row without 管控层级: ``element`` for a ``YS…`` code."""
    return "element" if code.strip().upper().startswith("YS") else "unit"


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    """A header or value as compared: no whitespace (newlines occur in headers), upper case.

    Cached: a list repeats a few values (dimensions, levels) on every row.
    """
    return _SPACE.sub("", name).upper()


def _aliases() -> dict[str, str]:
    out = _unit_aliases()
    for target, names in _EXTRA_ALIASES.items():
        for name in names:
            out.setdefault(_key(name), target)
    return out


def _dimension_values() -> dict[str, str]:
    """A 管控维度 value (title, official code, alias, key) → dimension key."""
    units = get_collection("control_units")
    out = {_key(k): k for k in DIMENSIONS} | {_key(t): k for k, t in DIMENSIONS.items()}
    for key in DIMENSIONS:
        for alias in units.field(key).aliases:
            out[_key(alias)] = key
    return out


# --- clause splitting -------------------------------------------------------------------

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
#: Numbering styles, in the order they are tried: ``1.``/``１．``/``1、``, ``（1）``/``(1)``,
#: ``①``. A marker counts only at the start of the text or after a line break, a space
#: or 。；; (so ``0.5`` in a sentence is no marker).
_MARKERS = (
    re.compile(r"(?:^|(?<=[\s。；;]))([0-9０-９]{1,2})\s*[.．、](?![0-9０-９])"),
    re.compile(r"[（(]([0-9０-９]{1,2})[）)]"),
    re.compile(r"([\u2460-\u2473])"),
)
_SEPARATORS = re.compile(r"[；;]")
_TRAILING = " \t\r\n；;，,"


def _number(token: str) -> int:
    if len(token) == 1 and "\u2460" <= token <= "\u2473":
        return ord(token) - 0x245F
    return int(token.translate(_DIGITS))


def split_clauses(text: str) -> list[str]:
    """A cell's text as its clauses, numbering removed, words verbatim.

    A text that starts with clause 1 in one of the numbering styles (``１．``, ``1.``,
    ``1、``, ``（1）``, ``①``) is cut before each next number of the same style in
    sequence (so sub-items numbered in another style stay in their clause); otherwise a
    text with ``；`` is cut there; otherwise it is one clause. Empty clauses are kept
    (as ``""``) so the caller can refuse them.
    """
    body = text.strip()
    if not body:
        return []
    for pattern in _MARKERS:
        first = pattern.match(body)
        if first is None or _number(first.group(1)) != 1:
            continue
        cuts = [(first.start(), first.end())]
        expected = 2
        for m in pattern.finditer(body, first.end()):
            if _number(m.group(1)) == expected:
                cuts.append((m.start(), m.end()))
                expected += 1
        ends = [start for start, _ in cuts[1:]] + [len(body)]
        return [body[end:stop].strip(_TRAILING) for (_, end), stop in zip(cuts, ends, strict=True)]
    if _SEPARATORS.search(body):
        parts = [p.strip(_TRAILING) for p in _SEPARATORS.split(body)]
        if parts and parts[-1] in ("", "。"):
            parts.pop()  # a trailing separator
        return parts
    return [body.strip(_TRAILING)]


# --- reading a file into a grid ------------------------------------------------------------


@dataclass
class Grid:
    """A sheet as text: ``rows[i]`` is the sheet's row ``numbers[i]`` (1-based)."""

    rows: list[list[str]]
    numbers: list[int]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_grid(path: Path) -> Grid:
    """The first sheet of an ``.xlsx`` (merged cells filled with their value) or a CSV.

    Raises:
        ImportFileError: missing, not ``.xlsx``/``.csv``, too large, or unreadable.
    """
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ImportFileError(
            f"file: '{path.name}' is neither .xlsx nor .csv; save the list as one of them.",
            field="file",
        )
    if not path.is_file():
        raise ImportFileError(f"file: '{path}' does not exist or is not a file.", field="file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"file: larger than {MAX_FILE_BYTES // 1024 // 1024} MB.", field="file"
        )
    if suffix == ".csv":
        raw = path.read_bytes()
        try:
            decoded = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            decoded = raw.decode("gb18030", errors="replace")
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(decoded))]
        return Grid(rows, list(range(1, len(rows) + 1)))
    import openpyxl  # heavy; only when a spreadsheet is read

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportFileError(
            f"file: cannot read '{path.name}' as .xlsx ({exc}).", field="file"
        ) from None
    sheet = book.worksheets[0]
    values = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        top = values[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                values[r - 1][c - 1] = top
    return Grid(values, list(range(1, len(values) + 1)))


# --- parsing -------------------------------------------------------------------------------


@dataclass
class ParsedClause:
    """One clause read from a file, with where it was read (row number, column name)."""

    level: Level
    scope: str
    scope_name: str
    dimension: str
    clause_no: int
    text: str
    source: str
    row: int
    column: str
    conditions: list[dict[str, Any]] = field(default_factory=list)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _where(row: int, header: str, index: int) -> str:
    return f"row {row}, column {_column_letter(index)} ({header})"


def _find_header(grid: Grid, aliases: dict[str, str]) -> tuple[int, dict[str, int], list[str]]:
    """The header row (index into ``grid.rows``), field → column index, and the headers."""
    best, best_count = -1, 1
    for i, row in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
        count = len({aliases[_key(c)] for c in row if c and _key(c) in aliases})
        if count > best_count:
            best, best_count = i, count
    if best < 0:
        raise ImportFileError(
            "file: no header row found in the first 20 rows; the list needs columns such "
            "as 环境管控单元编码 (HJZHGKDYBM) and 空间布局约束 (KJBJYS), or 管控维度 and 管控要求.",
            field="file",
        )
    columns: dict[str, int] = {}
    headers = grid.rows[best]
    for index, name in enumerate(headers):
        target = aliases.get(_key(name)) if name else None
        if target is not None and target not in columns:
            columns[target] = index
    return best, columns, headers


def _industries(value: str) -> list[str]:
    if not value:
        return []
    return [v for v in (p.strip() for p in _LIST_SEPARATORS.split(value)) if v]


def _scope(level: Level, value: str, where: str, problems: list[str]) -> str | None:
    if level == "element":
        if not _ELEMENT_CODE.match(value):
            problems.append(
                f"{where}: '{value}' is not an element control zone code (YS + 6-digit "
                "adcode + 3 to 9 digits, e.g. YS3202812110001)."
            )
            return None
        return value
    if level == "unit":
        if not _UNIT_CODE.match(value):
            problems.append(
                f"{where}: '{value}' is not a control unit code (ZH + 6-digit adcode + "
                "class digit 1/2/3 + 4-digit serial, e.g. ZH32028120001)."
            )
            return None
        return value
    digits = value.strip()
    wanted = 2 if level == "province" else 4
    if digits.isdigit() and len(digits) == 6:
        digits = digits[:wanted] if digits[wanted:] == "0" * (6 - wanted) else digits
    if not (digits.isdigit() and len(digits) == wanted):
        kind = "province (e.g. 320000)" if level == "province" else "city (e.g. 320200)"
        problems.append(f"{where}: '{value}' is not the adcode of a {kind}.")
        return None
    return full_adcode(digits)


@dataclass
class _Sheet:
    grid: Grid
    header_index: int
    columns: dict[str, int]
    headers: list[str]

    def data(self) -> Iterable[tuple[int, list[str]]]:
        for row, number in zip(
            self.grid.rows[self.header_index + 1 :],
            self.grid.numbers[self.header_index + 1 :],
            strict=True,
        ):
            if any(c for c in row):
                yield number, row

    def get(self, row: list[str], name: str) -> str:
        index = self.columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    def where(self, number: int, name: str) -> str:
        index = self.columns[name]
        return _where(number, self.headers[index], index)


def _check_text(text: str, where: str, problems: list[str]) -> bool:
    if not text:
        problems.append(f"{where}: empty clause (remove the stray number or separator).")
        return False
    if len(text) > MAX_CLAUSE_CHARS:
        problems.append(
            f"{where}: clause of {len(text):,} characters, over {MAX_CLAUSE_CHARS:,}; "
            "split it into numbered clauses."
        )
        return False
    return True


def _parse_wide(sheet: _Sheet, given: Level | None, problems: list[str]) -> list[ParsedClause]:
    level: Level = given or "unit"
    scope_field = "code" if level in _CODED else "adcode"
    if scope_field not in sheet.columns:
        need = (
            "环境管控单元编码 (HJZHGKDYBM) or 管控分区编码"
            if level in _CODED
            else "行政区划代码 (--level " + level + ")"
        )
        problems.append(f"file: no column {need} in the header row {sheet.header_index + 1}.")
        return []
    out: list[ParsedClause] = []
    for number, row in sheet.data():
        raw_scope = sheet.get(row, scope_field)
        if not raw_scope:
            problems.append(f"{sheet.where(number, scope_field)}: empty code.")
            continue
        if given is None:
            level = code_level(raw_scope)
        scope = _scope(level, raw_scope, sheet.where(number, scope_field), problems)
        if scope is None:
            continue
        name = sheet.get(row, "name") or sheet.get(
            row, "province_name" if level == "province" else "city_name"
        )
        for dimension in DIMENSIONS:
            where = sheet.where(number, dimension)
            for clause_no, text in enumerate(split_clauses(sheet.get(row, dimension)), start=1):
                if _check_text(text, f"{where}, clause {clause_no}", problems):
                    out.append(
                        ParsedClause(
                            level, scope, name, dimension, clause_no, text, "", number,
                            sheet.headers[sheet.columns[dimension]],
                        )
                    )  # fmt: skip
    return out


def _parse_long(
    sheet: _Sheet, default_level: Level | None, problems: list[str]
) -> list[ParsedClause]:
    dimensions = _dimension_values()
    out: list[ParsedClause] = []
    numbering: dict[tuple[str, str, str], int] = {}
    for number, row in sheet.data():
        level: Level | None = default_level
        if "level" in sheet.columns:
            value = sheet.get(row, "level")
            if value:
                level = _LEVEL_VALUES.get(_key(value).lower()) or _LEVEL_VALUES.get(value)
                if level is None:
                    problems.append(
                        f"{sheet.where(number, 'level')}: '{value}' is not a level; use "
                        "省级, 市级, 单元 or 要素管控分区."
                    )
                    continue
                if default_level is not None and level != default_level:
                    problems.append(
                        f"{sheet.where(number, 'level')}: level {LEVEL_TITLES[level]} in an "
                        f"import of --level {default_level}."
                    )
                    continue
        if level is None:
            level = code_level(sheet.get(row, "code")) if sheet.get(row, "code") else None
        if level is None:
            problems.append(
                f"row {number}: no level; give 管控层级 or --level province|city|unit|element."
            )
            continue
        scope_field = "code" if level in _CODED else "adcode"
        if scope_field not in sheet.columns:
            problems.append(
                f"row {number}: a {level} clause needs the column "
                + ("单元编码." if level in _CODED else "行政区划代码.")
            )
            continue
        scope = _scope(
            level, sheet.get(row, scope_field), sheet.where(number, scope_field), problems
        )
        dim_value = sheet.get(row, "dimension")
        dimension = dimensions.get(_key(dim_value))
        if dimension is None:
            problems.append(
                f"{sheet.where(number, 'dimension')}: '{dim_value}' is not a dimension; use "
                + ", ".join(DIMENSIONS.values())
                + "."
            )
        if "clause_no" not in sheet.columns:  # no 条款序号: numbered in the file's order
            key = (level, scope or "", dimension or "")
            clause_no = numbering[key] = numbering.get(key, 0) + 1
            raw_no = str(clause_no)
        else:
            raw_no = sheet.get(row, "clause_no")
            digits = raw_no.translate(_DIGITS)
            clause_no = int(digits) if digits.isdigit() else 0
        if clause_no < 1:
            problems.append(
                f"{sheet.where(number, 'clause_no')}: '{raw_no}' is not a clause number (1, 2, …)."
            )
        text = sheet.get(row, "text")
        ok = _check_text(text, sheet.where(number, "text"), problems)
        if scope is None or dimension is None or clause_no < 1 or not ok:
            continue
        kinds = _industries(sheet.get(row, "project_kinds"))
        # the clause's own exceptions as project tags: 平板玻璃（不含光伏玻璃） → 光伏玻璃
        excepted = _industries(sheet.get(row, "except_tags"))
        conditions = [
            {
                "kind": kind,
                "industries": names,
                "project_kinds": kinds,
                **({"params": {"except_tags": excepted}} if excepted else {}),
            }
            for kind in ("banned_industries", "restricted_industries", "park_only")
            if (names := _industries(sheet.get(row, kind)))
        ]
        name = sheet.get(row, "name") or sheet.get(
            row, "province_name" if level == "province" else "city_name"
        )
        out.append(
            ParsedClause(
                level, scope, name, dimension, clause_no, text, sheet.get(row, "source"),
                number, sheet.headers[sheet.columns["text"]], conditions,
            )
        )  # fmt: skip
    return out


def parse_entry_list(path: Path, level: Level | None = None) -> list[ParsedClause]:
    """Every clause of a file, in either layout (long when it has 管控维度 and 管控要求).

    Raises:
        ImportFileError: the file cannot be read, or any row is bad; the detail lists the
            problems (at most 20), each with its row and column.
    """
    grid = read_grid(path)
    aliases = _aliases()
    header_index, columns, headers = _find_header(grid, aliases)
    sheet = _Sheet(grid, header_index, columns, headers)
    problems: list[str] = []
    if "dimension" in columns and "text" in columns:
        clauses = _parse_long(sheet, level, problems)
    else:
        missing = [title for key, title in DIMENSIONS.items() if key not in columns]
        if missing:
            raise ImportFileError(
                f"file: header row {grid.numbers[header_index]} has no column "
                + "、".join(missing)
                + " (wide layout: the four dimension columns; long layout: 管控维度 and "
                "管控要求).",
                field="file",
            )
        clauses = _parse_wide(sheet, level, problems)
    seen: dict[tuple[str, str, str, int], int] = {}
    for c in clauses:
        key = (c.level, c.scope, c.dimension, c.clause_no)
        if key in seen:
            problems.append(
                f"row {c.row}, column {c.column}: clause {c.clause_no} of {c.scope} "
                f"{DIMENSIONS[c.dimension]} is also on row {seen[key]}."
            )
        else:
            seen[key] = c.row
    if problems:
        raise _problems(path, problems)
    if not clauses:
        raise ImportFileError(f"file: '{path.name}' holds no clause.", field="file")
    return clauses


def _problems(path: Path, problems: list[str]) -> ImportFileError:
    shown = problems[:20]
    more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
    return ImportFileError(
        f"file: {path.name}: {len(problems)} problem(s), nothing imported{more}: "
        + " | ".join(shown),
        field="file",
    )


# --- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryListOptions:
    """What ``ecozone import-entry-list`` is told besides the file."""

    release: str
    valid_from: date
    level: Level | None = None
    source: str = ""
    licence: str = ""
    note: str = ""
    synthetic: bool = False


@dataclass
class EntryListReport:
    """What an entry-list import stored: per level, its release and clause count."""

    releases: dict[str, dict[str, Any]]
    clauses: int
    conditions: int


def _known_codes(
    session: Session, collections: tuple[str, ...], codes: list[str], valid_from: date
) -> dict[str, str]:
    """Code → name of those of ``codes`` in the collections' releases in force."""
    known: dict[str, str] = {}
    for collection in collections:
        table = feature_table(collection)
        in_force = select_in_force(collection, valid_from, Release.id).scalar_subquery()
        rows = session.execute(
            select(table.c.code, table.c.name).where(
                table.c.release_id == in_force, table.c.code.in_(codes)
            )
        )
        known.update({code: name or "" for code, name in rows})
    return known


def _check_units(
    session: Session, path: Path, clauses: list[ParsedClause], valid_from: date
) -> dict[str, str]:
    """The names of the unit and zone codes, from the layers in force on ``valid_from``.

    Unit codes are looked up in ``control_units``, element zone codes in the element
    control zone collections (:data:`layers.store.catalog.ELEMENT_ZONES`).

    Raises:
        ImportFileError: a code is not in the releases in force.
    """
    known: dict[str, str] = {}
    for level, collections in (
        ("unit", ("control_units",)),
        ("element", tuple(z.id for z in ELEMENT_ZONES)),
    ):
        codes = sorted({c.scope for c in clauses if c.level == level})
        if codes:
            known.update(_known_codes(session, collections, codes, valid_from))
    problems: list[str] = []
    reported: set[str] = set()
    for c in clauses:
        if c.level in _CODED and c.scope not in known and c.scope not in reported:
            reported.add(c.scope)
            what = (
                "unit {code} is not in the control_units release"
                if c.level == "unit"
                else "element control zone {code} is not in an element zone release"
            ).format(code=c.scope)
            problems.append(
                f"row {c.row}: {what} in force on {valid_from.isoformat()} "
                "(import the layer first, or fix the code)."
            )
    if problems:
        raise _problems(path, problems)
    return known


#: Clauses written per COPY (and per progress step).
_CHUNK = 20_000
_TABLE = EntryClause.__tablename__
_CONDITION_COLUMNS = ("clause_id", "kind", "industries", "project_kinds", "params")
_CLAUSE_COLUMNS = (
    "id", "release_id", "level", "scope", "scope_name", "dimension", "clause_no", "text",
    "source", "synthetic",
)  # fmt: skip


def _copy_clauses(
    session: Session,
    release_id: int,
    chunk: list[ParsedClause],
    names: dict[str, str],
    synthetic: bool,
) -> list[int]:
    """Write clauses with ``COPY``; their ids, in order.

    The ids are drawn from the table's sequence first, so the conditions can refer to
    them (``COPY`` returns nothing): 500,000 clauses in seconds, not minutes.
    """
    ids = list(
        session.scalars(
            select(func.nextval(func.pg_get_serial_sequence(_TABLE, "id"))).select_from(
                func.generate_series(1, len(chunk))
            )
        )
    )
    rows = [
        (clause_id, release_id, c.level, c.scope, c.scope_name or names.get(c.scope, ""),
         c.dimension, c.clause_no, c.text, c.source, synthetic)
        for clause_id, c in zip(ids, chunk, strict=True)
    ]  # fmt: skip
    _copy(session, _TABLE, _CLAUSE_COLUMNS, rows)
    return ids


def _copy(
    session: Session, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """``COPY`` rows into ``table`` on the session's own connection (its transaction)."""
    if not rows:
        return
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - a pooled psycopg connection always has one
        raise ImportFileError("No database connection for COPY.")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def import_entry_list(
    session: Session,
    path: Path,
    options: EntryListOptions,
    *,
    progress: Progress | None = None,
) -> EntryListReport:
    """Read a list file and store it: one release per level present, one row per clause.

    Everything is flushed on the caller's transaction and committed once at the end;
    on any error nothing is committed (and the caller rolls back).

    Raises:
        ImportFileError: the file cannot be read or a row is bad (row and column named).
        ReleaseConflictError: the release name exists for a level in the file.
    """
    clauses = parse_entry_list(path, options.level)
    names = _check_units(session, path, clauses, options.valid_from)
    levels = [lv for lv in LEVELS if any(c.level == lv for c in clauses)]
    for level in levels:
        check_new_release(session, release_collection(level), options.release)
    total = len(clauses)
    done = 0
    report = EntryListReport({}, 0, 0)
    for level in levels:
        mine = [c for c in clauses if c.level == level]
        release = Release(
            collection=release_collection(level),
            name=options.release,
            valid_from=options.valid_from,
            source=options.source or path.name,
            licence=options.licence,
            note=options.note,
            synthetic=options.synthetic,
            feature_count=len(mine),
            import_report={"file": path.name, "clauses": len(mine)},
        )
        session.add(release)
        session.flush()
        for start in range(0, len(mine), _CHUNK):
            chunk = mine[start : start + _CHUNK]
            ids = _copy_clauses(session, release.id, chunk, names, options.synthetic)
            conditions = [
                (
                    clause_id,
                    cond["kind"],
                    cond.get("industries", []),
                    cond.get("project_kinds", []),
                    Jsonb(cond.get("params", {})),
                )
                for clause_id, c in zip(ids, chunk, strict=True)
                for cond in c.conditions
            ]
            _copy(session, EntryCondition.__tablename__, _CONDITION_COLUMNS, conditions)
            report.conditions += len(conditions)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        report.releases[level] = {"release_id": release.id, "release": release.name,
                                  "clauses": len(mine)}  # fmt: skip
        report.clauses += len(mine)
    # fresh statistics: a screening's clause lookup is planned on them (and a server may
    # run without autovacuum); ANALYZE samples, so this costs well under a second
    session.execute(sql_text(f"ANALYZE {_TABLE}, {EntryCondition.__tablename__}"))
    session.commit()
    return report


def cast_level(value: str | None) -> Level | None:
    """``--level`` as a level (None when not given).

    Raises:
        ImportFileError: not province, city or unit.
    """
    if value is None:
        return None
    if value not in LEVELS:
        raise ImportFileError(
            f"level must be one of {', '.join(LEVELS)}; got {value!r}.", field="level"
        )
    return value  # type narrowed by the membership test above
