"""The reviewer's map in a real headless chromium: layers, drawing, screening, report, phone.

Screenshots land in test-output/web/; timings in test-output/web/RESULTS, or in the
committed bench/web/RESULTS when ECOZONE_BENCH_WEB=1 (so a plain test run leaves the tree clean).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

import geopandas as gpd
from shapely.geometry import LineString, box
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from tests.diff_fixture import load_diff_fixture

ROOT = Path(__file__).resolve().parents[2]
BENCH = (
    ROOT / "bench" / "web" / "RESULTS"
    if os.environ.get("ECOZONE_BENCH_WEB")
    else ROOT / "test-output" / "web" / "RESULTS"
)


class PageWatch:
    """Collects console errors (CSP violations among them), page errors and every request's host.

    The pages' Content-Security-Policy refuses eval, so waits pass functions
    (``"() => …"``), which Playwright calls without evaluating a string in the page.
    """

    def __init__(self, page, origin: str) -> None:
        self.origin = urlparse(origin).netloc
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.failed: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.errors.append(f"console: {msg.text}")

    def _request(self, request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("data", "blob", "about"):
            return
        if parsed.netloc != self.origin:
            self.foreign.append(request.url)

    def _failed(self, request) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" not in failure:  # aborted = a superseded layer load
            self.failed.append(f"{request.url}: {failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def assert_clean(self) -> None:
        assert self.foreign == [], f"requests to other hosts: {self.foreign}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.failed == [], f"failed requests: {self.failed}"


def _wait_ready(page) -> None:
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=30_000)


def _page_points(page, lonlats: list[tuple[float, float]]) -> list[list[float]]:
    """Where each lon/lat lies on the page, in pixels (for mouse clicks on the map)."""
    return page.evaluate(
        """(lls) => lls.map(([lon, lat]) => {
            const p = window.ecozone.map.latLngToContainerPoint([lat, lon]);
            const r = document.getElementById('map').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        })""",
        [list(p) for p in lonlats],
    )


def _draw_polygon(page, lonlats: list[tuple[float, float]]) -> None:
    """Click the vertices of a polygon on the map (through geoman's draw mode)."""
    page.click("button[data-tab=screen]")
    page.click("button[data-draw=Polygon]")
    points = _page_points(page, lonlats)
    for x, y in points:
        page.mouse.click(x, y)
        page.wait_for_timeout(80)
    page.mouse.click(*points[0])  # closing click on the first vertex finishes the polygon
    page.wait_for_function("() => window.ecozone.project !== null", timeout=5000)


def _record_bench(numbers: dict[str, float]) -> None:
    BENCH.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# bench/web: measured by tests/web/test_browser.py (headless chromium, 1366x768, loopback)",
        f"# {datetime.now(UTC).isoformat(timespec='seconds')}",
    ]
    lines += [f"{k}\t{v:.0f}" for k, v in numbers.items()]
    BENCH.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_map_layers_draw_screen_report(browser_context_factory, live_server, output_dir):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)

    started = time.perf_counter()
    page.goto(live_server + "/")
    _wait_ready(page)
    # performance.now() counts from the navigation's time origin
    first_render_ms = page.evaluate("window.ecozone.timings.firstRenderMs")
    wall_first_render_ms = (time.perf_counter() - started) * 1000

    state = page.evaluate(
        """() => Object.fromEntries(Object.entries(window.ecozone.entries).map(
            ([id, e]) => [id, {visible: e.visible, count: e.count, release: e.release && e.release.name}]))"""
    )
    # water_bodies is listed as its two views: the 长江 and 黄山湖 polygons, the canal line
    assert "water_bodies" not in state
    assert state["water_areas"]["count"] == 2
    assert state["water_lines"]["count"] == 1
    assert state["control_units"]["release"] == "test-units-2024"
    assert state["control_units"]["count"] == 3
    # the legend lists the control-unit classes; scale bar and coordinates are there
    legend = page.inner_text("#legend")
    assert "优先保护单元" in legend
    assert "重点管控单元" in legend
    assert "一般管控单元" in legend
    assert page.locator(".leaflet-control-scale-line").count() == 1
    page.mouse.move(900, 400)
    assert "经度" in page.inner_text("#coords")
    page.screenshot(path=str(output_dir / "01-map.png"))

    # toggle a layer on (monitoring stations) and one off (control units)
    page.check("input[data-layer=monitoring_stations]")
    page.wait_for_function("() => window.ecozone.entries.monitoring_stations.count === 2")
    page.uncheck("input[data-layer=control_units]")
    page.wait_for_function(
        "() => !window.ecozone.map.hasLayer(window.ecozone.entries.control_units.group)"
    )
    page.screenshot(path=str(output_dir / "02-toggled.png"))
    page.check("input[data-layer=control_units]")
    page.wait_for_function("() => window.ecozone.entries.control_units.count === 3")

    # popup of a control unit: attributes, release and 准入清单
    page.evaluate(
        """() => { const e = window.ecozone.entries.control_units;
                   const l = e.group.getLayers().find(l => l.feature.properties.unit_class === '优先保护单元');
                   l.fire('click', {latlng: l.getBounds().getCenter()}); }"""
    )
    page.wait_for_selector(".leaflet-popup-content .entry-list")
    popup = page.inner_text(".leaflet-popup-content")
    assert "长江江阴段优先保护单元" in popup
    assert "生态环境准入清单" in popup
    assert "空间布局约束" in popup
    assert "test-units-2024" in popup
    assert "2024-01-01" in popup
    assert "测试夹具" in popup
    page.wait_for_load_state("networkidle")  # the full feature (source_properties) arrived
    page.screenshot(path=str(output_dir / "03-popup.png"))
    page.keyboard.press("Escape")
    page.evaluate("window.ecozone.map.closePopup()")

    # as-of date: 2021 shows the 2020 release of control units
    page.fill("#as-of", "2021-06-01")
    page.dispatch_event("#as-of", "change")
    page.wait_for_function(
        "() => window.ecozone.entries.control_units.release && window.ecozone.entries.control_units.release.name === 'test-units-2020'"
    )
    assert page.evaluate("window.ecozone.entries.control_units.count") == 1
    page.fill("#as-of", datetime.now(UTC).date().isoformat())
    page.dispatch_event("#as-of", "change")
    page.wait_for_function(
        "() => window.ecozone.entries.control_units.release.name === 'test-units-2024'"
    )

    # search by name and by coordinates
    page.fill("#search", "江阴")
    page.wait_for_selector("#search-results li[data-i]")
    assert "江阴市" in page.inner_text("#search-results")
    page.fill("#search", "X=3538000 Y=40525000")
    page.wait_for_function(
        "() => document.getElementById('search-results').innerText.includes('EPSG:4528')"
    )
    page.click("#search-results li[data-i]")
    page.wait_for_function("() => Math.abs(window.ecozone.map.getCenter().lng - 120.2645) < 0.01")
    page.keyboard.press("Escape")
    page.fill("#search", "")

    # draw a site ~500 m south of the Yangtze, screen it as a new chemical plant
    page.evaluate("window.ecozone.map.setView([31.948, 120.265], 14, {animate: false})")
    page.wait_for_timeout(300)
    _draw_polygon(
        page, [(120.262, 31.944), (120.268, 31.944), (120.268, 31.9475), (120.262, 31.9475)]
    )
    assert page.evaluate("window.ecozone.project.type") == "Polygon"
    page.fill("#project-name", "江阴沿江化工项目（测试）")
    page.select_option("#industry", "化工")
    page.select_option("#kind", "新建")
    page.fill("#buffer", "1000")
    clicked = time.perf_counter()
    page.click("#run-screening")
    page.wait_for_selector("#verdict-banner")
    verdict_wall_ms = (time.perf_counter() - clicked) * 1000
    verdict_ms = page.evaluate("window.ecozone.timings.screenToVerdictMs")
    banner = page.locator("#verdict-banner")
    assert banner.get_attribute("data-verdict") == "DENY"
    assert "不予准入" in banner.inner_text()
    assert "rgb(198, 40, 40)" in banner.evaluate("e => getComputedStyle(e).backgroundColor")
    rules = page.inner_text("#screen-result")
    assert "长江保护法" in rules
    assert "第二十六条" in rules
    assert "长江" in rules
    # evidence highlighted, and a distance line drawn to the Yangtze
    page.wait_for_function(
        "() => window.ecozone.map.hasLayer && document.querySelectorAll('.distance-label').length > 0"
    )
    assert "m" in page.inner_text(".distance-label >> nth=0")
    page.screenshot(path=str(output_dir / "04-screening-deny.png"))

    # the printable report (HTML) opens from the result
    report_href = page.get_attribute("#report-link", "href")
    report = ctx.new_page()
    report_watch = PageWatch(report, live_server)
    report.goto(live_server + report_href)
    # the reviewer's words, the code only in the title
    assert report.inner_text("#verdict").startswith("不予准入")
    assert report.get_attribute("#verdict", "title") == "DENY"
    assert report.locator("#rules tr").count() >= 2
    assert "长江" in report.inner_text("#evidence")
    assert "合成数据" in report.inner_text("body")
    assert report.locator(".map svg").count() == 1
    report.screenshot(path=str(output_dir / "05-report.png"), full_page=True)
    pdf = report.request.get(live_server + report_href + ".pdf")
    assert pdf.status == 200
    assert pdf.body()[:5] == b"%PDF-"
    (output_dir / "report.pdf").write_bytes(pdf.body())
    # Word and Excel are offered on the map and on the report, and download
    for link in ("#word-link", "#excel-link"):
        href = page.get_attribute(link, "href")
        assert href == report.get_attribute(link, "href"), link
        got = report.request.get(live_server + href)
        assert got.status == 200 and got.body()[:2] == b"PK", link  # a zip: .docx / .xlsx
    report_watch.assert_clean()
    report.close()

    # saved screenings: the list shows it, and reopening restores the banner
    page.click("button[data-tab=history]")
    page.wait_for_selector("#history-list li.item")
    assert "江阴沿江化工项目" in page.inner_text("#history-list")
    # found again by part of its name and by its verdict; a name that matches nothing says so
    page.fill("#history-q", "沿江化工")
    page.wait_for_function(
        "() => document.getElementById('history-count').textContent.includes('符合条件')"
    )
    names = page.locator("#history-list li.item b").all_inner_texts()
    assert names and all("沿江化工" in n for n in names)
    page.select_option("#history-verdict", "PASS")
    page.wait_for_selector("#history-list li.muted:has-text('没有符合条件的筛查')")
    page.select_option("#history-verdict", "DENY")
    page.wait_for_selector("#history-list li.item")
    badges = page.locator("#history-list li.item .badge").all_inner_texts()
    assert badges and set(badges) == {"不予准入"}  # the verdict in words
    page.fill("#history-q", "")
    page.select_option("#history-verdict", "")
    page.wait_for_function(
        "() => document.getElementById('history-count').textContent.startsWith('共')"
    )
    page.evaluate(
        "window.ecozone.screening = null; document.getElementById('screen-result').innerHTML = ''"
    )
    page.click("#history-list li.item >> nth=0")
    page.wait_for_selector("#verdict-banner[data-verdict=DENY]")
    page.screenshot(path=str(output_dir / "06-reopened.png"))

    watch.assert_clean()
    _record_bench(
        {
            "first_map_render_ms (navigation start -> layers drawn, in-page clock)": first_render_ms,
            "first_map_render_wall_ms (goto -> ready, test clock)": wall_first_render_ms,
            "screen_click_to_verdict_ms (in-page clock)": verdict_ms,
            "screen_click_to_verdict_wall_ms (click -> banner visible, test clock)": verdict_wall_ms,
        }
    )


