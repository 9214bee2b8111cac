"""The outfall lifecycle on the map: the popup's 查测溯治 timeline and the 整治进度 view."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from test_browser import PageWatch, _page_points, _wait_ready

from tests.outfall_fixture import load_outfalls

PROGRESS = "() => window.ecozone.progress && window.ecozone.progress.as_of === '{}'"


def test_outfall_timeline_and_progress_view(
    browser_context_factory, own_live_server, output_dir, tmp_path
):
    base, url = own_live_server("ecozone_web_outfalls")
    engine = create_engine(url)
    with Session(engine) as session:
        load_outfalls(session, tmp_path)
        session.commit()
    engine.dispose()
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, base)
    page.goto(base + "/")
    _wait_ready(page)
    page.evaluate("window.ecozone.map.setView([31.5, 120.0], 13, {animate: false})")
    page.uncheck("input[data-layer=control_units]")
    page.check("input[data-layer=outfalls]")
    page.wait_for_timeout(800)

    # the popup of 3202-A1 lists its five stages in order, 销号 last
    [(x, y)] = _page_points(page, [(120.0, 31.5)])
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup .lifecycle", timeout=10_000)
    stages = page.eval_on_selector_all(
        ".leaflet-popup ol.timeline li[data-stage]", "els => els.map(e => e.dataset.stage)"
    )
    assert stages == ["排查", "监测", "溯源", "整治", "销号"]
    assert "锡环〔2023〕12号" in page.inner_text(".leaflet-popup .lifecycle")
    page.screenshot(path=str(output_dir / "16-outfall-timeline.png"))
    page.keyboard.press("Escape")

    # the progress view on 2024-01-01: one closed, two in progress, two not surveyed (overdue)
    page.fill("#as-of", "2024-01-01")
    page.dispatch_event("#as-of", "change")
    page.check("input[data-progress=outfalls]")
    page.wait_for_function(PROGRESS.format("2024-01-01"), timeout=10_000)
    counts = page.evaluate("window.ecozone.progress.counts")
    assert counts == {"done": 1, "in_progress": 2, "overdue": 2, "not_started": 0}
    assert "逾期 2" in page.inner_text("#progress-legend")

    # after the 2025 deadline: four overdue; the view follows the as-of date
    page.fill("#as-of", "2026-01-10")
    page.dispatch_event("#as-of", "change")
    page.wait_for_function(PROGRESS.format("2026-01-10"), timeout=10_000)
    counts = page.evaluate("window.ecozone.progress.counts")
    assert counts == {"done": 1, "in_progress": 0, "overdue": 4, "not_started": 0}
    page.screenshot(path=str(output_dir / "16-outfall-progress.png"))

    page.uncheck("input[data-progress=outfalls]")
    assert page.evaluate("window.ecozone.progress") is None
    watch.assert_clean()
