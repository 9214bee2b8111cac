"""项目位置与拐点坐标: the site's vertices in CGCS2000 Gauss-Krüger, in every report."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from docx import Document
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping

from gis.coords import corner_points, gk3_zone, gk3_zone_of_crs
from web import router as web_router
from web.location_report import COLUMNS, MAX_CORNERS, location_table

LON, LAT = 120.28, 31.90  # 江阴, zone 40
SITE = Polygon([(120.270, 31.900), (120.275, 31.904), (120.280, 31.900), (120.275, 31.896)])


def test_zone_of_a_longitude():
    assert (gk3_zone(120.28).zone, gk3_zone(120.28).epsg) == (40, 4528)
    assert gk3_zone(116.0).central_meridian == 117  # 115.5-118.5 is zone 39
    assert gk3_zone(115.4).zone == 38
    assert gk3_zone(118.5).zone == 40  # on the boundary: the eastern zone
    assert "第 40 带" in gk3_zone(120.28).label and "EPSG:4528" in gk3_zone(120.28).label
    with pytest.raises(ValueError, match="outside"):
        gk3_zone(20.0)


def test_the_zone_the_request_was_drawn_in_is_kept():
    """A site surveyed in a county's fixed zone (39, CM 117°E) is listed in that zone even
    though its centre (118.6°E) lies in zone 40; lon/lat or a 6-degree CRS keep the centre's."""
    assert gk3_zone_of_crs("EPSG:4527") == gk3_zone(117.0)  # zone 39 with the zone number
    twin = gk3_zone_of_crs("http://www.opengis.net/def/crs/EPSG/0/4548")  # zone 39 without
    assert twin is not None and (twin.zone, twin.epsg, twin.prefixed) == (39, 4548, False)
    for other in (None, "EPSG:4326", "EPSG:4499", "not a crs"):
        assert gk3_zone_of_crs(other) is None
    site = box(118.59, 32.00, 118.61, 32.01)
    drawn = location_table({"geometry": mapping(site), "project": {"crs": "EPSG:4548"}})
    centre = location_table({"geometry": mapping(site), "project": {"crs": "EPSG:4326"}})
    assert drawn is not None and centre is not None
    assert "第 39 带" in dict(drawn.summary)["坐标系"]
    assert "Y 坐标不含带号" in dict(drawn.summary)["坐标系"]  # as the request's own Y
    assert "不含带号" in drawn.notes[0]
    assert "第 40 带" in dict(centre.summary)["坐标系"]
    reference = Transformer.from_crs(4490, 4548, always_xy=True)
    easting, northing = reference.transform(*site.exterior.coords[0])
    first = drawn.corners[0]
    assert abs(float(first[1]) - northing) < 1e-3 and abs(float(first[2]) - easting) < 1e-3


def test_the_zone_asked_for_comes_before_the_request_crs_and_the_centre():
    """``report_crs`` (an uploaded file's zone, sent with a lon/lat request) wins."""
    site = box(118.59, 32.00, 118.61, 32.01)  # centre in zone 40
    asked = location_table(
        {"geometry": mapping(site), "project": {"crs": "EPSG:4326", "report_crs": "EPSG:4527"}}
    )
    assert asked is not None and "第 39 带" in dict(asked.summary)["坐标系"]


def test_the_outfall_is_given_in_lon_lat_and_in_the_tables_zone():
    outfall = {"type": "Point", "coordinates": [120.272, 31.905]}
    table = location_table({"geometry": mapping(SITE), "outfall": outfall, "project": {}})
    assert table is not None
    easting, northing = Transformer.from_crs(4490, 4528, always_xy=True).transform(120.272, 31.905)
    row = dict(table.summary)["排污口"]
    assert "经度 120.272000°，纬度 31.905000°" in row
    assert f"X = {northing:.3f}，Y = {easting:.3f}" in row
    # a screening stored before the outfall was lon/lat: no row rather than a wrong one
    projected = {"type": "Point", "coordinates": [40525149.4, 3536417.2]}
    old = location_table({"geometry": mapping(SITE), "outfall": projected, "project": {}})
    assert old is not None and "排污口" not in dict(old.summary)
    gcj = {"type": "Point", "coordinates": [120.276, 31.903]}  # as given, GCJ-02
    stored = {
        "geometry": mapping(SITE),
        "outfall": gcj,
        "project": {"crs": "GCJ-02", "outfall": gcj},
    }
    old_gcj = location_table(stored)
    assert old_gcj is not None and "排污口" not in dict(old_gcj.summary)


