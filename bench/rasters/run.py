"""Raster benchmarks: zonal statistics on a 10 m raster, and the slope rule's share of a screening.

    uv run python bench/rasters/run.py zonal [--dir DIR]      # writes a 10,000 × 10,000 10 m DEM once
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        uv run python bench/rasters/run.py screening --dem DEM.tif [--n 200]

``zonal``: a 10,000 × 10,000 DEM (10 m cells, CGCS2000 GK CM 120E, float32, a rolling
surface) is written strip by strip and imported as a COG (``gis.raster.write_cog``, the
import's path); then the elevation and slope statistics of a 10 km² polygon (a rotated
3.16 km square, edges through cells) at 50 random places, p50 / p95 after 5 warm-ups.

``screening``: a new database (migrated, dropped afterwards) with the rule files, an
administrative division round 江西 南昌 and a DEM release (``--dem``, e.g. the demo's clip);
in-process screenings (``layers.screening.service.screen``) of 化工 projects (300 m squares)
at random points, p50 with the raster step (the slope rule's statistics) and without it
(the same screenings with ``needs_rasters`` false: the floor).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import rasterio
import shapely
from pyproj import CRS, Transformer
from rasterio.transform import from_origin
from rasterio.windows import Window

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gis.raster import inspect, write_cog, zonal_stats

GK = "EPSG:4549"
SIZE = 10_000
RES = 10.0


def _write_dem(path: Path) -> None:
    x0, y0 = 400_000.0, 3_600_000.0
    profile = {
        "driver": "GTiff", "width": SIZE, "height": SIZE, "count": 1, "dtype": "float32",
        "crs": GK, "transform": from_origin(x0, y0, RES, RES), "tiled": True,
        "blockxsize": 512, "blockysize": 512, "compress": "deflate", "nodata": -9999,
    }  # fmt: skip
    cols = np.arange(SIZE, dtype=np.float32) * RES
    with rasterio.open(path, "w", **profile) as dst:
        for r0 in range(0, SIZE, 512):
            rows = np.arange(r0, min(r0 + 512, SIZE), dtype=np.float32)[:, None] * RES
            z = 300 + 200 * np.sin(cols / 1500.0)[None, :] * np.cos(rows / 2100.0) + rows * 0.01
            dst.write(z.astype(np.float32), 1, window=Window(0, r0, SIZE, z.shape[0]))


def zonal(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    src, cog = directory / "dem10m.tif", directory / "dem10m_cog.tif"
    if not src.exists():
        t = time.perf_counter()
        _write_dem(src)
        print(f"wrote {src.name}: {time.perf_counter() - t:.1f} s")
    info = inspect(src)
    if not cog.exists():
        t = time.perf_counter()
        write_cog(src, cog, info, "continuous")
        print(f"COG written in {time.perf_counter() - t:.1f} s ({cog.stat().st_size / 1e6:.0f} MB)")
    to_lonlat = Transformer.from_crs(CRS.from_user_input(GK), CRS.from_epsg(4326), always_xy=True)
    rng = random.Random(7)
    side = math.sqrt(10e6)
    times = []
    for i in range(55):
        cx = 400_000 + rng.uniform(5_000, 95_000) + 3.3
        cy = 3_600_000 - rng.uniform(5_000, 95_000) - 7.7
        square = shapely.affinity.rotate(
            shapely.box(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), 17
        )
        lonlat = shapely.transform(
            square, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))
        )
        t = time.perf_counter()
        out = zonal_stats(cog, lonlat, "continuous", slope=True)
        if i >= 5:
            times.append((time.perf_counter() - t) * 1000)
    print(
        f"zonal stats (elevation + slope) of a 10 km² polygon, {out['pixels']} pixels: "
        f"p50 {statistics.median(times):.1f} ms, p95 {np.percentile(times, 95):.1f} ms (n={len(times)})"
    )


def screening(dem: Path, n: int) -> None:
    import tempfile

    from shapely.geometry import box, mapping
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from layers.screening import rasters
    from layers.screening.project import ProjectInput
    from layers.screening.rulebook import RuleBook
    from layers.screening.service import screen
    from tests.admin_fixture import load_admin
    from tests.conftest import migrated_database
    from tests.raster_fixture import import_test_raster

    at = (115.9, 28.7)
    with migrated_database("ecozone_raster_bench") as url, tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(url)
        with Session(engine) as session:
            load_admin(session, "360100", at, half_deg=0.6)
            session.commit()
            import_test_raster(session, dem, Path(tmp), release="bench", crs="EPSG:4326")
            book = RuleBook(Path(tmp))
            rng = random.Random(7)
            sites = [
                box(x - 0.0015, y - 0.0015, x + 0.0015, y + 0.0015)
                for x, y in (
                    (at[0] + rng.uniform(-0.4, 0.4), at[1] + rng.uniform(-0.4, 0.4))
                    for _ in range(n)
                )
            ]

            def run(label: str) -> float:
                times = []
                for i, site in enumerate(sites):
                    project = ProjectInput(
                        name="bench", geometry=mapping(site), industry="化工", kind="新建",
                        as_of=date(2025, 6, 30), buffer_m=500,
                    )  # fmt: skip
                    t = time.perf_counter()
                    screen(session, project, book=book)
                    if i >= 20:
                        times.append((time.perf_counter() - t) * 1000)
                p50 = statistics.median(times)
                print(f"{label}: p50 {p50:.2f} ms (n={len(times)})")
                return p50

            with_raster = run("screening with the slope rule's raster step")
            needs = rasters.needs_rasters
            rasters.needs_rasters = lambda *_a: False  # type: ignore[assignment]
            floor = run("the same screenings without it (floor)")
            rasters.needs_rasters = needs  # type: ignore[assignment]
            with_raster = min(with_raster, run("with it again"))
            print(f"ratio {with_raster / floor:.2f}× the floor")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    z = sub.add_parser("zonal")
    z.add_argument("--dir", type=Path, default=Path(".cache/bench-rasters"))
    s = sub.add_parser("screening")
    s.add_argument("--dem", type=Path, required=True)
    s.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    if args.what == "zonal":
        zonal(args.dir)
    else:
        screening(args.dem, args.n)


if __name__ == "__main__":
    main()
