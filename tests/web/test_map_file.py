"""The shareable map file (``GET /screenings/{id}/map.html``): self-contained, offline, escaped."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from fixture_layers import SITE_NEAR_YANGTZE
from shapely.geometry import mapping

from layers.demo.build import RELEASE_META, SYN_SOURCE
from layers.demo.mainstem import MAINSTEM_SOURCE
from web.map_file import Evidence, MapFileInputs, render_map_file, source_credits

EXTERNAL = re.compile(r"(?:https?:)?//", re.IGNORECASE)
#: The only http(s) strings allowed in the file: inside the inlined Leaflet (its licence
#: header, its attribution text, the SVG namespace it creates elements in), none fetched.
LEAFLET_MARK = "Leaflet 1.9.4, a JS library for interactive maps"


class _Page(HTMLParser):
    """Collects every src/href/url() of the page, its scripts and its styles."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.metas: list[dict[str, str | None]] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "data", "action", "poster") and value is not None:
                self.links.append(value)
            if name == "style" and value:
                self.links += re.findall(r"url\(([^)]*)\)", value)
        if tag == "meta":
            self.metas.append(dict(attrs))
        if tag in ("script", "style"):
            self._in = tag
            (self.scripts if tag == "script" else self.styles).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in == "style":
            self.styles[-1] += data


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    for css in page.styles:
        page.links += re.findall(r"url\(([^)]*)\)", css)
    return page


def embedded_geojson(html: str) -> list[dict]:
    """The FeatureCollections folium embeds (``…_add({...});``)."""
    return [json.loads(m) for m in re.findall(r"_add\((\{.*\})\);\s*$", html, re.MULTILINE)]


def layer_names(html: str) -> list[str]:
    """The overlay names of the layer control (JSON strings in the script)."""
    block = re.search(r"overlays\s*:\s*\{(.*?)\}", html, re.DOTALL)
    assert block, "no layer control"
    return [json.loads(n) for n in re.findall(r'("(?:[^"\\]|\\.)*")\s*:', block.group(1))]


