#!/usr/bin/env bash
# POST /screenings with and without the conformity block: the code at BASE_REF (before it)
# and this checkout, alternately (A B A B), on the same database, loopback only.
#   DATABASE_URL=…/ecozone_conformity_bench BASE_REF=<commit> bench/screening/conformity_ab.sh [DURATION_S]
# (the database: see conformity_cost.py; needs wrk; the baseline runs on this checkout's venv)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DUR="${1:-15}"
CONNS="${CONNS:-16}"
OUT="${OUT:-$(mktemp -d)}"
: "${DATABASE_URL:?set DATABASE_URL}" "${BASE_REF:?set BASE_REF}"
export DATABASE_URL
BASE="$OUT/base"
git -C "$REPO" worktree add --detach "$BASE" "$BASE_REF" >/dev/null
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
cleanup() { stop; git -C "$REPO" worktree remove --force "$BASE" >/dev/null 2>&1 || true; }
trap cleanup EXIT
run() {  # $1 label, $2 source tree
  PYTHONPATH="$2" setsid "$PY" -m uvicorn api.main:app --app-dir "$2" --host 127.0.0.1 --port 8094 \
    --workers 2 --loop uvloop --http httptools --log-level warning --no-access-log >"$OUT/$1.log" 2>&1 &
  PID=$!
  for i in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:8094/healthz" && break; sleep 0.5; done
  curl -s -H 'Content-Type: application/json' -d "$(head -1 "$OUT/bodies.jsonl")" http://127.0.0.1:8094/screenings \
    | "$PY" -c 'import json, sys; print("probe: conformity block" if "conformity" in json.load(sys.stdin) else "probe: no conformity block")'
  BODIES="$OUT/bodies.jsonl" PATH_=/screenings wrk -t2 -c"$CONNS" -d5s -s "$HERE/post.lua" http://127.0.0.1:8094 >/dev/null
  echo "== $1 ($(cut -d' ' -f1-3 /proc/loadavg))"
  BODIES="$OUT/bodies.jsonl" PATH_=/screenings wrk -t2 -c"$CONNS" -d"${DUR}s" --latency --timeout 30s \
    -s "$HERE/post.lua" http://127.0.0.1:8094 | grep -E "^ +50%|^ +99%|Requests/sec|Non-2xx"
  stop
}
for round in 1 2; do
  run "without-$round" "$BASE"
  run "with-$round" "$REPO"
done
