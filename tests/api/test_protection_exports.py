"""The 环境保护目标 table in every export: JSON, HTML, PDF (pdftotext), Word (python-docx)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from docx import Document
from pyproj import Geod
from shapely.geometry import Point, mapping

from layers.screening.rules import VERDICT_LABELS
from tests.layers.test_screening import load, square
from web import router as web_router

GEOD = Geod(ellps="WGS84")
LON, LAT = 120.28, 31.90  # 江阴
HEADER = ["序号", "名称", "类型", "环境要素", "方位", "距离(m)", "规模", "坐标（经度, 纬度）"]


def at(azimuth_deg: float, metres: float) -> Point:
    lon, lat, _ = GEOD.fwd(LON, LAT, azimuth_deg, metres)
    return Point(lon, lat)


@pytest.fixture
def screening_id(client, db_session) -> int:
    client.app.dependency_overrides[web_router.get_session] = lambda: db_session
    load(
        db_session,
        "sensitive_receptors",
        [
            {"name": "璜土中心小学", "type": "学校", "grade": "市级", "geometry": at(0.0, 400.0)},
            {"name": "石庄村", "type": "村庄", "population": 2300, "geometry": at(135.0, 1500.0)},
        ],
    )
    r = client.post(
        "/screenings",
        json={
            "name": "江阴化工测试项目",
            "geometry": mapping(square(LON, LAT, 100.0)),
            "industry": "化工",
            "kind": "新建",
            "as_of": "2025-06-30",
        },
    )
    assert r.status_code == 201, r.text
    targets = r.json()["protection_targets"]
    assert [(t["name"], t["medium"], t["bearing"]) for t in targets][:2] == [
        ("璜土中心小学", "air", "N"),
        ("石庄村", "air", "SE"),
    ]
    return int(r.json()["id"])


def test_stored_screening_keeps_the_table(client, screening_id):
    body = client.get(f"/screenings/{screening_id}").json()
    school = next(t for t in body["protection_targets"] if t["name"] == "璜土中心小学")
    assert school["bearing_zh"] == "北" and school["distance_m"] == pytest.approx(300, abs=2)


def test_html_report_has_the_table(client, screening_id):
    html = client.get(f"/screenings/{screening_id}/report").text
    assert 'id="protection-targets"' in html
    assert "环境保护目标一览表" in html
    assert "璜土中心小学" in html and "东南（SE）" in html and "约2,300人" in html


def test_docx_report_has_the_table(client, screening_id):
    r = client.get(f"/screenings/{screening_id}/report.docx")
    assert r.status_code == 200
    document = Document(io.BytesIO(r.content))
    table = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == HEADER)
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    school = next(row for row in rows if row[1] == "璜土中心小学")
    assert school[0] == "1"
    assert school[2:5] == ["学校", "环境空气", "北（N）"]
    assert abs(int(school[5]) - 300) <= 2
    assert school[6] == "市级"
    want = next(t for t in client.get(f"/screenings/{screening_id}").json()["protection_targets"]
                if t["name"] == "璜土中心小学")  # fmt: skip
    assert school[7] == f"{want['lon']:.5f}, {want['lat']:.5f}"  # where it is, as EIA tables say
    assert any(p.text == "环境保护目标" for p in document.paragraphs)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_pdf_report_has_the_table(client, screening_id, tmp_path):
    r = client.get(f"/screenings/{screening_id}/report.pdf")
    assert r.status_code == 200
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "环境保护目标一览表" in text
    line = next(ln for ln in text.splitlines() if "璜土中心小学" in ln)
    assert "学校" in line and "环境空气" in line and "北（N）" in line.replace(" ", "")
    assert "石庄村" in text and "约2,300人" in text.replace(" ", "")


def test_excel_workbook_has_the_report_tables_with_numbers(client, screening_id):
    """report.xlsx: a sheet per table of the report; distances and coordinates are numbers
    (they sort and sum in Excel), the rows those of the JSON; the report links it."""
    from openpyxl import load_workbook

    body = client.get(f"/screenings/{screening_id}").json()
    r = client.get(f"/screenings/{screening_id}/report.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f"screening-{screening_id}.xlsx" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == [
        "筛查结论",
        "证据要素",
        "环境保护目标",
        "拐点坐标",
        "符合性分析",
        "图层版本",
    ]

    def table(name: str, first: str) -> list[tuple]:
        rows = list(book[name].iter_rows(values_only=True))
        start = next(i for i, row in enumerate(rows) if row[0] == first)
        return [row for row in rows[start + 1 :] if any(v is not None for v in row)]

    targets = table("环境保护目标", "序号")
    school = next(row for row in targets if row[1] == "璜土中心小学")
    want = next(t for t in body["protection_targets"] if t["name"] == "璜土中心小学")
    assert school[2:5] == ("学校", "环境空气", "北（N）")
    assert isinstance(school[5], float) and school[5] == pytest.approx(want["distance_m"], abs=0.05)
    assert school[6] == "大地距离"  # how the distance was measured (沿河（下游） down a river)
    assert (school[8], school[9]) == pytest.approx((want["lon"], want["lat"]))
    assert len(targets) == len(body["protection_targets"])

    rules = table("筛查结论", "序号")
    applicable = [x for x in body["results"] if x["outcome"] != "NOT_APPLICABLE"]
    assert [row[2] for row in rules if isinstance(row[0], int)] == [
        x["rule_id"] for x in sorted(applicable, key=lambda x: ORDER.index(x["outcome"]))
    ]
    verdict = dict(row[:2] for row in book["筛查结论"].iter_rows(values_only=True) if row[0])
    assert verdict["筛查结论"] == VERDICT_LABELS[body["verdict"]]
    assert verdict["行业"] == "化工"

    corners = table("拐点坐标", "点号")
    assert [row[0] for row in corners] == ["J1", "J2", "J3", "J4"]
    assert all(isinstance(v, float) for row in corners for v in row[1:])
    assert 40_000_000 < corners[0][2] < 41_000_000  # Y with the zone number

    evidence = table("证据要素", "规则编号")
    cited = sum(len([e for e in x.get("evidence") or [] if "collection" in e]) for x in applicable)
    assert len(evidence) == cited

    html = client.get(f"/screenings/{screening_id}/report").text
    assert f'href="/screenings/{screening_id}/report.xlsx"' in html
    assert f'href="/screenings/{screening_id}/report.docx"' in html


ORDER = ["DENY", "REQUIRE", "FLAG", "NOT_CHECKED", "PASS"]
