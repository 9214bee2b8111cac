"""A database seeded through the importer, a client on it, and a live uvicorn server."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import ApiSettings
from layers.ingest.importer import ImportOptions, import_file
from layers.store import schema
from layers.store.db import DatabaseSettings
from tests.conftest import create_database, drop_database, serve_in_subprocess

N_RIVERS = 230
N_OUTFALLS = 120
N_UNITS = 36


def _river(i: int) -> dict:
    x0, y0 = 119.0 + (i % 23) * 0.05, 31.0 + (i // 23) * 0.05
    if i % 5 == 0:  # some lakes, so the collection mixes geometry types
        ring = [[x0, y0], [x0 + 0.02, y0], [x0 + 0.02, y0 + 0.02], [x0, y0 + 0.02], [x0, y0]]
        geometry = {"type": "Polygon", "coordinates": [ring]}
        kind = "lake"
    else:
        coords = [[x0 + k * 0.004, y0 + 0.002 * math.sin(k)] for k in range(10)]
        geometry = {"type": "LineString", "coordinates": coords}
        kind = "river"
    props = {
        "code": f"W{i:04d}",
        "name": "长江" if i == 7 else f"河流{i}",
        "kind": kind,
        "yangtze_class": "mainstem" if i == 7 else "tributary",
        "rank": i % 5 + 1,
    }
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _outfall(i: int) -> dict:
    x, y = 119.0 + (i % 12) * 0.1 + 0.001, 31.0 + (i // 12) * 0.05 + 0.003
    props = {
        "code": f"PWK{i:04d}",
        "name": f"排污口{i}",
        "type": ["入河", "入湖", "入江", "入海"][i % 4],
        "permitted_flow_m3d": float(i * 10),
        "status": ["排查", "监测", "溯源", "整治", "销号"][i % 5],
        "deadline": f"2025-{i % 12 + 1:02d}-15",
    }
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [x, y]},
    }


def _unit(i: int) -> dict:
    x0, y0 = 119.0 + (i % 6) * 0.1, 31.0 + (i // 6) * 0.1
    ring = [[x0, y0], [x0 + 0.1, y0], [x0 + 0.1, y0 + 0.1], [x0, y0 + 0.1], [x0, y0]]
    props = {
        "code": f"ZH32{i:06d}",
        "name": f"管控单元{i}",
        "unit_class": ["优先保护单元", "重点管控单元", "一般管控单元"][i % 3],
        "banned_industries": ["化工", "印染"] if i % 2 else ["造纸"],
    }
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _write(path: Path, features: list[dict]) -> Path:
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def seed_database(prefix: str, folder: Path) -> str:
    """A new migrated database with water bodies, outfalls and control units imported (committed).

    water_bodies has two releases: "2020" (valid 2020-01-01 to 2024-01-01, 5 features)
    and "2024" (from 2024-01-01, N_RIVERS features).
    """
    url = create_database(prefix)
    schema.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        import_file(
            session,
            _write(folder / "w2020.geojson", [_river(i) for i in range(5)]),
            ImportOptions("water_bodies", "2020", valid_from=date(2020, 1, 1), synthetic=True),
        )
        import_file(
            session,
            _write(folder / "w2024.geojson", [_river(i) for i in range(N_RIVERS)]),
            ImportOptions("water_bodies", "2024", valid_from=date(2024, 1, 1), synthetic=True),
        )
        import_file(
            session,
            _write(folder / "o.geojson", [_outfall(i) for i in range(N_OUTFALLS)]),
            ImportOptions("outfalls", "2024", valid_from=date(2024, 1, 1), synthetic=True),
        )
        import_file(
            session,
            _write(folder / "u.geojson", [_unit(i) for i in range(N_UNITS)]),
            ImportOptions("control_units", "2024", valid_from=date(2024, 1, 1), synthetic=True),
        )
        from layers.store.releases import retire_release

        retire_release(session, "water_bodies", "2020", date(2024, 1, 1))
    engine.dispose()
    return url


@pytest.fixture(scope="package")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The read-only tests' database (:func:`seed_database`)."""
    url = seed_database("ecozone_ogc", tmp_path_factory.mktemp("seed"))
    yield url
    drop_database(url)


@pytest.fixture(scope="package")
def ogc(seeded_url: str) -> Iterator[TestClient]:
    """A client on the seeded database (read-only tests: no rollback needed)."""
    app = create_app(ApiSettings(_env_file=None), DatabaseSettings(url=seeded_url, _env_file=None))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="package")
def live_server(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving the app on a free loopback port against the seeded database."""
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    with serve_in_subprocess({"DATABASE_URL": seeded_url}, log) as base:
        yield base
