"""The conformity block: clauses of the touched units and of the province and city, judged."""

from __future__ import annotations

import asyncio
from datetime import date

from shapely.geometry import box, mapping

from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.service import create_screening_async, screen
from layers.screening.storage import get_screening
from layers.screening.stores import SessionScreeningStore
from tests.entry_fixture import JIANGYIN, UNIT_E, UNIT_W, load_long, load_units

AS_OF = date(2025, 6, 30)


def _project(industry: str, geom=None, **kw) -> ProjectInput:
    lon, lat = JIANGYIN
    geom = geom or box(lon - 0.006, lat - 0.003, lon - 0.002, lat + 0.003)  # inside the west unit
    return ProjectInput(
        name="江阴测试项目", geometry=mapping(geom), industry=industry, kind="新建", as_of=AS_OF,
        **kw,
    )  # fmt: skip


def _clauses(block, level):
    return [
        (d["dimension"], c)
        for g in block["lists"]
        if g["level"] == level
        for d in g["dimensions"]
        for c in d["clauses"]
    ]


def _clause(block, text):
    return next(
        c
        for g in block["lists"]
        for d in g["dimensions"]
        for c in d["clauses"]
        if c["text"] == text
    )


def test_chemical_project_in_a_unit_banning_chemicals_is_denied_citing_the_clause(
    db_session, tmp_path
):
    load_units(db_session)
    load_long(db_session, tmp_path)
    result = screen(db_session, _project("化工"))
    block = result.body["conformity"]
    ban = _clause(block, "禁止新建化工项目")
    assert ban["judgement"] == "不符合"
    assert ban["evidence"][0]["condition"] == "banned_industries"
    assert ban["evidence"][0]["matched"] == ["化工"]
    assert "化工" in ban["finding"]
    assert result.verdict == "DENY" == result.body["verdict"]
    assert block["outcome"] == "DENY"
    assert block["denied_by"][0]["text"] == "禁止新建化工项目"
    assert block["denied_by"][0]["scope"] == UNIT_W
    assert any("禁止新建化工项目" in w for w in result.body["warnings"])


def test_textile_project_complies_with_the_ban_and_free_text_needs_manual_check(
    db_session, tmp_path
):
    load_units(db_session)
    load_long(db_session, tmp_path)
    result = screen(db_session, _project("纺织"))
    block = result.body["conformity"]
    assert _clause(block, "禁止新建化工项目")["judgement"] in ("符合", "不涉及")
    assert _clause(block, "严格控制印染项目规模")["judgement"] == "符合"
    free = _clause(block, "提高水资源利用效率")
    assert free["judgement"] == "需人工核实"
    assert free["decided_by"] == "manual"
    assert block["summary"]["不符合"] == 0
    assert block["outcome"] is None
    assert result.body["verdict"] != "DENY" or block["denied_by"] == []


def test_jiangyin_project_gets_province_and_city_clauses(db_session, tmp_path):
    load_units(db_session)
    load_long(db_session, tmp_path)
    block = screen(db_session, _project("纺织")).body["conformity"]
    scopes = [(g["level"], g["scope"]) for g in block["lists"]]
    assert scopes == [("province", "320000"), ("city", "320200"), ("unit", UNIT_W)]
    province = _clauses(block, "province")
    assert (
        "spatial_constraints",
        "严禁新增钢铁、焦化、炼油、电解铝、水泥、平板玻璃（不含光伏玻璃）等产能",
    ) in [(d, c["text"]) for d, c in province]
    assert province[0][1]["source"] == "《江苏省减污降碳协同增效实施方案》"
    city = _clauses(block, "city")
    # the city clause restricts 化工: a textile project is 符合 on it
    assert city[0][1]["judgement"] == "符合"


def test_units_touched_carry_overlap_and_share(db_session, tmp_path):
    load_units(db_session)
    load_long(db_session, tmp_path)
    lon, lat = JIANGYIN
    straddling = box(lon - 0.004, lat - 0.003, lon + 0.002, lat + 0.003)  # 2/3 west, 1/3 east
    block = screen(db_session, _project("纺织", straddling)).body["conformity"]
    units = {u["code"]: u for u in block["units"]}
    assert set(units) == {UNIT_W, UNIT_E}
    assert abs(units[UNIT_W]["share"] - 2 / 3) < 0.01
    assert abs(units[UNIT_E]["share"] - 1 / 3) < 0.01
    assert units[UNIT_W]["overlap_m2"] > units[UNIT_E]["overlap_m2"] > 0
    assert block["units"][0]["code"] == UNIT_W  # largest overlap first
    # the east unit has no list in force: said, not hidden
    assert any(UNIT_E in w for w in block["warnings"])