def test_a_report_zone_must_be_a_cgcs2000_three_degree_zone():
    from gis.coords import gk3_zone_crs
    from gis.errors import UnknownCRSError

    assert gk3_zone_crs("EPSG:4527") == "EPSG:4527"
    assert gk3_zone_crs("urn:ogc:def:crs:EPSG::4548") == "EPSG:4548"
    assert gk3_zone_crs("4528") == "EPSG:4528"
    for wrong in ("EPSG:4326", "CGCS2000", "EPSG:4499", "EPSG:3857", "zone 40"):
        with pytest.raises(UnknownCRSError) as info:
            gk3_zone_crs(wrong)
        assert info.value.field == "report_crs"


def test_corners_match_pyproj_to_the_millimetre():
    zone = gk3_zone(LON)
    corners = corner_points(SITE, zone)
    assert [c.label for c in corners] == ["J1", "J2", "J3", "J4"]  # the closing vertex once
    reference = Transformer.from_crs(4490, 4528, always_xy=True)
    for c, (lon, lat) in zip(corners, list(SITE.exterior.coords)[:-1], strict=True):
        easting, northing = reference.transform(lon, lat)
        assert abs(c.x - northing) < 1e-3 and abs(c.y - easting) < 1e-3
        assert (c.lon, c.lat) == (lon, lat)
        assert 40_000_000 < c.y < 41_000_000  # Y carries the zone number
        assert 3_500_000 < c.x < 3_600_000  # X is the northing


def test_holes_and_parcels_are_numbered_on_and_labelled():
    outer = box(120.27, 31.89, 120.29, 31.91)
    hole = box(120.275, 31.895, 120.28, 31.90)
    parcels = MultiPolygon(
        [Polygon(outer.exterior.coords, [hole.exterior.coords]), box(120.30, 31.89, 120.31, 31.90)]
    )
    corners = corner_points(parcels, gk3_zone(LON))
    assert [c.label for c in corners] == [f"J{i}" for i in range(1, 13)]
    assert [(c.part, c.ring) for c in corners] == [(1, 0)] * 4 + [(1, 1)] * 4 + [(2, 0)] * 4
    table = location_table({"geometry": mapping(parcels), "project": {"area_m2": 123456.7}})
    assert table is not None
    headers = [r[0] for r in table.corners if not r[1]]
    assert headers == ["地块 1 外边界", "地块 1 内环 1", "地块 2 外边界"]
    summary = dict(table.summary)
    assert summary["用地面积"] == "123,456.7 m²（12.3457 公顷，185.19 亩）"
    assert summary["拐点数"] == "12 个"


def test_point_and_long_boundaries():
    point = location_table({"geometry": mapping(Point(LON, LAT)), "project": {}})
    assert point is not None
    assert [r[0] for r in point.corners] == ["J1"]
    assert point.caption == "点位坐标一览表" and dict(point.summary)["点位数"] == "1 个"
    assert "经度 120.280000°" in dict(point.summary)["中心点"]
    two_lines = {
        "type": "MultiLineString",
        "coordinates": [
            [[LON, LAT], [LON + 0.01, LAT]],
            [[LON, LAT + 0.01], [LON + 0.01, LAT + 0.01]],
        ],
    }
    lines = location_table({"id": 7, "geometry": two_lines, "project": {"length_m": 1890.0}})
    assert lines is not None and lines.caption == "拐点坐标一览表"
    assert [r[0] for r in lines.corners] == ["线段 1", "J1", "J2", "线段 2", "J3", "J4"]
    ring = [(LON + 0.01 * i / 400, LAT + (0.001 if i % 2 else 0)) for i in range(400)]
    line = {"geometry": {"type": "LineString", "coordinates": ring}, "project": {"length_m": 950.0}}
    table = location_table(line)
    assert table is not None and len(table.corners) == MAX_CORNERS
    assert dict(table.summary)["线路长度"] == "950.0 m"
    assert any("共 400 个拐点" in n and "/screenings/{id}" in n for n in table.notes)
    assert location_table({"geometry": mapping(Point(20.0, 10.0))}) is None  # no zone there