def test_phone_layout_collapses_panel(browser_context_factory, live_server, output_dir):
    ctx = browser_context_factory(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    page.goto(live_server + "/")
    _wait_ready(page)
    assert not page.is_visible("#panel")
    map_box = page.locator("#map").bounding_box()
    assert map_box["width"] >= 380
    page.screenshot(path=str(output_dir / "07-phone.png"))
    page.click("#panel-toggle")
    assert page.is_visible("#panel")
    # the drawer covers the map's controls (they must not show through it)
    zoom_in = page.locator(".leaflet-control-zoom-in").bounding_box()
    top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('#panel') !== null",
        [zoom_in["x"] + 5, zoom_in["y"] + 5],
    )
    assert top
    page.screenshot(path=str(output_dir / "08-phone-panel.png"))
    page.click("#panel-toggle")
    assert not page.is_visible("#panel")
    watch.assert_clean()


def test_upload_project_file_sets_the_project(browser_context_factory, live_server, output_dir):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    page.goto(live_server + "/")
    _wait_ready(page)
    page.click("button[data-tab=screen]")
    text = "1,3537100.0,40525100.0\n2,3537100.0,40525600.0\n3,3536700.0,40525600.0\n4,3536700.0,40525100.0\n1,3537100.0,40525100.0\n"
    page.set_input_files(
        "#project-file",
        files=[{"name": "拐点坐标.txt", "mimeType": "text/plain", "buffer": text.encode()}],
    )
    page.wait_for_function("() => window.ecozone.project !== null")
    assert "EPSG:4528" in page.inner_text("#project-status")
    assert "报告的拐点坐标按本文件的分带列出" in page.inner_text("#project-status")
    page.screenshot(path=str(output_dir / "09-uploaded.png"))
    # the screening asks for the file's zone, so the reports list the corners as surveyed
    page.click("#run-screening")
    page.wait_for_selector("#verdict-banner")
    screening_id = page.evaluate("window.ecozone.screening.id")
    stored = page.request.get(f"{live_server}/screenings/{screening_id}").json()
    assert stored["project"]["report_crs"] == "EPSG:4528"
    # a project drawn instead forgets the file's zone
    page.click("#clear-project")
    assert page.evaluate("window.ecozone.reportCrs") is None
    watch.assert_clean()


