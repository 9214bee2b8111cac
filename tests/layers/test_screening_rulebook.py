"""The screening's explicit state and its plan: the rule book, the predicate table, the SQL."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest
import sqlalchemy as sa
from shapely.geometry import Point

from layers.errors import NoRuleSetError
from layers.screening.evaluate import PREDICATES
from layers.screening.lookups import OUTFALL_ROW, UPSTREAM_ROW
from layers.screening.plan import Plan, build_plan
from layers.screening.rulebook import RuleBook
from layers.screening.rules import OPS, LoadedRuleSet, RuleSetKey
from layers.screening.rulesets import read_rule_files
from layers.screening.service import (
    bound_args,
    create_screening,
    create_screening_async,
    resolve_rule_set,
    screen,
)
from layers.screening.stores import SessionScreeningStore
from tests.layers.test_screening import (
    AS_OF,
    LAT0,
    count_fallbacks,
    east,
    load,
    project,
    result,
    square,
)

pytest_plugins = ["tests.layers.test_screening"]  # its fixtures (yangtze, jiangsu)
pytestmark = pytest.mark.usefixtures("jiangsu")


def _repository_rule_set(rule_set_id: int = 1) -> LoadedRuleSet:
    rule_file, source_hash = read_rule_files()
    return LoadedRuleSet(
        rule_set_id,
        rule_file.version,
        rule_file.valid_from,
        source_hash,
        dict(rule_file.industries),
        rule_file.rules,
    )


def test_every_op_the_schema_allows_has_exactly_one_evaluation():
    """No op falls through to another's evaluation; an unknown op is refused on load
    (tests/layers/test_screening_rules.py, test_invalid_rules_rejected_at_load)."""
    assert set(PREDICATES) == set(OPS)
    assert len(OPS) == len(set(OPS))


def test_the_plan_binds_only_what_varies_per_project():
    """Constants are SQL literals; every ``$n`` is a per-project parameter, numbered in order."""
    rules = _repository_rule_set()
    plan = build_plan(rules)
    sql = plan.sql.decode()
    numbers = {int(n) for n in re.findall(r"\$(\d+)", sql)}
    assert numbers == set(range(1, len(plan.param_names) + 1))
    assert "%(" not in sql
    per_project = {
        "ewkb",
        "outfall_ewkb",
        "has_outfall",
        "as_of",
        "buffer_m",
        "polygonal",
        "labels",
        "kx",
        "kd",
    }
    for name in plan.param_names:
        # radii, upstream switches, the 环境保护目标 ranges of the project's industry and the
        # trace of its receiving river
        assert name in per_project or re.fullmatch(r"r_\w+|up_\d+|pt_\w+|sw_\w+", name), name
    assert {"ewkb", "as_of", "kx", "kd"} <= set(plan.param_names)
    upstream = next(r for r in rules.rules if r.predicate.op == "upstream")
    assert f"'#upstream/{upstream.key}'" in sql  # a rule key, inlined and quoted


def test_a_variant_leaves_out_only_the_branches_switched_off():
    plan = build_plan(_repository_rule_set())
    ups = [u.param for u in plan.upstream]
    assert plan.variant({"has_outfall": True, **dict.fromkeys(ups, True)}) == (
        plan.sql,
        plan.param_names,
    )
    off = dict.fromkeys(["has_outfall", *ups], False)
    sql, names = plan.variant(off)
    text = sql.decode()
    assert f"'{OUTFALL_ROW}" not in text and f"'{UPSTREAM_ROW}" not in text
    assert {"has_outfall", *ups}.isdisjoint(names)
    assert {int(n) for n in re.findall(r"\$(\d+)", text)} == set(range(1, len(names) + 1))
    assert plan.variant({**off, "released:red_lines": True}) is plan.variant(off)  # once
    one, _ = plan.variant({**off, ups[0]: True})
    assert f"'{UPSTREAM_ROW}{plan.upstream[0].rule_id}'" in one.decode()
    assert f"'{UPSTREAM_ROW}{plan.upstream[1].rule_id}'" not in one.decode()


def test_a_variant_answers_as_the_whole_statement(db_session, yangtze, monkeypatch):
    """With and without an outfall, near the river: the same result as every branch."""
    at = east(119.0, 32.2, 300)
    cases = [
        project(Point(at)),
        project(Point(at), outfall={"type": "Point", "coordinates": list(east(119.0, 32.2, 50))}),
        project(Point(at), industry="食品"),
    ]
    variants = [screen(db_session, p, book=RuleBook()).body for p in cases]
    monkeypatch.setattr(Plan, "variant", lambda self, _switches: (self.sql, self.param_names))
    whole = [screen(db_session, p, book=RuleBook()).body for p in cases]
    assert variants == whole
    assert variants[0]["verdict"] != "PASS"  # the river's 1 km rules found it


def test_a_kept_book_answers_rules_without_a_release_as_a_fresh_one(db_session):
    """Their entries are built once per decision and shared: nothing of one screening
    (its outfall, its place) leaks into the next."""
    book = RuleBook()
    near = {"type": "Point", "coordinates": list(east(119.0, 32.2, 40))}
    cases = [
        project(Point(119.0, 32.2), outfall=near),
        project(Point(119.05, 32.25)),
        project(Point(119.0, 32.2), outfall=near),
    ]
    kept = [screen(db_session, p, book=book).body for p in cases]
    fresh = [screen(db_session, p, book=RuleBook()).body for p in cases]
    assert kept == fresh
    unchecked = [r for r in kept[1]["results"] if r["outcome"] == "NOT_CHECKED"]
    assert any(r["reason"]["code"] == "no_release" for r in unchecked)
    from_outfall = [r for r in kept[0]["results"] if r.get("measured_from") == "outfall"]
    assert from_outfall  # the rules measured from the outfall say so
    assert all(r.get("measured_from") != "outfall" for r in kept[1]["results"])


def test_a_layer_learned_empty_is_read_once_a_release_is_imported(db_session):
    """A book leaves out the lookups of collections it found without a release; the
    statement's own rows show a new release, and the screening runs again with it."""
    book = RuleBook()
    chem = project(Point(118.6, LAT0))
    before = screen(db_session, chem, book=book).body
    assert result(before, "R-WPPL-66")["outcome"] == "NOT_CHECKED"
    released = book.guess_released(AS_OF)
    assert released is not None and "drinking_water_zones" not in released
    sql, _ = book.plan(resolve_rule_set(db_session, book, AS_OF)).variant(
        {f"released:{c}": c in released for c in ("drinking_water_zones", "red_lines")}
    )
    assert b"'drinking_water_zones'" in book.plan(resolve_rule_set(db_session, book, AS_OF)).sql
    assert b"FROM drinking_water_zones" not in sql
    load(
        db_session,
        "drinking_water_zones",
        [{"name": "二级区", "grade": "二级", "geometry": square(118.6, LAT0, 500)}],
    )
    after = screen(db_session, chem, book=book).body
    assert result(after, "R-WPPL-66")["outcome"] == "DENY"
    assert after == screen(db_session, chem, book=RuleBook()).body
    assert "drinking_water_zones" in (book.guess_released(AS_OF) or ())


