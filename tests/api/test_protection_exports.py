"""The 环境保护目标 table in every export: JSON, HTML, PDF (pdftotext), Word (python-docx)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from docx import Document
from pyproj import Geod
from shapely.geometry import Point, mapping

from tests.layers.test_screening import load, square
from web import router as web_router

GEOD = Geod(ellps="WGS84")
LON, LAT = 120.28, 31.90  # 江阴
HEADER = ["序号", "名称", "类型", "环境要素", "方位", "距离(m)", "规模"]


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