def test_examples_menu_industries_attribution_and_synthetic_badge(
    browser_context_factory, live_server, output_dir
):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    page.goto(live_server + "/")
    _wait_ready(page)
    # the industry list is the rule set's (no category the engine would refuse)
    page.wait_for_function("() => document.querySelectorAll('#industry option').length > 20")
    options = page.eval_on_selector_all("#industry option", "els => els.map(e => e.value)")
    assert "化工" in options and "排污口" in options and "一般制造业" not in options
    # the fixture releases are synthetic: the badge says so, and sources are attributed
    assert page.is_visible("#synthetic-badge")
    assert "数据：" in page.inner_text(".leaflet-control-attribution")
    # picking a worked example fills the project form and draws it
    page.click("text=项目筛查")
    page.wait_for_function("() => document.querySelectorAll('#example option').length > 8")
    page.select_option("#example", index=1)
    assert page.input_value("#industry") == "化工"
    assert "示例" in page.inner_text("#project-status")
    assert page.evaluate("window.ecozone.project !== null")
    page.screenshot(path=str(output_dir / "10-example.png"))
    watch.assert_clean()


def _plant_river_and_zone(database_url: str) -> None:
    """A river with a bend (digitised west → east) and a drinking-water zone on it, downstream."""
    lat = 31.90
    river = LineString(
        [(120.40, lat), (120.444, lat), (120.446, lat + 0.0015), (120.448, lat), (120.50, lat)]
    )
    layers = [
        ("water_bodies", {"name": "某弯河", "kind": "river", "yangtze_class": "none"}, river),
        (
            "drinking_water_zones",
            {"name": "某弯河水源一级区", "grade": "一级", "water_source": "某弯河"},
            box(120.45, lat - 0.001, 120.452, lat + 0.001),
        ),
    ]
    engine = create_engine(database_url)
    with Session(engine) as session:
        for collection, properties, geometry in layers:
            frame = gpd.GeoDataFrame([properties], geometry=[geometry], crs="EPSG:4326")
            import_source(
                session,
                SourceData(frame, frame.crs, "test"),
                ImportOptions(collection=collection, release="bend", valid_from=date(2019, 1, 1)),
                label="test",
            )
    engine.dispose()


