#!/usr/bin/env bash
# A cold start under load (issue 12): a fresh 2-worker server from checkout DIR, 16 connections
# at once for its first 5 s of screenings, then each worker's RSS, req/s and p99.
#   bench/screening/cold.sh DIR LABEL   (the database and bodies of bench/screening/run.sh)
# DIR is a checkout with a .venv: for an A/B, a worktree of the other commit with a link to
# this one's (git worktree add /tmp/old REV && ln -s "$PWD/.venv" /tmp/old/.venv).
# The first RSS printed is uvicorn's multiprocessing helper (~12 MB), the others the workers.
set -uo pipefail
DIR="$(cd "$1" && pwd)"; LABEL=$2
BODIES_FILE="${OUT:-/tmp/ecozone-screening-bench}/bodies.jsonl"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/ecozone_screening_bench}"
cd "$DIR"
setsid "$DIR/.venv/bin/uvicorn" api.main:app --app-dir "$DIR" --host 127.0.0.1 --port 8097 --workers 2 --loop uvloop --http httptools --log-level warning --no-access-log > /tmp/cold-$LABEL.log 2>&1 &
SUP=$!
for i in $(seq 1 60); do curl -s -o /dev/null http://127.0.0.1:8097/healthz && break; sleep 0.5; done
sleep 2
BODIES="$BODIES_FILE" PATH_=/screenings wrk -t2 -c16 -d5s --latency -s "$DIR/bench/screening/post.lua" http://127.0.0.1:8097 > /tmp/cold-$LABEL.wrk
out=""
for pid in $(pgrep -P $SUP -f multiprocessing); do out="$out $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 ))"; done
echo "$LABEL RSS:$out MB; $(grep -E 'Requests/sec' /tmp/cold-$LABEL.wrk | tr -s ' ') ; p99 $(awk '/99%/ {print $2}' /tmp/cold-$LABEL.wrk); non-2xx $(awk '/Non-2xx/ {n = $NF} END {print n + 0}' /tmp/cold-$LABEL.wrk)"
kill -TERM -- -$SUP 2>/dev/null; sleep 2
