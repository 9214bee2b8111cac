"""Element control zones: imported, their clauses imported, judged in the conformity block."""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import box, mapping

from layers.errors import ImportFileError
from layers.ingest.entry_lists import EntryListOptions, import_entry_list, parse_entry_list
from layers.screening.project import ProjectInput
from layers.screening.service import screen
from tests.entry_fixture import (
    AIR_ZONE,
    GROUNDWATER_ZONE,
    JIANGYIN,
    default_long_rows,
    element_rows,
    load_units,
    load_zones,
    write_long_csv,
    write_wide_xlsx,
)

AS_OF = date(2025, 6, 30)


def _project(industry: str) -> ProjectInput:
    lon, lat = JIANGYIN
    geom = box(lon - 0.03, lat - 0.003, lon - 0.01, lat + 0.003)  # half in the air zone
    return ProjectInput(
        name="江阴要素分区测试", geometry=mapping(geom), industry=industry, kind="新建",
        as_of=AS_OF,
    )  # fmt: skip


def _load(db_session, tmp_path):
    load_units(db_session)
    load_zones(db_session)
    import_entry_list(
        db_session,
        write_long_csv(tmp_path / "el.csv", default_long_rows() + element_rows()),
        EntryListOptions(release="EL-Z", valid_from=date(2021, 1, 1)),
    )


def test_zones_touched_are_listed_with_overlap_and_share(db_session, tmp_path):
    _load(db_session, tmp_path)
    block = screen(db_session, _project("纺织")).body["conformity"]
    zones = {z["code"]: z for z in block["zones"]}
    assert set(zones) == {AIR_ZONE, GROUNDWATER_ZONE}
    assert zones[AIR_ZONE]["collection"] == "air_control_zones"
    assert zones[AIR_ZONE]["element_subtype"] == "大气环境高排放重点管控区"
    assert abs(zones[AIR_ZONE]["share"] - 0.5) < 0.01
    assert abs(zones[GROUNDWATER_ZONE]["share"] - 1.0) < 0.01
    assert zones[AIR_ZONE]["overlap_m2"] > 0
    levels = [(g["level"], g["scope"]) for g in block["lists"]]
    assert ("element", AIR_ZONE) in levels
    assert ("element", GROUNDWATER_ZONE) in levels
    air = next(g for g in block["lists"] if g["scope"] == AIR_ZONE)
    assert air["zone"]["code"] == AIR_ZONE
    assert air["level_title"] == "要素管控分区"


def test_a_zone_ban_is_judged_clause_by_clause_and_denies(db_session, tmp_path):
    _load(db_session, tmp_path)
    result = screen(db_session, _project("钢铁"))
    block = result.body["conformity"]
    air = next(g for g in block["lists"] if g["scope"] == AIR_ZONE)
    ban = air["dimensions"][0]["clauses"][0]
    assert ban["text"] == "禁止新建钢铁、焦化项目"
    assert ban["judgement"] == "不符合"
    assert ban["evidence"][0]["matched"] == ["钢铁"]
    assert result.verdict == "DENY"
    assert block["denied_by"][0]["scope"] == AIR_ZONE
    emission = air["dimensions"][1]["clauses"][0]
    assert emission["judgement"] == "需人工核实"


def test_a_textile_project_is_not_denied_by_the_zone(db_session, tmp_path):
    _load(db_session, tmp_path)
    block = screen(db_session, _project("纺织")).body["conformity"]
    air = next(g for g in block["lists"] if g["scope"] == AIR_ZONE)
    assert air["dimensions"][0]["clauses"][0]["judgement"] == "符合"
    assert all(d["scope"] != AIR_ZONE for d in block["denied_by"])


def test_zone_clauses_of_an_unknown_zone_are_refused_with_the_row(db_session, tmp_path):
    load_units(db_session)
    rows = [
        ["YS3202812319999", "", "要素管控分区", "空间布局约束", "1", "禁止新建钢铁项目", "", "", ""]
    ]
    with pytest.raises(ImportFileError) as err:
        import_entry_list(
            db_session,
            write_long_csv(tmp_path / "bad.csv", rows),
            EntryListOptions(release="EL-BAD", valid_from=date(2021, 1, 1)),
        )
    assert "row 2" in err.value.detail
    assert "YS3202812319999" in err.value.detail
    assert "element control zone" in err.value.detail


def test_a_zone_code_in_the_wrong_format_is_refused(tmp_path):
    rows = [["YS32A", "", "要素管控分区", "空间布局约束", "1", "禁止新建钢铁项目", "", "", ""]]
    with pytest.raises(ImportFileError) as err:
        parse_entry_list(write_long_csv(tmp_path / "fmt.csv", rows))
    assert "row 2" in err.value.detail
    assert "not an element control zone code" in err.value.detail


def test_a_wide_sheet_of_zone_codes_is_read_as_element_clauses(tmp_path):
    rows = [["1", AIR_ZONE, "江阴测试高排放区", "江苏省", "无锡市", "江阴市", "重点管控",
             "１．禁止新建钢铁项目。２．禁止新建焦化项目。", "", "", ""]]  # fmt: skip
    clauses = parse_entry_list(write_wide_xlsx(tmp_path / "zones.xlsx", rows))
    assert {c.level for c in clauses} == {"element"}
    assert [c.text for c in clauses] == ["禁止新建钢铁项目。", "禁止新建焦化项目。"]
