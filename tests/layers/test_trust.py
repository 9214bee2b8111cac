"""Verdicts a reviewer can rely on (issue 13): jurisdiction, dates, no silent PASS, facts."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import orjson
import pytest
import yaml
from shapely.geometry import Point, mapping

from gis.errors import OutOfChinaError
from layers.errors import IndustryCodeMismatchError, ProjectFactError, RuleSetError
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.rulesets import DEFAULT_RULES_DIR, load_rule_set, read_rule_files
from layers.screening.service import create_screening, screen
from layers.screening.storage import get_screening
from tests.admin_fixture import load_admin
from tests.layers.test_rule_fixtures import _load

XUZHOU = (117.2, 34.3)
NANCHANG = (115.9, 28.7)


def steel(at, as_of=date(2025, 6, 30), **kw) -> ProjectInput:
    return ProjectInput(
        name="钢铁新建",
        geometry=mapping(Point(at)),
        industry=kw.pop("industry", "钢铁"),
        kind="新建",
        as_of=as_of,
        **kw,
    )


def outcome(body, rule_id):
    return next((r["outcome"] for r in body["results"] if r["rule_id"] == rule_id), None)


def test_steel_in_nanchang_gets_no_jiangsu_rule(db_session):
    load_admin(db_session, "360102", NANCHANG)
    body = screen(db_session, steel(NANCHANG)).body
    assert outcome(body, "JS-B3") == "NOT_APPLICABLE"
    applied = [r for r in body["results"] if r["outcome"] != "NOT_APPLICABLE"]
    assert not [r for r in applied if r["jurisdiction"].startswith("江苏")]
    assert body["jurisdiction"]["divisions"][0]["adcode"].startswith("36")


def test_steel_in_xuzhou_is_denied_by_b3_but_not_before_it_was_issued(db_session):
    load_admin(db_session, "320300", XUZHOU)
    body = screen(db_session, steel(XUZHOU)).body
    assert outcome(body, "JS-B3") == "DENY"
    b3 = next(r for r in body["results"] if r["rule_id"] == "JS-B3")
    assert b3["regions_matched"] and all(a.startswith("32") for a in b3["regions_matched"])
    assert b3["valid_from"] == "2023-01-09"
    assert body["verdict"] == "DENY"
    before = screen(db_session, steel(XUZHOU, as_of=date(2022, 6, 1))).body
    assert outcome(before, "JS-B3") is None  # not in force: not applied at all
    assert outcome(before, "R-RL2022-1-INSIDE") is None  # issued 2022-08-16
    assert outcome(before, "R-WPL-19-GENERAL") is not None  # in force 2022-06-01


def test_outside_every_loaded_division_is_incomplete_naming_the_layers(db_session):
    load_admin(db_session, "320300", XUZHOU)
    anhui = (117.3, 31.8)  # 合肥: no division, red line, unit … loaded there
    body = screen(db_session, steel(anhui, industry="房地产")).body
    assert body["verdict"] == "INCOMPLETE"
    assert body["completeness"]["complete"] is False
    missing = {n["collection"] for n in body["completeness"]["not_checked"]}
    assert {"admin_divisions", "red_lines", "drinking_water_zones"} <= missing
    assert outcome(body, "JS-B3") == "NOT_APPLICABLE"


def test_a_regional_rule_where_the_region_is_not_known_is_not_checked(db_session):
    """Off the coast (no division there), JS-B3 is neither applied nor ruled out."""
    load_admin(db_session, "320300", XUZHOU)
    sea = (121.6, 33.9)  # the Yellow Sea off 盐城: outside the divisions' coverage
    body = screen(db_session, steel(sea)).body
    b3 = next(r for r in body["results"] if r["rule_id"] == "JS-B3")
    assert (b3["outcome"], b3["checked"]) == ("NOT_CHECKED", False)
    assert b3["reason"]["code"] == "region_unknown"
    assert "无法确定项目所在行政区" in b3["reason"]["text"] and "行政区划" in b3["reason"]["text"]
    assert body["verdict"] == "INCOMPLETE" and body["jurisdiction"]["divisions"] == []
    unknown = [r for r in body["results"] if r.get("reason", {}).get("code") == "region_unknown"]
    assert all(r["jurisdiction"] != "全国" for r in unknown)  # national rules are evaluated
    # a regional rule about other industries does not apply, wherever the project is
    assert outcome(body, "JS-B12-NEAR") == "NOT_APPLICABLE"  # 有毒有害物质, 涉重金属 only
    # once the divisions are known, a rule of another province simply does not apply
    load_admin(db_session, "360102", NANCHANG)
    body = screen(db_session, steel(NANCHANG)).body
    assert outcome(body, "JS-B3") == "NOT_APPLICABLE"


def test_textile_in_a_grade2_zone_is_denied_unless_it_discharges_nothing(db_session):
    load_admin(db_session)
    _load(
        db_session,
        "drinking_water_zones",
        (119.0, 32.2),
        [{"props": {"name": "二级区", "grade": "二级"}, "square_m": {"half": 300}}],
    )
    site = (119.0, 32.2)
    body = screen(db_session, steel(site, industry="纺织")).body
    assert outcome(body, "R-WPPL-66") == "DENY"
    # no production wastewater is not no pollutants: 排放污染物 covers air and solid waste
    body = screen(db_session, steel(site, industry="纺织", tags=("无生产废水排放",))).body
    assert outcome(body, "R-WPPL-66") == "DENY"
    body = screen(db_session, steel(site, industry="纺织", tags=("不排放污染物",))).body
    assert outcome(body, "R-WPPL-66") == "NOT_APPLICABLE"


def test_industry_contradicting_its_code_is_refused_naming_both(db_session):
    load_admin(db_session)
    with pytest.raises(IndustryCodeMismatchError) as err:
        screen(db_session, steel((119.0, 32.2), industry="纺织", industry_code="C26"))
    assert err.value.field == "industry_code"
    assert "纺织" in err.value.detail and "C26" in err.value.detail
    # a finer code of the same category is fine
    screen(db_session, steel((119.0, 32.2), industry="纺织", industry_code="C1713"))


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"tags": ("不存在的标签",)}, "tags"),
        ({"emissions": {"VOCs": -1.0}}, "emissions.VOCs"),
        ({"emissions": {"CO2": 1.0}}, "emissions.CO2"),
        ({"capacity": {"value": 30}}, "capacity.unit"),
        # a project that discharges nothing cannot declare a discharge
        ({"tags": ("不排放污染物", "排放污染物")}, "tags"),
        ({"tags": ("不排放污染物",), "emissions": {"VOCs": 2.0}}, "tags"),
    ],
)
def test_bad_project_facts_are_refused_naming_the_field(db_session, facts, field):
    load_admin(db_session)
    with pytest.raises(ProjectFactError) as err:
        screen(db_session, steel((119.0, 32.2), **facts))
    assert err.value.field == field


def test_an_outfall_outside_china_is_refused(db_session):
    load_admin(db_session)
    with pytest.raises(OutOfChinaError) as err:
        screen(
            db_session,
            steel((119.0, 32.2), outfall={"type": "Point", "coordinates": [2.35, 48.85]}),
        )
    assert getattr(err.value, "field", None) == "outfall"


def test_a_stored_screening_rerun_as_of_its_date_gives_the_same_result(db_session, tmp_path):
    load_admin(db_session)
    _load(
        db_session,
        "water_bodies",
        (119.0, 32.2),
        [
            {
                "props": {"name": "长江", "yangtze_class": "mainstem", "kind": "river"},
                "line_m": [[-5000, 800], [5000, 800]],
            }
        ],
    )
    project = steel((119.0, 32.2), industry="化工", as_of=date(2025, 6, 30))
    book = RuleBook()
    first = create_screening(db_session, project, book=book)
    # later: a newer release of the river (from 2026) and a newer version of a rule
    _load_release(db_session, tmp_path)
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    national = rules / "10_national.yaml"
    data = yaml.safe_load(national.read_text(encoding="utf-8"))
    old = next(r for r in data["rules"] if r["id"] == "R-CJBHF-26-2")
    old["valid_to"] = "2026-01-01"
    newer = {**old, "valid_from": "2026-01-01", "outcome": "FLAG"}
    newer.pop("valid_to")
    data["rules"].append(newer)
    national.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    load_rule_set(db_session, rules)
    again = screen(db_session, project, book=book).body
    stored = get_screening(db_session, first["id"], book)
    drop = ("id", "created_at", "rule_set")
    again_json = orjson.loads(orjson.dumps(again))
    for key in set(again_json) | set(stored):
        if key in drop:
            continue
        if key == "results":
            # the same outcome, evidence and citation; only the rule's end date is known now
            for a, b in zip(again_json[key], stored[key], strict=True):
                assert {**a, "valid_to": None} == {**b, "valid_to": None}, a["rule_id"]
            continue
        assert again_json.get(key) == stored.get(key), key
    assert outcome(again, "R-CJBHF-26-2") == "DENY"
    later = screen(db_session, steel((119.0, 32.2), industry="化工", as_of=date(2026, 6, 1))).body
    assert outcome(later, "R-CJBHF-26-2") == "FLAG"  # the new version, on the new release
    (evidence,) = next(r for r in later["results"] if r["rule_id"] == "R-CJBHF-26-2")["evidence"]
    assert evidence["name"] == "长江（新）"


def _load_release(session, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import LineString

    from layers.ingest.files import SourceData
    from layers.ingest.importer import ImportOptions, import_source

    frame = gpd.GeoDataFrame(
        [{"name": "长江（新）", "yangtze_class": "mainstem", "kind": "river"}],
        geometry=[LineString([(118.9, 32.205), (119.1, 32.205)])],
        crs="EPSG:4326",
    )
    import_source(
        session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(collection="water_bodies", release="2026", valid_from=date(2026, 1, 1)),
        label="test",
    )


def test_overlapping_versions_of_a_rule_are_refused_naming_file_and_rule(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    national = rules / "10_national.yaml"
    data = yaml.safe_load(national.read_text(encoding="utf-8"))
    data["rules"].append(dict(next(r for r in data["rules"] if r["id"] == "R-WPPL-66")))
    national.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError) as err:
        read_rule_files(rules)
    assert "R-WPPL-66" in err.value.detail and "overlap" in err.value.detail


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"applies_to": {"regions": ["99"]}}, ("10_national.yaml", "unknown adcode prefix '99'")),
        ({"applies_to": {"facts": ["emissions.CO2 > 0"]}}, ("10_national.yaml", "unknown fact")),
        ({"layer": {"collection": "nowhere"}}, ("R-WPPL-66", "nowhere")),
    ],
)
def test_bad_rule_files_are_refused_naming_file_rule_and_field(tmp_path, change, words):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    national = rules / "10_national.yaml"
    data = yaml.safe_load(national.read_text(encoding="utf-8"))
    rule = next(r for r in data["rules"] if r["id"] == "R-WPPL-66")
    rule.update(change)
    national.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError) as err:
        read_rule_files(rules)
    for word in words:
        assert word in err.value.detail, err.value.detail


EXTRA_RULES = """
documents:
  TEST-DOC:
    title: 测试文件
    issuer: 测试机关
    issued: 2020-01-01
    level: province
    jurisdiction: ["32"]