def assert_self_contained(html: str) -> _Page:
    page = parse(html)
    assert page.scripts, "no script"
    for link in page.links:
        assert not EXTERNAL.match(link.strip("'\" ")), f"external reference {link}"
        assert link.strip("'\" ").startswith(("data:", "#")), f"a file reference {link}"
    leaflet = [s for s in page.scripts if LEAFLET_MARK in s]
    assert len(leaflet) == 1, "the vendored Leaflet is inlined once"
    rest = html.replace(leaflet[0], "")
    assert not re.search(r"https?://", rest), re.search(r".{60}https?://.{60}", rest)
    for cdn in ("jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "fontawesome"):
        assert cdn not in rest.lower(), cdn
    policy = [
        m for m in page.metas if (m.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    assert policy and "default-src 'none'" in (policy[0]["content"] or "")
    return page


@pytest.fixture(scope="module")
def client(web_app):
    with TestClient(web_app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def screened(client) -> dict:
    created = client.post(
        "/screenings",
        json={
            "name": "沿江化工（地图文件）",
            "geometry": mapping(SITE_NEAR_YANGTZE),
            "industry": "化工",
            "kind": "新建",
            "buffer_m": 1000,
        },
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_map_file_is_an_attachment_with_the_evidence_and_no_external_url(client, screened):
    response = client.get(f"/screenings/{screened['id']}/map.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="screening-{screened["id"]}-map.html"'
    )
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert_self_contained(html)

    collections = embedded_geojson(html)
    features = [f for c in collections for f in c["features"]]
    props = [f["properties"] for f in features]
    evidence = {
        (e["collection"], e["feature_id"]): e["name"]
        for r in screened["results"]
        for e in r.get("evidence") or []
        if e.get("feature_id") is not None
    }
    assert evidence, "the fixture screening has evidence"
    shown = {p.get("feature_id"): p.get("name") for p in props if "layer" in p}
    for (_collection, fid), name in evidence.items():
        assert shown.get(fid) == name, f"evidence {name} #{fid} missing from the map file"
    assert "长江" in shown.values()
    # the project (its exact polygon), its buffer, distance lines with their labels
    assert any(
        f["geometry"] == mapping(SITE_NEAR_YANGTZE)
        or (
            f["geometry"]["type"] == "Polygon"
            and f["properties"].get("name") == "沿江化工（地图文件）"
        )
        for f in features
    )
    assert any(str(p.get("label", "")).startswith("缓冲区 1000 m") for p in props)
    assert any("长江" in str(p.get("label", "")) and " m" in str(p["label"]) for p in props)
    # Chinese labels, the verdict and the synthetic notice (the fixture layers are synthetic)
    assert 'data-verdict="DENY"' in html
    assert "不予准入" in html
    assert "演示用合成数据" in html
    # the releases' sources and licences (fixture_layers: SOURCE, LICENCE), short forms
    assert "数据来源与许可：ecozone 测试夹具（CC0）" in html
    overlays = layer_names(html)
    assert {"项目", "缓冲区（1000 米）", "距离线"} <= set(overlays)
    assert any(name.startswith("证据：") for name in overlays)
    assert '<html lang="zh-CN">' in html


def test_map_file_of_unknown_screening_is_404(client):
    assert client.get("/screenings/987654321/map.html").status_code == 404


def test_report_links_the_map_file(client, screened):
    html = client.get(f"/screenings/{screened['id']}/report").text
    assert f'href="/screenings/{screened["id"]}/map.html"' in html


def test_word_and_pdf_reports_give_the_map_file_address(client, screened, tmp_path):
    from docx import Document

    address = f"http://testserver/screenings/{screened['id']}/map.html"
    docx = client.get(f"/screenings/{screened['id']}/report.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert address in text
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) missing")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(client.get(f"/screenings/{screened['id']}/report.pdf").content)
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert address in out.stdout.replace("\n", "")


SCREENING = {
    "id": 42,
    "name": "<img src=x onerror=alert(1)>项目",
    "verdict": "FLAG",
    "as_of": "2025-01-01",
    "industry": "化工",
    "kind": "新建",
    "buffer_m": 300,
    "geometry": {"type": "Point", "coordinates": [120.265, 31.945]},
    "results": [
        {
            "rule_id": "R-TEST",
            "evidence": [
                {
                    "collection": "red_lines",
                    "feature_id": 9,
                    "name": "红线</script><script>alert(2)</script>",
                    "distance_m": 820.0,
                }
            ],
        }
    ],
}
RED_LINE = {
    "type": "Polygon",
    "coordinates": [
        [[120.27, 31.95], [120.28, 31.95], [120.28, 31.96], [120.27, 31.96], [120.27, 31.95]]
    ],
}


def test_protection_targets_are_drawn_and_listed_when_present():
    targets = [
        {
            "name": "某小学",
            "type": "学校",
            "medium": "大气",
            "bearing": "NNE",
            "distance_m": 310.0,
            "geometry": {"type": "Point", "coordinates": [120.266, 31.948]},
        },
        {"name": "无坐标的村庄", "type": "居民区", "bearing": "S", "distance_m": 1500.0},
    ]
    evidence = [Evidence("red_lines", 9, SCREENING["results"][0]["evidence"][0]["name"], RED_LINE)]
    html = render_map_file(
        {**SCREENING, "protection_targets": targets},
        MapFileInputs(evidence, [], {0: targets[0]["geometry"]}, synthetic=False),
    )
    assert_self_contained(html)
    page = parse(html)
    assert "环境保护目标（2）" in html
    assert "无坐标的村庄" in html and "1.50 km" in html and "NNE" in html
    drawn = [f for c in embedded_geojson(html) for f in c["features"]]
    assert any(f["properties"].get("name") == "某小学" for f in drawn)
    # no synthetic notice when nothing used is synthetic
    assert "ecozone-synthetic" not in html
    # data never becomes markup: the hostile names arrive escaped, no script is injected
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;项目" in html
    assert all(script.strip() != "alert(2)" for script in page.scripts)
    assert "</script><script>alert(2)" not in html
    names = [f["properties"].get("name") for f in drawn]
    assert "红线&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in names


def test_a_screening_without_protection_targets_has_no_target_layer():
    html = render_map_file(SCREENING, MapFileInputs([], [], {}, synthetic=True))
    assert "环境保护目标" not in html
    assert "ecozone-synthetic" in html
    assert_self_contained(html)


def test_map_file_names_the_sources_and_licences_of_its_releases():
    demo = [
        (RELEASE_META[c].source or SYN_SOURCE, RELEASE_META[c].licence)
        for c in ("water_bodies", "sensitive_receptors", "admin_divisions", "red_lines")
    ]
    assert source_credits(demo) == [
        "国家基础地理信息中心 1:400万全国基础地理数据库（免费公开、未明示再分发许可）",
        MAINSTEM_SOURCE.split("（")[0] + "（同原数据条款）",
        "GeoNames 居民点（CC BY 4.0）",
        "ecozone 演示数据生成器（合成数据、MIT 许可）",
        "天地图行政区划（© 天地图）",
    ]
    html = render_map_file(SCREENING, MapFileInputs([], [], {}, synthetic=True, sources=demo))
    # the short forms carry no URL (GeoNames' licence names one): still self-contained
    assert_self_contained(html)
    line = re.search(r'<div id="ecozone-sources"[^>]*>(.*?)</div>', html)
    assert line, "no 数据来源与许可 line"
    assert line.group(1).startswith("数据来源与许可：国家基础地理信息中心")
    assert "GeoNames 居民点（CC BY 4.0）；" in line.group(1)
    assert "天地图行政区划（© 天地图）" in line.group(1)
    # data never becomes markup
    hostile = [("<b>来源</b>, 说明", "<i>许可</i>（说明）")]
    html = render_map_file(SCREENING, MapFileInputs([], [], {}, synthetic=False, sources=hostile))
    assert "&lt;b&gt;来源&lt;/b&gt;（&lt;i&gt;许可&lt;/i&gt;）" in html
    assert "<b>来源</b>" not in html


def test_saved_map_file_opens_offline_in_chromium(
    client, screened, browser_context_factory, tmp_path, output_dir
):
    html = client.get(f"/screenings/{screened['id']}/map.html").content
    saved = tmp_path / f"screening-{screened['id']}-map.html"
    saved.write_bytes(html)
    ctx = browser_context_factory(viewport={"width": 1200, "height": 800})
    network: list[str] = []

    def refuse(route) -> None:
        network.append(route.request.url)
        route.abort()

    ctx.route(re.compile(r"^(https?|wss?|ftp)://"), refuse)
    page = ctx.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(saved.as_uri())
    page.wait_for_selector(".leaflet-container .leaflet-overlay-pane path")
    page.wait_for_load_state("load")
    # Leaflet drew the layers: project, buffer, evidence, distance lines, context
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() > 2
    assert page.evaluate("typeof L") == "object"
    assert page.evaluate("L.version") == "1.9.4"
    control = page.inner_text(".leaflet-control-layers")
    assert "项目" in control and "距离线" in control and "证据：" in control
    assert "不予准入" in page.inner_text("#ecozone-panel")
    assert "合成数据" in page.inner_text("#ecozone-synthetic")
    assert page.locator(".leaflet-tooltip").filter(has_text="长江").count() >= 1
    page.screenshot(path=str(output_dir / "map-file.png"))
    assert network == [], f"the file asked the network for {network}"
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert errors == [], errors


def test_a_projected_request_draws_its_outfall_lines_from_the_outfall(client):
    """A request in CGCS2000 zone 40 with its outfall: the body's top-level outfall is lon/lat
    like its geometry (the request's own coordinates under ``project``), so a distance line
    measured from the outfall starts there, not at the zone's metres read as degrees."""
    from pyproj import Transformer

    from web.map_file import distance_lines

    to_zone = Transformer.from_crs(4490, 4528, always_xy=True)
    site = [to_zone.transform(x, y) for x, y in SITE_NEAR_YANGTZE.exterior.coords]
    outfall_lonlat = (120.266, 31.9480)
    outfall = to_zone.transform(*outfall_lonlat)
    created = client.post(
        "/screenings",
        json={
            "name": "投影坐标请求的排污口",
            "geometry": {"type": "Polygon", "coordinates": [site]},
            "crs": "EPSG:4528",
            "outfall": {"type": "Point", "coordinates": list(outfall)},
            "industry": "化工",
            "kind": "新建",
        },
    )
    assert created.status_code == 201, created.text
    body = client.get(f"/screenings/{created.json()['id']}").json()
    assert body["outfall"]["coordinates"] == pytest.approx(outfall_lonlat, abs=1e-7)
    assert body["project"]["outfall"]["coordinates"] == pytest.approx(outfall, abs=1e-6)
    target = {"type": "Point", "coordinates": [120.266, 31.9520]}
    hit = Evidence("water_bodies", 1, "长江", target, distance_m=440.0, from_outfall=True)
    [line] = distance_lines(body, [hit])
    start = line["geometry"]["coordinates"][0]
    assert start == pytest.approx(outfall_lonlat, abs=1e-6)
