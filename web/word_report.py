"""The screening report as a Word document, for report writers to paste into an 环评报告.

The same content as the HTML/PDF report (:mod:`web.report`): project, verdict, location
map (the report's SVG rasterised to PNG), the 三线一单 conformity chapter as real Word
tables (管控维度 | 管控要求（原文） | 本项目情况 | 符合性), the rule results, the releases,
and the synthetic-data and disclaimer notes. Every run is set in a Chinese font (East
Asian font 宋体, Latin Times New Roman) so Word shows it as an EIA report expects.
"""

from __future__ import annotations

import io
from typing import Any

from gis.civil_time import local_time
from layers.store.catalog import collection_title
from web import location_report, protection_report
from web.conformity_report import (
    CHAPTER_TITLE,
    COLUMNS,
    SYNTHETIC_LIST_NOTE,
    SYNTHETIC_NOTE,
    THREE_LINES_COLUMNS,
    conformity_chapter,
)
from web.report import (
    DISCLAIMER,
    INCOMPLETE_NOTE,
    OUTCOMES,
    VERDICTS,
    applicable_results,
    completeness_of,
    evidence_cells,
    evidence_rows,
    industry_text,
    not_applicable_by_jurisdiction,
    quality_rows,
    site_text,
    sources,
)

EAST_ASIAN_FONT = "宋体"
LATIN_FONT = "Times New Roman"
#: The map's width on the page, and the pixel scale it is rasterised at.
MAP_WIDTH_CM = 16.0
#: The picture's key in words (the HTML report draws it as swatches: report.css .key-*).
MAP_LEGEND = (
    "图例：蓝色填充——项目；蓝色虚线——缓冲区；粉红色——证据要素；浅蓝色——水体；灰色虚线——行政区界。"
)
MAP_SCALE = 2.0


def _set_font(target: Any, size_pt: float | None = None, *, bold: bool | None = None) -> None:
    """Give a run or a style the report's Latin and East Asian fonts."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = target.font
    font.name = LATIN_FONT
    if size_pt is not None:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold
    element = target.element if hasattr(target, "element") else target._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attribute in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attribute), EAST_ASIAN_FONT if attribute == "w:eastAsia" else LATIN_FONT)


def _paragraph(document: Any, text: str, *, size: float = 10.5, bold: bool = False) -> Any:
    paragraph = document.add_paragraph()
    _set_font(paragraph.add_run(text), size, bold=bold)
    return paragraph


def _heading(document: Any, text: str, level: int) -> None:
    heading = document.add_heading(level=level)
    _set_font(heading.add_run(text), 15 if level == 1 else 12.5 if level == 2 else 11, bold=True)


def _table(document: Any, headers: tuple[str, ...], rows: list[list[str]]) -> Any:
    """A real Word table with a bold header row (repeated on each page)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    head = table.rows[0]
    properties = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    for cell, text in zip(head.cells, headers, strict=True):
        _set_font(cell.paragraphs[0].add_run(text), 9.5, bold=True)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            _set_font(cell.paragraphs[0].add_run(text), 9.5)
    return table


def _map_png(map_svg: str) -> bytes | None:
    """The report's SVG map as PNG (None when it cannot be drawn)."""
    import cairosvg  # loads cairo: only when a Word report is asked for

    try:
        png = cairosvg.svg2png(bytestring=map_svg.encode("utf-8"), scale=MAP_SCALE)
    except (ValueError, OSError):  # pragma: no cover - our own SVG always draws
        return None
    return png if isinstance(png, bytes) else None


def _location(document: Any, screening: dict[str, Any]) -> None:
    """项目位置与拐点坐标 (:mod:`web.location_report`): the summary and the vertex table."""
    table = location_report.location_table(screening)
    if table is None:
        return
    _heading(document, location_report.TITLE, 3)
    _table(document, ("项目", "内容"), [list(row) for row in table.summary])
    _paragraph(document, table.caption, bold=True)
    _table(document, location_report.COLUMNS, table.corners)
    for note in table.notes:
        _paragraph(document, note, size=9)


def _protection_targets(document: Any, screening: dict[str, Any]) -> None:
    """The 环境保护目标 chapter (:mod:`web.protection_report`): the table and its ranges."""
    table = protection_report.protection_table(screening)
    if table is None:
        return
    _heading(document, protection_report.TITLE, 2)
    if table.synthetic:
        _paragraph(document, protection_report.SYNTHETIC_TARGETS_NOTE, bold=True)
    _paragraph(document, protection_report.CAPTION, bold=True)
    empty = [table.empty_note or "—", *[""] * (len(protection_report.COLUMNS) - 1)]
    _table(document, protection_report.COLUMNS, table.rows or [empty])
    if table.rows and table.empty_note:  # rows of a layer that does not cover the project
        _paragraph(document, table.empty_note, bold=True)
    _paragraph(document, protection_report.DISTANCE_NOTE, size=9)
    for note in table.ranges:
        _paragraph(document, f"评价范围：{note}", size=9)


