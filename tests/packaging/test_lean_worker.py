"""An API worker imports the heavy libraries only when a request needs them.

Each worker holds its own copy of every module it imported; pandas, geopandas and pyogrio
(file reading), WeasyPrint (the PDF report) and the demo builder cost ~60 MB per worker, and
only imports, project files and reports use them; rasterio (GDAL, ~25 MB) only a raster
release in force, pyproj (~10 MB) only a CRS other than lon/lat or a geodesic measure of a
line or polygon (issue 12). Checked in a fresh interpreter, since the test process itself
has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "pandas",
    "geopandas",
    "pyogrio",
    "weasyprint",
    "layers.demo",
    "alembic",
    "rich",
    "rasterio",
    "gis.raster",
    "pyproj",
    "openpyxl",
    "docx",
    "folium",
    "cairosvg",
)

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


def _loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    """The ``modules`` a fresh interpreter has imported after running ``code``."""
    probe = (
        f"import json, sys\n{code}\nprint(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_a_point_in_lon_lat_is_prepared_without_pyproj() -> None:
    code = (
        "from gis.project_geometry import prepare_geometry\n"
        "g = prepare_geometry({'type': 'Point', 'coordinates': [120.3, 31.5]}, None)\n"
        "assert g.area_m2 == 0.0"
    )
    assert _loaded_after(code, ("pyproj",)) == []


def test_a_polygon_is_still_measured_on_the_ellipsoid() -> None:
    # the lazily built Geod: ~1.1 km x ~1.1 km at 31.5 N
    from gis.project_geometry import prepare_geometry

    ring = [[120.3, 31.5], [120.31, 31.5], [120.31, 31.51], [120.3, 31.51], [120.3, 31.5]]
    g = prepare_geometry({"type": "Polygon", "coordinates": [ring]}, None)
    assert 1.0e6 < g.area_m2 < 1.2e6
    code = (
        "from gis.project_geometry import prepare_geometry\n"
        f"prepare_geometry({{'type': 'Polygon', 'coordinates': [{ring!r}]}}, None)"
    )
    assert _loaded_after(code, ("pyproj",)) == ["pyproj"]


def test_a_screening_without_a_raster_release_reads_no_raster() -> None:
    # the raster rules are judged NOT_CHECKED from the plan's rows alone: no GDAL
    code = (
        "from datetime import date\n"
        "from pathlib import Path\n"
        "from gis.project_geometry import prepare_geometry\n"
        "from layers.screening.rasters import compute\n"
        "g = prepare_geometry({'type': 'Point', 'coordinates': [120.3, 31.5]}, None)\n"
        "facts = compute([], g, 500.0, date(2025, 6, 30), Path('.'))\n"
        "assert all(f['geometry']['reason'] == 'no_release' for f in facts.values())"
    )
    assert _loaded_after(code, ("rasterio", "gis.raster")) == []


def test_reading_a_file_still_works(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the lazily imported readers are found at call time
    from layers.ingest.files import read_source

    path = tmp_path / "points.csv"
    path.write_text('name,lon,lat\n"A, with comma",120.3,31.5\n', encoding="utf-8")
    source = read_source(path)
    assert list(source.frame["name"]) == ["A, with comma"]
    assert source.frame.geometry.iloc[0].x == 120.3
