"""Sweep throughput: every demo enterprise screened with 1, 2 and 4 `ecozone worker`s.

Usage (a database with the demo loaded and migrated to head)::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/jobs_bench \\
        uv run python bench/sweep/run.py [--as-of 2025-06-30] [--workers 1 2 4]

For each worker count: start the workers, queue `ecozone sweep --collection enterprises`
(chunks of 200), time from the queueing to the sweep's job `succeeded`, stop the workers.
Then the floor: one SQL statement in PostGIS that answers only the 1 km 长江 question for
the same enterprises (no rules, no evidence). Last, the demo report: how many chemical
enterprises lie within 1 km of the 长江 mainstem and which rules they break.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
ECOZONE = Path(sys.executable).parent / "ecozone"


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _sweep(url: str, as_of: str, workers: int) -> tuple[int, float, int]:
    env = {**os.environ, "DATABASE_URL": url}
    procs = [
        subprocess.Popen(
            [str(ECOZONE), "worker", "--name", f"bench-{workers}-{i}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(workers)
    ]
    try:
        time.sleep(3)  # the workers are listening
        started = time.perf_counter()
        out = subprocess.run(
            [str(ECOZONE), "sweep", "--collection", "enterprises", "--as-of", as_of],
            env={**env, "COLUMNS": "200"},
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        job_id = int(out.split("sweep job ")[1].split(":")[0])
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            while True:
                status, _progress, total = conn.execute(
                    "SELECT status, progress, total FROM jobs WHERE id = %s", (job_id,)
                ).fetchone()
                if status in ("succeeded", "failed"):
                    break
                time.sleep(0.1)
        seconds = time.perf_counter() - started
        if status != "succeeded":
            raise SystemExit(f"sweep {job_id} {status}")
        return job_id, seconds, total
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=60)


FLOOR = """
WITH rel AS (
  SELECT DISTINCT ON (collection) collection, id FROM releases
  WHERE valid_from <= %(d)s::date AND (valid_to IS NULL OR valid_to > %(d)s::date)
  ORDER BY collection, valid_from DESC
)
SELECT count(*) FILTER (WHERE near), count(*) FROM (
  SELECT EXISTS (
    SELECT 1 FROM water_bodies w
    WHERE w.release_id = (SELECT id FROM rel WHERE collection = 'water_bodies')
      AND w.yangtze_class IN ('mainstem', 'important_tributary', 'tributary')
      AND ST_DWithin(e.geom, w.geom, 0.02)  -- the GiST index: 0.02° ≥ 1 km here
      AND ST_DWithin(e.geom::geography, w.geom::geography, 1000)) AS near
  FROM enterprises e
  WHERE e.release_id = (SELECT id FROM rel WHERE collection = 'enterprises')
) s
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", default="2025-06-30")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    with psycopg.connect(_libpq(url), autocommit=True) as conn:  # without --workers: the last
        last = conn.execute(
            "SELECT coalesce(max(id), 0) FROM jobs WHERE kind = 'sweep' AND status = 'succeeded'"
        ).fetchone()[0]
    for n in args.workers:
        last, seconds, total = _sweep(url, args.as_of, n)
        print(
            f"workers={n}: {total} features in {seconds:.1f} s = {total / seconds:.0f} features/s"
        )
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        started = time.perf_counter()
        near, count = conn.execute(FLOOR, {"d": args.as_of}).fetchone()
        floor_s = time.perf_counter() - started
        print(
            f"floor (one SQL statement, R-CJBHF-26-2's 1 km test only): {floor_s:.2f} s for "
            f"{count} enterprises = {count / floor_s:.0f}/s; {near} within 1 km of 长江干支流"
        )
        rows = conn.execute(
            "SELECT r.verdict, r.deny, r.require, r.flag, e.industry_category FROM sweep_results r "
            "JOIN enterprises e ON e.id = r.feature_id WHERE r.job_id = %s",
            (last,),
        ).fetchall()
    verdicts = Counter(r[0] or "ERROR" for r in rows)
    chemical = [r for r in rows if r[4] == "化工"]
    print(f"last sweep {last}: verdicts {dict(verdicts)}")
    print(f"化工 enterprises: {len(chemical)}; verdicts {dict(Counter(r[0] for r in chemical))}")
    broken = Counter(rule for r in chemical for rule in r[1])
    print(f"化工 DENY rules: {broken.most_common(10)}")
    cj = [r for r in chemical if "R-CJBHF-26-2" in r[1]]
    print(f"化工 enterprises within 1 km of 长江干支流 (R-CJBHF-26-2 DENY): {len(cj)}")
    others = Counter(rule for r in cj for rule in r[1] if rule != "R-CJBHF-26-2")
    print(f"  the other DENY rules they break: {others.most_common(10)}")


if __name__ == "__main__":
    main()