def _a4(document: Any) -> None:
    """A4 portrait with the margins Chinese official documents use (GB/T 9704: 3.7/3.5/2.8/2.6 cm)."""
    from docx.shared import Cm

    for section in document.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _rule_cell(r: dict[str, Any]) -> str:
    text = f"{r.get('rule_id')} {r.get('title') or ''}"
    if r.get("jurisdiction"):
        text += f"（适用范围：{r['jurisdiction']}）"
    reason = r.get("reason") or {}
    if r.get("outcome") == "NOT_CHECKED" and reason.get("text"):
        text += f"\n未核查原因：{reason['text']}"
    return text


def _citation_cell(r: dict[str, Any]) -> str:
    c = r.get("citation") or {}
    document = str(c.get("document") or "").replace("《", "").replace("》", "")
    head = (f"《{document}》" if document else "") + str(c.get("article") or "")
    return "\n".join(part for part in (head, str(c.get("text") or "")) if part) or str(
        r.get("document") or ""
    )


def _measures_cell(r: dict[str, Any]) -> str:
    measures = r.get("measures") or []
    lines = [measures] if isinstance(measures, str) else list(measures)
    for e in (r.get("evidence") or [])[:5]:  # the report's 证据要素 table lists them all
        if "raster" in e or "medium" in e:
            continue
        distance, overlap, _ratio = evidence_cells(e)
        found = "，".join(x for x in (distance, f"重叠 {overlap}" if overlap != "—" else "") if x)
        lines.append(f"证据：{e.get('name') or e.get('feature_id')}（{found}）")
    return "\n".join(lines) or "—"