rules:
  - id: T-OUTFALL
    title: 排污口不得设在二级保护区
    document: TEST-DOC
    applies_to: {tags_any: [排放污染物]}
    measure_from: outfall
    layer: {collection: drinking_water_zones, filter: "grade = '二级'"}
    predicate: {op: intersects}
    outcome: DENY
    citation: {article: 一, text: 测试, status: SEED, verified: true}
    measures: [另选排污口位置]
  - id: T-PARK
    title: 化工项目应入园
    document: TEST-DOC
    applies_to: {industries: [化工], facts: ["in_park = false"]}
    predicate: {op: always}
    outcome: DENY
    citation: {article: 二, text: 测试, status: SEED, verified: true}
    measures: [入园]
  - id: T-VOC
    title: VOCs 减二增一
    document: TEST-DOC
    applies_to: {facts: ["emissions.VOCs > 0"]}
    predicate: {op: always}
    outcome: REQUIRE
    citation: {article: 三, text: 测试, status: SEED, verified: true}
    measures: [落实 VOCs 两倍削减替代]
  - id: T-WITHIN
    title: 重点管控单元内的项目
    document: TEST-DOC
    applies_to: {within: {collection: control_units, filter: "unit_class = '重点管控单元'"}}
    predicate: {op: always}
    outcome: FLAG
    citation: {article: 四, text: 测试, status: SEED, verified: true}
    measures: [核对准入清单]
