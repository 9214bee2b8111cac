"""The 三线一单 conclusions at the head of the conformity block: red line, quality floor,
resources, entry lists."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date

import geopandas as gpd
from shapely.geometry import box, mapping

from layers.ingest.entry_lists import EntryListOptions, import_entry_list
from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.ingest.readings import import_readings
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.service import create_screening_async, screen
from layers.screening.storage import get_screening
from layers.screening.stores import SessionScreeningStore
from tests.admin_fixture import load_admin
from tests.api.test_attainment import _air_rows
from tests.entry_fixture import (
    GROUNDWATER_ZONE,
    JIANGYIN,
    default_long_rows,
    element_rows,
    load_units,
    load_zones,
    write_long_csv,
)
from tests.readings_fixture import load_stations

AS_OF = date(2025, 6, 30)


def _project(industry="纺织", geom=None, as_of=AS_OF) -> ProjectInput:
    lon, lat = JIANGYIN
    geom = geom or box(lon - 0.03, lat - 0.003, lon - 0.01, lat + 0.003)
    return ProjectInput(
        name="三线测试", geometry=mapping(geom), industry=industry, kind="新建", as_of=as_of
    )


def _lines(body):
    return {c["line"]: c for c in body["conformity"]["three_lines"]}


def _red_line(session, geom):
    frame = gpd.GeoDataFrame(
        [{"code": "HX1", "name": "测试红线", "type": "水源涵养"}], geometry=[geom], crs="EPSG:4326"
    )
    import_source(
        session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(collection="red_lines", release="rl", valid_from=date(2020, 1, 1)),
        label="test",
    )


def test_the_three_conclusions_come_first_in_eia_order(db_session):
    load_units(db_session)
    block = screen(db_session, _project()).body["conformity"]
    assert next(iter(block)) == "three_lines"
    assert [c["title"] for c in block["three_lines"]] == [
        "生态保护红线",
        "环境质量底线",
        "资源利用上线",
        "生态环境准入清单",
    ]
    for c in block["three_lines"]:
        assert c["judgement"] in ("符合", "不符合", "需人工核实")
        assert c["finding"]


def test_red_line_without_a_layer_is_manual_check(db_session):
    load_units(db_session)
    lines = _lines(screen(db_session, _project()).body)
    assert lines["red_line"]["judgement"] == "需人工核实"
    assert "未能核对" in lines["red_line"]["finding"]


def test_red_line_away_complies(db_session):
    load_units(db_session)
    lon, lat = JIANGYIN
    _red_line(db_session, box(lon + 0.1, lat - 0.01, lon + 0.12, lat + 0.01))
    lines = _lines(screen(db_session, _project()).body)
    assert lines["red_line"]["judgement"] == "符合"
    assert lines["red_line"]["finding"].startswith("项目不占用生态保护红线")


def test_red_line_occupied_is_not_conforming_citing_the_rule(db_session):
    load_units(db_session)
    lon, lat = JIANGYIN
    _red_line(db_session, box(lon - 0.05, lat - 0.01, lon, lat + 0.01))
    lines = _lines(screen(db_session, _project("房地产")).body)
    assert lines["red_line"]["judgement"] == "不符合"
    assert "测试红线" in lines["red_line"]["finding"]
    assert any(r["outcome"] == "DENY" for r in lines["red_line"]["evidence"]["rules"])


def test_red_line_with_only_the_outfall_inside_is_a_manual_check_naming_the_outfall(db_session):
    load_units(db_session)
    lon, lat = JIANGYIN
    _red_line(db_session, box(lon + 0.01, lat - 0.01, lon + 0.03, lat + 0.01))
    outfall = {"type": "Point", "coordinates": [lon + 0.02, lat]}
    project = dataclasses.replace(_project("造纸"), outfall=outfall)
    body = screen(db_session, project).body
    lines = _lines(body)
    assert lines["red_line"]["judgement"] == "需人工核实", lines["red_line"]
    assert "排污口" in lines["red_line"]["finding"]
    rule = next(r for r in body["results"] if r["rule_id"] == "R-RL2022-1-OUTFALL")
    assert rule["outcome"] == "FLAG" and rule["measured_from"] == "outfall"
    inside = next(r for r in body["results"] if r["rule_id"] == "R-RL2022-1-INSIDE")
    assert inside["outcome"] == "PASS"  # the site itself lies 1 km west of it


def test_quality_floor_without_readings_is_manual_check(db_session):
    load_units(db_session)
    lines = _lines(screen(db_session, _project()).body)
    assert lines["quality"]["judgement"] == "需人工核实"


def test_quality_floor_of_a_non_attainment_city_names_the_pollutant(db_session, tmp_path):
    """南京 (3201) exceeds O3 in 2023 (tests/api/test_attainment.py); 2024 has no data."""
    load_admin(db_session, "320113", (118.9, 32.1), half_deg=0.3)
    load_stations(db_session)
    f = tmp_path / "year.csv"
    rows = ["station,time,parameter,value", *_air_rows("1151A", 41, True)]
    f.write_text("\n".join(rows + _air_rows("1152A", 39, False)) + "\n", encoding="utf-8")
    import_readings(db_session, f, "long")
    project = _project(geom=box(118.89, 32.09, 118.91, 32.11), as_of=date(2024, 6, 30))
    quality = _lines(screen(db_session, project).body)["quality"]
    assert quality["judgement"] == "需人工核实"
    assert "2023年为环境空气质量不达标区" in quality["finding"]
    assert "O3" in quality["finding"]
    assert quality["evidence"]["year"] == 2023
    assert quality["evidence"]["air"]["status"] == "超标"


def test_resource_ceiling_names_the_groundwater_zone_and_its_clause(db_session, tmp_path):
    load_units(db_session)
    load_zones(db_session)
    import_entry_list(
        db_session,
        write_long_csv(tmp_path / "el.csv", default_long_rows() + element_rows()),
        EntryListOptions(release="EL-R", valid_from=date(2021, 1, 1)),
    )
    resource = _lines(screen(db_session, _project()).body)["resource"]
    assert resource["judgement"] == "需人工核实"
    assert "地下水开采管控区江阴测试禁采区" in resource["finding"]
    assert [z["code"] for z in resource["evidence"]["zones"]] == [GROUNDWATER_ZONE]
    assert resource["evidence"]["clauses"] >= 2  # the zone's and the unit's 资源开发效率要求


def test_resource_ceiling_without_its_zone_layers_is_not_an_absence(db_session):
    """No 禁燃区 or 地下水 layer for the place: 'not in one' would pretend; it is a manual check."""
    load_units(db_session)
    body = screen(db_session, _project()).body
    resource = _lines(body)["resource"]
    assert resource["judgement"] == "需人工核实"
    assert "不涉及" not in resource["finding"]
    assert "未能核查项目是否位于其中" in resource["finding"]
    assert "地下水开采管控区" in resource["evidence"]["not_covered"]
    # the groundwater zones loaded: only the 禁燃区 layer is still missing here
    load_zones(db_session)
    resource = _lines(screen(db_session, _project()).body)["resource"]
    assert resource["evidence"]["not_covered"] == "高污染燃料禁燃区"
    assert resource["finding"].startswith("项目位于地下水开采管控区江阴测试禁采区")


def test_no_control_unit_layer_is_said_so_not_an_absence_of_units(db_session):
    block = screen(db_session, _project()).body["conformity"]
    assert any("环境管控单元" in w and "未能核对" in w for w in block["warnings"])
    assert "项目未落入任何环境管控单元。" not in block["warnings"]


def test_async_path_keeps_the_conclusions(db_session):
    load_units(db_session)
    store = SessionScreeningStore(db_session, RuleBook())
    asyncio.run(create_screening_async(store, _project()))  # first: resolves the rule set
    screening_id, _ = asyncio.run(create_screening_async(store, _project("化工")))
    stored = get_screening(db_session, screening_id)
    assert [c["line"] for c in stored["conformity"]["three_lines"]] == [
        "red_line",
        "quality",
        "resource",
        "entry_list",
    ]
