"""Accessibility basics of the map page, in headless chromium: the panel's tabs and the draw
toolbar's buttons are announced with their state and their names."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.test_browser import PageWatch, _wait_ready

NAMED = re.compile(r"\S")


def test_tabs_say_which_is_selected_and_what_they_control(browser_context_factory, live_server):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    page.goto(live_server + "/")
    _wait_ready(page)
    tabs = page.locator("[role=tab]")
    assert tabs.count() == 5

    def states() -> list[tuple[str | None, str | None]]:
        return [
            (t.get_attribute("aria-selected"), t.get_attribute("aria-controls")) for t in tabs.all()
        ]

    for selected, controls in states():
        assert selected in ("true", "false")
        assert controls and page.locator(f"#{controls}").count() == 1, controls
        panel = page.locator(f"#{controls}")
        assert panel.get_attribute("role") == "tabpanel"
        assert page.locator(f"#{panel.get_attribute('aria-labelledby')}[role=tab]").count() == 1
    assert [s for s, _ in states()] == ["true", "false", "false", "false", "false"]

    # choosing a tab moves the selection, by mouse or by the arrow keys
    page.click("[role=tab][data-tab=screen]")
    assert [s for s, _ in states()] == ["false", "true", "false", "false", "false"]
    expect(page.get_by_role("tab", name="项目筛查")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    assert [s for s, _ in states()] == ["false", "false", "true", "false", "false"]
    assert page.evaluate("document.activeElement.dataset.tab") == "conformity"
    assert page.is_visible("#tab-conformity")
    page.keyboard.press("Home")
    assert page.evaluate("document.activeElement.dataset.tab") == "layers"
    watch.assert_clean()


def test_every_draw_toolbar_button_has_a_name(browser_context_factory, live_server):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, live_server)
    page.goto(live_server + "/")
    _wait_ready(page)
    buttons = page.locator(".leaflet-pm-toolbar").get_by_role("button")
    assert buttons.count() >= 6  # marker, line, rectangle, polygon; edit, remove
    for button in buttons.all():
        expect(button).to_have_accessible_name(NAMED)
    expect(page.get_by_role("button", name="绘制多边形")).to_have_count(1)
    # the actions shown while drawing (完成, 取消 …) are named too
    page.get_by_role("button", name="绘制多边形").click()
    shown = page.locator(".leaflet-pm-toolbar .leaflet-pm-actions-container").get_by_role("button")
    assert shown.count() >= 2
    for button in shown.all():
        expect(button).to_have_accessible_name(NAMED)
    page.keyboard.press("Escape")
    watch.assert_clean()
