"""A reopened screening fills the whole screening form (history.js), in headless chromium.

A screening made over the API with a value other than the form's default in every field the
form has is opened at ``/?screening=ID``: each field shows the stored value, and a re-run
from the form asks for exactly what the stored one did.
"""

from __future__ import annotations

import pytest
from shapely.geometry import mapping

from tests.web.fixture_layers import SITE_NEAR_YANGTZE
from tests.web.test_browser import PageWatch, _wait_ready

EMISSIONS = {
    "VOCs": 12.5,
    "SO2": 3.25,
    "NOx": 4.5,
    "PM": 0.75,
    "COD": 8.0,
    "NH3N": 0.5,
    "TP": 0.125,
    "heavy_metals": 0.01,
}
#: The request echo's fields that the form carries (name … report_crs) and so must send again.
ECHOED = (
    "name", "industry", "industry_code", "kind", "tags", "buffer_m", "in_park", "emissions",
    "capacity", "energy_tce", "water_m3d", "report_crs",
)  # fmt: skip


@pytest.fixture(scope="module")
def reopen_server(own_live_server) -> str:
    base, _url = own_live_server("ecozone_webreopen")
    return base


def _industry_with_codes(vocabulary: dict) -> tuple[str, str]:
    """An industry other than the form's default (化工) with several codes, and not its first."""
    choices = {i["name"]: i["codes"] for i in vocabulary["industries"] if len(i["codes"]) >= 2}
    name = "机械" if "机械" in choices else sorted(n for n in choices if n != "化工")[0]
    return name, choices[name][1]


def test_reopened_screening_fills_every_field_of_the_form(
    browser_context_factory, reopen_server, output_dir
):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, reopen_server)
    vocabulary = page.request.get(f"{reopen_server}/industries").json()
    industry, code = _industry_with_codes(vocabulary)
    tags = [t["name"] for t in vocabulary["tags"]][:3]
    body = {
        "name": "重新打开的机械项目（测试）",
        "geometry": mapping(SITE_NEAR_YANGTZE),
        "industry": industry,
        "industry_code": code,
        "kind": "扩建",
        "tags": tags,
        "as_of": "2025-03-15",
        "buffer_m": 750,
        "in_park": True,
        "outfall": {"type": "Point", "coordinates": [120.2, 31.94]},
        "emissions": EMISSIONS,
        "capacity": {"value": 12.5, "unit": "万件/年"},
        "energy_tce": 3000,
        "water_m3d": 250,
        "report_crs": "EPSG:4528",
    }
    created = page.request.post(f"{reopen_server}/screenings", data=body)
    assert created.status == 201, created.text()
    stored = created.json()

    page.goto(f"{reopen_server}/?screening={stored['id']}")
    _wait_ready(page)
    page.wait_for_selector("#verdict-banner")
    page.screenshot(path=str(output_dir / "reopened-form.png"), full_page=True)
    assert page.input_value("#project-name") == body["name"]
    assert page.input_value("#industry") == industry
    assert page.input_value("#industry-code") == code
    assert page.input_value("#kind") == "扩建"
    assert page.input_value("#buffer") == "750"
    assert page.input_value("#as-of") == "2025-03-15"
    assert page.evaluate("window.ecozone.asOf") == "2025-03-15"
    ticked = page.eval_on_selector_all(
        "#tag-list input[name=tags]:checked", "els => els.map(e => e.value)"
    )
    assert sorted(ticked) == sorted(tags)
    assert page.input_value("#in-park") == "true"
    for key, value in EMISSIONS.items():
        assert float(page.input_value(f"#emission-{key}")) == value, key
    assert page.input_value("#capacity-value") == "12.5"
    assert page.input_value("#capacity-unit") == "万件/年"
    assert page.input_value("#energy-tce") == "3000"
    assert page.input_value("#water-m3d") == "250"
    assert page.evaluate("window.ecozone.outfall.coordinates") == [120.2, 31.94]
    assert page.evaluate("window.ecozone.reportCrs") == "EPSG:4528"
    assert page.evaluate("window.ecozone.project.type") == "Polygon"

    # a re-run from the form asks for what the stored screening did
    page.click("#run-screening")
    page.wait_for_function(
        f"() => window.ecozone.screening && window.ecozone.screening.id !== {stored['id']}"
    )
    rerun_id = page.evaluate("window.ecozone.screening.id")
    rerun = page.request.get(f"{reopen_server}/screenings/{rerun_id}").json()
    for key in ECHOED:
        want, got = stored["project"].get(key), rerun["project"].get(key)
        if key == "tags":
            want, got = sorted(want), sorted(got)
        assert got == want, key
    assert rerun["as_of"] == "2025-03-15"
    assert rerun["outfall"] == stored["outfall"]
    assert rerun["geometry"] == stored["geometry"]
    watch.assert_clean()


def test_reopening_a_plain_screening_empties_the_facts(browser_context_factory, reopen_server):
    """Facts typed for one project do not stay in the form when a screening without them opens."""
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, reopen_server)
    body = {
        "name": "没有附加信息的项目（测试）",
        "geometry": mapping(SITE_NEAR_YANGTZE),
        "industry": "化工",
        "kind": "新建",
        "buffer_m": 500,
    }
    created = page.request.post(f"{reopen_server}/screenings", data=body)
    assert created.status == 201, created.text()
    page.goto(f"{reopen_server}/")
    _wait_ready(page)
    page.click("button[data-tab=screen]")
    page.click("#project-facts summary")
    page.fill("#emission-VOCs", "9")
    page.select_option("#in-park", "false")
    page.fill("#industry-code", "C2661")
    page.click("button[data-tab=history]")
    page.locator(f"#history-list li.item[data-id='{created.json()['id']}']").click()
    page.wait_for_selector("#verdict-banner")
    assert page.input_value("#emission-VOCs") == ""
    assert page.input_value("#in-park") == ""
    assert page.input_value("#industry") == "化工"
    assert created.json()["project"]["industry_code"] is None
    assert page.input_value("#industry-code") == ""  # none was asked: none is sent again
    watch.assert_clean()
