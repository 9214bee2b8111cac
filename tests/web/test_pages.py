"""Pages render, load only vendored assets; search, upload and report work over HTTP."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from fixture_layers import SITE_NEAR_YANGTZE
from pyproj import Geod, Transformer
from shapely.geometry import Polygon, box, mapping, shape

from gis.offsets import gcj02_to_bd09, wgs84_to_gcj02
from web.report import DISCLAIMER, SYNTHETIC_NOTE, render_report
from web.router import STATIC

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.parametrize("path", ["/", "/map"])
def test_map_page_loads_only_local_assets(web_client, path):
    response = web_client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "生态环境分区管控" in response.text
    assets = ASSET.findall(response.text)
    assert any(a.endswith("leaflet.js") for a in assets)
    for asset in assets:
        assert asset.startswith(("/static/", "data:")), asset
        if asset.startswith("/static/"):
            assert web_client.get(asset).status_code == 200, asset


def test_static_files_reference_no_other_host():
    for path in STATIC.rglob("*"):
        if path.suffix not in (".js", ".css", ".html"):
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.findall(r"url\((['\"]?)(https?:)?//", text):
            pytest.fail(f"{path} loads {match} from another host")
        assert "sourceMappingURL" not in text, path


def test_vendored_libraries_carry_licences():
    vendor = STATIC / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for lib in ("leaflet", "leaflet-geoman", "uplot"):
        assert (vendor / lib / "LICENSE").is_file()
        assert f"`{lib}/`" in readme


def test_search_finds_admin_division_by_name(web_client):
    body = web_client.get("/web/search", params={"q": "江阴"}).json()
    first = body["results"][0]
    assert first["name"] == "江阴市"
    assert first["collection"] == "admin_divisions"
    assert first["bbox"][0] == pytest.approx(120.02)


def test_search_reads_gauss_kruger_coordinates(web_client):
    body = web_client.get("/web/search", params={"q": "3538000, 40525000"}).json()
    lon, lat = body["results"][0]["point"]
    assert lon == pytest.approx(120.264, abs=0.01)
    assert lat == pytest.approx(31.965, abs=0.01)


def test_search_reads_degrees_minutes_seconds(web_client):
    """Coordinates pasted from an EIA report (东经 …°…′…″) find the point."""
    body = web_client.get("/web/search", params={"q": "东经120°16′12″，北纬31°57′18″"}).json()
    [hit] = body["results"]
    assert hit["point"] == pytest.approx([120.27, 31.955])
    assert "度分秒" in hit["how"]


def test_project_file_reads_geojson(web_client):
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": mapping(SITE_NEAR_YANGTZE)}],
    }
    response = web_client.post(
        "/web/project-file",
        files={"file": ("site.geojson", json.dumps(fc).encode(), "application/geo+json")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["geometry"]["type"] == "Polygon"


def test_project_file_larger_than_a_screening_takes_is_422_at_the_upload(web_client):
    """A county-sized polygon (~8,000 km²): refused as POST /screenings refuses it, at once."""
    huge = {
        "type": "Polygon",
        "coordinates": [[[119, 32], [120, 32], [120, 32.8], [119, 32.8], [119, 32]]],
    }
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": huge}],
    }
    response = web_client.post(
        "/web/project-file",
        files={"file": ("county.geojson", json.dumps(fc).encode(), "application/geo+json")},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["field"] == "geometry"
    assert "文件中的项目范围无法筛查" in problem["detail"] and "1,000 km²" in problem["detail"]


def test_project_file_reads_zipped_shapefile_in_gauss_kruger(web_client, tmp_path: Path):
    frame = gpd.GeoDataFrame({"name": ["厂址"]}, geometry=[SITE_NEAR_YANGTZE], crs="EPSG:4326")
    frame.to_crs("EPSG:4528").to_file(tmp_path / "site.shp", encoding="UTF-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for part in tmp_path.glob("site.*"):
            zf.write(part, part.name)
    response = web_client.post(
        "/web/project-file", files={"file": ("site.zip", buffer.getvalue(), "application/zip")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["crs"] == "EPSG:4528"
    xs = [p[0] for p in body["geometry"]["coordinates"][0]]
    assert min(xs) == pytest.approx(120.262, abs=1e-4)


def test_project_file_reads_parcel_text_with_zone_prefix(web_client):
    text = "[地块坐标]\n1,3537100.0,40525100.0\n2,3537100.0,40525600.0\n3,3536700.0,40525600.0\n4,3536700.0,40525100.0\n1,3537100.0,40525100.0\n"
    response = web_client.post(
        "/web/project-file", files={"file": ("拐点坐标.txt", text.encode(), "text/plain")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["geometry"]["type"] == "Polygon"
    assert "EPSG:4528" in body["crs"]


def _corners(lon: float, lat: float, size_m: float, epsg: int) -> list[tuple[float, float]]:
    """(X northing, Y easting) of a square's corners in ``epsg``, surveyors' order, clockwise."""
    to_gk = Transformer.from_crs(4326, epsg, always_xy=True)
    e, n = to_gk.transform(lon, lat)
    return [(n, e), (n, e + size_m), (n - size_m, e + size_m), (n - size_m, e)]


def test_project_file_reads_an_excel_corner_table_as_surveyors_write_it(web_client):
    """A 拐点坐标表 as the report prints it (点号, X（m） north, Y（m） east with the zone
    number) is one polygon in row order, the first point repeated to close it."""
    import pandas as pd

    corners = _corners(115.89, 28.68, 300.0, 4527)
    table = pd.DataFrame(
        {
            "点号": ["J1", "J2", "J3", "J4", "J1"],
            "X（m）": [round(n, 3) for n, _ in [*corners, corners[0]]],
            "Y（m）": [round(e, 3) for _, e in [*corners, corners[0]]],
        }
    )
    buffer = io.BytesIO()
    table.to_excel(buffer, index=False, sheet_name="拐点坐标")
    response = web_client.post(
        "/web/project-file",
        files={"file": ("拐点坐标表.xlsx", buffer.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["geometry"]["type"] == "Polygon"
    assert "4527" in body["crs"]
    assert body["report_crs"] == "EPSG:4527"  # the map sends it with the screening
    assert any("按本文件的分带列出" in n and "第 39 带" in n for n in body["notes"])
    assert any("X 为北坐标" in n for n in body["notes"])
    site = shape(body["geometry"])
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(site)
    assert abs(abs(area) - 300.0 * 300.0) < 0.01 * 90_000  # the grid's scale factor: <1 %
    assert site.contains(shape({"type": "Point", "coordinates": [115.8915, 28.6786]}))
    assert len(site.exterior.coords) == 5  # four corners, closed once


def test_project_file_corner_table_under_a_title_row_with_a_note_below(web_client):
    """Excel as offices fill it: a title row above the header, 序号, units in the
    headers, a 备注 row without coordinates at the end."""
    import pandas as pd

    corners = _corners(120.27, 31.95, 250.0, 4528)
    rows = [["项目用地拐点坐标表", "", "", ""], ["序号", "点号", "X坐标(m)", "Y坐标(m)"]]
    rows += [[str(i), f"J{i}", f"{n:.3f}", f"{e:.3f}"] for i, (n, e) in enumerate(corners, 1)]
    rows.append(["备注：CGCS2000 坐标系，3 度带", "", "", ""])
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False, header=False)
    response = web_client.post(
        "/web/project-file",
        files={"file": ("用地红线.xlsx", buffer.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    site = shape(response.json()["geometry"])
    assert site.geom_type == "Polygon" and len(site.exterior.coords) == 5
    n, e = corners[0]
    lon, lat = Transformer.from_crs(4528, 4326, always_xy=True).transform(e + 125.0, n - 125.0)
    assert abs(site.centroid.x - lon) < 1e-6 and abs(site.centroid.y - lat) < 1e-6


def test_project_file_reads_a_csv_corner_table_of_two_parcels(web_client):
    """经度/纬度 columns and a 地块 column: one polygon per parcel, in row order."""
    west, east = box(120.262, 31.944, 120.265, 31.9475), box(120.266, 31.944, 120.268, 31.9475)
    rows = ["地块,点号,经度,纬度"]
    for name, part in (("一号地块", west), ("二号地块", east)):
        for i, (x, y) in enumerate(list(part.exterior.coords)[:-1], start=1):
            rows.append(f"{name},J{i},{x},{y}")
    response = web_client.post(
        "/web/project-file", files={"file": ("corners.csv", "\n".join(rows).encode(), "text/csv")}
    )
    assert response.status_code == 200, response.text
    site = shape(response.json()["geometry"])
    assert site.geom_type == "MultiPolygon" and len(site.geoms) == 2
    assert site.symmetric_difference(west.union(east)).area < 1e-12


def test_project_file_corner_table_with_north_east_headers_and_a_chosen_zone(web_client):
    """北坐标/东坐标 without the zone number: the zone is asked for, then read."""
    corners = _corners(117.2, 31.0, 200.0, 4548)  # CGCS2000 3° CM 117°E, no zone number
    text = "点号,北坐标,东坐标\n" + "\n".join(
        f"{i},{n:.3f},{e:.3f}" for i, (n, e) in enumerate(corners, start=1)
    )
    files = {"file": ("corners.csv", text.encode(), "text/csv")}
    asked = web_client.post("/web/project-file", files=files)
    assert asked.status_code == 422 and asked.json()["field"] == "crs"
    response = web_client.post("/web/project-file", files=files, data={"crs": "EPSG:4548"})
    assert response.status_code == 200, response.text
    site = shape(response.json()["geometry"])
    n, e = corners[0]
    lon, lat = Transformer.from_crs(4548, 4326, always_xy=True).transform(e + 100.0, n - 100.0)
    assert abs(site.centroid.x - lon) < 1e-6 and abs(site.centroid.y - lat) < 1e-6


def _kml(*folders: tuple[str, str]) -> bytes:
    """A KML document with one folder per (folder name, placemark geometry as KML)."""
    body = "".join(
        f"<Folder><name>{name}</name><Placemark><name>{name}</name>{geometry}</Placemark></Folder>"
        for name, geometry in folders
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document><name>项目</name>{body}</Document></kml>"
    ).encode()


def _kml_polygon(geom) -> str:
    coords = " ".join(f"{x},{y},0" for x, y in geom.exterior.coords)
    return f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon>"


def test_project_file_reads_kml_and_kmz_with_every_folder(web_client):
    """KML as Google Earth and 奥维互动地图 export it: placemarks in folders, lon/lat with a z."""
    west, east = box(120.262, 31.944, 120.265, 31.9475), box(120.265, 31.944, 120.268, 31.9475)
    kml = _kml(("一期用地", _kml_polygon(west)), ("二期用地", _kml_polygon(east)))
    response = web_client.post(
        "/web/project-file",
        files={"file": ("红线.kml", kml, "application/vnd.google-earth.kml+xml")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["format"] == "KML" and body["crs"] == "EPSG:4326"
    assert body["feature_count"] == 2  # both folders
    merged = shape(body["geometry"])
    assert merged.symmetric_difference(box(120.262, 31.944, 120.268, 31.9475)).area < 1e-12
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("doc.kml", _kml(("厂址", _kml_polygon(west))))
    response = web_client.post(
        "/web/project-file",
        files={"file": ("厂址.kmz", buffer.getvalue(), "application/vnd.google-earth.kmz")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["format"] == "KMZ"
    assert shape(response.json()["geometry"]).symmetric_difference(west).area < 1e-12


def _dxf(*entities: tuple[str, list[tuple[float, float]], bool]) -> bytes:
    """An AutoCAD 2000 DXF as Chinese CAD saves it (code page ANSI_936: GBK layer names) with
    one LWPOLYLINE per (layer, points as easting/northing, closed) and a text label."""
    lines = ["0", "SECTION", "2", "HEADER", "9", "$ACADVER", "1", "AC1015"]
    lines += ["9", "$DWGCODEPAGE", "3", "ANSI_936", "0", "ENDSEC", "0", "SECTION", "2", "ENTITIES"]
    for layer, points, closed in entities:
        lines += ["0", "LWPOLYLINE", "8", layer, "100", "AcDbEntity", "100", "AcDbPolyline"]
        lines += ["90", str(len(points)), "70", "1" if closed else "0"]
        for x, y in points:
            lines += ["10", f"{x:.3f}", "20", f"{y:.3f}"]
    lines += ["0", "TEXT", "8", "文字", "10", "40525300", "20", "3536900", "40", "5", "1", "厂区"]
    lines += ["0", "ENDSEC", "0", "EOF"]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


#: zone 40 with its prefix: a 500 m x 400 m site, the drawing's frame around it, a road
DXF_SITE = [(40525100, 3537100), (40525600, 3537100), (40525600, 3536700), (40525100, 3536700)]
DXF_FRAME = [(40524000, 3538000), (40527000, 3538000), (40527000, 3535000), (40524000, 3535000)]
DXF_ROAD = [(40524000, 3536000), (40527000, 3536500)]


def _upload_dxf(web_client, data: bytes):
    return web_client.post(
        "/web/project-file", files={"file": ("总平面图.dxf", data, "application/dxf")}
    )


def test_project_file_takes_the_red_line_layer_of_a_cad_drawing(web_client):
    data = _dxf(("用地红线", DXF_SITE, True), ("图框", DXF_FRAME, True), ("道路", DXF_ROAD, False))
    response = _upload_dxf(web_client, data)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["format"] == "DXF" and body["crs"] == "EPSG:4528"  # from the easting prefix
    assert body["feature_count"] == 1
    assert any("用地红线" in n for n in body["notes"])
    to_lonlat = Transformer.from_crs(4528, 4326, always_xy=True)
    expected = Polygon([to_lonlat.transform(x, y) for x, y in DXF_SITE])
    assert shape(body["geometry"]).symmetric_difference(expected).area < 1e-12


def test_project_file_of_a_drawing_without_a_red_line_layer_skips_the_frame(web_client):
    response = _upload_dxf(web_client, _dxf(("0", DXF_SITE, True), ("图框", DXF_FRAME, True)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert any("取图层 0 的 1 条" in n for n in body["notes"])
    assert shape(body["geometry"]).area < 1e-4  # the site, not the 3 km frame


def test_project_file_of_a_drawing_without_closed_polylines_is_a_problem(web_client):
    response = _upload_dxf(web_client, _dxf(("道路", DXF_ROAD, False)))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "闭合多段线" in response.json()["detail"]


@pytest.mark.parametrize(("choice", "shift"), [("GCJ-02", wgs84_to_gcj02), ("BD-09", None)])
def test_project_file_in_web_map_coordinates_is_converted(web_client, choice, shift):
    """A site copied from 高德 (GCJ-02) or 百度 (BD-09) lands where it is, within a metre."""
    lon, lat = 120.265, 31.946
    if shift is None:  # BD-09 = GCJ-02 then Baidu's own shift
        glon, glat = wgs84_to_gcj02(lon, lat)
        mlon, mlat = gcj02_to_bd09(glon, glat)
    else:
        mlon, mlat = shift(lon, lat)
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [float(mlon), float(mlat)]},
            }
        ],
    }
    response = web_client.post(
        "/web/project-file",
        files={"file": ("site.geojson", json.dumps(fc).encode(), "application/geo+json")},
        data={"crs": choice},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    got = body["geometry"]["coordinates"]
    assert Geod(ellps="WGS84").inv(lon, lat, got[0], got[1])[2] < 1.0
    assert any(choice in n for n in body["notes"])
    assert Geod(ellps="WGS84").inv(lon, lat, float(mlon), float(mlat))[2] > 100  # it did move


def test_project_file_that_cannot_be_read_says_so_in_chinese(web_client):
    response = web_client.post(
        "/web/project-file", files={"file": ("红线.kml", b"<kml><not closed", "text/xml")}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("无法读取上传的文件：")
    assert "红线.kml" in response.json()["detail"] or "KML" in response.json()["detail"]


def test_project_file_says_to_save_a_dwg_as_dxf(web_client):
    response = web_client.post(
        "/web/project-file", files={"file": ("总平面图.dwg", b"AC1032", "application/acad")}
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("无法读取上传的文件：") and "DXF" in detail and "另存为" in detail


def test_project_file_rejects_unknown_type_as_problem(web_client):
    response = web_client.post(
        "/web/project-file", files={"file": ("site.docx", b"x", "application/octet-stream")}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_render_report_is_a_pure_function_of_the_screening():
    screening = {
        "id": "abc",
        "name": "测试项目",
        "verdict": "DENY",
        "as_of": "2024-06-30",
        "results": [
            {
                "rule_id": "r1",
                "title": "规则一",
                "outcome": "DENY",
                "citation": {"document": "长江保护法", "article": "第二十六条", "text": "禁止……"},
                "evidence": [
                    {
                        "collection": "water_bodies",
                        "feature_id": 1,
                        "name": "长江",
                        "distance_m": 480,
                    }
                ],
            }
        ],
    }
    releases = [
        {
            "id": 1,
            "collection": "water_bodies",
            "name": "r",
            "valid_from": "2024-01-01",
            "source": "S",
            "licence": "L",
            "synthetic": True,
        }
    ]
    html = render_report(screening, releases)
    assert "不予准入" in html
    assert "《长江保护法》第二十六条" in html
    assert "480 m" in html
    assert DISCLAIMER in html
    assert SYNTHETIC_NOTE in html
    assert "水体与岸线" in html


def test_report_routes_render_html_and_pdf(web_client):
    created = web_client.post(
        "/screenings",
        json={
            "name": "沿江化工",
            "geometry": mapping(SITE_NEAR_YANGTZE),
            "industry": "化工",
            "kind": "新建",
            "buffer_m": 500,
        },
    ).json()
    html = web_client.get(f"/screenings/{created['id']}/report")
    assert html.status_code == 200
    assert "<svg" in html.text
    assert "test-water-2024" in html.text
    pdf = web_client.get(f"/screenings/{created['id']}/report.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_report_of_unknown_screening_is_404(web_client):
    response = web_client.get("/screenings/987654321/report")
    assert response.status_code == 404
    assert web_client.get("/screenings/nope/report").status_code == 400


def test_report_labels_along_river_distances():
    """Evidence of an upstream rule reads as a distance along the named river, not a straight one."""
    from web.report import render_report

    screening = {
        "id": 1,
        "name": "排污口",
        "verdict": "FLAG",
        "results": [
            {
                "rule_id": "JS-B10-UPSTREAM",
                "title": "水源地上游",
                "outcome": "FLAG",
                "evidence": [
                    {
                        "collection": "drinking_water_zones",
                        "feature_id": 7,
                        "name": "某水源地",
                        "release_id": 3,
                        "distance_m": 812.4,
                        "via": {"collection": "water_bodies", "feature_id": 2, "name": "长江"},
                    },
                    {
                        "collection": "water_bodies",
                        "feature_id": 2,
                        "name": "长江",
                        "distance_m": 40.0,
                    },
                ],
            }
        ],
    }
    html = render_report(screening, [])
    assert "沿河上游 812 m（经 长江）" in html
    assert "40 m" in html and "沿河上游 40 m" not in html


INCOMPLETE_SCREENING = {
    "id": 9,
    "name": "南昌项目",
    "verdict": "INCOMPLETE",
    "as_of": "2026-01-01",
    "completeness": {
        "complete": False,
        "not_checked": [
            {
                "collection": "wetlands",
                "title": "湿地",
                "reason": "no_release",
                "text": "图层 湿地 在 2026-01-01 无有效版本",
            }
        ],
        "missing_facts": ["emissions.VOCs"],
    },
    "results": [
        {
            "rule_id": "R-WPL-19-GENERAL",
            "title": "湿地内禁止开发",
            "outcome": "NOT_CHECKED",
            "jurisdiction": "全国",
            "reason": {"code": "no_release", "text": "图层 湿地 在 2026-01-01 无有效版本"},
        },
        {
            "rule_id": "JS-B3",
            "title": "江苏规则",
            "outcome": "NOT_APPLICABLE",
            "jurisdiction": "江苏省",
        },
    ],
}


def test_report_of_an_incomplete_screening_shows_the_banner_first():
    html = render_report(INCOMPLETE_SCREENING, [], static_href="/app/static")
    banner = html.index('id="completeness"')
    assert html.index('id="verdict"') < banner < html.index("一、项目概况")  # on the first page
    assert "本次筛查不完整：以下图层在项目所在地无数据或不覆盖项目：" in html
    assert "<b>湿地</b>：图层 湿地 在 2026-01-01 无有效版本" in html
    assert "项目未提供：VOCs 排放量" in html
    assert 'class="verdict incomplete"' in html and "不完整（需人工核实）" in html
    assert "未发现冲突" not in html  # never reads as a PASS
    assert '<span class="outcome not-checked" title="NOT_CHECKED">未核查</span>' in html
    assert "未核查原因：图层 湿地 在 2026-01-01 无有效版本" in html
    assert '<span class="outcome na" title="NOT_APPLICABLE">不适用</span>' in html
    assert "适用范围：江苏省" in html
    assert 'href="/app/rules/R-WPL-19-GENERAL"' in html


def test_report_lists_rules_that_do_not_apply_by_jurisdiction_not_as_rows():
    results = [
        *INCOMPLETE_SCREENING["results"],
        {
            "rule_id": "JX-B1",
            "title": "江西规则",
            "outcome": "NOT_APPLICABLE",
            "jurisdiction": "江西省",
        },
        {
            "rule_id": "JS-B4",
            "title": "江苏规则二",
            "outcome": "NOT_APPLICABLE",
            "jurisdiction": "江苏省",
        },
    ]
    html = render_report(
        {**INCOMPLETE_SCREENING, "results": results}, [], static_href="/app/static"
    )
    rules_table = html[
        html.index('<table id="rules">') : html.index("</table>", html.index('<table id="rules">'))
    ]
    assert "R-WPL-19-GENERAL" in rules_table
    assert "JS-B3" not in rules_table and "江苏规则" not in rules_table  # no row of its own
    listed = html[html.index('id="not-applicable"') :]
    assert "以下 3 条规则" in listed
    assert "适用范围：江苏省（2 条）" in listed and "适用范围：江西省（1 条）" in listed
    assert 'href="/app/rules/JS-B3">JS-B3</a>、<a href="/app/rules/JS-B4">JS-B4</a>' in listed
    assert "4 条规则（1 条适用）" in html


def test_report_lists_what_stops_the_project_first():
    results = [
        {"rule_id": "R-PASS-1", "title": "一", "outcome": "PASS"},
        {"rule_id": "R-NC-1", "title": "二", "outcome": "NOT_CHECKED"},
        {"rule_id": "R-FLAG-1", "title": "三", "outcome": "FLAG"},
        {"rule_id": "R-PASS-2", "title": "四", "outcome": "PASS"},
        {"rule_id": "R-DENY-1", "title": "五", "outcome": "DENY"},
    ]
    html = render_report({**INCOMPLETE_SCREENING, "results": results}, [])
    table = html[html.index('<table id="rules">') :]
    order = sorted((table.index(f">{r['rule_id']}<"), r["rule_id"]) for r in results)
    assert [rule for _at, rule in order] == [
        "R-DENY-1",
        "R-FLAG-1",
        "R-NC-1",
        "R-PASS-1",
        "R-PASS-2",
    ]


def test_report_of_a_complete_screening_has_no_banner():
    screening = {**INCOMPLETE_SCREENING, "verdict": "PASS", "completeness": {"complete": True}}
    html = render_report(screening, [])
    assert 'id="completeness"' not in html
    assert "未发现冲突" in html
    assert 'href="/rules/R-WPL-19-GENERAL"' in html


def test_report_route_of_a_screening_outside_the_layers_is_incomplete(web_client):
    created = web_client.post(
        "/screenings",
        json={
            "name": "南昌化工",
            "geometry": {"type": "Point", "coordinates": [116.0, 28.6]},
            "industry": "化工",
            "kind": "新建",
            "buffer_m": 500,
        },
    ).json()
    assert created["verdict"] == "INCOMPLETE"
    html = web_client.get(f"/screenings/{created['id']}/report").text
    first_page = html[: html.index("一、项目概况")]
    assert "本次筛查不完整" in first_page
    assert "生态保护红线" in first_page
    assert 'title="INCOMPLETE">不完整（需人工核实）' in first_page
    pdf = web_client.get(f"/screenings/{created['id']}/report.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")


def test_report_lists_the_declared_tags_and_facts():
    screening = {
        **INCOMPLETE_SCREENING,
        "tags": ["排放污染物", "两高项目"],
        "in_park": False,
        "emissions": {"VOCs": 12.5, "NOx": 3},
        "capacity": {"value": 30, "unit": "万吨/年"},
        "water_m3d": 800,
    }
    html = render_report(screening, [])
    assert "<td>排放污染物、两高项目</td>" in html
    assert "不在园区；排放量（t/a）：VOCs 12.5，NOx 3；产能：30 万吨/年；用水：800 m³/d" in html