def test_upstream_evidence_is_drawn_along_the_river(
    browser_context_factory, own_live_server, output_dir
):
    """An upstream rule's evidence follows the river's bend on the map, not a straight line."""
    base, database_url = own_live_server("ecozone_upstreamtest")
    _plant_river_and_zone(database_url)
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, base)
    page.goto(base + "/")
    _wait_ready(page)
    page.evaluate("window.ecozone.map.setView([31.9021, 120.442], 16, {animate: false})")
    page.uncheck("input[data-layer=control_units]")  # its popups would catch the clicks
    page.wait_for_timeout(300)
    # a small site 200 m north of the river, west of the bend (upstream of the zone)
    _draw_polygon(
        page, [(120.4415, 31.9018), (120.4425, 31.9018), (120.4425, 31.9025), (120.4415, 31.9025)]
    )
    page.fill("#project-name", "弯河上游排污项目（测试）")
    page.select_option("#industry", "化工")
    page.select_option("#kind", "新建")
    page.fill("#buffer", "0")
    page.click("#run-screening")
    page.wait_for_selector("#verdict-banner")
    assert "沿河上游" in page.inner_text("#screen-result")
    vertices = """() => {
        let most = 0;
        window.ecozone.map.eachLayer(function (l) {
            if (l.options && l.options.className === "river-path") {
                most = Math.max(most, l.getLatLngs().length);
            }
        });
        return most;
    }"""
    page.wait_for_function(f"({vertices})() > 0")
    assert page.evaluate(vertices) > 2  # the river's bend, not the chord's two ends
    labels = page.locator(".distance-label").all_inner_texts()
    assert any(text.startswith("沿河 ") for text in labels)
    page.screenshot(path=str(output_dir / "11-upstream-along-river.png"))
    watch.assert_clean()


