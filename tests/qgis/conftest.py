"""QGIS (PyQGIS, headless) against real uvicorn servers: a seeded database with every listed collection.

PyQGIS lives in Debian's system Python (``python3-qgis``), not in the project's venv,
so QGIS runs in a subprocess (:func:`run_qgis`, ``tests/qgis/probe.py``). Without
``python3-qgis`` the tests skip, saying so, and fail when ``CI`` is set (``scripts/setup.sh``
installs it), as the browser tests do without chromium.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from layers.ingest.importer import ImportOptions, import_file
from layers.store.catalog import COLLECTIONS
from layers.store.keys import create_key
from tests.conftest import drop_database, serve_in_subprocess
from tests.ogc.conftest import _write, seed_database

SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("probe.py")
#: Rendered maps, for a person to look at (gitignored).
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "qgis"

#: control_units in force: a release big enough to page (QGIS pages at 1,000).
N_UNITS = 2_500
#: Features per collection the OGC seed leaves empty.
N_OTHER = 3


@dataclass(frozen=True)
class Server:
    """A live server: its base URL and its access log (one line per request)."""

    base: str
    log: Path

    def requests(self) -> list[str]:
        """The request lines logged so far (``GET /path?query``)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [ln.split('"')[1] for ln in lines if ' - "' in ln]


def qgis_available() -> str | None:
    """Why QGIS cannot run here, or None when it can."""
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} is missing"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:
        return "PyQGIS is not installed (apt-get install qgis python3-qgis; scripts/setup.sh does)"
    return None


@pytest.fixture(scope="session")
def qgis() -> None:
    """Skip, loudly, where PyQGIS is not installed."""
    reason = qgis_available()
    if reason:
        if os.environ.get("CI"):  # CI installs it (scripts/setup.sh): missing is a failure
            pytest.fail(f"QGIS tests cannot run: {reason}")
        pytest.skip(f"QGIS tests skipped: {reason}")


def run_qgis(base: str, steps: list[dict[str, Any]], timeout: int = 600) -> list[dict[str, Any]]:
    """Run ``steps`` in QGIS (``tests/qgis/probe.py``) against ``base``; their results."""
    (OUTPUT / "home").mkdir(parents=True, exist_ok=True)
    runtime = OUTPUT / "home" / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    task = {"base": base, "out": str(OUTPUT), "steps": steps}
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(OUTPUT / "home"),  # QGIS keeps its profile and auth database there
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
        "LANG": "C.UTF-8",
    }
    done = subprocess.run(
        [SYSTEM_PYTHON, str(PROBE), json.dumps(task)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def _square(x: float, y: float, d: float) -> dict[str, Any]:
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _units() -> list[dict[str, Any]]:
    out = []
    for i in range(N_UNITS):
        x, y = 119.0 + (i % 50) * 0.02, 31.0 + (i // 50) * 0.02
        props = {
            "code": f"ZH32{i:06d}",
            "name": f"管控单元{i}",
            "unit_class": ["优先保护单元", "重点管控单元", "一般管控单元"][i % 3],
            "banned_industries": ["化工", "印染"],
            "restricted_industries": [] if i % 4 else ["电镀"],
        }
        out.append({"type": "Feature", "properties": props, "geometry": _square(x, y, 0.02)})
    return out


def _others(collection_id: str, geometry: str) -> list[dict[str, Any]]:
    out = []
    for i in range(N_OTHER):
        x, y = 119.2 + i * 0.1, 31.3 + i * 0.05
        point = {"type": "Point", "coordinates": [x, y]}
        line = {"type": "LineString", "coordinates": [[x, y], [x + 0.05, y + 0.02]]}
        geom = {
            "POINT": point,
            "MULTILINESTRING": line,
            "GEOMETRY": point if i % 2 else _square(x, y, 0.05),  # mixed: both its views
        }.get(geometry, _square(x, y, 0.05))
        props = {"code": f"{collection_id[:2].upper()}{i:04d}", "name": f"{collection_id}{i}"}
        if collection_id == "admin_divisions":
            props = {"adcode": f"32028{i}", "name": f"县{i}", "level": "county"}
        out.append({"type": "Feature", "properties": props, "geometry": geom})
    return out


def seed_qgis_database(folder: Path) -> str:
    """The OGC seed plus a 2,500-unit control_units release and features in every other collection."""
    url = seed_database("ecozone_qgis", folder)
    engine = create_engine(url)
    seeded = {"water_bodies", "outfalls", "control_units"}
    with Session(engine) as session:
        import_file(
            session,
            _write(folder / "units2025.geojson", _units()),
            ImportOptions("control_units", "2025", valid_from=date(2025, 1, 1), synthetic=True),
        )
        for c in COLLECTIONS:
            if c.id in seeded:
                continue
            import_file(
                session,
                _write(folder / f"{c.id}.geojson", _others(c.id, c.geometry)),
                ImportOptions(c.id, "2024", valid_from=date(2024, 1, 1), synthetic=True),
            )
    engine.dispose()
    return url


@pytest.fixture(scope="package")
def qgis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The QGIS tests' database (:func:`seed_qgis_database`)."""
    url = seed_qgis_database(tmp_path_factory.mktemp("qgis-seed"))
    yield url
    drop_database(url)


@pytest.fixture(scope="package")
def qgis_server(qgis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """uvicorn on a free port with public reads, logging every request."""
    log = tmp_path_factory.mktemp("qgis-server") / "uvicorn.log"
    with serve_in_subprocess({"DATABASE_URL": qgis_url}, log, log_level="info") as base:
        yield Server(base, log)


@pytest.fixture(scope="package")
def viewer_key(qgis_url: str) -> str:
    """A viewer key of the QGIS database (its plaintext)."""
    engine = create_engine(qgis_url)
    with Session(engine) as session:
        _key, plaintext = create_key(session, "viewer", "QGIS Basic auth test")
    engine.dispose()
    return plaintext


@pytest.fixture(scope="package")
def private_server(
    qgis_url: str, viewer_key: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The same database with private reads (``APP_API_PUBLIC_READS=false``)."""
    log = tmp_path_factory.mktemp("qgis-private") / "uvicorn.log"
    env = {"DATABASE_URL": qgis_url, "APP_API_PUBLIC_READS": "false"}
    with serve_in_subprocess(env, log, log_level="info") as base:
        yield Server(base, log)
