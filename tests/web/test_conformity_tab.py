"""The map's 准入清单 views in chromium: a unit's clauses by level and dimension, the 符合性分析 tab."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from test_browser import PageWatch, _wait_ready

from layers.ingest.entry_lists import EntryListOptions, import_entry_list

#: The fixture's 优先保护单元 along the Yangtze (tests/web/fixture_layers.py).
UNIT = "ZH32028110011"
#: A clause whose text is markup: it must show as text, never run.
HOSTILE = '<img src=x onerror="window.__xss=1">节约用水'
HEADERS = ["单元编码", "行政区划代码", "管控层级", "管控维度", "条款序号", "管控要求", "出处",
           "禁止类行业", "限制类行业"]  # fmt: skip
ROWS = [
    ["", "320000", "省级", "空间布局约束", "1", "严禁新增钢铁、焦化、炼油产能", "《测试省级清单》", "", ""],
    ["", "320000", "省级", "污染物排放管控", "1", "实行重点污染物排放减量置换", "", "", ""],
    ["", "320200", "市级", "环境风险防控", "1", "沿江化工企业严格落实环境风险防控措施", "", "", "化工"],
    [UNIT, "", "单元", "空间布局约束", "1", "禁止新建化工项目", "", "化工", ""],
    [UNIT, "", "单元", "空间布局约束", "2", "严格控制印染项目规模", "", "", "印染"],
    [UNIT, "", "单元", "资源开发效率要求", "1", "严格岸线资源保护", "", "", ""],
    [UNIT, "", "单元", "资源开发效率要求", "2", HOSTILE, "", "", ""],
]  # fmt: skip
#: A site inside that unit, ~500 m south of the Yangtze.
SITE = [(120.262, 31.944), (120.268, 31.944), (120.268, 31.9475), (120.262, 31.9475)]


@pytest.fixture(scope="module")
def server_with_lists(own_live_server, tmp_path_factory) -> str:
    base, url = own_live_server("ecozone_webconformity")
    path = Path(tmp_path_factory.mktemp("lists")) / "lists.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(ROWS)
    engine = create_engine(url)
    with Session(engine) as session:
        import_entry_list(
            session,
            path,
            EntryListOptions(
                release="test-lists-2024", valid_from=date(2024, 1, 1), synthetic=True
            ),
        )
    engine.dispose()
    return base


def _visible_judgements(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('#conformity-result tr.conformity-row')]
                 .filter(tr => tr.offsetParent !== null).map(tr => tr.dataset.judgement)"""
    )


def test_unit_popup_lists_clauses_by_level_and_dimension(
    browser_context_factory, server_with_lists, output_dir
):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, server_with_lists)
    page.goto(server_with_lists + "/")
    _wait_ready(page)
    page.evaluate(
        """() => { const e = window.ecozone.entries.control_units;
                   const l = e.group.getLayers().find(l => l.feature.properties.code === 'ZH32028110011');
                   l.fire('click', {latlng: l.getBounds().getCenter()}); }"""
    )
    page.wait_for_selector(".leaflet-popup-content .entry-clauses")
    levels = page.locator(".leaflet-popup-content .clause-level")
    assert levels.count() == 3
    titles = [levels.nth(i).locator("h5").inner_text() for i in range(3)]
    assert titles[0].startswith("省级") and titles[1].startswith("市级")
    assert titles[2].startswith("管控单元")
    unit = levels.nth(2)
    dimensions = unit.locator(".clause-dimension h6").all_inner_texts()
    assert dimensions == ["空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率要求"]
    spatial = unit.locator(".clause-dimension[data-dimension=spatial_constraints]").inner_text()
    assert "1. 禁止新建化工项目" in spatial and "2. 严格控制印染项目规模" in spatial
    emission = unit.locator(".clause-dimension[data-dimension=emission_controls]").inner_text()
    assert "本级清单未列该维度条款" in emission
    assert "演示合成数据" in unit.inner_text()
    assert "沿江化工企业严格落实环境风险防控措施" in levels.nth(1).inner_text()
    assert HOSTILE in unit.inner_text()  # shown as text
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(output_dir / "conformity-popup.png"))
    watch.assert_clean()


