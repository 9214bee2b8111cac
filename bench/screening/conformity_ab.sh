#!/usr/bin/env bash
# POST /screenings with and without the conformity block, alternately (A B A B …), loopback only:
#   A = the code at BASE_REF (before the block) on DATABASE_URL, or, with BASE_DB instead,
#       this checkout on BASE_DB (the same data without entry lists: no clause to judge);
#   B = this checkout on DATABASE_URL (entry lists of ~10 clauses per unit).
#   DATABASE_URL=…/ecozone_conformity_bench BASE_REF=<commit> bench/screening/conformity_ab.sh [DURATION_S]
#   DATABASE_URL=…/ecozone_conformity_bench BASE_DB=…/ecozone_screening_bench bench/screening/conformity_ab.sh [DURATION_S]
# (the databases: see conformity_cost.py; needs wrk; the baseline runs on this checkout's venv)
# ROUNDS (default 2) pairs; each run prints p50/p99, req/s and the server's CPU ms per request.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DUR="${1:-15}"
CONNS="${CONNS:-16}"
OUT="${OUT:-$(mktemp -d)}"
: "${DATABASE_URL:?set DATABASE_URL}"
[ -n "${BASE_REF:-}" ] || : "${BASE_DB:?set BASE_REF or BASE_DB}"
MAIN_DB="$DATABASE_URL"
BASE="$OUT/base"
if [ -n "${BASE_REF:-}" ]; then
  git -C "$REPO" worktree add --detach "$BASE" "$BASE_REF" >/dev/null
else
  BASE="$REPO"
fi
PY="$REPO/.venv/bin/python"
"$PY" - "$OUT/bodies.jsonl" <<'PY'
import json, random, sys
rnd = random.Random(7)
with open(sys.argv[1], "w") as f:
    for i in range(5000):
        lon, lat = rnd.uniform(116.02, 122.48), rnd.uniform(30.72, 35.18)
        f.write(json.dumps({"name": f"bench {i}", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                            "industry": "化工", "kind": "新建", "as_of": "2025-06-30", "buffer_m": 500},
                           ensure_ascii=False) + "\n")
PY
PID=""
stop() { [ -n "$PID" ] && kill -TERM -- "-$PID" 2>/dev/null || true; PID=""; sleep 2; }
cleanup() { stop; [ -n "${BASE_REF:-}" ] && git -C "$REPO" worktree remove --force "$BASE" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cpu_ticks() {  # user+system clock ticks of the server's process group
  ps -o pgid=,pid= -e | awk -v g="$PID" '$1 == g {print $2}' | while read -r p; do
    awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'
}
run() {  # $1 label, $2 source tree, $3 database
  DATABASE_URL="$3" PYTHONPATH="$2" setsid "$PY" -m uvicorn api.main:app --app-dir "$2" --host 127.0.0.1 --port 8094 \
    --workers 2 --loop uvloop --http httptools --log-level warning --no-access-log >"$OUT/$1.log" 2>&1 &
  PID=$!
  for i in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:8094/healthz" && break; sleep 0.5; done
  curl -s -H 'Content-Type: application/json' -d "$(head -1 "$OUT/bodies.jsonl")" http://127.0.0.1:8094/screenings \
    | "$PY" -c 'import json, sys; print("probe: conformity block" if "conformity" in json.load(sys.stdin) else "probe: no conformity block")'
  BODIES="$OUT/bodies.jsonl" PATH_=/screenings wrk -t2 -c"$CONNS" -d5s -s "$HERE/post.lua" http://127.0.0.1:8094 >/dev/null
  echo "== $1 ($(cut -d' ' -f1-3 /proc/loadavg))"
  local t0 out t1
  t0=$(cpu_ticks)
  out=$(BODIES="$OUT/bodies.jsonl" PATH_=/screenings wrk -t2 -c"$CONNS" -d"${DUR}s" --latency --timeout 30s \
    -s "$HERE/post.lua" http://127.0.0.1:8094)
  t1=$(cpu_ticks)
  echo "$out" | grep -E "^ +50%|^ +99%|Requests/sec|Non-2xx"
  local n
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "  server CPU per request: $(awk -v a="$t0" -v b="$t1" -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f ms", (b - a) * 1000 / hz / n}')"
  stop
}
for round in $(seq 1 "${ROUNDS:-2}"); do
  run "without-$round" "$BASE" "${BASE_DB:-$MAIN_DB}"
  run "with-$round" "$REPO" "$MAIN_DB"
done
