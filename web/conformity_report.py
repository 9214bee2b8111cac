"""The 三线一单 conformity chapter (符合性分析) of a screening as tables, and its Excel export.

:func:`conformity_chapter` turns a stored screening's ``conformity`` block into the
tables EIA reports lay out (one per list: 管控维度 | 管控要求（原文） | 本项目情况 |
符合性); the HTML/PDF report, the Word report (:mod:`web.word_report`) and the
spreadsheet (:func:`render_xlsx`) all print these rows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from layers.store.entry_lists import DIMENSIONS, LEVEL_TITLES

if TYPE_CHECKING:  # openpyxl loads when a workbook is asked for
    from openpyxl.worksheet.worksheet import Worksheet

CHAPTER_TITLE = "与“三线一单”生态环境分区管控符合性分析"
COLUMNS = ("管控维度", "管控要求（原文）", "本项目情况", "符合性")
SYNTHETIC_LIST_NOTE = (
    "注意：以下部分准入清单条款为演示用合成数据（synthetic），不是真实发布的生态环境准入清单，"
    "不得用于实际审批或环评报告。"
)
#: A judgement → CSS class of the report.
JUDGEMENT_CLASSES = {"符合": "pass", "不符合": "deny", "不涉及": "na", "需人工核实": "manual"}
_EMPTY_DIMENSION = "（本级清单未列该维度条款）"
#: The note every report prints when a layer it read is synthetic (the HTML, PDF and Word
#: reports and the spreadsheet).
SYNTHETIC_NOTE = (
    "注意：本次筛查使用的部分图层为演示用合成数据（synthetic），不代表真实的管控边界，"
    "不得用于实际审批。"
)


@dataclass
class ConformityRow:
    """One row of a conformity table."""

    dimension: str
    clause: str
    source: str
    situation: str
    judgement: str
    synthetic: bool = False


@dataclass
class ConformityTable:
    """The table of one list (a province's, a city's or a unit's)."""

    heading: str
    release: str
    rows: list[ConformityRow] = field(default_factory=list)


#: The head table of the chapter: the three 三线 conclusions.
THREE_LINES_COLUMNS = ("三线一单", "本项目情况", "符合性")


@dataclass
class ThreeLine:
    """One of the three conclusions (生态保护红线, 环境质量底线, 资源利用上线)."""

    title: str
    finding: str
    judgement: str


@dataclass
class ConformityChapter:
    """The chapter: the 三线 conclusions, a summary line, the tables, a DENY's cause, notes."""

    summary: str
    tables: list[ConformityTable]
    denied_by: list[dict[str, Any]]
    warnings: list[str]
    synthetic: bool
    three_lines: list[ThreeLine] = field(default_factory=list)


def _hectares(m2: float | None) -> str:
    return f"{m2 / 10000:.2f} 公顷" if m2 else "—"


def _heading(group: dict[str, Any]) -> str:
    level = group.get("level", "")
    title = LEVEL_TITLES.get(level, level)
    if level == "unit":
        unit = group.get("unit") or {}
        parts = [group.get("scope", "")]
        if unit.get("unit_class"):
            parts.append(str(unit["unit_class"]))
        if unit.get("overlap_m2"):
            parts.append(f"重叠面积 {_hectares(unit['overlap_m2'])}")
        if unit.get("share") is not None:
            parts.append(f"占项目 {unit['share'] * 100:.1f}%")
        name = group.get("scope_name") or unit.get("name") or ""
        return f"环境管控单元：{name}（{'，'.join(parts)}）"
    if level == "element":
        zone = group.get("zone") or {}
        parts = [group.get("scope", "")]
        if zone.get("element_subtype"):
            parts.append(str(zone["element_subtype"]))
        if zone.get("overlap_m2"):
            parts.append(f"重叠面积 {_hectares(zone['overlap_m2'])}")
        if zone.get("share") is not None:
            parts.append(f"占项目 {zone['share'] * 100:.1f}%")
        name = group.get("scope_name") or zone.get("name") or ""
        kind = zone.get("collection_title") or title
        return f"{kind}：{name}（{'，'.join(parts)}）"
    name = group.get("scope_name") or group.get("scope", "")
    return f"{title}生态环境准入要求：{name}（{group.get('scope', '')}）"


def conformity_chapter(screening: dict[str, Any]) -> ConformityChapter | None:
    """The conformity chapter of a stored screening (None when it has no block)."""
    block = screening.get("conformity")
    if not isinstance(block, dict):
        return None
    tables = []
    for group in block.get("lists") or []:
        table = ConformityTable(_heading(group), str(group.get("release") or ""))
        for dimension in group.get("dimensions") or []:
            title = dimension.get("title") or DIMENSIONS.get(dimension.get("dimension", ""), "")
            clauses = dimension.get("clauses") or []
            if not clauses:
                table.rows.append(ConformityRow(title, _EMPTY_DIMENSION, "", "—", "—"))
            for c in clauses:
                table.rows.append(
                    ConformityRow(
                        title,
                        f"{c.get('clause_no')}. {c.get('text', '')}",
                        str(c.get("source") or ""),
                        str(c.get("finding") or ""),
                        str(c.get("judgement") or ""),
                        bool(c.get("synthetic")),
                    )
                )
        tables.append(table)
    counts = block.get("summary") or {}
    summary = "；".join(f"{k} {v} 条" for k, v in counts.items()) or "—"
    return ConformityChapter(
        summary=summary,
        tables=tables,
        denied_by=list(block.get("denied_by") or []),
        warnings=[str(w) for w in block.get("warnings") or []],
        synthetic=bool(block.get("synthetic")),
        three_lines=[
            ThreeLine(
                str(c.get("title") or ""),
                str(c.get("finding") or ""),
                str(c.get("judgement") or ""),
            )
            for c in block.get("three_lines") or []
        ],
    )


XLSX_HEADERS = ("清单", "版本", *COLUMNS[:2], "出处", *COLUMNS[2:], "数据性质")


def render_xlsx(screening: dict[str, Any], *, layers_synthetic: bool = False) -> bytes:
    """The conformity table as an ``.xlsx`` workbook (one sheet, one row per clause).

    ``layers_synthetic``: some layer the screening read is synthetic (said on the sheet,
    as every report says it).
    """
    from openpyxl import Workbook  # only when a workbook is asked for

    book = Workbook()
    sheet = book.active
    if sheet is None:  # pragma: no cover - a new workbook has its sheet
        raise RuntimeError("openpyxl made no sheet")
    conformity_sheet(sheet, screening, layers_synthetic=layers_synthetic)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def conformity_sheet(
    sheet: Worksheet, screening: dict[str, Any], *, layers_synthetic: bool = False
) -> None:
    """Fill ``sheet`` with the conformity table (this workbook's, and the report workbook's)."""
    from openpyxl.styles import Alignment, Font

    sheet.title = "符合性分析"
    chapter = conformity_chapter(screening)
    sheet.append([f"{screening.get('name') or '项目'} · {CHAPTER_TITLE}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"筛查编号 {screening.get('id')} ｜ 现状日期 {screening.get('as_of')}"])
    if chapter is not None and chapter.synthetic:
        sheet.append([SYNTHETIC_LIST_NOTE])
    if layers_synthetic:
        sheet.append([SYNTHETIC_NOTE])
    sheet.append(list(XLSX_HEADERS))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for line in chapter.three_lines if chapter is not None else []:
        # the 三线 conclusions first, as EIA reports give them
        sheet.append(
            ["“三线一单”符合性结论", "", line.title, "", "", line.finding, line.judgement, ""]
        )
    for table in chapter.tables if chapter is not None else []:
        for row in table.rows:
            sheet.append(
                [
                    table.heading,
                    table.release,
                    row.dimension,
                    row.clause,
                    row.source,
                    row.situation,
                    row.judgement,
                    "演示合成数据" if row.synthetic else "",
                ]
            )
    for letter, width in zip("ABCDEFGH", (36, 14, 16, 60, 30, 40, 12, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for cells in sheet.iter_rows(min_row=header_row + 1):
        for cell in cells:
            cell.alignment = wrap
    sheet.freeze_panes = f"A{header_row + 1}"
