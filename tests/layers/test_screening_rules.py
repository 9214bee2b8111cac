"""Rule files: validation at load, versioned rule sets, and the rule set in force at a date."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from layers.errors import NoRuleSetError, RuleSetError, UnknownIndustryCodeError
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.rules import normalise_code
from layers.screening.rulesets import (
    DEFAULT_RULES_DIR,
    load_rule_set,
    read_rule_files,
    rule_set_id_as_of,
)
from layers.screening.service import resolve_rule_set


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def test_repository_rules_validate_and_cite():
    rule_file, digest = read_rule_files()
    ids = {r.id for r in rule_file.rules}
    assert {"R-CJBHF-26-2", "R-WPPL-64", "JS-B1", "JS-B3", "JS-B38"} <= ids
    assert len(digest) == 64
    for rule in rule_file.rules:
        assert rule.citation.text
        assert rule.measures
        assert rule.citation.verified == (rule.citation.status != "UNVERIFIED")


def test_load_is_idempotent_by_content(db_session, rules_dir):
    first = load_rule_set(db_session, rules_dir)
    again = load_rule_set(db_session, rules_dir)
    assert first.created
    assert not again.created
    assert again.rule_set_id == first.rule_set_id


def test_new_content_is_a_new_version_picked_by_as_of(db_session, rules_dir):
    first = load_rule_set(db_session, rules_dir)
    path = rules_dir / "20_jiangsu.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"][0]["title"] = "占用江苏省生态空间管控区域（修订）"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    second = load_rule_set(db_session, rules_dir, valid_from=date(2025, 1, 1))
    assert second.created
    assert second.rule_set_id != first.rule_set_id
    assert rule_set_id_as_of(db_session, date(2024, 6, 1)) == first.rule_set_id
    assert rule_set_id_as_of(db_session, date(2025, 6, 1)) == second.rule_set_id
    rs = RuleBook().in_force(db_session, date(2025, 6, 1))
    assert next(r for r in rs.rules if r.id == "JS-ECO-SPACE").title.endswith("（修订）")


def test_fresh_database_loads_repository_rules(db_session):
    rs = resolve_rule_set(db_session, RuleBook(), date(2025, 6, 30))
    assert rs.rules
    assert "化工" in rs.industries


def test_no_rule_set_before_valid_from(db_session):
    with pytest.raises(NoRuleSetError) as err:
        resolve_rule_set(db_session, RuleBook(), date(2000, 1, 1))
    assert err.value.field == "as_of"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.update(outcome="MAYBE"), "outcome"),
        (lambda r: r["layer"].update(filter="colour = 'red'"), "colour"),
        (lambda r: r["layer"].update(collection="nowhere"), "nowhere"),
        (lambda r: r.update(predicate={"op": "dwithin"}), "distance_m"),
        (lambda r: r["predicate"].update(op="touches"), "predicate.op"),
        # an offset names an emission the rule's facts require (else no figure to compute)
        (lambda r: r.update(offset={"fact": "energy_tce", "ratio": 2}), "an emission"),
        (lambda r: r.update(offset={"fact": "emissions.VOCs", "ratio": 2}), "emissions.VOCs > 0"),
        (lambda r: r.update(offset={"fact": "emissions.VOCs", "ratio": 0}), "ratio"),
    ],
)
def test_invalid_rules_rejected_at_load(rules_dir, mutate, message):
    path = rules_dir / "10_national.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data["rules"][0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError, match=message):
        read_rule_files(rules_dir)


def test_normalise_code():
    assert normalise_code("2521") == "C2521"
    assert normalise_code("C2600") == "C26"
    assert normalise_code("c3360") == "C3360"
    assert normalise_code("4411") == "D4411"  # the section of its 大类, not always C
    assert normalise_code("G553") == "G553"


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("hello", "a section letter and 2-4 digits"),
        ("C12345", "a section letter and 2-4 digits"),
        ("CC26", "a section letter and 2-4 digits"),
        ("C99", "there is no 大类 99"),
        ("Z26", "大类 26 belongs to section C"),
        ("O79", "大类 79 belongs to section N"),
    ],
)
def test_a_code_outside_gbt_4754_is_refused_saying_why(code, says):
    with pytest.raises(UnknownIndustryCodeError, match=says) as err:
        normalise_code(code)
    assert err.value.field == "industry_code"


def test_the_library_puts_every_fact_condition_in_words():
    """Each fact a rule can test reads as words in the rule library, never as its key."""
    from layers.screening.library import fact_text
    from layers.screening.rules import FACTS

    for fact, kind in FACTS.items():
        conditions = [f"{fact} = true", f"{fact} = false"] if kind == "bool" else [f"{fact} > 5"]
        for condition in conditions:
            text = fact_text(condition)
            assert fact not in text, (condition, text)
            assert re.search(r"[\u4e00-\u9fff]", text), (condition, text)
    assert fact_text("energy_tce >= 5000") == "能耗（tce/a）不小于 5000"
    assert fact_text("in_park = false") == "不在工业园区内"


def test_the_map_names_the_facts_as_the_server_does():
    """The map's form labels (config.js) are the server's ``FACT_NAMES``, fact by fact."""
    import re
    from pathlib import Path

    from layers.screening.rules import FACT_NAMES, FACTS

    config = (Path(__file__).parents[2] / "web/static/js/map/config.js").read_text()
    block = config[config.index("export const FACT_LABELS = {") :]
    block = block[: block.index("};")]
    pairs = dict(re.findall(r'"?([\w.]+)"?: "([^"]+)"', block.partition("{")[2]))
    assert pairs == FACT_NAMES
    assert set(FACT_NAMES) == set(FACTS)


def test_the_map_knows_every_verdict():
    """The map's verdict labels (config.js, also its 筛查记录 filter) are the server's verdicts."""
    import re
    from pathlib import Path

    from layers.screening.rules import SEVERITY, VERDICTS

    config = (Path(__file__).parents[2] / "web/static/js/map/config.js").read_text()
    block = config[config.index("export const VERDICTS = {") :]
    block = block[: block.index("};")]
    assert tuple(re.findall(r"(\w+): \[", block)) == VERDICTS
    assert set(VERDICTS) < set(SEVERITY)


def test_a_capacity_condition_names_its_unit():
    """Boilers are rated in 蒸吨/小时 (t/h): a rule compares only a capacity in that unit."""
    from layers.screening.rules import FactCondition, fact_label

    condition = FactCondition.parse("capacity.value <= 35 t/h")
    assert (condition.unit, condition.key) == ("蒸吨/小时", "capacity.value@蒸吨/小时")
    assert str(condition) == "capacity.value <= 35 蒸吨/小时"
    assert FactCondition.parse(str(condition)) == condition
    assert fact_label(condition.key) == "产能（蒸吨/小时）"
    with pytest.raises(ValueError, match="takes no unit"):
        FactCondition.parse("energy_tce > 5000 MW")
    project = ProjectInput(
        name="锅炉",
        geometry={"type": "Point", "coordinates": [115.89, 28.68]},
        industry="电力",
        kind="新建",
        capacity={"value": 20, "unit": "MW"},
    )
    assert condition.key not in project.facts()  # 20 MW is not 20 蒸吨/小时
    assert project.facts()["capacity.value@MW"] == 20
