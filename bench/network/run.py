"""River network: build time, 50 km upstream traces, and the screening lookup with JS-B10 on it.

Needs the demo in a database (createdb; ``ecozone db upgrade && ecozone demo load``), then:

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ecozone_demo2 \
        uv run python bench/network/run.py

1. ``build_network`` on the demo water release (rolled back).
2. 200 upstream traces of 50 km (in-process ``trace``, default collections) from random
   points on the Jiangsu rivers: p50/p95 wall time.
3. The screening plan's one statement for 300 化工 sites within ~1.5 km of the
   drinking-water zones (JS-B10 applies), timed four ways on one connection: upstream
   branches off (the floor), on with no network (single-line predicate), on with the
   network. p50 of each.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date

from shapely.geometry import Point
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from layers.network.build import build_network
from layers.network.trace import trace
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.service import prepare, resolve_rule_set
from layers.screening.storage import fetch_raw

DSN = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ecozone_demo2")
AS_OF = date(2025, 6, 30)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    engine = create_engine(DSN.replace("postgresql://", "postgresql+psycopg://"))
    with Session(engine) as session:
        started = time.perf_counter()
        report = build_network(session, as_of=AS_OF)
        print(
            f"build: {time.perf_counter() - started:.2f} s, {report.features} rivers, "
            f"{report.edges} edges, {report.nodes} nodes, {report.directions}"
        )
        starts = session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, random()) p "
                "FROM river_edges WHERE network_id = :n AND ST_X(ST_StartPoint(geom)) > 117 "
                "AND ST_Y(ST_StartPoint(geom)) > 31 ORDER BY random() LIMIT 200) s"
            ),
            {"n": report.network_id},
        ).all()
        times, found = [], 0
        for x, y in starts:
            t0 = time.perf_counter()
            result = trace(
                session,
                Point(x, y),
                "upstream",
                50_000,
                ["drinking_water_zones", "monitoring_stations", "outfalls", "enterprises"],
                as_of=AS_OF,
            )
            times.append((time.perf_counter() - t0) * 1000)
            found += len(result.found)
        print(
            f"50 km upstream trace: p50 {statistics.median(times):.1f} ms, "
            f"p95 {pct(times, 0.95):.1f} ms, {found / len(times):.1f} features per trace"
        )

        book = RuleBook()
        rules = resolve_rule_set(session, book, AS_OF)
        centres = session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM drinking_water_zones) z"
            )
        ).all()
        rnd = random.Random(3)
        prepared = []
        for i in range(300):
            cx, cy = centres[i % len(centres)]
            site = ProjectInput(
                name="x",
                geometry={
                    "type": "Point",
                    "coordinates": [
                        cx + rnd.uniform(-0.015, 0.015),
                        cy + rnd.uniform(-0.015, 0.015),
                    ],
                },
                industry="化工",
                kind="新建",
                as_of=AS_OF,
            )
            prepared.append(prepare(book, rules, site, AS_OF, None))
        plan = prepared[0].plan
        switches = [plan.param_names.index(u.param) for u in plan.upstream]

        def run(on: bool) -> tuple[float, int]:
            ms, hits = [], 0
            for p in prepared:
                args = list(p.args)
                for i in switches:
                    args[i] = args[i] and on
                t0 = time.perf_counter()
                rows = fetch_raw(session, plan.sql, args)
                ms.append((time.perf_counter() - t0) * 1000)
                hits += sum(1 for r in rows if str(r[0]).startswith("#upstream/"))
            return statistics.median(ms), hits

        run(False)  # warm up
        with_net = run(True)
        floor = run(False)
        session.execute(text("DELETE FROM river_networks"))
        no_net = run(True)
        print(
            f"screening lookup p50: floor (upstream off) {floor[0]:.1f} ms; "
            f"single line {no_net[0]:.1f} ms ({no_net[1]} rows); "
            f"network {with_net[0]:.1f} ms ({with_net[1]} rows) = {with_net[0] / floor[0]:.2f}x floor"
        )
        session.rollback()


if __name__ == "__main__":
    main()