def test_without_entry_lists_every_unit_is_reported_and_nothing_judged(db_session):
    load_units(db_session)
    block = screen(db_session, _project("化工")).body["conformity"]
    assert block["lists"] == []
    assert block["summary"] == {"不符合": 0, "需人工核实": 0, "符合": 0, "不涉及": 0}
    assert any(UNIT_W in w for w in block["warnings"])


def test_async_path_and_stored_screening_keep_the_block(db_session, tmp_path):
    load_units(db_session)
    load_long(db_session, tmp_path)
    store = SessionScreeningStore(db_session, RuleBook())
    asyncio.run(create_screening_async(store, _project("纺织")))  # first: resolves the rule set
    screening_id, _ = asyncio.run(create_screening_async(store, _project("化工")))
    stored = get_screening(db_session, screening_id)
    assert stored["verdict"] == "DENY"
    assert _clause(stored["conformity"], "禁止新建化工项目")["judgement"] == "不符合"


def test_the_ban_clause_is_what_makes_the_chemical_project_deny(db_session):
    """Without entry lists the same project is not DENY: the clause decides it."""
    load_units(db_session)
    assert screen(db_session, _project("化工")).verdict != "DENY"


def test_a_clause_exception_spares_the_project_it_names(db_session, tmp_path):
    """严禁新增…平板玻璃（不含光伏玻璃）: with 除外情形 光伏玻璃, a 光伏玻璃 plant is not concerned
    (the rule JS-B3 spares it too); a 平板玻璃 plant without the tag is 不符合."""
    import csv

    from layers.ingest.entry_lists import EntryListOptions, import_entry_list

    load_units(db_session)
    path = tmp_path / "except.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["单元编码", "行政区划代码", "管控层级", "管控维度", "条款序号", "管控要求",
                         "出处", "禁止类行业", "适用建设性质", "除外情形"])  # fmt: skip
        writer.writerow(["", "320000", "省级", "空间布局约束", "1",
                         "严禁新增钢铁、焦化、炼油、电解铝、水泥、平板玻璃（不含光伏玻璃）等产能",
                         "《江苏省减污降碳协同增效实施方案》", "钢铁、平板玻璃", "新建、扩建",
                         "光伏玻璃"])  # fmt: skip
    import_entry_list(
        db_session, path, EntryListOptions(release="EX-1", valid_from=date(2021, 1, 1))
    )
    text = "严禁新增钢铁、焦化、炼油、电解铝、水泥、平板玻璃（不含光伏玻璃）等产能"
    solar = screen(db_session, _project("平板玻璃", tags=("光伏玻璃",))).body
    clause = _clause(solar["conformity"], text)
    assert clause["judgement"] == "不涉及", clause
    assert "属本条除外情形" in clause["finding"]
    assert clause["evidence"][0]["except_tags"] == ["光伏玻璃"]
    assert not solar["conformity"]["denied_by"]
    glass = screen(db_session, _project("平板玻璃")).body
    assert _clause(glass["conformity"], text)["judgement"] == "不符合"
    assert glass["verdict"] == "DENY"


CJBHF_26_2 = "禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。"


def _result(outcome: str) -> dict:
    return {"rule_id": "R-CJBHF-26-2", "outcome": outcome, "citation": {"text": CJBHF_26_2}}


def test_a_clause_quoting_a_judged_rule_takes_its_outcome():
    """A unit list repeating 长江保护法 第二十六条 agrees with the rule that judged it."""
    from layers.screening.conformity import judge

    clause = {
        "clause_no": 1,
        "text": f"执行《长江保护法》第二十六条「{CJBHF_26_2}」",
        "source": None,
        "synthetic": True,
    }
    denied = judge(clause, None, {}, [_result("DENY")])
    assert (denied["judgement"], denied["decided_by"]) == ("不符合", "rule")
    assert "R-CJBHF-26-2" in denied["finding"] and denied["evidence"][0]["outcome"] == "DENY"
    assert judge(clause, None, {}, [_result("PASS")])["judgement"] == "符合"
    assert judge(clause, None, {}, [_result("FLAG")])["judgement"] == "需人工核实"
    # a rule that does not apply says nothing about the clause; nor does an unquoted one
    alone = judge(clause, None, {}, [_result("NOT_APPLICABLE")])
    assert (alone["judgement"], alone["decided_by"]) == ("需人工核实", "manual")
    other = {**clause, "text": "严格控制沿江化工项目。"}
    assert judge(other, None, {}, [_result("DENY")])["decided_by"] == "manual"
