"""CPU seconds spent by one system under test: its server processes and its PostgreSQL backends.

    python bench/screening/cpu.py PORT DATABASE   # prints "<server s> <backends s> <backends>"

On a shared two-core machine latency moves with whatever else runs; the CPU a system
spends per request barely does. ``run.sh`` reads this before and after each wrk run and
divides by the requests wrk completed. The server is every process whose command line
names ``--port PORT`` and its children; the backends are those connected to DATABASE from
a client other than this script (a system's pool keeps its connections for the run, so
take the reading after the warm-up run).
"""

from __future__ import annotations

import os
import subprocess
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """utime + stime of ``pid`` in seconds (0 when it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    kids = [int(p) for p in out.split()]
    return kids + [g for k in kids for g in _children(k)]


def main() -> None:
    port, database = sys.argv[1], sys.argv[2]
    out = subprocess.run(
        ["pgrep", "-f", "--", f"--port {port}( |$)"], capture_output=True, text=True
    ).stdout
    roots = [int(p) for p in out.split()]
    server = {p for r in roots for p in (r, *_children(r))}
    backends = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            database,
            "-Atc",
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    own = sum(_cpu(p) for p in server)
    print(f"{own:.2f} {sum(_cpu(int(p)) for p in backends):.2f} {len(backends)}")


if __name__ == "__main__":
    main()
