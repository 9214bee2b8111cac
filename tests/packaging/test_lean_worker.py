"""An API worker imports the heavy libraries only when a request needs them.

Each worker holds its own copy of every module it imported; pandas, geopandas and pyogrio
(file reading), WeasyPrint (the PDF report) and the demo builder cost ~60 MB per worker, and
only imports, project files and reports use them. Checked in a fresh interpreter, since the
test process itself has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "geopandas", "pyogrio", "weasyprint", "layers.demo.build", "alembic", "rich")

PROBE = f"""
import json, sys
from api.app import create_app
create_app()
print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
"""


def test_create_app_imports_no_heavy_library() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], (
        f"create_app() imported {loaded}: import them inside the code that needs them"
    )


def test_the_probe_sees_an_import() -> None:
    # the same probe reports a heavy module once something imports it
    probe = PROBE.replace("create_app()", "create_app(); import pandas")
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert "pandas" in json.loads(out.stdout.strip().splitlines()[-1])


def test_reading_a_file_still_works(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the lazily imported readers are found at call time
    from layers.ingest.files import read_source

    path = tmp_path / "points.csv"
    path.write_text('name,lon,lat\n"A, with comma",120.3,31.5\n', encoding="utf-8")
    source = read_source(path)
    assert list(source.frame["name"]) == ["A, with comma"]
    assert source.frame.geometry.iloc[0].x == 120.3