"""


@pytest.fixture
def extra_rules(db_session, tmp_path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / "90_test.yaml").write_text(EXTRA_RULES, encoding="utf-8")
    load_rule_set(db_session, rules)
    load_admin(db_session)


def chem(**kw) -> ProjectInput:
    return steel((119.0, 32.2), industry="化工", **kw)


def test_a_rule_about_the_outfall_measures_from_it(db_session, extra_rules):
    _load(
        db_session,
        "drinking_water_zones",
        (119.0, 32.2),
        [
            {
                "props": {"name": "二级区", "grade": "二级"},
                "square_m": {"at": [2000, 0], "half": 300},
            }
        ],
    )
    inside = {"type": "Point", "coordinates": [119.0 + 2000 / 94_300, 32.2]}
    body = screen(db_session, chem(outfall=inside)).body
    rule = next(r for r in body["results"] if r["rule_id"] == "T-OUTFALL")
    assert (rule["outcome"], rule["measured_from"]) == ("DENY", "outfall")
    assert rule["evidence"][0]["name"] == "二级区"
    # the evidence names the collection (its feature is at /collections/{collection}/items/{id})
    assert rule["evidence"][0]["collection"] == "drinking_water_zones"
    body = screen(db_session, chem()).body  # no outfall: measured from the plant, 1.7 km off
    rule = next(r for r in body["results"] if r["rule_id"] == "T-OUTFALL")
    assert (rule["outcome"], rule["measured_from"]) == ("PASS", "project")


def test_in_park_is_derived_from_the_parks_or_reported_missing(db_session, extra_rules):
    assert outcome(screen(db_session, chem()).body, "T-PARK") == "NOT_CHECKED"
    assert outcome(screen(db_session, chem(in_park=True)).body, "T-PARK") == "NOT_APPLICABLE"
    _load(
        db_session,
        "industrial_parks",
        (119.0, 32.2),
        [{"props": {"name": "某园区"}, "square_m": {"at": [5000, 0], "half": 500}}],
    )
    body = screen(db_session, chem()).body
    assert outcome(body, "T-PARK") == "DENY"
    assert body["project"]["facts"]["in_park"] is False
    inside = {"type": "Point", "coordinates": [119.0 + 5000 / 94_300, 32.2]}
    body = screen(
        db_session, ProjectInput("园内", inside, "化工", "新建", as_of=date(2025, 6, 30))
    ).body
    assert outcome(body, "T-PARK") == "NOT_APPLICABLE"


def test_a_fact_condition_applies_tests_or_leaves_the_rule_not_checked(db_session, extra_rules):
    body = screen(db_session, chem(emissions={"VOCs": 5.0})).body
    assert outcome(body, "T-VOC") == "REQUIRE"
    assert outcome(screen(db_session, chem(emissions={"VOCs": 0.0})).body, "T-VOC") == (
        "NOT_APPLICABLE"
    )
    body = screen(db_session, chem()).body
    rule = next(r for r in body["results"] if r["rule_id"] == "T-VOC")
    assert rule["outcome"] == "NOT_CHECKED"
    assert rule["reason"]["facts"] == ["emissions.VOCs"]
    assert rule["reason"]["text"] == "项目未提供 VOCs 排放量（t/a）"  # as the form names it
    assert "emissions.VOCs" in body["completeness"]["missing_facts"]


def test_within_scopes_a_rule_to_the_features_of_a_collection(db_session, extra_rules):
    _load(
        db_session,
        "control_units",
        (119.0, 32.2),
        [
            {
                "props": {"code": "ZH1", "name": "重点单元", "unit_class": "重点管控单元"},
                "square_m": {"half": 500},
            },
            {
                "props": {"code": "ZH2", "name": "一般单元", "unit_class": "一般管控单元"},
                "square_m": {"at": [3000, 0], "half": 500},
            },
        ],
    )
    assert outcome(screen(db_session, chem()).body, "T-WITHIN") == "FLAG"
    other = {"type": "Point", "coordinates": [119.0 + 3000 / 94_300, 32.2]}
    body = screen(
        db_session, ProjectInput("一般", other, "化工", "新建", as_of=date(2025, 6, 30))
    ).body
    assert outcome(body, "T-WITHIN") == "NOT_APPLICABLE"


def test_a_capacity_in_another_unit_says_so_when_the_rule_is_not_checked(db_session):
    load_admin(db_session, "360102", NANCHANG)
    boiler = steel(
        NANCHANG, industry="电力", tags=("燃煤锅炉",), capacity={"value": 14, "unit": "MW"}
    )
    rule = next(r for r in screen(db_session, boiler).body["results"] if r["rule_id"] == "JX-B2")
    assert rule["outcome"] == "NOT_CHECKED"
    assert rule["reason"]["facts"] == ["capacity.value@蒸吨/小时"]
    assert "产能（蒸吨/小时）" in rule["reason"]["text"] and "MW" in rule["reason"]["text"]
    # without a capacity the reason names only the missing fact
    rule = next(
        r
        for r in screen(db_session, steel(NANCHANG, industry="电力", tags=("燃煤锅炉",))).body[
            "results"
        ]
        if r["rule_id"] == "JX-B2"
    )
    assert "MW" not in rule["reason"]["text"] and "已申报" not in rule["reason"]["text"]
