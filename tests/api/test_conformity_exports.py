"""The conformity chapter in every export: HTML, PDF (pdftotext), Word (python-docx), Excel."""

from __future__ import annotations

import io
import shutil
import subprocess

import openpyxl
import pytest
from docx import Document
from shapely.geometry import box, mapping

from tests.entry_fixture import JIANGYIN, load_long, load_units
from web import router as web_router

CLAUSE = "禁止新建化工项目"


@pytest.fixture
def screening_id(client, db_session, tmp_path) -> int:
    # the pages' own session dependency reads the same rolled-back session
    client.app.dependency_overrides[web_router.get_session] = lambda: db_session
    load_units(db_session)
    load_long(db_session, tmp_path)
    lon, lat = JIANGYIN
    r = client.post(
        "/screenings",
        json={
            "name": "江阴化工测试项目",
            "geometry": mapping(box(lon - 0.006, lat - 0.003, lon - 0.002, lat + 0.003)),
            "industry": "化工",
            "kind": "新建",
            "as_of": "2025-06-30",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["verdict"] == "DENY"
    return int(r.json()["id"])


def test_html_report_has_the_conformity_chapter(client, screening_id):
    html = client.get(f"/screenings/{screening_id}/report").text
    assert "符合性分析" in html
    assert 'id="conformity"' in html
    assert CLAUSE in html
    assert "需人工核实" in html
    # the 三线 conclusions come before the lists' tables
    head = html.index("“三线一单”符合性结论")
    assert head < html.index("生态保护红线", head) < html.index("环境质量底线", head)
    assert html.index("资源利用上线", head) < html.index(CLAUSE)


def test_docx_report_opens_with_the_clause_table(client, screening_id):
    r = client.get(f"/screenings/{screening_id}/report.docx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    document = Document(io.BytesIO(r.content))
    tables = [
        t
        for t in document.tables
        if [c.text for c in t.rows[0].cells][:2] == ["管控维度", "管控要求（原文）"]
    ]
    assert len(tables) == 3  # province, city, unit
    lines = next(t for t in document.tables if t.rows[0].cells[0].text == "三线一单")
    assert [r.cells[0].text for r in lines.rows[1:]] == [
        "生态保护红线",
        "环境质量底线",
        "资源利用上线",
        "生态环境准入清单",
    ]
    positions = [t._tbl for t in document.tables]
    assert positions.index(lines._tbl) < positions.index(tables[0]._tbl)
    cells = [[c.text for c in row.cells] for t in tables for row in t.rows]
    ban = next(row for row in cells if CLAUSE in row[1])
    assert ban[0] == "空间布局约束"
    assert ban[3] == "不符合"
    assert any("符合性分析" in p.text for p in document.paragraphs)
    assert len(document.inline_shapes) == 1  # the location map
    fonts = document.tables[-1].rows[0].cells[0].paragraphs[0].runs[0]._element.rPr.rFonts
    assert (
        fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "宋体"
    )


def test_xlsx_export_lists_every_clause(client, screening_id):
    r = client.get(f"/screenings/{screening_id}/conformity.xlsx")
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r and r[0] == "清单"))
    body = rows[header + 1 :]
    # the four 三线一单 conclusions first, then six clauses and seven dimensions with none
    assert len(body) == 4 + 6 + 7
    assert [r[2] for r in body[:4]] == [
        "生态保护红线",
        "环境质量底线",
        "资源利用上线",
        "生态环境准入清单",
    ]
    assert all(r[6] in ("符合", "不符合", "需人工核实") for r in body[:3])
    ban = next(r for r in body if r[3] and CLAUSE in r[3])
    assert ban[6] == "不符合"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_pdf_report_contains_the_chapter_and_a_clause(client, screening_id, tmp_path):
    r = client.get(f"/screenings/{screening_id}/report.pdf")
    assert r.status_code == 200
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "符合性分析" in text
    assert CLAUSE in text.replace(" ", "")
    assert "环境质量底线" in "".join(text.split())


def test_exports_of_an_unknown_screening_are_404(client):
    assert client.get("/screenings/987654321/report.docx").status_code == 404
    assert client.get("/screenings/987654321/conformity.xlsx").status_code == 404


def test_report_workbook_carries_the_conformity_sheet(client, screening_id):
    """report.xlsx's 符合性分析 sheet is conformity.xlsx's sheet, cell for cell; its first
    sheet lists every rule that applies, each with its document."""
    one = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/screenings/{screening_id}/conformity.xlsx").content)
    ).active
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/screenings/{screening_id}/report.xlsx").content)
    )
    assert list(book["符合性分析"].iter_rows(values_only=True)) == list(
        one.iter_rows(values_only=True)
    )
    rows = list(book["筛查结论"].iter_rows(values_only=True))
    rules = [r for r in rows if isinstance(r[0], int)]
    body = client.get(f"/screenings/{screening_id}").json()
    assert len(rules) == sum(1 for x in body["results"] if x["outcome"] != "NOT_APPLICABLE")
    assert all(r[2] and r[5] for r in rules)  # rule id, document
    assert ("筛查结论", "不予准入") in [r[:2] for r in rows]
    assert client.get("/screenings/987654321/report.xlsx").status_code == 404


def test_xlsx_says_when_layers_are_synthetic():
    from web.conformity_report import SYNTHETIC_NOTE, render_xlsx

    screening = {"id": 1, "name": "x", "as_of": "2025-06-30", "conformity": {"lists": []}}
    for flag in (True, False):
        sheet = openpyxl.load_workbook(
            io.BytesIO(render_xlsx(screening, layers_synthetic=flag))
        ).active
        texts = [r[0] for r in sheet.iter_rows(values_only=True)]
        assert (SYNTHETIC_NOTE in texts) is flag


def test_the_map_with_lines_is_xml_the_word_report_can_draw():
    """A line drawn on the report map has one fill-opacity (a repeated attribute is not XML)."""
    from xml.etree import ElementTree

    from web.staticmap import MapLayer, Style, render_svg
    from web.word_report import _map_png

    line = {"type": "LineString", "coordinates": [[120.0, 31.0], [120.1, 31.1]]}
    svg = render_svg(
        [MapLayer("河流", [line], Style(stroke="#06c", fill="#9cf"))], (119.9, 30.9, 120.2, 31.2)
    )
    ElementTree.fromstring(svg)  # noqa: S314 - our own SVG, parsed to prove it is XML
    png = _map_png(svg)
    assert png is not None
    assert png.startswith(b"\x89PNG")
