"""The map's address links to what it shows (web/static/js/map/link.js), in a real chromium.

`?collection=ID` (the collection pages' "map" link), `?as_of=`, `?screening=ID` (the
report's "在审查地图中打开") and `#map=zoom/lat/lon`, kept up to date as the map moves.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from shapely.geometry import mapping

from tests.web.fixture_layers import SITE_NEAR_YANGTZE
from tests.web.test_browser import PageWatch, _wait_ready

VIEW = """() => { const m = window.ecozone.map, c = m.getCenter();
                 return {zoom: m.getZoom(), lat: c.lat, lon: c.lng}; }"""


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_collection_link_turns_the_layer_on_and_shows_its_extent(
    browser_context_factory, live_server
):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    meta = page.request.get(f"{live_server}/collections/monitoring_stations").json()
    minx, miny, maxx, maxy = meta["extent"]["spatial"]["bbox"][0]
    assert meta["default_visible"] is False  # the link is what turns it on

    # the collection page's own link
    page.goto(f"{live_server}/collections/monitoring_stations?f=html")
    page.click("a[href$='/map?collection=monitoring_stations']")
    _wait_ready(page)
    assert page.evaluate("window.ecozone.entries.monitoring_stations.visible") is True
    assert page.is_checked("input[data-layer=monitoring_stations]")
    view = page.evaluate(VIEW)
    assert minx - 0.01 <= view["lon"] <= maxx + 0.01 and miny - 0.01 <= view["lat"] <= maxy + 0.01
    # zoomed to the stations, not to every layer's data (the fixture spans ~0.6° of Jiangyin)
    page.wait_for_function("() => window.ecozone.entries.monitoring_stations.count > 0")
    assert view["zoom"] >= 10
    # the address now carries the view
    assert urlparse(page.url).fragment.startswith(f"map={view['zoom']}/")
    watch.assert_clean()


def test_view_and_date_in_the_address_are_read_and_kept(browser_context_factory, live_server):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live_server}/map?as_of=2021-06-01#map=13/31.948/120.265")
    _wait_ready(page)
    view = page.evaluate(VIEW)
    assert view["zoom"] == 13
    assert abs(view["lat"] - 31.948) < 1e-4 and abs(view["lon"] - 120.265) < 1e-4
    assert page.input_value("#as-of") == "2021-06-01"
    assert page.evaluate("window.ecozone.asOf") == "2021-06-01"
    assert any("/collections?datetime=2021-06-01" in u for u in requested)
    # the 2020 release of the control units is the one in force on that date
    assert page.evaluate("window.ecozone.entries.control_units.release.name") == "test-units-2020"

    # moving the map and changing the date rewrite the address (no new history entries)
    length = page.evaluate("history.length")
    page.evaluate("window.ecozone.map.setView([31.9, 120.3], 12, {animate: false})")
    page.wait_for_function("() => location.hash === '#map=12/31.90000/120.30000'")
    page.fill("#as-of", "2024-06-01")
    page.dispatch_event("#as-of", "change")
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('as_of') === '2024-06-01'"
    )
    assert page.evaluate("history.length") == length

    # reloading the address shows the same view and date
    page.reload()
    _wait_ready(page)
    view = page.evaluate(VIEW)
    assert view["zoom"] == 12 and abs(view["lon"] - 120.3) < 1e-4
    assert page.input_value("#as-of") == "2024-06-01"
    watch.assert_clean()


def test_screening_link_reopens_it_and_the_report_links_to_it(browser_context_factory, live_server):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    body = {
        "name": "链接打开的筛查（测试）",
        "geometry": mapping(SITE_NEAR_YANGTZE),
        "industry": "化工",
        "kind": "新建",
        "buffer_m": 1000,
    }
    created = page.request.post(f"{live_server}/screenings", data=body)
    assert created.status == 201
    screening = created.json()

    # the report's link opens the map with the screening
    page.goto(f"{live_server}/screenings/{screening['id']}/report")
    href = page.get_attribute("#review-link", "href")
    assert href == f"/map?screening={screening['id']}"
    page.click("#review-link")
    _wait_ready(page)
    page.wait_for_selector("#verdict-banner")
    assert page.get_attribute("#verdict-banner", "data-verdict") == screening["verdict"]
    assert page.evaluate("window.ecozone.screening.id") == screening["id"]
    assert page.input_value("#project-name") == body["name"]
    assert page.evaluate("window.ecozone.project.type") == "Polygon"
    assert _query(page)["screening"] == [str(screening["id"])]
    # the rules that do not apply are folded away under one summary, after those that do
    not_applicable = [r for r in screening["results"] if r["outcome"] == "NOT_APPLICABLE"]
    assert not_applicable  # the repository's rule set has other provinces' rules
    folded = page.locator("#not-applicable")
    assert folded.get_attribute("open") is None
    assert f"不适用的规则（{len(not_applicable)} 条" in folded.locator("summary").inner_text()
    assert folded.locator(".rule").count() == len(not_applicable)
    assert page.locator("#screen-result > .rule[data-outcome=NOT_APPLICABLE]").count() == 0
    applies = len(screening["results"]) - len(not_applicable)
    assert page.locator("#screen-result > .rule").count() == applies
    # what stops or conditions the project comes first: DENY, REQUIRE, FLAG, 未核查, PASS
    shown = page.eval_on_selector_all(
        "#screen-result > .rule", "rs => rs.map(r => r.dataset.outcome)"
    )
    rank = ["DENY", "REQUIRE", "FLAG", "NOT_CHECKED", "PASS"]
    assert shown == sorted(shown, key=rank.index) and shown[0] == "DENY"

    # clearing the project drops the screening from the address
    page.click("#clear-project")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('screening')")
    watch.assert_clean()


def test_link_parts_that_cannot_be_shown_are_said_not_fatal(browser_context_factory, live_server):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    page.goto(f"{live_server}/map?collection=no_such_layer&as_of=2024-13-01&screening=abc#map=x")
    _wait_ready(page)
    notes = " ".join(page.locator("#layer-list .link-note").all_inner_texts())
    assert "no_such_layer" in notes and "不存在" in notes
    assert "as_of=2024-13-01" in notes and "screening=abc" in notes and "#map=x" in notes
    assert page.evaluate("window.ecozone.screening") is None
    assert page.input_value("#as-of") != "2024-13-01"
    assert page.locator("input[data-layer]").count() > 5  # the layers are all there
    watch.assert_clean()

    # a screening id that does not exist: said, and dropped from the address
    missing = ctx.new_page()
    missing.goto(f"{live_server}/map?screening=999999999")
    _wait_ready(missing)
    assert "999999999" in missing.inner_text("#layer-list .link-note")
    assert "screening" not in _query(missing)


def test_the_default_date_is_today_in_china_whatever_the_browser_zone(
    browser_context_factory, live_server
):
    """2026-03-01 17:00 UTC is 2026-03-02 01:00 北京时间: a browser on UTC opens the map
    as of 2026-03-02, the day the server takes for a request without as_of."""
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768}, timezone_id="UTC")
    page = ctx.new_page()
    page.clock.set_fixed_time("2026-03-01T17:00:00Z")
    watch = PageWatch(page, live_server)
    page.goto(f"{live_server}/map")
    _wait_ready(page)
    assert page.evaluate("new Date().getDate()") == 1  # the browser's own day
    assert page.input_value("#as-of") == "2026-03-02"
    assert page.evaluate("window.ecozone.asOf") == "2026-03-02"
    watch.assert_clean()
