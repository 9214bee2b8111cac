"""Entry lists: clause splitting, the two import layouts, refusals, releases per level."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from layers.errors import ImportFileError, ReleaseConflictError
from layers.ingest.entry_lists import (
    EntryListOptions,
    import_entry_list,
    parse_entry_list,
    split_clauses,
)
from layers.reads.entry_lists import unit_entry_list
from layers.store.models import EntryClause, EntryCondition, Release
from tests.entry_fixture import (
    UNIT_E,
    UNIT_W,
    default_wide_rows,
    load_long,
    load_units,
    write_long_csv,
    write_wide_xlsx,
)


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        (
            "１．禁止新建化工项目。２．严格控制印染项目。",
            ["禁止新建化工项目。", "严格控制印染项目。"],
        ),
        (
            "1.禁止新建化工项目；2. 严控印染，含量不高于0.5%；",
            ["禁止新建化工项目", "严控印染，含量不高于0.5%"],
        ),
        ("1、禁止A\n2、禁止B", ["禁止A", "禁止B"]),
        ("（1）减量置换；（2）超低排放", ["减量置换", "超低排放"]),
        ("(1)减量置换 (2)超低排放", ["减量置换", "超低排放"]),
        ("①建立应急预案②定期排查", ["建立应急预案", "定期排查"]),
        ("提高水资源利用效率；推进清洁生产。", ["提高水资源利用效率", "推进清洁生产。"]),
        ("单独一条要求。", ["单独一条要求。"]),
        ("", []),
    ],
)
def test_split_clauses_numbering_styles(text, clauses):
    assert split_clauses(text) == clauses


def test_split_clauses_keeps_sub_items_of_another_style():
    text = "1.禁止下列项目：（1）化工；（2）印染。2.严格控制规模。"
    assert split_clauses(text) == ["禁止下列项目：（1）化工；（2）印染。", "严格控制规模。"]


def test_split_clauses_keeps_an_empty_clause_for_refusal():
    assert split_clauses("1.禁止A；2.；3.禁止C") == ["禁止A", "", "禁止C"]


def test_import_wide_xlsx_with_merged_title_rows(db_session, tmp_path):
    load_units(db_session)
    report = import_entry_list(
        db_session,
        write_wide_xlsx(tmp_path / "list.xlsx"),
        EntryListOptions(release="WX-2023", valid_from=date(2023, 1, 1)),
    )
    assert report.releases["unit"]["clauses"] == report.clauses == 11
    rows = db_session.execute(
        select(
            EntryClause.scope, EntryClause.dimension, EntryClause.clause_no, EntryClause.text
        ).order_by(EntryClause.scope, EntryClause.dimension, EntryClause.clause_no)
    ).all()
    assert (UNIT_W, "spatial_constraints", 1, "禁止新建化工项目。") in rows
    assert (UNIT_W, "risk_controls", 2, "定期开展隐患排查") in rows
    assert (UNIT_E, "spatial_constraints", 1, "严格控制高耗能项目") in rows
    names = set(db_session.scalars(select(EntryClause.scope_name)))
    assert names == {"江阴测试重点单元", "江阴测试一般单元"}
    release = db_session.scalars(select(Release).where(Release.name == "WX-2023")).one()
    assert release.collection == "entry_list.unit"


def test_import_wide_official_codes(db_session, tmp_path):
    load_units(db_session)
    rows = [[UNIT_W, "禁止新建化工项目", "减量置换", "应急预案", "节水"]]
    path = tmp_path / "codes.csv"
    path.write_text(
        "HJZHGKDYBM,KJBJYS,PWWPFGK,HJFXFK,ZYKFXLYQ\n" + "\n".join(",".join(r) for r in rows),
        encoding="utf-8",
    )
    clauses = parse_entry_list(path)
    assert next((c.dimension, c.text) for c in clauses) == (
        "spatial_constraints",
        "禁止新建化工项目",
    )
    assert {c.dimension for c in clauses} == {
        "spatial_constraints",
        "emission_controls",
        "risk_controls",
        "resource_efficiency",
    }


def test_import_long_csv_levels_and_conditions(db_session, tmp_path):
    load_units(db_session)
    load_long(db_session, tmp_path)
    levels = dict(
        db_session.execute(
            select(Release.collection, func.count(EntryClause.id))
            .join(EntryClause, EntryClause.release_id == Release.id)
            .group_by(Release.collection)
        ).all()
    )
    assert levels == {"entry_list.province": 2, "entry_list.city": 1, "entry_list.unit": 3}
    kinds = db_session.execute(
        select(EntryClause.text, EntryCondition.kind, EntryCondition.industries).join(
            EntryCondition, EntryCondition.clause_id == EntryClause.id
        )
    ).all()
    assert ("禁止新建化工项目", "banned_industries", ["化工"]) in kinds
    assert ("严格控制印染项目规模", "restricted_industries", ["印染"]) in kinds


def test_unit_entry_list_has_province_city_and_unit_levels(db_session, tmp_path):
    load_units(db_session)
    load_long(db_session, tmp_path)
    body = unit_entry_list(db_session, UNIT_W, date(2024, 1, 1))
    assert [(lv["level"], lv["scope"]) for lv in body["levels"]] == [
        ("province", "320000"),
        ("city", "320200"),
        ("unit", UNIT_W),
    ]
    unit = body["levels"][2]
    spatial = unit["dimensions"][0]
    assert spatial["title"] == "空间布局约束"
    assert [c["text"] for c in spatial["clauses"]] == ["禁止新建化工项目", "严格控制印染项目规模"]
    assert spatial["clauses"][0]["conditions"][0]["kind"] == "banned_industries"


def test_a_newer_release_of_a_level_supersedes_from_its_valid_from(db_session, tmp_path):
    load_units(db_session)
    load_long(db_session, tmp_path, "EL-1", date(2021, 1, 1))
    rows = [
        [
            UNIT_W,
            "",
            "单元",
            "空间布局约束",
            "1",
            "新版：禁止新建化工、石化项目",
            "",
            "化工、石化",
            "",
        ]
    ]
    import_entry_list(
        db_session,
        write_long_csv(tmp_path / "v2.csv", rows),
        EntryListOptions(release="EL-2", valid_from=date(2024, 1, 1)),
    )
    before = unit_entry_list(db_session, UNIT_W, date(2023, 6, 1))
    after = unit_entry_list(db_session, UNIT_W, date(2024, 6, 1))
    unit_before = next(lv for lv in before["levels"] if lv["level"] == "unit")
    unit_after = next(lv for lv in after["levels"] if lv["level"] == "unit")
    assert unit_before["release"] == "EL-1"
    assert unit_after["release"] == "EL-2"
    assert unit_after["dimensions"][0]["clauses"][0]["text"] == "新版：禁止新建化工、石化项目"
    # the province list was not re-released: the old one still applies after 2024
    assert [lv["release"] for lv in after["levels"] if lv["level"] == "province"] == ["EL-1"]


def _refused(db_session, path, match):
    before = db_session.scalar(select(func.count()).select_from(EntryClause))
    releases = db_session.scalar(select(func.count()).select_from(Release))
    with pytest.raises(ImportFileError, match=match):
        import_entry_list(
            db_session, path, EntryListOptions(release="BAD", valid_from=date(2023, 1, 1))
        )
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(EntryClause)) == before
    assert db_session.scalar(select(func.count()).select_from(Release)) == releases


def test_refuses_a_missing_dimension_column(db_session, tmp_path):
    load_units(db_session)
    path = tmp_path / "missing.csv"
    path.write_text(f"环境管控单元编码,空间布局约束,污染物排放管控,环境风险防控\n{UNIT_W},a,b,c\n")
    _refused(db_session, path, "资源开发效率要求")


def test_refuses_an_empty_clause_naming_row_and_column(db_session, tmp_path):
    load_units(db_session)
    rows = default_wide_rows()
    rows[1][7] = "1.严格控制；2.；3.其他"
    _refused(
        db_session,
        write_wide_xlsx(tmp_path / "empty.xlsx", rows),
        r"row 5, column H \(空间布局约束\), clause 2: empty clause",
    )


def test_refuses_a_clause_over_5000_characters(db_session, tmp_path):
    load_units(db_session)
    rows = default_wide_rows()
    rows[0][8] = "很" * 5001
    _refused(
        db_session,
        write_wide_xlsx(tmp_path / "long.xlsx", rows),
        r"row 4, column I .*5,001 characters",
    )


def test_refuses_a_malformed_unit_code(db_session, tmp_path):
    load_units(db_session)
    rows = default_wide_rows()
    rows[0][1] = "ZH3202812001"
    _refused(
        db_session,
        write_wide_xlsx(tmp_path / "code.xlsx", rows),
        r"row 4, column B .*not a control unit code",
    )


@pytest.mark.parametrize(
    "code",
    [
        "ZH32028140001",  # class digit 4: only 1/2/3 (优先/重点/一般)
        "ZH3202A120001",  # a letter in the adcode
        "zh32028120001",  # lower-case prefix
        "HJ32028120001",  # not ZH
        "ZH320281200001",  # a 5-digit serial
    ],
)
def test_refuses_a_unit_code_in_the_wrong_format_in_the_long_layout(db_session, tmp_path, code):
    load_units(db_session)
    rows = [
        ["", "320000", "省级", "空间布局约束", "1", "省级条款", "", "", ""],
        [code, "", "单元", "空间布局约束", "1", "禁止A", "", "", ""],
    ]
    _refused(
        db_session,
        write_long_csv(tmp_path / "fmt.csv", rows),
        rf"row 3, column A \(单元编码\): '{code}' is not a control unit code",
    )


def test_every_bad_row_is_reported_at_once(db_session, tmp_path):
    load_units(db_session)
    rows = [
        ["ZH1", "", "单元", "空间布局约束", "1", "禁止A", "", "", ""],
        [UNIT_W, "", "单元", "空间布局约束", "2", "", "", "", ""],
        [UNIT_W, "", "单元", "管控维度X", "3", "禁止C", "", "", ""],
    ]
    _refused(
        db_session,
        write_long_csv(tmp_path / "many.csv", rows),
        r"3 problem\(s\), nothing imported.*row 2.*row 3.*row 4",
    )


def test_refuses_duplicate_clause_numbers(db_session, tmp_path):
    load_units(db_session)
    rows = [
        [UNIT_W, "", "单元", "空间布局约束", "1", "禁止A", "", "", ""],
        [UNIT_W, "", "单元", "KJBJYS", "1", "禁止B", "", "", ""],
    ]
    _refused(db_session, write_long_csv(tmp_path / "dup.csv", rows), "row 3.*also on row 2")


def test_refuses_a_unit_not_in_control_units_and_stores_nothing(db_session, tmp_path):
    load_units(db_session)
    rows = [
        ["", "320000", "省级", "空间布局约束", "1", "省级条款", "", "", ""],
        ["ZH32028120099", "", "单元", "空间布局约束", "1", "禁止A", "", "", ""],
    ]
    _refused(
        db_session,
        write_long_csv(tmp_path / "unknown.csv", rows),
        "row 3: unit ZH32028120099 is not in the control_units",
    )


def test_refuses_an_existing_release_name(db_session, tmp_path):
    load_units(db_session)
    load_long(db_session, tmp_path, "EL-1")
    with pytest.raises(ReleaseConflictError):
        load_long(db_session, tmp_path, "EL-1")


def test_two_row_header_with_merged_cells(db_session, tmp_path):
    """环境管控单元编码 merged over two header rows, 生态环境准入清单 merged over the four columns."""
    from openpyxl import Workbook

    load_units(db_session)
    book = Workbook()
    sheet = book.active
    sheet.append(["无锡市生态环境准入清单"])
    sheet.merge_cells("A1:E1")
    sheet.append(["环境管控单元编码", "生态环境准入清单"])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:E2")
    sheet.append(["", "空间布局约束", "污染物排放管控", "环境风险防控", "资源利用效率"])
    sheet.append([UNIT_W, "①禁止A②禁止B", "减量置换", "应急预案", "节水"])
    path = tmp_path / "two-rows.xlsx"
    book.save(path)
    clauses = parse_entry_list(path)
    assert [(c.row, c.dimension, c.clause_no, c.text) for c in clauses][:2] == [
        (4, "spatial_constraints", 1, "禁止A"),
        (4, "spatial_constraints", 2, "禁止B"),
    ]
    assert clauses[-1].dimension == "resource_efficiency"


def test_long_layout_without_clause_numbers_numbers_in_file_order(tmp_path):
    path = tmp_path / "no-numbers.csv"
    path.write_text(
        "单元编码,管控维度,管控要求\n"
        f"{UNIT_W},空间布局约束,禁止A\n{UNIT_W},污染物排放管控,减量置换\n{UNIT_W},空间布局约束,禁止B\n",
        encoding="utf-8",
    )
    clauses = parse_entry_list(path)
    assert [(c.dimension, c.clause_no, c.text) for c in clauses] == [
        ("spatial_constraints", 1, "禁止A"),
        ("emission_controls", 1, "减量置换"),
        ("spatial_constraints", 2, "禁止B"),
    ]


def test_long_layout_with_a_bad_clause_number_names_row_and_column(tmp_path):
    path = tmp_path / "bad-number.csv"
    path.write_text(
        f"单元编码,管控维度,条款序号,管控要求\n{UNIT_W},空间布局约束,一,禁止A\n", encoding="utf-8"
    )
    with pytest.raises(
        ImportFileError, match=r"row 2, column C \(条款序号\): '一' is not a clause number"
    ):
        parse_entry_list(path)


@pytest.mark.parametrize(
    ("name", "match"), [("missing.csv", "does not exist"), ("list.txt", "neither .xlsx nor .csv")]
)
def test_unreadable_files_are_refused_naming_the_file(tmp_path, name, match):
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("x", encoding="utf-8")
    with pytest.raises(ImportFileError, match=match):
        parse_entry_list(path)