def test_the_book_keys_plans_by_id_and_content_hash():
    book = RuleBook()
    rules = _repository_rule_set()
    other = dataclasses.replace(rules, source_hash="0" * 64)  # same id, another database's
    assert book.plan(rules) is book.plan(rules)
    assert book.plan(other) is not book.plan(rules)
    assert other.key == RuleSetKey(rules.id, "0" * 64) != rules.key


def test_getting_the_rule_set_in_force_writes_nothing(db_session):
    count = sa.text("SELECT count(*) FROM rule_sets")
    assert db_session.scalar(count) == 0
    with pytest.raises(NoRuleSetError) as caught:
        RuleBook().in_force(db_session, AS_OF)
    assert caught.value.field == "as_of"
    assert db_session.scalar(count) == 0
    # … resolving (the screening's path) stores the repository's rules on a fresh DB
    book = RuleBook()
    resolved = resolve_rule_set(db_session, book, AS_OF)
    assert db_session.scalar(count) == 1
    assert book.in_force(db_session, AS_OF) is resolved


def test_a_guess_of_another_database_takes_the_resolving_path(db_session, yangtze):
    """A rule set with the id in force but another content hash is not used by the fast path."""
    site = project(Point(east(119.0, 32.0, 800)))
    book = RuleBook()
    reference = create_screening(db_session, site, book=book)
    rules = book.guess_in_force(AS_OF)
    assert rules is not None and rules.id == reference["rule_set"]["id"]
    impostor = dataclasses.replace(rules, source_hash="0" * 64)
    book.found_in_force(AS_OF, impostor)
    store = SessionScreeningStore(db_session, book)
    calls = count_fallbacks(store)
    asyncio.run(create_screening_async(store, site))
    assert calls == [site.name]  # resolved again, not screened with the impostor
    assert book.guess_in_force(AS_OF).key == rules.key  # … which put the real one back
    asyncio.run(create_screening_async(store, site))
    assert calls == [site.name]  # and the next one takes the fast path


