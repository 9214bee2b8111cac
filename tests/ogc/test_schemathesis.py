"""Property-based fuzzing of every operation in /api: no input may cause a server error.

Schemathesis' pytest plugin does not load under this pytest, so the operations are walked
by hand: one Hypothesis run per operation, a bounded number of examples each. The run has
its own database and server (writes are fuzzed with an editor key, so it must not share
the read-only tests' data), and every 4xx must be an RFC 9457 problem.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import ApiSettings
from layers.screening.rulesets import load_rule_set
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from tests.conftest import drop_database, serve_in_thread
from tests.ogc.conftest import seed_database

MAX_EXAMPLES = 80


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server on its own seeded database (with the rules), and an editor key for it."""
    url = seed_database("ecozone_fuzz", tmp_path_factory.mktemp("fuzz"))
    engine = create_engine(url)
    with Session(engine) as session:
        load_rule_set(session)
        _, editor = create_key(session, "editor", "fuzz")
    engine.dispose()
    app = create_app(ApiSettings(_env_file=None), DatabaseSettings(url=url, _env_file=None))
    try:
        with serve_in_thread(app) as base:
            yield base, editor
    finally:
        drop_database(url)


def test_no_server_errors_and_every_4xx_a_problem(fuzz_server):
    base, editor = fuzz_server
    schema = schemathesis.openapi.from_url(f"{base}/api")
    failures: list[str] = []
    operations = 0
    calls: list[int] = []
    headers = {"Authorization": f"Bearer {editor}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            response = case.call(base_url=base, timeout=30, headers=headers)
            calls.append(response.status_code)
            what = f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}"
            if response.status_code >= 500:
                failures.append(what)
            elif response.status_code >= 400:
                content_type = response.headers.get("content-type") or [""]  # a list of values
                if content_type[0] != "application/problem+json":
                    failures.append(f"{what} not a problem: {content_type}")

        run()
    assert operations >= 20
    assert len(calls) >= operations * 3
    assert any(400 <= c < 500 for c in calls)
    assert any(c < 300 for c in calls)
    assert failures == [], "\n".join(failures)
