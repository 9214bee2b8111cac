"""QGIS's full load of a collection through its OAPIF provider: seconds and requests.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ecozone_qgis \\
        uv run python bench/qgis/load.py [--collection control_units] [--runs 3] [--app DIR]

Starts uvicorn (``api.main:app`` of ``--app``, default this checkout; one worker, access
log on) on a free port against ``DATABASE_URL`` (the demo: ``ecozone db upgrade; ecozone
demo build; ecozone demo load``), then runs QGIS 3.22 headless (Debian's
``/usr/bin/python3`` with ``python3-qgis``, ``tests/qgis/probe.py``): a new OAPIF layer
of the collection and every feature read (``getFeatures``), as opening the attribute
table does. Prints, per run, QGIS's seconds (layer creation included), the features
read, the requests the server logged (all, and those to ``/items``) and the page sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

HERE = Path(__file__).resolve().parents[2]
PROBE = HERE / "tests" / "qgis" / "probe.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _requests(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines()
    return [ln.split('"')[1] for ln in lines if ' - "' in ln]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--collection", default="control_units")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--app", type=Path, default=HERE, help="the checkout whose app to serve")
    args = ap.parse_args()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "access.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port)],
                cwd=args.app,
                env={**os.environ, "PYTHONPATH": str(args.app)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            for _ in range(200):
                try:
                    urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            task = {
                "base": base,
                "out": tmp,
                "steps": [{"do": "oapif", "collection": args.collection, "full": True}],
            }
            for run in range(1, args.runs + 1):
                before = len(_requests(log))
                done = subprocess.run(
                    ["/usr/bin/python3", str(PROBE), json.dumps(task)],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": tmp},
                )
                [seen] = json.loads(done.stdout.strip().splitlines()[-1])
                made = _requests(log)[before:]
                items = [r for r in made if "/items" in r]
                sizes = sorted(
                    {
                        int(parse_qs(urlsplit(r.split()[1]).query).get("limit", ["0"])[0])
                        for r in items
                    }
                )
                print(
                    f"run {run}: {seen['seconds']:.1f} s, {seen['features']:,} features, "
                    f"{len(made)} requests ({len(items)} to /items, limit {sizes})"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
