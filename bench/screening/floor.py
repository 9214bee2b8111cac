"""Floors for the screening benchmark: the engine's spatial lookups as hand-written SQL.

(a) floor-sql:  `python floor.py sql --duration 15`   asyncpg loop, prepared statement, no HTTP
(b) floor-http: `uvicorn floor:app --workers 2 ...`  the same SQL behind a minimal Starlette
                POST /screen endpoint returning the bytes PostgreSQL built

The SQL does what one POST /screenings does in PostgreSQL for a new 化工 project at a point:
every collection within its search radius (water bodies 1,000 m for 长江保护法 第二十六条,
500 m otherwise) with geodesic distance, intersects, geodesic overlap, report attributes
and the banned/restricted industry match, in one round trip. Release ids are resolved once
at start (the floor does not pay for "as of"); nothing is stored.
Needs asyncpg + starlette (the bench-kit venv has both).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DSN = os.environ.get("FLOOR_DSN", "postgresql://postgres@127.0.0.1:5432/ecozone_screening_bench")
TABLES = {  # collection -> (radius m, attribute columns, has_area)
    "red_lines": (500, "type, level", True),
    "ecological_spaces": (500, "type, control_level", True),
    "control_units": (
        500,
        "code, unit_class, spatial_constraints, banned_industries, restricted_industries",
        True,
    ),
    "monitoring_stations": (500, "", False),
    "outfalls": (500, "", False),
    "wetlands": (500, "category, protection_status", True),
    "water_bodies": (1000, "yangtze_class, kind", False),
    "drinking_water_zones": (500, "grade, water_source", True),
    "industrial_parks": (500, "level", True),
    "enterprises": (500, "", False),
    "farmland_zones": (500, "", True),
    "admin_divisions": (500, "", True),
    # R-RECEPTOR-500 / R-SPL-32 (the rule lookups); the 环境保护目标 table is PROTECTION below
    "sensitive_receptors": (500, "type, population, grade", True),
    # the Yangtze-law and 岸线 rules measure from the bank segments (1 km the widest)
    "shoreline_segments": (
        1000,
        "bank, function_zone, shore_type, protection, water_kind, yangtze_class",
        False,
    ),
}
#: The 环境保护目标 lookups (layers/screening/assessment_ranges.yaml): medium, radius, kinds.
PROTECTION = (
    ("air", 2500, ("居民区", "村庄", "学校", "医院", "疗养院", "养老院", "文物保护单位")),
    ("noise", 200, ("居民区", "村庄", "学校", "医院", "疗养院", "养老院")),
    ("groundwater", 1382, ("饮用水水源井", "村庄")),
    ("surface_water", 5000, ("饮用水取水口",)),
)


def build_sql(releases: dict[str, int]) -> str:
    parts = []
    for table, (radius, attrs, has_area) in TABLES.items():
        rel = releases.get(table, -1)
        pairs = ", ".join(f"'{a.strip()}', {a.strip()}" for a in attrs.split(","))
        attr_json = f"jsonb_build_object({pairs})" if attrs else "NULL::jsonb"
        overlap = (
            "CASE WHEN ST_Intersects(t.geom, p.g) THEN ST_Area(ST_Intersection(t.geom, p.g)::geography) ELSE 0 END"
            if has_area
            else "NULL::float8"
        )
        match = (
            "ARRAY[coalesce(banned_industries && $2::text[], false), coalesce(restricted_industries && $2::text[], false)]"
            if table == "control_units"
            else "NULL::boolean[]"
        )
        parts.append(f"""
  SELECT '{table}' AS c, t.id, t.name, t.release_id,
         ST_Distance(t.geom::geography, p.g::geography) AS d, ST_Intersects(t.geom, p.g) AS i,
         {overlap} AS a, {attr_json} AS attrs, {match} AS m
  FROM {table} t, p
  WHERE t.release_id = {rel}
    AND t.geom && ST_Expand(p.g, {radius} / 63850.0, {radius} / 110000.0)
    AND ST_DWithin(t.geom::geography, p.g::geography, {radius})""")
    media = ", ".join(
        f"('{m}', {r}, ARRAY[{', '.join(repr(k) for k in kinds)}]::text[])"
        for m, r, kinds in PROTECTION
    )
    parts.append(f"""
  SELECT 'protection:' || m.medium AS c, t.id, t.name, t.release_id,
         ST_Distance(t.geom::geography, p.g::geography) AS d, false AS i, NULL::float8 AS a,
         jsonb_build_object('type', t.type, 'population', t.population, 'grade', t.grade,
                            'lon', ST_X(ST_PointOnSurface(t.geom)),
                            'lat', ST_Y(ST_PointOnSurface(t.geom))) AS attrs,
         NULL::boolean[] AS m
  FROM (VALUES {media}) m(medium, radius, kinds)
  JOIN sensitive_receptors t ON t.release_id = {releases.get("sensitive_receptors", -1)}
    AND t.type = ANY(m.kinds)
    AND t.geom && ST_Expand((SELECT g FROM p), m.radius / 63850.0, m.radius / 110000.0),
  p
  WHERE ST_DWithin(t.geom::geography, p.g::geography, m.radius)""")
    return (
        "WITH p AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g) "
        "SELECT coalesce(json_agg(r), '[]')::text FROM (" + " UNION ALL ".join(parts) + ") r"
    )


async def _releases(con: asyncpg.Connection) -> dict[str, int]:
    rows = await con.fetch(
        "SELECT DISTINCT ON (collection) collection, id FROM releases "
        "WHERE valid_from <= current_date AND (valid_to IS NULL OR valid_to > current_date) "
        "ORDER BY collection, valid_from DESC, id DESC"
    )
    return {r["collection"]: r["id"] for r in rows}


LABELS = ["化工", "C2", "C26"]


# ------------------------------------------------------------------ floor-http
async def _lifespan(app):
    app.state.pool = await asyncpg.create_pool(DSN, min_size=4, max_size=8)
    async with app.state.pool.acquire() as con:
        app.state.sql = build_sql(await _releases(con))
    yield
    await app.state.pool.close()


async def screen(request: Request) -> Response:
    body = json.loads(await request.body())
    async with request.app.state.pool.acquire() as con:
        out = await con.fetchval(request.app.state.sql, json.dumps(body["geometry"]), LABELS)
    return Response(out, media_type="application/json", status_code=201)


app = Starlette(routes=[Route("/screen", screen, methods=["POST"])], lifespan=_lifespan)


# ------------------------------------------------------------------ floor-sql
async def floor_loop(bodies: list[dict], concurrency: int, duration: float, warmup: float) -> dict:
    pool = await asyncpg.create_pool(DSN, min_size=concurrency, max_size=concurrency)
    async with pool.acquire() as con:
        sql = build_sql(await _releases(con))
    geoms = [json.dumps(b["geometry"]) for b in bodies]
    lat: list[float] = []

    async def worker(wid: int, until: float, record: bool) -> None:
        i = random.Random(wid).randrange(len(geoms))
        async with pool.acquire() as con:
            stmt = await con.prepare(sql)
            while time.perf_counter() < until:
                i = (i + 1) % len(geoms)
                t0 = time.perf_counter()
                await stmt.fetchval(geoms[i], LABELS)
                if record:
                    lat.append(time.perf_counter() - t0)

    await asyncio.gather(
        *(worker(w, time.perf_counter() + warmup, False) for w in range(concurrency))
    )
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w, t0 + duration, True) for w in range(concurrency)))
    elapsed = time.perf_counter() - t0
    await pool.close()
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    return {
        "system": "floor-sql",
        "requests": len(lat),
        "rps": round(len(lat) / elapsed, 1),
        "p50_ms": round(pct(0.5), 2),
        "p99_ms": round(pct(0.99), 2),
    }


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["sql"])
    ap.add_argument(
        "--bodies",
        default=os.path.join(os.path.dirname(__file__), "..", "..", "bench-out", "bodies.jsonl"),
    )
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--warmup", type=float, default=5)
    a = ap.parse_args()
    with open(a.bodies) as f:
        bodies = [json.loads(line) for line in f]
    print(json.dumps(asyncio.run(floor_loop(bodies, a.concurrency, a.duration, a.warmup))))
    sys.exit(0)
