"""Rules on the area's quality (``op: attainment``): a new emitter in a non-attaining city.

The readings are those of tests/api/test_attainment.py (figures worked out by hand there):
in 2023 南京 (3201) exceeds O3 (166 μg/m³ against 160) and attains the other pollutants;
无锡 (3202) has section W001 (target Ⅲ) at Ⅳ and W002 (target Ⅱ) at Ⅱ, and one air
station, 2001A, which gets a clean year here or none at all.
"""

from __future__ import annotations

import asyncio
import io
import time
from datetime import date, timedelta

import pytest
from docx import Document
from pydantic import ValidationError
from shapely.geometry import box, mapping

from layers.ingest.readings import import_readings
from layers.screening.attainment import QualityCache, city_of, quality_year
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.rules import Rule
from layers.screening.service import create_screening_async, screen
from layers.screening.storage import get_screening
from layers.screening.stores import SessionScreeningStore
from tests.admin_fixture import load_admin
from tests.api.test_attainment import _air_rows, _water_rows
from tests.readings_fixture import load_stations
from web.report import quality_rows, render_report
from web.word_report import render_docx

NANJING = (118.9, 32.1)
JIANGYIN = (120.28, 31.85)


def _clean_year(code: str) -> list[str]:
    """A year (2023) under every GB 3095 二级 limit at station ``code``."""
    rows = []
    for i in range(365):
        day = date(2023, 1, 1) + timedelta(days=i)
        for h in range(1, 25):
            t = f"{day.isoformat()} {h:02d}:00"
            vals = {"PM2.5": 20, "PM10": 40, "NO2": 20, "SO2": 8, "CO": 0.5}
            vals["O3"] = 80 if 9 <= h <= 16 else 0
            rows += [f"{code},{t},{p},{v}" for p, v in vals.items()]
    return rows


def _place(session, center) -> tuple[float, float]:
    """Load ``center``'s county as the divisions in force; return the center."""
    load_admin(session, "320113" if center == NANJING else "320281", center, half_deg=0.2)
    return center


@pytest.fixture
def readings(db_session, tmp_path):
    load_stations(db_session)
    f = tmp_path / "year.csv"
    rows = [*_air_rows("1151A", 41, True), *_air_rows("1152A", 39, False), *_water_rows()]
    f.write_text("station,time,parameter,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    import_readings(db_session, f, "long")
    return db_session


def _project(center, industry="化工", as_of=date(2024, 6, 30), kind="新建") -> ProjectInput:
    """A project at ``center``; load its division (南京's 320113 or 江阴's 320281) first."""
    lon, lat = center
    return ProjectInput(
        name="达标测试",
        geometry=mapping(box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)),
        industry=industry,
        kind=kind,
        as_of=as_of,
    )


def _results(body):
    return {r["rule_id"]: r for r in body["results"]}


def test_a_new_emitter_in_a_non_attaining_city_requires_regional_offsets(readings):
    body = screen(readings, _project(_place(readings, NANJING))).body
    found = _results(body)
    rule = found["R-EIAREG-11-AIR"]
    assert rule["outcome"] == "REQUIRE"
    assert rule["checked"] is True
    by_pollutant = {e["parameter"]: e for e in rule["evidence"]}
    assert by_pollutant["O3"]["status"] == "超标"
    assert by_pollutant["O3"]["value"] == 166
    assert by_pollutant["O3"]["limit"] == 160
    assert by_pollutant["NO2"]["status"] == "达标"
    assert {e["year"] for e in rule["evidence"]} == {2023}
    assert {e["city"] for e in rule["evidence"]} == {"3201"}
    assert rule["evidence"][0]["stations"] == 2
    assert "区域削减" in " ".join(rule["measures"])
    assert "第十一条" in rule["citation"]["article"]
    # the Jiangsu clause applies too, and the verdict is at least REQUIRE
    assert found["JS-B17-AIR"]["outcome"] == "REQUIRE"
    assert body["verdict"] in ("REQUIRE", "DENY")


def test_a_project_that_emits_nothing_is_not_concerned(readings):
    found = _results(screen(readings, _project(_place(readings, NANJING), industry="房地产")).body)
    assert found["R-EIAREG-11-AIR"]["outcome"] == "NOT_APPLICABLE"


def test_the_last_complete_year_is_used_and_a_year_without_readings_is_not_checked(readings):
    # as_of 2023-12-31: the last complete year is 2022, which has no readings
    assert quality_year(date(2023, 12, 31)) == 2022
    body = screen(readings, _project(_place(readings, NANJING), as_of=date(2023, 12, 31))).body
    rule = _results(body)["R-EIAREG-11-AIR"]
    assert rule["outcome"] == "NOT_CHECKED"
    assert rule["reason"]["code"] == "no_attainment"
    assert "2022" in rule["reason"]["text"]
    assert body["verdict"] != "PASS"
    assert body["completeness"]["complete"] is False
    gaps = {g["rule_id"] for g in body["completeness"]["quality"]}
    assert {"R-EIAREG-11-AIR", "JS-B17-AIR"} <= gaps
    assert any("R-EIAREG-11-AIR" in w for w in body["warnings"])


def test_a_section_missing_its_target_triggers_the_water_rule(readings):
    found = _results(screen(readings, _project(_place(readings, JIANGYIN))).body)
    rule = found["R-EIAREG-11-WATER"]
    assert rule["outcome"] == "REQUIRE"
    (evidence,) = rule["evidence"]
    assert (evidence["with_target"], evidence["target_met"]) == (2, 1)
    assert evidence["year"] == 2023
    # 无锡's one air station has no readings: air is not checked, never PASS
    air = found["R-EIAREG-11-AIR"]
    assert air["outcome"] == "NOT_CHECKED"
    assert "有效" in air["reason"]["text"]
    assert found["JY-B13-ATTAINMENT"]["outcome"] == "NOT_CHECKED"