#: A site near Nanchang (江西), where the fixture layers have no data: outside their coverage.
SITE_OUTSIDE_FIXTURES = [(115.99, 28.59), (116.01, 28.59), (116.01, 28.61), (115.99, 28.61)]
AMBER = "rgb(217, 119, 6)"


def test_incomplete_screening_shows_the_amber_banner_and_sends_tags(
    browser_context_factory, live_server, output_dir
):
    """Outside the layers' coverage the verdict is INCOMPLETE, in amber, naming each layer."""
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    page.goto(live_server + "/")
    _wait_ready(page)
    page.evaluate("window.ecozone.map.setView([28.6, 116.0], 14, {animate: false})")
    page.wait_for_timeout(300)
    _draw_polygon(page, SITE_OUTSIDE_FIXTURES)
    page.fill("#project-name", "南昌化工项目（测试）")
    page.select_option("#industry", "化工")
    page.fill("#buffer", "500")

    # the tag checklist is the rule set's vocabulary, its text in the tooltip
    page.click("#project-facts summary")
    tag = page.locator("#tag-list label.tag", has_text="排放污染物").first
    assert "项目排放污染物" in tag.get_attribute("title")
    assert page.locator("#tag-list input[name=tags]").count() >= 10
    tag.locator("input").check()
    page.select_option("#in-park", "false")
    page.fill("#emission-VOCs", "12.5")
    page.screenshot(path=str(output_dir / "12-facts-form.png"))

    page.click("#run-screening")
    page.wait_for_selector("#verdict-banner")
    banner = page.locator("#verdict-banner")
    assert banner.get_attribute("data-verdict") == "INCOMPLETE"
    assert "不完整（需人工核实）" in banner.inner_text()
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == AMBER
    completeness = page.locator("#completeness-banner")
    text = completeness.inner_text()
    assert "本次筛查不完整：以下图层在项目所在地无数据或不覆盖项目" in text
    assert "生态保护红线" in text and "覆盖范围" in text
    assert AMBER in completeness.evaluate("e => getComputedStyle(e).borderTopColor")
    # a rule not checked: amber badge 未核查, its reason, its jurisdiction, a link to the rule
    row = page.locator(".rule[data-outcome=NOT_CHECKED]").first
    assert row.locator(".badge").inner_text() == "未核查"
    assert row.locator(".badge").evaluate("e => getComputedStyle(e).backgroundColor") == AMBER
    assert "未核查原因：" in row.inner_text()
    assert "适用范围：" in row.inner_text()
    rule_id = row.get_attribute("data-rule")
    assert row.locator("a.rule-link").get_attribute("href") == f"/rules/{rule_id}"
    page.click("#not-applicable summary")  # the rules that do not apply are folded away
    na = page.locator(".rule[data-outcome=NOT_APPLICABLE] .badge").first
    assert na.inner_text() == "不适用"
    assert na.evaluate("e => getComputedStyle(e).backgroundColor") != AMBER
    assert "未核查" in page.inner_text("#outcome-key")
    page.screenshot(path=str(output_dir / "12-incomplete-result.png"))

    # the report says so on its first page, in amber too
    report = ctx.new_page()
    report_watch = PageWatch(report, live_server)
    report.goto(live_server + page.get_attribute("#report-link", "href"))
    assert report.locator("#verdict").evaluate("e => getComputedStyle(e).backgroundColor") == AMBER
    assert "生态保护红线" in report.inner_text("#completeness")
    assert "未核查" in report.inner_text("#rules")
    report.screenshot(path=str(output_dir / "13-incomplete-report.png"))
    report_watch.assert_clean()
    report.close()

    # the stored screening has the ticked tag and the facts
    screening_id = page.evaluate("window.ecozone.screening.id")
    stored = page.request.get(f"{live_server}/screenings/{screening_id}").json()
    assert stored["tags"] == ["排放污染物"]
    assert stored["verdict"] == "INCOMPLETE"
    assert stored["project"]["in_park"] is False
    assert stored["project"]["emissions"] == {"VOCs": 12.5}
    watch.assert_clean()


