"""Property-based fuzzing of every operation in /api: no input may cause a server error.

Schemathesis' pytest plugin does not load under this pytest, so the operations are walked
by hand: one Hypothesis run per operation, a bounded number of examples each.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

MAX_EXAMPLES = 15


def test_no_server_errors(live_server):
    schema = schemathesis.openapi.from_url(f"{live_server}/api")
    failures: list[str] = []
    operations = 0
    calls: list[int] = []
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
            response = case.call(base_url=live_server, timeout=30)
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}"
                )

        run()
    assert operations >= 10
    assert len(calls) >= operations * 3
    assert failures == []