def test_two_books_share_nothing(db_session):
    first, second = RuleBook(), RuleBook()
    screen(db_session, project(Point(119.0, 32.0)), book=first)
    assert first.guess_in_force(AS_OF) is not None
    assert second.guess_in_force(AS_OF) is None


def test_concurrent_first_screenings_store_the_rule_set_once():
    """Six sessions resolving at once on a fresh database: one stored rule set, no error.

    Before the store took an advisory lock on the content hash, all but one failed on the
    unique hash (500s for the first screenings after a deployment; tests/api/test_soak.py).
    """
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from sqlalchemy.orm import Session

    from tests.conftest import migrated_database

    with migrated_database("ecozone_rules_race") as url:
        engine = sa.create_engine(url, pool_size=6)
        barrier = Barrier(6)

        def resolve(_: int) -> int:
            with Session(engine) as session:
                barrier.wait()
                rules = resolve_rule_set(session, RuleBook(), AS_OF)
                session.commit()
                return rules.id

        with ThreadPoolExecutor(6) as pool:
            ids = list(pool.map(resolve, range(6)))
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM rule_sets")) == 1
        engine.dispose()
    assert len(set(ids)) == 1


def test_concurrent_first_screenings_of_a_date_resolve_the_rule_set_once():
    """A cold worker under load: one request resolves the rule set, the others wait for it.

    Before, each of them saw no rule set cached and resolved it in a thread of its own
    (this test counted 6 of 6; bench/screening/cold.sh: 195-203 MB per worker, not 155-157).
    """
    from sqlalchemy.orm import sessionmaker

    from layers.screening.stores import PoolScreeningStore, make_screening_pool
    from layers.store.db import DatabaseSettings
    from tests.conftest import migrated_database

    sites = [
        dataclasses.replace(project(Point(119.0 + i / 100, 32.0)), name=f"site {i}")
        for i in range(6)
    ]
    with migrated_database("ecozone_cold_store") as url:
        engine = sa.create_engine(url)
        settings = DatabaseSettings(url=url)

        async def run() -> tuple[list[str], list[int]]:
            pool = make_screening_pool(settings)
            await pool.open()
            try:
                store = PoolScreeningStore(pool, sessionmaker(engine), RuleBook())
                calls = count_fallbacks(store)
                done = await asyncio.gather(*(create_screening_async(store, s) for s in sites))
                return calls, [screening_id for screening_id, _ in done]
            finally:
                await pool.close()

        calls, ids = asyncio.run(run())
        with engine.connect() as conn:
            stored = conn.scalar(sa.text("SELECT count(*) FROM screenings"))
        engine.dispose()
    assert len(calls) == 1, calls  # the first resolved; five took the fast path
    assert len(set(ids)) == 6 == stored


def test_list_parameters_bind_as_their_array_literals():
    """Quoted as psycopg quotes them; floats per project, the rest kept."""
    params = {"a": ["化工", 'x "y",z', "C26"], "b": [0.5, 2.5e-05], "c": [True, False], "d": 3}
    assert bound_args(params, ("d", "a", "b", "c")) == [
        3,
        '{化工,"x \\"y\\",z",C26}',
        "{0.5,2.5e-05}",
        "{t,f}",
    ]