def render_docx(
    screening: dict[str, Any],
    releases: list[dict[str, Any]],
    *,
    map_svg: str | None = None,
    map_href: str | None = None,
) -> bytes:
    """The whole report of a stored screening as a ``.docx`` document.

    ``map_href``: the full URL of the screening's interactive map file, printed under the map.
    """
    from docx import Document
    from docx.shared import Cm

    document = Document()
    _a4(document)
    _set_font(document.styles["Normal"], 10.5)
    conformity = conformity_chapter(screening)
    synthetic = any(r.get("synthetic") for r in releases) or bool(
        conformity and conformity.synthetic
    )
    _paragraph(document, "ecozone 生态环境分区管控 · 建设项目选址环境准入筛查报告", size=9)
    _heading(document, str(screening.get("name") or "未命名项目"), 1)
    _paragraph(
        document,
        f"筛查编号 {screening.get('id')} ｜ 筛查时间 "
        f"{local_time(screening.get('created_at'))}（北京时间） ｜ 现状日期 "
        f"{screening.get('as_of') or '—'}",
        size=9,
    )
    verdict = str(screening.get("verdict") or "")
    _paragraph(
        document,
        f"筛查结论：{VERDICTS.get(verdict, (verdict or '—', ''))[0]}",
        size=13,
        bold=True,
    )
    if synthetic:
        _paragraph(document, SYNTHETIC_NOTE, bold=True)
    completeness = completeness_of(screening)
    if completeness is not None:  # what could not be checked here, before anything else
        _paragraph(document, INCOMPLETE_NOTE, bold=True)
        for m in completeness["layers"]:
            _paragraph(document, f"· {m['title']}：{m['text']}")
        if completeness["facts"]:
            _paragraph(document, f"· 项目未提供：{'、'.join(completeness['facts'])}")
        _paragraph(document, "以上图层或事实所涉规则标为“未核查”，结论不得视为通过。", size=9)

    _heading(document, "一、项目概况", 2)
    _table(
        document,
        ("项目", "内容"),
        [
            ["项目名称", str(screening.get("name") or "—")],
            ["建设地点", site_text(screening)],
            ["行业", industry_text(screening)],
            ["建设性质", str(screening.get("kind") or "—")],
            ["项目标签", "、".join(screening.get("tags") or []) or "—"],
            ["缓冲距离", f"{float(screening.get('buffer_m') or 0):g} m"],
        ],
    )
    _location(document, screening)

    _heading(document, "二、位置示意图", 2)
    png = _map_png(map_svg) if map_svg else None
    if png is not None:
        document.add_picture(io.BytesIO(png), width=Cm(MAP_WIDTH_CM))
        _paragraph(document, MAP_LEGEND, size=9)
    else:
        _paragraph(document, "无可绘制的几何。")
    if map_href:
        _paragraph(
            document, f"交互式地图文件（可离线打开、可作为邮件附件转发）：{map_href}", size=9
        )

    _protection_targets(document, screening)

    _heading(document, f"三、{CHAPTER_TITLE}", 2)
    if conformity is None:
        _paragraph(document, "本次筛查未记录准入清单符合性分析。")
    else:
        _paragraph(
            document,
            f"共核对 {len(conformity.tables)} 份准入清单：{conformity.summary}。"
            "未设机器判定条件的条款均标为「需人工核实」，须对照原文逐条核实。",
        )
        if conformity.synthetic:
            _paragraph(document, SYNTHETIC_LIST_NOTE, bold=True)
        if conformity.three_lines:
            _heading(document, "“三线一单”符合性结论", 3)
            _table(
                document,
                THREE_LINES_COLUMNS,
                [[t.title, t.finding, t.judgement] for t in conformity.three_lines],
            )
        for d in conformity.denied_by:
            _paragraph(
                document,
                f"不符合空间布局约束：{d.get('scope_name') or d.get('scope')}"
                f"「{d.get('dimension_title')}」第 {d.get('clause_no')} 条：{d.get('text')}",
                bold=True,
            )
        for t in conformity.tables:
            _heading(document, t.heading + (f"（清单版本 {t.release}）" if t.release else ""), 3)
            _table(
                document,
                COLUMNS,
                [
                    [
                        r.dimension,
                        r.clause + (f"（出处：{r.source}）" if r.source else ""),
                        r.situation,
                        r.judgement,
                    ]
                    for r in t.rows
                ],
            )
        for w in conformity.warnings:
            _paragraph(document, w, size=9)

    _heading(document, "四、逐条规则结果", 2)
    results = applicable_results(screening.get("results") or [])
    _table(
        document,
        ("结果", "规则", "依据", "措施 / 证据"),
        [
            [
                OUTCOMES.get(str(r.get("outcome")), (str(r.get("outcome")), ""))[0],
                _rule_cell(r),
                _citation_cell(r),
                _measures_cell(r),
            ]
            for r in results
        ]
        or [["—", "无适用规则", "", ""]],
    )
    not_applicable = not_applicable_by_jurisdiction(screening.get("results") or [])
    if not_applicable:
        count = sum(len(ids) for _j, ids in not_applicable)
        _paragraph(
            document,
            f"不适用：以下 {count} 条规则的适用范围或适用条件不含本项目（条文见规则库）。",
            size=9,
        )
        for jurisdiction, ids in not_applicable:
            _paragraph(
                document, f"适用范围：{jurisdiction}（{len(ids)} 条）：{'、'.join(ids)}", size=9
            )

    quality = quality_rows(screening)
    if quality:
        _heading(document, "所在城市环境质量达标情况", 3)
        _table(
            document,
            ("城市", "年度", "项目", "数值", "标准限值", "达标情况", "规则"),
            [
                [q["city"], str(q["year"]), q["what"], q["value"], q["limit"], q["status"], rules]
                for q in quality
                for rules in ["、".join(q["rules"])]
            ],
        )

    _heading(document, "五、证据要素", 2)
    _table(
        document,
        ("规则", "图层", "要素", "距离", "重叠面积", "重叠比例"),
        [
            [
                str(e.get("rule_id")),
                collection_title(str(e.get("collection"))),
                str(e.get("name") or "—"),
                *evidence_cells(e),
            ]
            for e in evidence_rows(screening)
        ]
        or [["—", "未命中任何要素", "", "", "", ""]],
    )

    _heading(document, "六、使用的图层版本", 2)
    _table(
        document,
        ("图层", "版本", "生效日期", "数据性质"),
        [
            [
                collection_title(str(r.get("collection"))),
                str(r.get("name")),
                str(r.get("valid_from")),
                "演示合成数据" if r.get("synthetic") else "来源数据",
            ]
            for r in releases
        ]
        or [["—", "—", "—", "—"]],
    )
    _heading(document, "七、数据来源与许可", 2)
    _table(
        document,
        ("来源", "许可 / 使用条件", "图层"),
        [[s["source"], s["licence"], "、".join(s["collections"])] for s in sources(releases)]
        or [["—", "—", "—"]],
    )
    _paragraph(document, f"免责声明：{DISCLAIMER}", size=9)
    if synthetic:
        _paragraph(document, SYNTHETIC_NOTE, size=9)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
