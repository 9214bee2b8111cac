"""The report's 按原日期复核 button (web/static/js/report.js), in a real chromium.

The report of a stored screening re-runs it as of its date (``GET /screenings/{id}/recheck``)
and says whether the answer is still the report's; after the 长江 is moved 3 km under it
(an in-place edit, outside any release), it names the rules whose outcome changed.
"""

from __future__ import annotations

from shapely.geometry import mapping
from sqlalchemy import create_engine, text

from gis.civil_time import local_time
from tests.web.fixture_layers import SITE_NEAR_YANGTZE
from tests.web.test_browser import PageWatch


def test_the_report_rechecks_the_screening_and_names_what_moved(
    browser_context_factory, own_live_server
):
    base, database_url = own_live_server("ecozone_recheck_web")
    ctx = browser_context_factory(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    watch = PageWatch(page, base)
    body = {
        "name": "复核测试（化工，近长江）",
        "geometry": mapping(SITE_NEAR_YANGTZE),
        "industry": "化工",
        "kind": "新建",
        "buffer_m": 1000,
    }
    created = page.request.post(f"{base}/screenings", data=body)
    assert created.status == 201
    screening = created.json()
    denied = {r["rule_id"] for r in screening["results"] if r["outcome"] == "DENY"}
    assert screening["verdict"] == "DENY" and denied

    page.goto(f"{base}/screenings/{screening['id']}/report")
    assert page.is_hidden("#recheck")
    page.click("#recheck-report")
    page.wait_for_selector("#recheck.same")
    assert "复核一致" in page.inner_text("#recheck")
    assert f"按现状日期 {screening['as_of']}" in page.inner_text("#recheck")
    # times are 北京时间, as the report's own 筛查时间 (stored in UTC)
    assert "（北京时间）" in page.inner_text("#recheck")
    assert f"筛查时间 {local_time(screening['created_at'])}（北京时间）" in page.inner_text(
        "header"
    )

    # the river moved 3 km north in place, under the stored screening
    engine = create_engine(database_url)
    with engine.begin() as conn:
        moved = conn.execute(
            text(
                "UPDATE water_bodies SET geom = ST_Translate(geom, 0, 0.027) "
                "WHERE name LIKE '长江%'"
            )
        ).rowcount
    engine.dispose()
    assert moved >= 1
    page.click("#recheck-report")
    page.wait_for_selector("#recheck.changed")
    said = page.inner_text("#recheck")
    assert "复核不一致" in said
    assert "结论 DENY → " in said
    changed = page.eval_on_selector_all("#recheck li", "ls => ls.map(l => l.textContent)")
    # every rule that DENIED because of the river is named with its new outcome
    river_rules = {
        r["rule_id"]
        for r in screening["results"]
        if r["outcome"] == "DENY"
        and any(e.get("collection") == "water_bodies" for e in r["evidence"])
    }
    assert river_rules
    for rule_id in river_rules:
        assert any(line.startswith(f"规则 {rule_id}：DENY → ") for line in changed), changed
    assert "规则结果" in said
    watch.assert_clean()
