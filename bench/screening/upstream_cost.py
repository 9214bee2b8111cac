"""Server CPU of the screening lookup with and without its upstream branches, near drinking-water zones.

Needs the demo in a database (createdb ecozone_demo2; then with DATABASE_URL pointing at
it: ``uv run ecozone db upgrade && uv run ecozone demo load``):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ecozone_demo2 \
        uv run python bench/screening/upstream_cost.py

600 化工 sites within ~1.5 km of the zones' interior points; the same prepared lookup
statement is run with the upstream branches' switch on and off, alternately, on one
connection with a generic plan (as the server runs it); the backend's CPU comes from
/proc.
"""

from __future__ import annotations

import os
import random
from datetime import date
from pathlib import Path

import psycopg
import uvloop
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.service import prepare, resolve_rule_set

DSN = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ecozone_demo2")
TICK = os.sysconf("SC_CLK_TCK")
AS_OF = date(2025, 6, 30)


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    engine = create_engine(DSN.replace("postgresql://", "postgresql+psycopg://"))
    book = RuleBook()
    with Session(engine) as session:
        rules = resolve_rule_set(session, book, AS_OF)
        centres = session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM drinking_water_zones) z"
            )
        ).all()
    print("rules", len(rules.rules), [r.id for r in rules.rules if r.predicate.op == "upstream"])
    rnd = random.Random(3)
    prepared = []
    for i in range(600):
        x, y = centres[i % len(centres)]
        site = ProjectInput(
            name="x",
            geometry={
                "type": "Point",
                "coordinates": [x + rnd.uniform(-0.015, 0.015), y + rnd.uniform(-0.015, 0.015)],
            },
            industry="化工",
            kind="新建",
            as_of=AS_OF,
        )
        prepared.append(prepare(book, rules, site, AS_OF, None))
    plan = prepared[0].plan
    switches = [plan.param_names.index(u.param) for u in plan.upstream]

    async def run() -> None:
        conn = await psycopg.AsyncConnection.connect(
            DSN, autocommit=True, options="-c plan_cache_mode=force_generic_plan"
        )
        pid = (await (await conn.execute("SELECT pg_backend_pid()")).fetchone())[0]
        for on in (True, False, True, False):
            start, rows_up = cpu_s(pid), 0
            for p in prepared:
                args = list(p.args)
                for i in switches:
                    args[i] = args[i] and on
                cursor = psycopg.AsyncRawCursor(conn)
                await cursor.execute(plan.sql, args, prepare=True)
                rows_up += sum(
                    1 for r in await cursor.fetchall() if str(r[0]).startswith("#upstream/")
                )
            per = (cpu_s(pid) - start) / len(prepared) * 1e3
            print(
                f"upstream branches {'on ' if on else 'off'}: {per:.2f} ms server CPU per lookup, {rows_up} upstream rows"
            )
        await conn.close()

    uvloop.run(run())


if __name__ == "__main__":
    main()
