"""Slow screenings saturate their own pool while item reads keep answering (live uvicorn).

Before the screening pool was separate, ten heavy screenings held every connection of
the read pool and ``GET /collections/{id}/items`` stalled until they finished.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from gis.project_geometry import MAX_VERTICES
from tests.conftest import serve_in_subprocess

N_SCREENINGS = 10


@pytest.fixture(scope="module")
def small_pool_server(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn with a screening pool of 2 connections (the read pool keeps its default)."""
    log = tmp_path_factory.mktemp("pool-server") / "uvicorn.log"
    env = {
        "DATABASE_URL": seeded_url,
        "APP_DB_SCREENING_POOL_MAX_SIZE": "2",
        "APP_DB_POOL_TIMEOUT_S": "30",
    }
    with serve_in_subprocess(env, log) as base:
        yield base


def _heavy_project() -> dict:
    """A pipeline just under the vertex limit zig-zagging over every seeded layer."""
    n = MAX_VERTICES - 1
    coords = [[119.0 + 1.2 * i / n, 31.0 + 0.6 + 0.55 * math.sin(i / 7.0)] for i in range(n)]
    return {
        "name": "heavy pipeline",
        "geometry": {"type": "LineString", "coordinates": coords},
        "industry": "化工",
        "kind": "新建",
        "buffer_m": 50_000,
    }


def test_items_answer_promptly_while_screenings_saturate_their_pool(small_pool_server):
    base = small_pool_server
    items = f"{base}/collections/outfalls/items"
    heavy = _heavy_project()
    with httpx.Client(timeout=60) as client:
        assert client.get(items, params={"limit": 10}).status_code == 200
        started = time.perf_counter()
        first = client.post(f"{base}/screenings", json=heavy)  # also loads the rule set
        single = time.perf_counter() - started
        assert first.status_code == 201, first.text
    assert single > 0.2, f"the heavy screening took only {single:.3f} s: not heavy"

    def screen(_: int) -> int:
        with httpx.Client(timeout=120) as c:
            return c.post(f"{base}/screenings", json=heavy).status_code

    latencies: list[float] = []
    with ThreadPoolExecutor(N_SCREENINGS) as pool, httpx.Client(timeout=30) as reader:
        t0 = time.perf_counter()
        futures = [pool.submit(screen, i) for i in range(N_SCREENINGS)]
        time.sleep(0.2)  # let them take the screening pool
        while not all(f.done() for f in futures):
            t = time.perf_counter()
            response = reader.get(items, params={"limit": 10})
            latencies.append(time.perf_counter() - t)
            assert response.status_code == 200
            time.sleep(0.05)
        statuses = [f.result() for f in futures]
        saturated = time.perf_counter() - t0
    # 10 screenings on 2 connections: about 5 rounds of a heavy screening
    assert saturated > 2 * single
    assert set(statuses) <= {201, 503}, statuses
    assert len(latencies) >= 5
    assert max(latencies) < 1.0, (max(latencies), statistics.median(latencies), saturated)
    print(  # noqa: T201 - the measured numbers, shown with -s
        f"single screening {single:.2f} s; 10 in flight {saturated:.2f} s; "
        f"{len(latencies)} item reads meanwhile, median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms; statuses {sorted(statuses)}"
    )
