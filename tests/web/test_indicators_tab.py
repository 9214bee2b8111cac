"""The 指标 dashboard tab and a station popup's readings chart, in chromium.

The fixture county 江阴市 (320281) holds a red line (tests/web/fixture_layers.py), so its
red-line share has a value and the chart has a bar; station 1234A gets a year of hourly
PM2.5 (2023) so its popup draws a daily series.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from test_browser import PageWatch, _page_points, _wait_ready

from layers.ingest.readings import import_readings

STATION = (120.29, 31.91)  # 1234A, 江阴市监测站


def _load_readings(url: str, folder) -> None:
    rows = ["station,time,parameter,value"]
    for i in range(365):
        day = (date(2023, 1, 1) + timedelta(days=i)).isoformat()
        rows += [f"1234A,{day} {h:02d}:00,PM2.5,{30 + i % 7}" for h in range(1, 25)]
    path = folder / "pm25.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    engine = create_engine(url)
    with Session(engine) as session:
        import_readings(session, path, "long")
        session.commit()
    engine.dispose()


def test_indicator_tab_and_station_chart(
    browser_context_factory, own_live_server, output_dir, tmp_path
):
    base, url = own_live_server("ecozone_web_indicators")
    _load_readings(url, tmp_path)
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, base)
    page.goto(base + "/")
    _wait_ready(page)
    page.fill("#as-of", "2024-01-01")
    page.dispatch_event("#as-of", "change")
    page.evaluate("window.ecozone.map.setView([31.91, 120.29], 12, {animate: false})")

    # the 指标 tab: the county at the map's centre, every indicator with a status
    page.click(".tabs button[data-tab=indicators]")
    page.wait_for_selector("#ind-result tr.indicator-row", timeout=20_000)
    options = page.eval_on_selector_all("#ind-division option", "os => os.map(o => o.value)")
    assert options[0] == "320281"  # the county first, then its city
    assert "320200" in options
    assert "江阴市" in page.inner_text("#ind-result .ind-head")
    statuses = page.eval_on_selector_all(
        "#ind-result tr.indicator-row", "rs => rs.map(r => [r.dataset.key, r.dataset.status])"
    )
    assert len(statuses) == 12
    assert {s for _, s in statuses} <= {"达标", "未达标", "无数据", "无目标"}
    red = dict(statuses)["red_line_share"]
    assert red == "无目标"  # 江阴's red-line target is 「面积不减少…」, no number
    red_value = page.inner_text("#ind-result tr[data-key=red_line_share] td")
    assert red_value.endswith("%")
    # the bar chart of the percentage indicators is drawn (uPlot, vendored)
    page.wait_for_selector("#ind-chart canvas", timeout=5_000)
    assert "现值" in page.inner_text("#ind-result .ind-legend")
    page.screenshot(path=str(output_dir / "17-indicators-tab.png"))

    # choosing the city recomputes for 320200
    page.select_option("#ind-division", "320200")
    page.wait_for_function(
        "() => window.ecozone.indicators && window.ecozone.indicators.division.adcode === '320200'",
        timeout=20_000,
    )
    assert "无锡市" in page.inner_text("#ind-result .ind-head")

    # the station popup draws its daily PM2.5 of 2023
    page.click(".tabs button[data-tab=layers]")
    page.uncheck("input[data-layer=control_units]")
    page.check("input[data-layer=monitoring_stations]")
    page.wait_for_timeout(800)
    [(x, y)] = _page_points(page, [STATION])
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup .station-series canvas", timeout=10_000)
    assert page.get_attribute(".leaflet-popup .station-series", "data-points") == "365"
    assert "365 个有效值" in page.inner_text(".leaflet-popup .series-note")
    page.screenshot(path=str(output_dir / "17-station-series.png"))
    watch.assert_clean()