#: How many outfall markers the map draws (a canvas map: counted from its layers).
OUTFALL_MARKERS = """() => {
    let n = 0;
    window.ecozone.map.eachLayer(function (l) {
        if (l.options && l.options.className === "outfall-marker") n += 1;
    });
    return n;
}"""


def test_outfall_placed_on_the_map_is_screened_and_reopened(
    browser_context_factory, live_server, output_dir
):
    """An outfall placed on the map goes with the screening; outfall rules measure from it."""
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    page.goto(live_server + "/")
    _wait_ready(page)
    page.evaluate("window.ecozone.map.setView([31.945, 120.22], 13, {animate: false})")
    page.uncheck("input[data-layer=control_units]")  # its popups would catch the clicks
    page.wait_for_timeout(300)
    # the plant east of the 小湾 water source, outside both protection zones …
    _draw_polygon(page, [(120.24, 31.94), (120.25, 31.94), (120.25, 31.948), (120.24, 31.948)])
    page.fill("#project-name", "排污口在二级保护区的项目（测试）")
    page.select_option("#industry", "化工")
    page.fill("#buffer", "0")
    # … and its outfall inside the 二级 zone (not the 一级), placed with the form's button
    page.click("#project-facts summary")
    assert page.is_disabled("#clear-outfall")
    page.click("#place-outfall")
    [(x, y)] = _page_points(page, [(120.20, 31.94)])
    page.mouse.click(x, y)
    page.wait_for_function("() => window.ecozone.outfall !== null", timeout=5000)
    outfall = page.evaluate("window.ecozone.outfall")
    assert outfall["type"] == "Point"
    lon, lat = outfall["coordinates"]
    assert abs(lon - 120.20) < 0.001 and abs(lat - 31.94) < 0.001
    assert page.evaluate("window.ecozone.project.type") == "Polygon"  # the project stays
    assert "排污口：120.2" in page.inner_text("#outfall-status")
    assert page.evaluate(OUTFALL_MARKERS) == 1
    assert page.evaluate("window.ecozone.map.pm.globalDrawModeEnabled()") is False
    page.screenshot(path=str(output_dir / "14-outfall-placed.png"))

    page.click("#run-screening")
    page.wait_for_selector("#verdict-banner")
    row = page.locator(".rule[data-rule=R-WPPL-64-OUTFALL]")
    assert row.get_attribute("data-outcome") == "DENY"
    assert "量算起点：排污口" in row.inner_text()
    assert "小湾水源地二级保护区" in row.inner_text()
    assert page.locator("#verdict-banner").get_attribute("data-verdict") == "DENY"
    page.screenshot(path=str(output_dir / "14-outfall-result.png"))
    screening_id = page.evaluate("window.ecozone.screening.id")
    stored = page.request.get(f"{live_server}/screenings/{screening_id}").json()
    assert stored["outfall"]["type"] == "Point"
    assert stored["project"]["outfall"] == stored["outfall"]

    # clearing the project clears its outfall; reopening the screening brings both back
    page.click("#clear-project")
    assert page.evaluate("window.ecozone.outfall") is None
    assert page.is_disabled("#clear-outfall")
    page.click("button[data-tab=history]")
    page.locator(f"#history-list li.item[data-id='{screening_id}']").click()
    page.wait_for_selector("#verdict-banner")
    assert page.evaluate("window.ecozone.outfall.coordinates") == outfall["coordinates"]
    assert page.evaluate(OUTFALL_MARKERS) == 1
    watch.assert_clean()


