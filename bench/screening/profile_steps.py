"""The screening's in-process steps on a bench database, timed and profiled.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ecozone_conformity_bench \\
        uv run python bench/screening/profile_steps.py [--jit]

A new 化工 project at random points over the bench box (seed 7), on a connection set as the
server's screening pool sets its own (generic plans; no JIT unless ``--jit``): p50 and mean
of prepare, the plan's SQL, assemble, the blocks (conformity, 三线, 环境保护目标) and the
JSON over 100 screenings after 30 warm-ups, then cProfile's top 25 functions over 100 more.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import time
from datetime import date
from typing import Any

import orjson
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from layers.screening import conformity, protection, three_lines
from layers.screening.evaluate import assemble
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.rules import LoadedRuleSet
from layers.screening.service import prepare, resolve_rule_set
from layers.screening.storage import fetch_raw, insert_args
from layers.store.db import DatabaseSettings

AS_OF = date(2025, 6, 30)
STEPS = ("prepare", "sql", "assemble", "blocks", "json")


def _project(rnd: random.Random) -> ProjectInput:
    lon, lat = rnd.uniform(116.02, 122.48), rnd.uniform(30.72, 35.18)
    return ProjectInput(
        name="bench",
        geometry={"type": "Point", "coordinates": [lon, lat]},
        industry="化工",
        kind="新建",
        as_of=AS_OF,
        buffer_m=500,
    )


def _screen(session: Session, book: RuleBook, rules: LoadedRuleSet, p: ProjectInput) -> list[Any]:
    """One screening, step by step: the time at each step's end."""
    marks = [time.perf_counter()]
    prepared = prepare(book, rules, p, AS_OF, None)
    marks.append(time.perf_counter())
    rows = fetch_raw(session, prepared.sql, prepared.args)
    marks.append(time.perf_counter())
    result = assemble(prepared, p, rows)
    marks.append(time.perf_counter())
    conformity.attach(result, prepared, rows)
    three_lines.attach(result.body, rules, None)
    protection.attach(result, prepared, rows)
    marks.append(time.perf_counter())
    insert_args(p, result)
    orjson.dumps(result.body)
    marks.append(time.perf_counter())
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jit", action="store_true", help="leave PostgreSQL's JIT on")
    args = parser.parse_args()
    settings = DatabaseSettings(url=os.environ["DATABASE_URL"], _env_file=None)
    jit = "on" if args.jit else "off"
    options = f"-c plan_cache_mode={settings.read_plan_cache_mode} -c jit={jit}"
    engine = create_engine(settings.url, connect_args={"options": options})
    with Session(engine) as session:
        book, rnd = RuleBook(), random.Random(7)
        rules = resolve_rule_set(session, book, AS_OF)
        times: dict[str, list[float]] = {k: [] for k in STEPS}
        for i in range(130):
            marks = _screen(session, book, rules, _project(rnd))
            if i >= 30:
                for k, a, b in zip(STEPS, marks[:-1], marks[1:], strict=True):
                    times[k].append((b - a) * 1000)
        for k, v in times.items():
            print(f"{k:9s} p50 {statistics.median(v):7.2f} ms  mean {statistics.fmean(v):7.2f}")
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(100):
            _screen(session, book, rules, _project(rnd))
        profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
