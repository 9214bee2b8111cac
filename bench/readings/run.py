"""Readings: import rows/s, attainment for every station for a year, a station's daily series.

Usage: uv run python bench/readings/run.py [--stations 208] [--days 100] [--keep]

Makes a fresh database on the server of $DATABASE_URL (default 127.0.0.1:5432), migrates
it, imports N air stations, writes one CNEMC-style wide CSV (站点编码, 时间, PM2.5, PM10, SO2,
NO2, O3, CO; hourly, times without zone, labelled by the hour's end) of N stations × D days
× 24 hours × 6 pollutants, and times `ecozone import-readings FILE --layout wide` as a
command (interpreter start-up included), then GET /attainment for the first year and
GET /stations/{code}/readings?interval=day over the whole span (through the app in-process).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from layers.store import schema

SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres").rsplit(
    "/", 1
)[0]


def stations_csv(path: Path, n: int) -> list[str]:
    codes = [f"{1001 + i}A" for i in range(n)]
    rng = np.random.default_rng(3)
    pd.DataFrame(
        {
            "code": codes,
            "name": [f"站{i}" for i in range(n)],
            "medium": "air",
            "admin_code": [f"32{(i % 13) + 1:02d}00" for i in range(n)],
            "lon": rng.uniform(116.5, 121.5, n),
            "lat": rng.uniform(31.0, 34.8, n),
        }
    ).to_csv(path, index=False)
    return codes


def readings_csv(path: Path, codes: list[str], days: int) -> int:
    hours = days * 24
    start = datetime(2023, 1, 1, 1)
    labels = np.array(
        [(start + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M") for h in range(hours)]
    )
    rng = np.random.default_rng(5)
    first = True
    for code in codes:
        frame = pd.DataFrame(
            {
                "站点编码": code,
                "时间": labels,
                "PM2.5": rng.gamma(4, 9, hours).round(0),
                "PM10": rng.gamma(4, 16, hours).round(0),
                "SO2": rng.gamma(3, 3, hours).round(0),
                "NO2": rng.gamma(4, 8, hours).round(0),
                "O3": rng.gamma(5, 18, hours).round(0),
                "CO": rng.gamma(6, 0.12, hours).round(2),
            }
        )
        frame.to_csv(path, mode="w" if first else "a", header=first, index=False)
        first = False
    return len(codes) * hours * 6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stations", type=int, default=208)
    ap.add_argument("--days", type=int, default=100)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    name = f"ecozone_bench_readings_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{SERVER}/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    env = {**os.environ, "DATABASE_URL": url}
    try:
        schema.upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            st = Path(tmp) / "stations.csv"
            codes = stations_csv(st, args.stations)
            subprocess.run(
                [
                    "uv",
                    "run",
                    "--frozen",
                    "ecozone",
                    "import",
                    str(st),
                    "--collection",
                    "monitoring_stations",
                    "--release",
                    "bench",
                    "--valid-from",
                    "2020-01-01",
                    "--synthetic",
                    "--crs",
                    "EPSG:4326",
                ],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            f = Path(tmp) / "readings.csv"
            t0 = time.perf_counter()
            rows = readings_csv(f, codes, args.days)
            print(
                f"generated {rows:,} readings ({f.stat().st_size / 1e6:.0f} MB) in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            t0 = time.perf_counter()
            subprocess.run(
                ["uv", "run", "--frozen", "ecozone", "import-readings", str(f), "--layout", "wide"],
                check=True,
                env=env,
            )
            s = time.perf_counter() - t0
            print(f"import-readings: {rows:,} rows in {s:.1f} s = {rows / s:,.0f} rows/s")
        from fastapi.testclient import TestClient

        from api.app import create_app
        from api.settings import ApiSettings
        from layers.store.db import DatabaseSettings

        app = create_app(ApiSettings(_env_file=None), DatabaseSettings(url=url, _env_file=None))
        with TestClient(app) as client:
            for label, path, params in (
                ("attainment, every station, 2023", "/attainment", {"year": 2023}),
                (
                    "daily series, one station",
                    f"/stations/{codes[0]}/readings",
                    {"parameter": "PM2.5", "interval": "day"},
                ),
            ):
                times = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    r = client.get(path, params=params)
                    times.append(time.perf_counter() - t0)
                    r.raise_for_status()
                print(f"{label}: best of 3 {min(times) * 1000:,.0f} ms")
    finally:
        if not args.keep:
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
