#!/usr/bin/env bash
# Screening benchmark: POST /screenings vs the two floors, in one run, loopback only.
#   bench/screening/run.sh [DURATION_S]      (needs: wrk, the bench-kit venv at $KIT_VENV,
#                                             data loaded by bench/screening/load_ecozone.py)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DUR="${1:-15}"
CONNS="${CONNS:-16}"  # wrk connections (the issue asks 16 and 64)
KIT_VENV="${KIT_VENV:-/tmp/bench-kit/.venv}"
OUT="${OUT:-/tmp/ecozone-screening-bench}"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/ecozone_screening_bench}"
export FLOOR_DSN="$DATABASE_URL"
DB="${DATABASE_URL##*/}"
mkdir -p "$OUT"
cd "$REPO"
uv run --frozen python - "$OUT/bodies.jsonl" <<'PY'
import json, random, sys
rnd = random.Random(7)
with open(sys.argv[1], "w") as f:
    for i in range(5000):
        lon, lat = rnd.uniform(116.02, 122.48), rnd.uniform(30.72, 35.18)
        f.write(json.dumps({"name": f"bench {i}", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                            "industry": "化工", "kind": "新建", "as_of": "2025-06-30", "buffer_m": 500},
                           ensure_ascii=False) + "\n")
PY
# every run starts from the same table: the screenings earlier runs stored are dropped
# (68k of them, 1 GB, slowed the INSERT and kept autovacuum busy during a run), but only
# in a bench database: a DATABASE_URL left pointing at a real one keeps its screenings
case "$DB" in
  *bench*) psql -q "${DATABASE_URL/+psycopg/}" -c "TRUNCATE screenings" -c "VACUUM ANALYZE screenings" ;;
  *) echo "run.sh: $DB is not a bench database; its stored screenings are kept" >&2 ;;
esac
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done; }
trap cleanup EXIT
setsid uv run --frozen uvicorn api.main:app --host 127.0.0.1 --port 8092 --workers 2 --loop uvloop --http httptools \
  --log-level warning --no-access-log >"$OUT/ecozone.log" 2>&1 & PIDS+=($!)
setsid "$KIT_VENV/bin/uvicorn" floor:app --app-dir "$HERE" --host 127.0.0.1 --port 8093 --workers 2 --loop uvloop \
  --http httptools --log-level warning --no-access-log >"$OUT/floor-http.log" 2>&1 & PIDS+=($!)
for port in 8092 8093; do
  for i in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.5; done
done
B1="$(head -1 "$OUT/bodies.jsonl")"
curl -s -o /dev/null -w "ecozone probe: %{http_code} %{size_download} B\n" -H 'Content-Type: application/json' -d "$B1" http://127.0.0.1:8092/screenings || true
curl -s -o /dev/null -w "floor-http probe: %{http_code} %{size_download} B\n" -H 'Content-Type: application/json' -d "$B1" http://127.0.0.1:8093/screen || true
echo "== floor-sql (a)"
"$KIT_VENV/bin/python" "$HERE/floor.py" sql --bodies "$OUT/bodies.jsonl" --duration "$DUR" --warmup 5 | tee "$OUT/floor-sql.json"
for sys in ${ORDER:-floor-http ecozone}; do  # ORDER="ecozone floor-http" reverses the runs
  if [ "$sys" = ecozone ]; then port=8092; path=/screenings; else port=8093; path=/screen; fi
  echo "== $sys"
  BODIES="$OUT/bodies.jsonl" PATH_=$path wrk -t2 -c"$CONNS" -d5s -s "$HERE/post.lua" "http://127.0.0.1:$port" >/dev/null
  read -r srv0 db0 _ < <(uv run --frozen python "$HERE/cpu.py" "$port" "$DB")
  BODIES="$OUT/bodies.jsonl" PATH_=$path wrk -t2 -c"$CONNS" -d"${DUR}s" --latency --timeout 30s -s "$HERE/post.lua" \
    "http://127.0.0.1:$port" | tee "$OUT/$sys.txt"
  read -r srv1 db1 backends < <(uv run --frozen python "$HERE/cpu.py" "$port" "$DB")
  n=$(awk '/requests in/ {print $1}' "$OUT/$sys.txt")
  # CPU per request (server processes + the database's backends): steady on a busy machine
  awk -v s0="$srv0" -v s1="$srv1" -v d0="$db0" -v d1="$db1" -v n="$n" -v k="$backends" -v s="$sys" \
    'BEGIN { printf "%s CPU per request: %.2f ms = server %.2f + database %.2f (%d backends)\n",
             s, (s1 - s0 + d1 - d0) * 1000 / n, (s1 - s0) * 1000 / n, (d1 - d0) * 1000 / n, k }' \
    | tee -a "$OUT/$sys.txt"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# resident memory of each ecozone API worker after the run (the issue's ≤ 120 MB per worker)
for parent in $(pgrep -f "uvicorn api.main:app.*--port 8092"); do
  for pid in $(pgrep -P "$parent" -f "multiprocessing"); do  # the workers, not the supervisor
    echo "ecozone worker $pid RSS $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"
  done
done
