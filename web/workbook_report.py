"""A stored screening as an Excel workbook: the tables a reviewer copies into an EIA report.

One sheet per table of the report (``report.html``, :mod:`web.word_report`), with numbers
as numbers (distances in metres, areas in hectares, coordinates) so that they sort and
sum: 筛查结论 (project, verdict, each applicable rule), 证据要素, 环境保护目标, 拐点坐标,
符合性分析 (:func:`web.conformity_report.conformity_sheet`) and 图层版本.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from gis.civil_time import today
from layers.store.catalog import COLLECTIONS
from web import location_report, protection_report
from web.conformity_report import SYNTHETIC_NOTE, conformity_sheet
from web.report import (
    OUTCOMES,
    VERDICTS,
    applicable_results,
    completeness_of,
    industry_text,
    not_applicable_by_jurisdiction,
    site_text,
)

if TYPE_CHECKING:  # openpyxl loads when a workbook is asked for (issue 12)
    from openpyxl.worksheet.worksheet import Worksheet

RULE_COLUMNS = (
    "序号",
    "结果",
    "规则编号",
    "规则",
    "适用范围",
    "依据文件",
    "条款",
    "条文",
    "措施 / 未核查原因",
    "证据要素数",
)
EVIDENCE_COLUMNS = (
    "规则编号",
    "图层",
    "要素",
    "要素编号",
    "距离（m）",
    "重叠面积（公顷）",
    "重叠比例（%）",
    "图层版本编号",
)
TARGET_COLUMNS = (
    *protection_report.COLUMNS[:5], "距离（m）", "距离量算", "规模", "经度（°）", "纬度（°）",
)  # fmt: skip
RELEASE_COLUMNS = ("图层", "版本", "生效日期", "失效日期", "来源", "许可", "演示合成数据")
_TITLES = {c.id: c.title for c in COLLECTIONS}


def _title_rows(sheet: Worksheet, screening: dict[str, Any], title: str, notes: list[str]) -> int:
    """The sheet's title, the screening's number and date, and notes; the next row's number."""
    from openpyxl.styles import Font

    sheet.append([f"{screening.get('name') or '项目'} · {title}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        [f"筛查编号 {screening.get('id')} ｜ 现状日期 {screening.get('as_of')} ｜ 导出 {today()}"]
    )
    for note in notes:
        sheet.append([note])
    return sheet.max_row + 1


def _table(
    sheet: Worksheet, columns: tuple[str, ...], rows: list[list[Any]], widths: tuple[int, ...]
) -> None:
    """A header row in bold, the rows, column widths, wrapped text, the header frozen."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.append(list(columns))
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for cells in sheet.iter_rows(min_row=header + 1, max_row=header + len(rows)):
        for cell in cells:
            cell.alignment = wrap
    sheet.freeze_panes = f"A{header + 1}"


def _verdict_sheet(sheet: Worksheet, screening: dict[str, Any], synthetic: bool) -> None:
    verdict = str(screening.get("verdict") or "")
    notes = [SYNTHETIC_NOTE] if synthetic else []
    _title_rows(sheet, screening, "筛查结论", notes)
    label = VERDICTS.get(verdict, (verdict or "—", ""))[0]
    facts = [
        ("筛查结论", label),
        ("项目名称", str(screening.get("name") or "—")),
        ("建设地点", site_text(screening)),
        ("行业", industry_text(screening)),
        ("建设性质", str(screening.get("kind") or "—")),
        ("项目标签", "、".join(screening.get("tags") or []) or "—"),
        ("缓冲距离（m）", screening.get("buffer_m")),
    ]
    completeness = completeness_of(screening)
    if completeness is not None:
        missing = [f"{m['title']}：{m['text']}" for m in completeness["layers"]]
        missing += [f"项目未提供：{f}" for f in completeness["facts"]]
        facts.append(("筛查不完整", "；".join(missing) or "是"))
    for key, value in facts:
        sheet.append([key, value])
    sheet.append([])
    rows: list[list[Any]] = []
    for i, r in enumerate(applicable_results(screening.get("results") or []), start=1):
        citation = r.get("citation") or {}
        measures = r.get("measures")
        if isinstance(measures, list):
            measures = "；".join(str(m) for m in measures)
        reason = (r.get("reason") or {}).get("text") if r.get("outcome") == "NOT_CHECKED" else None
        rows.append(
            [
                i,
                OUTCOMES.get(str(r.get("outcome")), (str(r.get("outcome")), ""))[0],
                r.get("rule_id"),
                r.get("title"),
                r.get("jurisdiction"),
                citation.get("document") or r.get("document"),
                citation.get("article"),
                citation.get("text"),
                f"未核查原因：{reason}" if reason else measures,
                len(r.get("evidence") or []),
            ]
        )
    _table(sheet, RULE_COLUMNS, rows, (6, 10, 18, 30, 18, 30, 14, 60, 40, 10))
    for jurisdiction, ids in not_applicable_by_jurisdiction(screening.get("results") or []):
        sheet.append([f"不适用（适用范围：{jurisdiction}，{len(ids)} 条）", "、".join(ids)])


def _evidence_sheet(sheet: Worksheet, screening: dict[str, Any]) -> None:
    _title_rows(sheet, screening, "证据要素", [])
    rows: list[list[Any]] = []
    for result in screening.get("results") or []:
        for e in result.get("evidence") or []:
            if "collection" not in e:  # raster statistics and attainment: in the report
                continue
            overlap = e.get("overlap_m2")
            ratio = e.get("overlap_ratio")
            rows.append(
                [
                    result.get("rule_id"),
                    _TITLES.get(e["collection"], e["collection"]),
                    e.get("name"),
                    e.get("feature_id"),
                    None if e.get("distance_m") is None else round(float(e["distance_m"]), 1),
                    round(float(overlap) / 10_000, 4) if overlap else None,
                    round(float(ratio) * 100, 2) if ratio else None,
                    e.get("release_id"),
                ]
            )
    _table(sheet, EVIDENCE_COLUMNS, rows, (18, 18, 36, 10, 12, 14, 12, 12))


def _targets_sheet(sheet: Worksheet, screening: dict[str, Any]) -> None:
    table = protection_report.protection_table(screening)
    notes = [protection_report.DISTANCE_NOTE]
    if table is not None:
        notes += [f"评价范围：{r}" for r in table.ranges]
        if table.synthetic:
            notes.append(protection_report.SYNTHETIC_TARGETS_NOTE)
        if table.empty_note:
            notes.append(table.empty_note)
    _title_rows(sheet, screening, protection_report.CAPTION, notes)
    rows: list[list[Any]] = []
    for i, (t, printed) in enumerate(
        zip(screening.get("protection_targets") or [], table.rows if table else [], strict=False),
        start=1,
    ):
        distance = t.get("distance_m")
        rows.append(
            [
                i,
                *printed[1:5],
                None if distance is None else round(float(distance), 1),
                # the number stays a number; how it was measured beside it (the 沿河 mark)
                "沿河（下游）" if t.get("along_river") else "大地距离",
                printed[6],
                t.get("lon"),
                t.get("lat"),
            ]
        )
    _table(sheet, TARGET_COLUMNS, rows, (6, 30, 12, 12, 16, 12, 12, 24, 12, 12))


def _corners_sheet(sheet: Worksheet, screening: dict[str, Any]) -> None:
    table = location_report.location_table(screening)
    _title_rows(sheet, screening, location_report.TITLE, table.notes if table else [])
    if table is None:
        sheet.append(["项目几何不在 CGCS2000 3 度带范围内，未列拐点坐标。"])
        return
    for label, value in table.summary:
        sheet.append([label, value])
    sheet.append([])
    rows: list[list[Any]] = []
    for row in table.corners:
        if not row[1]:  # a parcel's or ring's heading
            rows.append([row[0], None, None, None, None])
            continue
        rows.append([row[0], *(float(v) for v in row[1:])])
    _table(sheet, location_report.COLUMNS, rows, (16, 16, 16, 14, 14))
    for cells in sheet.iter_rows(min_row=sheet.max_row - len(rows) + 1):
        for cell, fmt in zip(cells, ("@", "0.000", "0.000", "0.000000", "0.000000"), strict=False):
            cell.number_format = fmt


def _releases_sheet(
    sheet: Worksheet, screening: dict[str, Any], releases: list[dict[str, Any]]
) -> None:
    _title_rows(sheet, screening, "使用的图层版本", [])
    rows = [
        [
            _TITLES.get(r["collection"], r["collection"]),
            r.get("name"),
            r.get("valid_from"),
            r.get("valid_to"),
            r.get("source"),
            r.get("licence"),
            "是" if r.get("synthetic") else "",
        ]
        for r in releases
    ]
    _table(sheet, RELEASE_COLUMNS, rows, (22, 22, 12, 12, 50, 30, 12))


def render_workbook(screening: dict[str, Any], releases: list[dict[str, Any]]) -> bytes:
    """The screening's tables as an ``.xlsx`` workbook, a sheet each.

    Args:
        screening: the stored screening, as ``GET /screenings/{id}`` returns it.
        releases: the releases it used (``layers.store.releases.release_public`` form);
            when one is synthetic, every sheet that shows its data says so.
    """
    from openpyxl import Workbook  # only when a workbook is asked for

    synthetic = any(r.get("synthetic") for r in releases)
    book = Workbook()
    first = book.active
    if first is None:  # pragma: no cover - a new workbook has its sheet
        raise RuntimeError("openpyxl made no sheet")
    first.title = "筛查结论"
    _verdict_sheet(first, screening, synthetic)
    _evidence_sheet(book.create_sheet("证据要素"), screening)
    _targets_sheet(book.create_sheet(protection_report.TITLE), screening)
    _corners_sheet(book.create_sheet("拐点坐标"), screening)
    conformity_sheet(book.create_sheet("符合性分析"), screening, layers_synthetic=synthetic)
    _releases_sheet(book.create_sheet("图层版本"), screening, releases)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
