#!/usr/bin/env bash
# Resident memory of each API worker (2 workers, port 8097): after start, after a few GETs,
# after 6 screenings, after 15 s of screenings at 4 connections (issue 12). Short on
# purpose: 4 connections, 15 s. Needs wrk and the database and bodies of bench/screening/run.sh.
#   bench/screening/rss.sh [LABEL]
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE/../.."
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/ecozone_screening_bench}"
LABEL="${1:-run}"
BODIES_FILE="${OUT:-/tmp/ecozone-screening-bench}/bodies.jsonl"
setsid uv run --frozen uvicorn api.main:app --host 127.0.0.1 --port 8097 --workers 2 --loop uvloop --http httptools \
  --log-level warning --no-access-log >"${TMPDIR:-/tmp}/rss-$LABEL.log" 2>&1 &
SUP=$!
for i in $(seq 1 60); do curl -s -o /dev/null http://127.0.0.1:8097/ && break; sleep 0.5; done
sleep 2
rss() {
  local out=""
  for parent in $(pgrep -f "uvicorn api.main:app.*--port 8097"); do
    for pid in $(pgrep -P "$parent" -f "multiprocessing"); do
      out+="$pid=$(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 ))MB "
    done
  done
  echo "[$LABEL] $1: $out"
}
rss "after start"
for p in / "/collections/control_units/items?limit=100" /map /collections /api; do
  for k in 1 2 3 4; do curl -s -o /dev/null -w "%{http_code} " "http://127.0.0.1:8097$p"; done
done; echo
rss "after GETs"
B1="$(head -1 "$BODIES_FILE")"
for k in 1 2 3 4 5 6; do curl -s -o /dev/null -w "%{http_code} " -H 'Content-Type: application/json' -d "$B1" http://127.0.0.1:8097/screenings; done; echo
rss "after 6 sequential screenings"
BODIES="$BODIES_FILE" PATH_=/screenings wrk -t1 -c4 -d15s -s bench/screening/post.lua http://127.0.0.1:8097 | grep -E "Requests/sec|requests in|Non-2xx"
rss "after 15 s screening load"
for p in "/collections/control_units/items?limit=100" /map; do
  for k in 1 2 3 4; do curl -s -o /dev/null -w "%{http_code} " "http://127.0.0.1:8097$p"; done
done; echo
rss "after more GETs"
kill -TERM -- -$SUP 2>/dev/null
sleep 2
