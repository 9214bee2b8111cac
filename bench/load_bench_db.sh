#!/usr/bin/env bash
# Load the bench kit's tables (db `bench`, made by ../shared/bench-kit/load_data.py) into an
# ecozone database `ecozone_bench` through ecozone's own importer, so ecozone is measured
# on the same rows as tipg, pygeoapi and the floor:
#   control_units(code, class, name, access_list) -> control_units (class -> unit_class,
#                                                     access_list -> spatial_constraints)
#   rivers(name, rank, ...)                        -> water_bodies
#   outfalls(code, name, kind, ...)                -> outfalls (kind -> type)
#   Env: BENCH_DB (the kit's database, default bench), ECOZONE_BENCH_DB (default ecozone_bench),
#   e.g. BENCH_DB=bench250 ECOZONE_BENCH_DB=ecozone_bench250 for the 250k-unit kit data.
set -euo pipefail
SRC="${BENCH_DB:-bench}"
DST="${ECOZONE_BENCH_DB:-ecozone_bench}"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${TMPDIR:-/tmp}/ezbench"
mkdir -p "$OUT"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DST" -c "CREATE DATABASE $DST"
psql -h 127.0.0.1 -U postgres -d "$DST" -qc "CREATE EXTENSION postgis"
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$DST"
cd "$HERE"
uv run ecozone db upgrade
for t in control_units rivers outfalls; do
  rm -f "$OUT/$t.gpkg"
  ogr2ogr -f GPKG "$OUT/$t.gpkg" PG:"host=127.0.0.1 user=postgres dbname=$SRC" "$t"
done
uv run ecozone import "$OUT/control_units.gpkg" --collection control_units --release bench \
  --valid-from 2020-01-01 --synthetic --map class=unit_class --map access_list=spatial_constraints
uv run ecozone import "$OUT/rivers.gpkg" --collection water_bodies --release bench \
  --valid-from 2020-01-01 --synthetic
uv run ecozone import "$OUT/outfalls.gpkg" --collection outfalls --release bench \
  --valid-from 2020-01-01 --synthetic --map kind=type
psql -h 127.0.0.1 -U postgres -d "$DST" -qc "ANALYZE"
