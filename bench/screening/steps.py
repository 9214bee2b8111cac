"""Where a screening's time goes, in-process: prepare, the plan's SQL, assemble (and judge the
entry-list clauses), JSON.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ecozone_screening_bench \\
        uv run python bench/screening/steps.py [--n 300]

A new 化工 project at random points over the bench box (seed 7), the rule set in force on
2025-06-30, the session's statements planned generically (as the server's pools do); the
first 50 screenings warm up and are not counted. Prints mean milliseconds per step.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import date

import orjson
from sqlalchemy.orm import Session

from layers.screening import conformity
from layers.screening.evaluate import assemble
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.service import prepare, resolve_rule_set
from layers.screening.storage import fetch_raw
from layers.store.db import DatabaseSettings, make_engine

WARMUP = 50


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=300)
    n = ap.parse_args().n
    settings = DatabaseSettings(url=os.environ["DATABASE_URL"])
    book, rnd, as_of = RuleBook(), random.Random(7), date(2025, 6, 30)
    totals = dict.fromkeys(("prepare", "sql", "assemble", "json"), 0.0)
    # the server pools' connection settings: generic plans, no JIT
    with Session(make_engine(settings, generic_plans=True)) as session:
        rules = resolve_rule_set(session, book, as_of)
        for i in range(n):
            lon, lat = rnd.uniform(116.02, 122.48), rnd.uniform(30.72, 35.18)
            project = ProjectInput(
                name="bench",
                geometry={"type": "Point", "coordinates": [lon, lat]},
                industry="化工",
                kind="新建",
                as_of=as_of,
            )
            t0 = time.perf_counter()
            prepared = prepare(book, rules, project, as_of, None)
            t1 = time.perf_counter()
            rows = fetch_raw(session, prepared.sql, prepared.args)
            t2 = time.perf_counter()
            result = assemble(prepared, project, rows)
            conformity.attach(result, prepared, rows)
            t3 = time.perf_counter()
            orjson.dumps(result.body)
            orjson.dumps({**result.body, "results": result.stored_results})  # as stored
            t4 = time.perf_counter()
            if i >= WARMUP:
                for step, dt in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    totals[step] += dt
    counted = n - WARMUP
    print(
        f"{len(rules.rules)} rules, {counted} screenings: "
        + ", ".join(f"{k} {v / counted * 1000:.2f} ms" for k, v in totals.items())
    )


if __name__ == "__main__":
    main()
