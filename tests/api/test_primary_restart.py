"""The primary restarted under a load of screenings (issue 18, "Faults it must survive").

A cluster of the test's own (tests/replica_fixture.py; the shared server is never
restarted) serves a real uvicorn process; 16 clients screen without pause while the
primary is restarted (``pg_ctl stop -m fast`` + start, what an operator's restart does).
Requests in flight may fail, but only as 503 problem+json without a trace; the pools
recover by themselves within seconds; every screening acknowledged with 201 is stored.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from layers.store.models import Screening
from tests.api.test_soak import screening_body
from tests.conftest import serve_in_subprocess
from tests.replica_fixture import migrated_cluster

CLIENTS = 16
BEFORE_S, AFTER_S = 6.0, 15.0  # load before the restart, and after it


def test_a_restart_of_the_primary_costs_at_most_503s_and_loses_nothing(tmp_path: Path) -> None:
    with migrated_cluster() as primary:
        env = {
            "DATABASE_URL": primary.sa_url(),
            "APP_DB_POOL_TIMEOUT_S": "3",
            "APP_DB_SCREENING_POOL_MAX_SIZE": "4",
        }
        with serve_in_subprocess(env, tmp_path / "uvicorn.log") as base:
            outcome = asyncio.run(_load(base, primary))
        stored_ids = outcome["ids"]
        engine = create_engine(primary.sa_url())
        with Session(engine) as session:
            stored = session.scalar(
                select(func.count()).select_from(Screening).where(Screening.id.in_(stored_ids))
            )
        engine.dispose()
    statuses = outcome["statuses"]
    assert outcome["bad"] == [], outcome["bad"][:5]
    assert set(statuses) <= {201, 503}, statuses
    assert statuses[201] > 0
    # the pools came back by themselves: screenings succeed again soon after the restart
    assert outcome["recovered_s"] is not None and outcome["recovered_s"] < 10, outcome
    assert stored == len(stored_ids) == len(set(stored_ids))


async def _load(base: str, primary) -> dict:
    statuses: dict[int, int] = {}
    bad: list[str] = []
    ids: list[int] = []
    restarted: list[float] = []
    ok_after: list[float] = []
    start = time.monotonic()
    stop_at = start + BEFORE_S + AFTER_S

    def restart() -> None:
        time.sleep(BEFORE_S)
        primary.stop("fast")
        primary.start()
        restarted.append(time.monotonic())

    restarter = threading.Thread(target=restart)
    restarter.start()
    # a new connection per request, as in test_soak (a reused one may fail on the client)
    limits = httpx.Limits(max_connections=CLIENTS + 4, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def client(n: int) -> None:
            rnd = random.Random(n)  # noqa: S311 - load, not secrets
            while time.monotonic() < stop_at:
                try:
                    r = await http.post("/screenings", json=screening_body(f"restart {n}", rnd))
                except httpx.TransportError as exc:
                    bad.append(f"{type(exc).__name__}: {exc!r}")
                    continue
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code == 201:
                    ids.append(int(r.json()["id"]))
                    if restarted:
                        ok_after.append(time.monotonic())
                elif r.status_code == 503:
                    problem = r.headers.get("content-type", "")
                    if not problem.startswith("application/problem+json") or (
                        "Traceback" in r.text or "psycopg" in r.text
                    ):
                        bad.append(f"503 {problem}: {r.text[:300]}")
                    await asyncio.sleep(0.2)
                else:
                    bad.append(f"{r.status_code}: {r.text[:300]}")

        await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    restarter.join()
    recovered = ok_after[0] - restarted[0] if restarted and ok_after else None
    return {"statuses": statuses, "bad": bad, "ids": ids, "recovered_s": recovered}