def test_release_diff_is_drawn_as_a_layer(browser_context_factory, own_live_server, output_dir):
    """版本对比: two red-line releases compared; added green, removed red, changed orange."""
    base, database_url = own_live_server("ecozone_difftest")
    engine = create_engine(database_url)
    with Session(engine) as session:
        load_diff_fixture(session, admin_valid_from=date(2019, 1, 1))  # after the fixture's
        session.commit()
    engine.dispose()
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, base)
    page.goto(base + "/")
    _wait_ready(page)
    page.click("#release-diff summary")
    page.select_option("#diff-collection", "red_lines")
    page.wait_for_selector("#diff-to option[value='RL-2023']", state="attached")
    page.select_option("#diff-from", "RL-2020")
    page.select_option("#diff-to", "RL-2023")
    page.click("#diff-run")
    page.wait_for_selector(".diff-check")
    colours = page.evaluate(
        """() => {
            const out = {};
            window.ecozone.diff.layer.eachLayer(function (l) {
                out[l.feature.properties.change + ':' + (l.feature.properties.code || '')] = l.options.color;
            });
            return out;
        }"""
    )
    assert colours == {
        "added:HX-5": "#2e7d32",
        "removed:HX-2": "#c62828",
        "changed:HX-1": "#ef6c00",
        "changed:": "#ef6c00",
    }
    summary = page.inner_text("#diff-result")
    assert "新增 1" in summary and "删除 1" in summary and "变更 2" in summary
    assert "只增不减（RL-2020 → RL-2023）：不满足" in summary
    assert "县321102" in summary and "县321111" in summary
    page.screenshot(path=str(output_dir / "15-release-diff.png"))
    page.click("#diff-clear")
    assert page.evaluate("window.ecozone.diff") is None
    watch.assert_clean()
