"""Reads on the primary only vs on primary + one streaming replica: CPU per request, by process.

    uv run python bench/replica/run.py [--items 3000] [--tiles 3000] [--screenings 600] [--concurrency 8]

Starts its own primary and replica (``tests/replica_fixture.py``: ``initdb``,
``pg_basebackup -R``, loopback ports, removed at the end), loads 5,000 synthetic outfalls,
then serves the app twice with uvicorn (one worker): without ``APP_DB_READ_URLS`` and
with the replica in it. Each phase (``GET /collections/outfalls/items`` pages of 100 in
a bbox; vector tiles at z13–14 with the tile cache off; ``POST /screenings``) runs after
a warm-up, with ``--concurrency`` clients in this process. Both clusters and the server share this two-core machine, so what is
reported is CPU seconds per request of the API process, of the primary cluster and of
the replica cluster (postmaster and every child, exited ones included), not throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from layers.ingest.importer import ImportOptions, import_file  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.replica_fixture import Cluster, replica_pair  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
SCREENING = {
    "name": "基准项目",
    "geometry": {"type": "Point", "coordinates": [119.2, 31.2]},
    "industry": "化工",
    "kind": "新建",
    "as_of": "2025-06-30",
    "buffer_m": 1000,
}


def _stat(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    kids = [int(p) for p in out.split()]
    return kids + [g for k in kids for g in _children(k)]


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid``, its exited children (cutime/cstime) and its live descendants."""
    own = _stat(pid)
    if not own:
        return 0.0
    total = sum(int(own[i]) for i in (11, 12, 13, 14))
    for kid in _children(pid):
        fields = _stat(kid)
        if fields:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def postmaster(cluster: Cluster) -> int:
    return int((cluster.data / "postmaster.pid").read_text().split()[0])


def load_outfalls(url: str, n: int) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"code": f"B{i}", "name": f"排污口{i}", "type": "入河"},
            "geometry": {
                "type": "Point",
                "coordinates": [119.0 + (i % 100) * 0.004, 31.0 + (i // 100) * 0.004],
            },
        }
        for i in range(n)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "o.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
        engine = create_engine(url)
        with Session(engine) as session:
            import_file(session, path, ImportOptions("outfalls", "2024", date(2024, 1, 1)))
            session.commit()
        engine.dispose()


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The WebMercatorQuad tile of a point at zoom ``z``."""
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


#: The tiles over the loaded outfalls at zooms 13 and 14 (the tile cache is off in both
#: configurations, so every request renders its tile on a database).
TILES = sorted(
    {
        _tile(119.0 + i * 0.01, 31.0 + j * 0.01, z)
        for z in (13, 14)
        for i in range(41)
        for j in range(21)
    }
)


async def _drive(base: str, kind: str, n: int, concurrency: int) -> tuple[int, int]:
    """``n`` requests of ``kind`` by ``concurrency`` clients: (ok, not ok)."""
    counter = iter(range(n))
    ok = bad = 0

    async def client() -> None:
        nonlocal ok, bad
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:
            for i in counter:
                if kind == "items":
                    x = 119.0 + (i % 30) * 0.01
                    bbox = f"{x},31.0,{x + 0.1},31.1"
                    r = await c.get(
                        "/collections/outfalls/items", params={"bbox": bbox, "limit": 100}
                    )
                elif kind == "tiles":
                    z, x, y = TILES[i % len(TILES)]
                    r = await c.get(f"/collections/outfalls/tiles/WebMercatorQuad/{z}/{x}/{y}")
                else:
                    r = await c.post("/screenings", json=SCREENING)
                if r.status_code in (200, 201):
                    ok += 1
                else:
                    bad += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return ok, bad


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(log.read_text()[-2000:])


def run_config(
    name: str, env: dict[str, str], pids: dict[str, int], args: argparse.Namespace, log: Path
) -> list[dict[str, Any]]:
    proc, base = serve(env, log)
    pids = {"api": proc.pid, **pids}
    out = []
    try:
        # one screening alone first: concurrent first screenings on a fresh database race
        # to store the repository's rule set (a unique violation: noted in the report)
        httpx.post(f"{base}/screenings", json=SCREENING, timeout=60).raise_for_status()
        phases = (("items", args.items), ("tiles", args.tiles), ("screenings", args.screenings))
        for kind, n in phases:
            asyncio.run(_drive(base, kind, max(20, n // 10), args.concurrency))  # warm-up
            before = {k: tree_cpu(p) for k, p in pids.items()}
            t0 = time.monotonic()
            ok, bad = asyncio.run(_drive(base, kind, n, args.concurrency))
            wall = time.monotonic() - t0
            after = {k: tree_cpu(p) for k, p in pids.items()}
            per = {k: (after[k] - before[k]) / max(ok, 1) * 1000 for k in pids}
            row = {"config": name, "kind": kind, "ok": ok, "errors": bad, "req_s": ok / wall, **per}
            row["total"] = sum(per.values())
            out.append(row)
            print(json.dumps(row), flush=True)
        replicas = httpx.get(f"{base}/readyz").json()["databases"]
        print(json.dumps({"config": name, "databases": replicas}), flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--tiles", type=int, default=3000)
    parser.add_argument("--screenings", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--features", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--logs", default=tempfile.gettempdir(), help="folder of the servers' logs")
    args = parser.parse_args()
    rows = []
    with replica_pair("ecozone-replica-bench-") as pair:
        tmp = args.logs
        load_outfalls(pair.primary.sa_url(), args.features)
        pair.wait_replayed()
        pids = {"primary": postmaster(pair.primary), "replica": postmaster(pair.replica)}
        common = {
            "DATABASE_URL": pair.primary.sa_url(),
            "APP_DB_READ_POOL_MAX_SIZE": "8",
            "APP_API_TILE_CACHE_BYTES": "0",  # every tile rendered on a database
        }
        configs = {
            "primary only": common,
            "primary + replica": {**common, "APP_DB_READ_URLS": pair.replica.url()},
        }
        names = list(configs)
        for round_ in range(args.rounds):  # A B, then B A, ...: drift on the machine evens out
            for name in names if round_ % 2 == 0 else names[::-1]:
                log = Path(tmp) / f"replica-bench-{names.index(name)}.log"
                rows += run_config(name, configs[name], pids, args, log)
    print(
        "\n| phase | reads on | req/s | API ms | primary ms | replica ms | total ms CPU/request |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['kind']} | {r['config']} | {r['req_s']:.0f} | {r['api']:.2f} | "
            f"{r['primary']:.2f} | {r['replica']:.2f} | {r['total']:.2f} |"
        )
    for kind in ("items", "tiles", "screenings"):
        a = [r for r in rows if r["kind"] == kind and r["config"] == "primary only"]
        b = [r for r in rows if r["kind"] == kind and r["config"] == "primary + replica"]

        def mean(rs: list[dict[str, Any]], key: str) -> float:
            return sum(r[key] for r in rs) / len(rs)

        print(
            f"{kind} (mean of {len(a)}): primary CPU/request with the replica / without = "
            f"{mean(b, 'primary') / mean(a, 'primary'):.2f}; "
            f"total = {mean(b, 'total') / mean(a, 'total'):.2f}"
        )


if __name__ == "__main__":
    main()
