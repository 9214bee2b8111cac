"""GET /control-units/{code}/entry-list: clauses by level and dimension; unknown unit is 404."""

from __future__ import annotations

from tests.entry_fixture import UNIT_W, load_long, load_units


def test_entry_list_route_groups_levels_and_dimensions(client, db_session, tmp_path):
    load_units(db_session)
    load_long(db_session, tmp_path)
    r = client.get(f"/control-units/{UNIT_W}/entry-list", params={"as_of": "2024-01-01"})
    assert r.status_code == 200
    body = r.json()
    assert body["unit"]["name"] == "江阴测试重点单元"
    assert [lv["level_title"] for lv in body["levels"]] == ["省级", "市级", "管控单元"]
    city = body["levels"][1]
    risk = next(d for d in city["dimensions"] if d["title"] == "环境风险防控")
    assert risk["clauses"][0]["text"] == "沿江化工企业严格落实环境风险防控措施"


def test_entry_list_route_before_any_release_has_no_levels(client, db_session, tmp_path):
    load_units(db_session)
    load_long(db_session, tmp_path)
    r = client.get(f"/control-units/{UNIT_W}/entry-list", params={"as_of": "2020-06-01"})
    assert r.status_code == 200
    assert r.json()["levels"] == []


def test_entry_list_route_unknown_unit_is_a_problem(client, db_session):
    load_units(db_session)
    r = client.get("/control-units/ZH32028129999/entry-list")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == "code"


def test_zone_entry_list_route_gives_the_zone_and_its_clauses(client, db_session, tmp_path):
    from datetime import date

    from layers.ingest.entry_lists import EntryListOptions, import_entry_list
    from tests.entry_fixture import (
        AIR_ZONE,
        default_long_rows,
        element_rows,
        load_zones,
        write_long_csv,
    )

    load_units(db_session)
    load_zones(db_session)
    import_entry_list(
        db_session,
        write_long_csv(tmp_path / "z.csv", default_long_rows() + element_rows()),
        EntryListOptions(release="EL-Z", valid_from=date(2021, 1, 1)),
    )
    r = client.get(f"/element-zones/{AIR_ZONE}/entry-list", params={"as_of": "2024-01-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["zone"]["collection"] == "air_control_zones"
    assert body["zone"]["element_subtype"] == "大气环境高排放重点管控区"
    assert [lv["level_title"] for lv in body["levels"]] == ["省级", "市级", "要素管控分区"]
    own = body["levels"][2]
    assert own["dimensions"][0]["clauses"][0]["text"] == "禁止新建钢铁、焦化项目"
    assert own["dimensions"][0]["clauses"][0]["conditions"][0]["kind"] == "banned_industries"
    missing = client.get("/element-zones/YS3202813109999/entry-list")
    assert missing.status_code == 404
    assert missing.json()["field"] == "code"