@pytest.fixture
def screening_id(client, db_session) -> int:
    client.app.dependency_overrides[web_router.get_session] = lambda: db_session
    r = client.post(
        "/screenings",
        json={
            "name": "江阴拐点坐标测试项目",
            "geometry": mapping(SITE),
            "industry": "化工",
            "kind": "新建",
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _x_of_j1() -> tuple[str, str]:
    easting, northing = Transformer.from_crs(4490, 4528, always_xy=True).transform(120.270, 31.900)
    return f"{northing:.3f}", f"{easting:.3f}"


def test_html_and_docx_reports_list_the_corners(client, screening_id):
    x, y = _x_of_j1()
    html = client.get(f"/screenings/{screening_id}/report").text
    assert 'id="location"' in html and "拐点坐标一览表" in html
    assert x in html and y in html and "第 40 带" in html
    document = Document(io.BytesIO(client.get(f"/screenings/{screening_id}/report.docx").content))
    table = next(t for t in document.tables if tuple(c.text for c in t.rows[0].cells) == COLUMNS)
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[0] for r in rows] == ["J1", "J2", "J3", "J4"]
    assert rows[0][1:3] == [x, y]


def test_a_screening_asked_for_in_a_county_zone_reports_its_corners_there(client, db_session):
    """``report_crs`` with a lon/lat request: stored, echoed, and the reports use the zone
    (zone 39 although the site's centre lies in 40), a re-check reads it back; a zone that
    is not one is a 400 naming the field."""
    client.app.dependency_overrides[web_router.get_session] = lambda: db_session
    body = {"name": "按县域固定带号", "geometry": mapping(SITE), "industry": "化工", "kind": "新建"}
    r = client.post("/screenings", json={**body, "report_crs": "EPSG:4527"})
    assert r.status_code == 201, r.text
    screening = r.json()
    assert screening["project"]["report_crs"] == "EPSG:4527" and "report_crs" not in screening
    assert screening["project"]["crs"] == "EPSG:4326"
    easting, northing = Transformer.from_crs(4490, 4527, always_xy=True).transform(120.270, 31.900)
    html = client.get(f"/screenings/{screening['id']}/report").text
    assert "第 39 带" in html and f"{northing:.3f}" in html and f"{easting:.3f}" in html
    again = client.get(f"/screenings/{screening['id']}/recheck")  # from the stored request
    assert again.status_code == 200, again.text
    assert again.json()["identical"] is True, again.json()["differences"]
    wrong = client.post("/screenings", json={**body, "report_crs": "EPSG:4326"})
    assert wrong.status_code == 400  # as an unknown ``crs`` is
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert "report_crs" in wrong.text and "EPSG:4513" in wrong.json()["detail"]
    # the zone without its number in Y stays so (a cadastre's EPSG:4549, CM 120°E)
    plain = client.post("/screenings", json={**body, "report_crs": "EPSG:4549"})
    assert plain.status_code == 201, plain.text
    easting, northing = Transformer.from_crs(4490, 4549, always_xy=True).transform(120.270, 31.900)
    html = client.get(f"/screenings/{plain.json()['id']}/report").text
    assert "EPSG:4549" in html and f"{easting:.3f}" in html and f"{northing:.3f}" in html
    assert "40" + f"{easting:.3f}" not in html
    # a zone 45° away (zone 25, CM 75°E) for a site at 120°E: useless coordinates, refused
    far = client.post("/screenings", json={**body, "report_crs": "EPSG:4513"})
    assert far.status_code == 422, far.text
    assert far.json()["field"] == "report_crs" and "EPSG:4528" in far.json()["detail"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_pdf_report_lists_the_corners(client, screening_id, tmp_path):
    x, y = _x_of_j1()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(client.get(f"/screenings/{screening_id}/report.pdf").content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "拐点坐标一览表" in text
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("J1"))
    assert x in line and y in line


def test_docx_lists_the_rules_that_do_not_apply_by_jurisdiction(client, screening_id):
    screening = client.get(f"/screenings/{screening_id}").json()
    not_applicable = [r for r in screening["results"] if r["outcome"] == "NOT_APPLICABLE"]
    document = Document(io.BytesIO(client.get(f"/screenings/{screening_id}/report.docx").content))
    texts = [p.text for p in document.paragraphs]
    assert (
        f"不适用：以下 {len(not_applicable)} 条规则的适用范围或适用条件不含本项目（条文见规则库）。"
        in texts
    )
    jiangxi = next(t for t in texts if t.startswith("适用范围：江西省（"))
    assert all(r["rule_id"] in jiangxi for r in not_applicable if r["jurisdiction"] == "江西省")