def test_conformity_tab_shows_the_table_and_filters(
    browser_context_factory, server_with_lists, output_dir
):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, server_with_lists)
    page.goto(server_with_lists + "/")
    _wait_ready(page)
    assert "完成一次筛查后" in page.inner_text("#conformity-result")
    page.click("button[data-tab=screen]")
    site = {"type": "Polygon", "coordinates": [[*map(list, SITE), list(SITE[0])]]}
    page.set_input_files(
        "#project-file",
        files=[{"name": "site.geojson", "mimeType": "application/geo+json",
                "buffer": json.dumps(site).encode()}],
    )  # fmt: skip
    page.wait_for_function("() => window.ecozone.project !== null")
    page.fill("#project-name", "沿江化工（符合性）")
    page.select_option("#industry", "化工")
    page.click("#run-screening")
    page.wait_for_selector("#verdict-banner")
    assert "不符合" in page.inner_text(".conformity-link")
    # the map file is offered next to the report
    href = page.get_attribute("#map-file-link", "href")
    assert href.endswith("/map.html")

    page.click("#show-conformity")
    page.wait_for_selector("#tab-conformity.active .conformity-table")
    # the 三线一单 conclusions first, as the reports open the chapter
    lines = page.locator("#conformity-result .three-lines-table tbody tr")
    assert [t.split("\t")[0] for t in lines.all_inner_texts()] == [
        "生态保护红线",
        "环境质量底线",
        "资源利用上线",
        "生态环境准入清单",
    ]
    assert "不符合" in page.inner_text("#conformity-result tr[data-line=entry_list]")
    headers = page.locator("#conformity-result .conformity-table >> nth=0").locator("th")
    assert headers.all_inner_texts() == ["管控维度", "管控要求（原文）", "本项目情况", "符合性"]
    everything = _visible_judgements(page)
    assert len(everything) >= 12  # 3 lists × 4 dimensions at least
    assert "不符合" in everything and "需人工核实" in everything
    unit_table = page.inner_text("#conformity-result .conformity-list[data-level=unit]")
    assert "环境管控单元：长江江阴段优先保护单元" in unit_table
    assert "禁止新建化工项目" in unit_table

    page.click(".conformity-filters button[data-filter=不符合]")
    violations = _visible_judgements(page)
    assert violations and set(violations) == {"不符合"}
    assert "禁止新建化工项目" in page.inner_text("#conformity-result")
    assert page.locator(".conformity-filters button.active").inner_text().startswith("不符合")
    page.screenshot(path=str(output_dir / "conformity-tab-violations.png"))

    page.click(".conformity-filters button[data-filter=需人工核实]")
    manual = _visible_judgements(page)
    assert manual and set(manual) == {"需人工核实"}

    page.click(".conformity-filters button[data-filter=all]")
    assert _visible_judgements(page) == everything
    assert HOSTILE in page.inner_text("#conformity-result")
    assert page.evaluate("window.__xss") is None
    watch.assert_clean()


#: Line boxes of each first-column cell of the visible conformity tables: [text, lines].
FIRST_COLUMN_LINES = """() => [...document.querySelectorAll(
        '#conformity-result .conformity-table tr > :first-child')]
    .filter(cell => cell.offsetParent !== null)
    .map(cell => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        return [cell.textContent, tops.size];
    })"""


def test_the_dimension_column_stays_readable_in_the_side_panel(
    browser_context_factory, server_with_lists, output_dir
):
    """In the 360 px panel 管控维度 is one line, a dimension at most two (not a character a line)."""
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = PageWatch(page, server_with_lists)
    site = {"type": "Polygon", "coordinates": [[*map(list, SITE), list(SITE[0])]]}
    body = {"name": "沿江化工（列宽）", "geometry": site, "industry": "化工", "kind": "新建"}
    created = page.request.post(f"{server_with_lists}/screenings", data=body)
    assert created.status == 201, created.text()
    page.goto(f"{server_with_lists}/?screening={created.json()['id']}")
    _wait_ready(page)
    page.wait_for_selector("#verdict-banner")
    page.click("button[data-tab=conformity]")
    page.wait_for_selector("#tab-conformity.active .conformity-table")
    assert page.locator("#panel").bounding_box()["width"] == 360
    cells = page.evaluate(FIRST_COLUMN_LINES)
    assert len(cells) >= 12
    for text, lines in cells:
        if text == "管控维度":
            assert lines == 1, text
        else:
            assert lines <= 2, (text, lines)
    page.screenshot(path=str(output_dir / "conformity-tab-360.png"))
    watch.assert_clean()