def test_an_attaining_city_passes_with_its_figures(readings, tmp_path):
    f = tmp_path / "clean.csv"
    f.write_text("station,time,parameter,value\n" + "\n".join(_clean_year("2001A")) + "\n")
    import_readings(readings, f, "long")
    found = _results(screen(readings, _project(_place(readings, JIANGYIN))).body)
    air = found["R-EIAREG-11-AIR"]
    assert air["outcome"] == "PASS"
    assert air["checked"] is True
    assert {e["status"] for e in air["evidence"]} == {"达标"}
    assert {e["parameter"] for e in air["evidence"]} == {"PM2.5", "PM10", "NO2", "SO2", "CO", "O3"}
    assert found["JY-B13-ATTAINMENT"]["outcome"] == "PASS"


def test_a_city_figure_says_how_many_of_its_stations_have_readings(readings, tmp_path):
    """江阴's one station with a clean year, two more in 无锡 without readings: the city's
    figures are that one station's, and the rule's evidence and the 三线 finding say so."""
    f = tmp_path / "clean.csv"
    f.write_text("station,time,parameter,value\n" + "\n".join(_clean_year("2001A")) + "\n")
    import_readings(readings, f, "long")
    silent = {"2002A": ("air", "320205", None, None), "2003A": ("air", "320206", None, None)}
    load_stations(readings, silent, release="st-more")
    body = screen(readings, _project(_place(readings, JIANGYIN))).body
    air = _results(body)["R-EIAREG-11-AIR"]
    assert air["outcome"] == "PASS"
    assert {(e["stations"], e["stations_with_data"]) for e in air["evidence"]} == {(3, 1)}
    quality = next(c for c in body["conformity"]["three_lines"] if c["title"] == "环境质量底线")
    assert "3 个站点中 1 个有监测数据" in quality["finding"]
    assert {r["basis"] for r in quality_rows(body)} >= {
        "3 个站点中 1 个有监测数据，GB 3095-2012 二级（HJ 663-2013 评价）"
    }


def test_the_async_path_gives_the_same_outcomes_and_stores_them(readings):
    store = SessionScreeningStore(readings, RuleBook())
    project = _project(_place(readings, NANJING))
    screening_id, _ = asyncio.run(create_screening_async(store, project))
    asyncio.run(create_screening_async(store, project))  # the second takes the cached plan
    stored = _results(get_screening(readings, screening_id))
    direct = _results(screen(readings, project).body)
    for rule_id in ("R-EIAREG-11-AIR", "R-EIAREG-11-WATER", "JS-B17-AIR"):
        assert stored[rule_id]["outcome"] == direct[rule_id]["outcome"]
        assert stored[rule_id]["evidence"] == direct[rule_id]["evidence"]


def test_the_cache_keeps_a_city_per_year():
    cache = QualityCache(ttl_s=60)
    cache._kept[(2023, "3201")] = (time.monotonic() - 61, {"year": 2023})
    assert cache.peek(date(2024, 1, 1), "3201") is None  # stale
    cache._kept[(2023, "3201")] = (time.monotonic(), {"year": 2023})
    assert cache.peek(date(2024, 12, 31), "3201") == {"year": 2023}
    assert cache.peek(date(2025, 1, 1), "3201") is None


@pytest.mark.parametrize(
    ("adcodes", "city"),
    [
        (["320000", "320200", "320281"], "3202"),
        (["320000", "320200"], "3202"),
        (["320000"], None),
        ([], None),
    ],
)
def test_the_city_is_the_county_prefix(adcodes, city):
    assert city_of(adcodes) == city


def _rule(predicate, **extra):
    return {
        "id": "T-1",
        "title": "测试",
        "document": "D",
        "predicate": predicate,
        "outcome": "REQUIRE",
        "citation": {"article": "一", "text": "文", "status": "SEED", "verified": True},
        "measures": ["核实"],
        **extra,
    }


@pytest.mark.parametrize(
    ("predicate", "extra", "message"),
    [
        ({"op": "attainment"}, {}, "needs attainment"),
        ({"op": "attainment", "attainment": {"medium": "air", "parameters": ["PM25"]}}, {}, "PM25"),
        (
            {"op": "attainment", "attainment": {"medium": "surface_water", "parameters": ["O3"]}},
            {},
            "only for medium air",
        ),
        (
            {"op": "attainment", "attainment": {"medium": "air"}},
            {"layer": {"collection": "red_lines"}},
            "has a layer unless",
        ),
    ],
)
def test_the_rule_schema_refuses_a_bad_attainment_rule(predicate, extra, message):
    with pytest.raises(ValidationError, match=message):
        Rule.model_validate(_rule(predicate, **extra))


def test_the_report_and_the_docx_show_the_figures_in_their_own_table(readings):
    body = screen(readings, _project(_place(readings, NANJING))).body
    html = render_report(body, [])
    table = html[html.index('id="quality"') : html.index("</table>", html.index('id="quality"'))]
    assert "环境空气 O3（日最大8小时平均第90百分位数）" in table
    assert "166 μg/m³" in table and "160 μg/m³" in table and "超标" in table
    assert "R-EIAREG-11-AIR" in table and "JS-B17-AIR" in table
    assert table.count("O3（") == 1  # one row per pollutant, the rules citing it listed
    evidence = html[html.index("五、证据要素") : html.index('id="quality"')]
    assert "环境空气" not in evidence  # attainment is not a feature
    document = Document(io.BytesIO(render_docx(body, [])))
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "环境空气 O3（日最大8小时平均第90百分位数）" in cells
    assert "166 μg/m³" in cells
