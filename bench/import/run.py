"""Import throughput: `ecozone import` vs `ogr2ogr -f PostgreSQL` vs `geopandas.to_postgis`.

Usage: uv run python bench/import/run.py [--rows 100000] [--repeat 2]

Builds one GeoPackage of N control-unit-like polygons (EPSG:4326, ~20 vertices each, the
four 准入清单 text fields), then imports it with each system into a fresh database on the
server of $DATABASE_URL (default 127.0.0.1:5432), alternating the systems, and prints rows/s.
Every system reads the same file and writes the same rows with a GiST index.

Both Python systems run from compiled bytecode, as they do in the Docker image
(``UV_COMPILE_BYTECODE=1``) and on any machine that lets Python write its ``.pyc`` files:
the bench compiles the environment and the repository first, because a machine with
``PYTHONDONTWRITEBYTECODE=1`` (this one) would otherwise compile every module from source
in every run (~1.5 s per process, measured).
"""

from __future__ import annotations

import argparse
import os
import site
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import psycopg
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from layers.store import schema

SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres").rsplit(
    "/", 1
)[0]


def make_file(path: Path, rows: int) -> None:
    rng = np.random.default_rng(7)
    cx = rng.uniform(116.5, 121.5, rows)
    cy = rng.uniform(31.0, 34.8, rows)
    angles = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    r = rng.uniform(0.002, 0.01, rows)[:, None]
    xs = cx[:, None] + r * np.cos(angles)
    ys = cy[:, None] + r * np.sin(angles)
    polys = shapely.polygons(np.stack([xs, ys], axis=-1))
    classes = np.array(["优先保护单元", "重点管控单元", "一般管控单元"])[rng.integers(0, 3, rows)]
    text_ = "禁止新建、扩建化工、石化、焦化等项目。" * 3
    frame = gpd.GeoDataFrame(
        {
            "code": [
                f"ZH320281{c}{i:04d}"
                for i, c in zip(range(rows), rng.integers(1, 4, rows), strict=True)
            ],
            "name": [f"单元{i}" for i in range(rows)],
            "unit_class": classes,
            "admin_code": "320281",
            "spatial_constraints": text_,
            "emission_controls": text_,
            "risk_controls": text_,
            "resource_efficiency": text_,
        },
        geometry=polys,
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="GPKG", layer="units")


def fresh_db() -> str:
    name = f"bench_import_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{SERVER}/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    return url


def drop_db(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_ecozone(path: Path, url: str, tag: str) -> float:
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run(
        [
            "uv",
            "run",
            "--frozen",
            "ecozone",
            "import",
            str(path),
            "--collection",
            "control_units",
            "--release",
            tag,
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    return time.perf_counter() - started


def run_ogr2ogr(path: Path, url: str, tag: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "PostgreSQL",
            f"PG:{url.replace('postgresql://', 'postgresql://')}",
            str(path),
            "-nln",
            f"ogr_{tag}",
            "-lco",
            "GEOMETRY_NAME=geom",
            "-nlt",
            "PROMOTE_TO_MULTI",
            "-lco",
            "SPATIAL_INDEX=GIST",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


GEOPANDAS_SCRIPT = """
import sys
import geopandas as gpd
from sqlalchemy import create_engine, text
path, url, table = sys.argv[1:4]
frame = gpd.read_file(path)
engine = create_engine(url)
frame.to_postgis(table, engine, if_exists="fail", index=False)
with engine.begin() as conn:
    conn.execute(text(f'CREATE INDEX ON "{table}" USING gist (geometry)'))
"""


def run_geopandas(path: Path, url: str, tag: str) -> float:
    # Run as a command too, so that both sides pay interpreter start-up and imports.
    started = time.perf_counter()
    subprocess.run(
        [
            "uv",
            "run",
            "--frozen",
            "python",
            "-c",
            GEOPANDAS_SCRIPT,
            str(path),
            url.replace("postgresql://", "postgresql+psycopg://"),
            f"gpd_{tag}",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def compile_bytecode() -> None:
    """Compile the environment's and the repository's modules (see the module docstring)."""
    repo = Path(__file__).resolve().parents[2]
    packages = [str(repo / p) for p in ("api", "layers", "web", "gis")]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *packages, *site.getsitepackages()],
        check=False,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    work = Path(os.environ.get("BENCH_TMP", "/tmp")) / "ecozone-bench-import"
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"units_{args.rows}.gpkg"
    if not path.exists():
        make_file(path, args.rows)
    compile_bytecode()
    url = fresh_db()
    try:
        schema.upgrade(url.replace("postgresql://", "postgresql+psycopg://"))
        systems = {
            "ecozone import": run_ecozone,
            "ogr2ogr -f PostgreSQL": run_ogr2ogr,
            "geopandas.to_postgis": run_geopandas,
        }
        times: dict[str, list[float]] = {k: [] for k in systems}
        for i in range(args.repeat):
            for name, fn in systems.items():
                times[name].append(fn(path, url, f"r{i}"))
        with psycopg.connect(url) as conn:
            n = conn.execute("SELECT count(*) FROM control_units").fetchone()[0]
        assert n == args.rows * args.repeat, n
        base = statistics.median(times["geopandas.to_postgis"])
        print(f"| system | median s ({args.repeat} runs) | rows/s | vs geopandas.to_postgis |")
        print("|---|---:|---:|---:|")
        for name, ts in times.items():
            med = statistics.median(ts)
            print(f"| {name} | {med:.2f} | {args.rows / med:,.0f} | {base / med:.2f}× |")
    finally:
        drop_db(url)


if __name__ == "__main__":
    main()
