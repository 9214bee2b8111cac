"""A click on overlapping features reports all of them, the most specific first (hits.js).

The fixture's 小湾水源地一级保护区 lies inside its 二级保护区, which lies across the
长江江阴段优先保护单元: a click inside the 一级 zone lists the three (and the administrative
divisions under them), the smallest first, and shows the 一级 zone's details.
"""

from __future__ import annotations

from tests.web.test_browser import PageWatch, _page_points, _wait_ready

#: Inside 一级 (120.17–120.19 × 31.945–31.960), 二级 (120.15–120.21 × 31.935–31.965) and the
#: 优先保护单元 (120.05–120.55 × 31.930–31.953); south of the 长江 polygon.
INSIDE_ALL = (120.18, 31.948)
#: Inside the 二级 zone and the unit, outside the 一级 zone.
INSIDE_SECOND = (120.16, 31.94)


def _hits(page) -> list[str]:
    return page.locator(".leaflet-popup .popup-hits button").all_inner_texts()


def test_overlapping_features_are_listed_smallest_first(
    browser_context_factory, live_server, output_dir
):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    page.goto(live_server + "/")
    _wait_ready(page)
    page.evaluate("window.ecozone.map.setView([31.948, 120.18], 14, {animate: false})")
    page.wait_for_timeout(400)
    [(x, y)] = _page_points(page, [INSIDE_ALL])
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup .popup-hits")
    hits = _hits(page)
    names = [h.split("：", 1)[1] for h in hits]
    assert names[:3] == ["小湾水源地一级保护区", "小湾水源地二级保护区", "长江江阴段优先保护单元"]
    assert hits[0].startswith("饮用水水源保护区：")
    assert "江阴市" in names and names.index("江阴市") < names.index("无锡市")  # county, then city
    # the first (most specific) is the one shown, and outlined on the map
    assert "小湾水源地一级保护区" in page.inner_text(".leaflet-popup-content h4")
    first = page.locator(".leaflet-popup .popup-hits button").nth(0)
    assert first.get_attribute("aria-current") == "true"
    page.screenshot(path=str(output_dir / "popup-overlapping.png"))
    # picking the unit in the list shows its details (its 准入清单) in the same popup
    page.locator(".leaflet-popup .popup-hits button").nth(2).click()
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content h4').textContent.includes('长江江阴段优先保护单元')"
    )
    assert (
        page.locator(".leaflet-popup .popup-hits button").nth(2).get_attribute("aria-current")
        == "true"
    )
    page.wait_for_selector(".leaflet-popup-content .entry-list")
    assert page.locator(".leaflet-popup").count() == 1

    # outside the 一级 zone, the 二级 zone comes first
    page.evaluate("window.ecozone.map.closePopup()")
    page.wait_for_selector(".leaflet-popup", state="detached")  # after its fade-out
    [(x, y)] = _page_points(page, [INSIDE_SECOND])
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup .popup-hits")
    names = [h.split("：", 1)[1] for h in _hits(page)]
    assert names[:2] == ["小湾水源地二级保护区", "长江江阴段优先保护单元"]
    assert "小湾水源地一级保护区" not in names
    watch.assert_clean()
