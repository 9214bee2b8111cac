"""Sweeps: every enterprise of a collection screened by queued chunks, through the workers.

The oracle for each swept enterprise is ``POST /screenings`` of the same site, industry,
kind and date on the same database (the screening service the sweep reuses).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from api.app import create_app
from api.cli import build_cli
from api.settings import ApiSettings
from gis.civil_time import today
from layers.screening import sweep
from layers.screening.rulebook import RuleBook
from layers.screening.rules import verdict_text
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from layers.store.models import Job, SweepResult
from tests.conftest import migrated_database
from tests.job_fixture import wait_for_job

GEOD = Geod(ellps="WGS84")
MAIN, LAT = 119.0, 32.2  # 长江 mainstem along 119°E
AS_OF = "2025-06-30"


def _east(metres: float, lat: float) -> list[float]:
    x, y, _ = GEOD.fwd(MAIN, lat, 90.0, metres)
    return [float(x), float(y)]


#: (name, metres east of the mainstem, industry): chemical ones within and beyond 1 km.
ENTERPRISES = [
    (f"企业{i:02d}", m, ind)
    for i, (m, ind) in enumerate(
        [
            (300, "化工"),
            (800, "化工"),
            (999, "化工"),
            (1500, "化工"),
            (5000, "化工"),
            (400, "食品"),
            (2000, "食品"),
            (600, "化工"),
            (3000, "化工"),
            (900, "电镀"),
        ]
    )
]


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _write(path: Path, features: list[dict[str, Any]]) -> Path:
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sweep_db(tmp_path_factory) -> Iterator[str]:
    with _sweep_database(tmp_path_factory, "jobs_sweep") as url:
        yield url


@pytest.fixture(scope="module")
def idle_db(tmp_path_factory) -> Iterator[str]:
    """The same layers in a database no worker (no ``api`` node) ever serves."""
    with _sweep_database(tmp_path_factory, "jobs_sweep_idle") as url:
        yield url


@contextmanager
def _sweep_database(tmp_path_factory, prefix: str) -> Iterator[str]:
    """A migrated database with a division, the 长江 and :data:`ENTERPRISES`."""
    with migrated_database(prefix) as url:
        folder = tmp_path_factory.mktemp("sweep-layers")
        box = [[116.0, 29.0], [122.0, 29.0], [122.0, 35.0], [116.0, 35.0], [116.0, 29.0]]
        files = {
            "admin_divisions": _write(
                folder / "admin.geojson",
                [
                    _feature({"type": "Polygon", "coordinates": [box]}, adcode=a, name=n, level=lv)
                    for a, n, lv in (
                        ("320000", "江苏省", "province"),
                        ("321100", "镇江市", "city"),
                        ("321102", "京口区", "county"),
                    )
                ],
            ),
            "water_bodies": _write(
                folder / "water.geojson",
                [
                    _feature(
                        {"type": "LineString", "coordinates": [[MAIN, 32.0], [MAIN, 32.5]]},
                        name="长江",
                        yangtze_class="mainstem",
                        kind="river",
                    )
                ],
            ),
            "enterprises": _write(
                folder / "enterprises.geojson",
                [
                    _feature(
                        {"type": "Point", "coordinates": _east(m, LAT + i * 0.01)},
                        code=f"E{i:02d}",
                        name=name,
                        industry_category=industry,
                    )
                    for i, (name, m, industry) in enumerate(ENTERPRISES)
                ],
            ),
        }
        runner, cli = CliRunner(), build_cli()
        for collection, path in files.items():
            args = ["import", str(path), "--collection", collection, "--release", "sweep-test"]
            result = runner.invoke(
                cli, [*args, "--valid-from", "2020-01-01"], env={"DATABASE_URL": url}
            )
            assert result.exit_code == 0, result.output
        yield url


@pytest.fixture(scope="module")
def keys(sweep_db) -> dict[str, str]:
    engine = create_engine(sweep_db)
    with Session(engine) as session:
        out = {r: create_key(session, r, f"sweep {r}")[1] for r in ("viewer", "editor")}
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def api(sweep_db) -> Iterator[TestClient]:
    """An API node with its in-process worker (as ``ecozone serve`` runs)."""
    app = create_app(ApiSettings(_env_file=None), DatabaseSettings(url=sweep_db, _env_file=None))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _oracle(api, keys, feature: dict[str, Any]) -> str:
    r = api.post(
        "/screenings",
        headers={"X-API-Key": keys["editor"]},
        json={
            "name": feature["properties"]["name"],
            "geometry": feature["geometry"],
            "industry": feature["properties"]["industry_category"],
            "kind": "新建",
            "as_of": AS_OF,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["verdict"]


def test_a_sweep_screens_every_chemical_enterprise_in_chunks_like_post_screenings(api, keys):
    editor, viewer = {"X-API-Key": keys["editor"]}, {"X-API-Key": keys["viewer"]}
    r = api.post(
        "/sweeps",
        headers=editor,
        json={
            "collection": "enterprises",
            "filter": "industry_category = '化工'",
            "as_of": AS_OF,
            "chunk_size": 2,
        },
    )
    assert r.status_code == 202, r.text
    chemical = [e for e in ENTERPRISES if e[2] == "化工"]
    assert r.json()["total"] == len(chemical)
    job = wait_for_job(api, r.json()["id"], viewer)
    assert job["status"] == "succeeded", job
    assert job["progress"] == job["total"] == len(chemical)
    csv_r = api.get(f"/sweeps/{job['id']}/results.csv", headers=viewer)
    assert csv_r.status_code == 200
    assert csv_r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_r.text)))
    assert [row["name"] for row in rows] == [e[0] for e in chemical]
    items = api.get("/collections/enterprises/items", params={"limit": 100}).json()["features"]
    by_name = {f["properties"]["name"]: f for f in items}
    for row in rows:
        assert row["verdict"] == _oracle(api, keys, by_name[row["name"]]), row
    within_1km = {e[0] for e in chemical if e[1] < 1000}
    denied = {row["name"] for row in rows if row["verdict"] == "DENY"}
    assert denied == within_1km  # 长江保护法: no new chemical project within 1 km
    assert job["result"]["verdicts"] == Counter(row["verdict"] for row in rows)


def test_a_sweep_with_a_bad_filter_is_400_naming_it_and_queues_nothing(api, keys, sweep_db):
    engine = create_engine(sweep_db)
    with Session(engine) as session:
        before = session.scalar(select(func.count()).select_from(Job))
    r = api.post(
        "/sweeps",
        headers={"X-API-Key": keys["editor"]},
        json={"collection": "enterprises", "filter": "no_such_field = 1", "as_of": AS_OF},
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Job)) == before
    engine.dispose()
    assert (
        api.post("/sweeps", json={"collection": "enterprises", "as_of": AS_OF}).status_code == 401
    )


def test_a_sweep_without_a_date_is_as_of_today(api, keys, sweep_db):
    r = api.post(
        "/sweeps",
        headers={"X-API-Key": keys["editor"]},
        json={"collection": "enterprises", "filter": "industry_category = '食品'"},
    )
    assert r.status_code == 202, r.text
    assert r.json()["params"]["as_of"] == today().isoformat()


def test_a_stopped_sweep_resumes_where_it_stopped_and_writes_each_feature_once(sweep_db):
    engine = create_engine(sweep_db)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    book = RuleBook()
    with factory() as session:
        job, chunks = sweep.create_sweep(
            session, collection="enterprises", as_of=datetime.date(2025, 6, 30), chunk_size=3
        )
    assert [len(c) for c in chunks] == [3, 3, 3, 1]
    sweep.run_chunk(factory, book, job.id, chunks[0])  # a worker did one chunk, then stopped
    sweep.run_chunk(factory, book, job.id, chunks[0])  # a retried chunk writes nothing twice
    with factory() as session:
        assert session.get(Job, job.id).progress == 3
        assert session.get(Job, job.id).status == "running"
        rest = sweep.missing_chunks(session, job.id)
    assert sorted(i for c in rest for i in c) == sorted(i for c in chunks[1:] for i in c)
    for ids in rest:
        sweep.run_chunk(factory, book, job.id, ids)
    with factory() as session:
        done = session.get(Job, job.id)
        assert (done.status, done.progress, done.total) == ("succeeded", 10, 10)
        count = session.scalar(
            select(func.count()).select_from(SweepResult).where(SweepResult.job_id == job.id)
        )
        assert count == 10
        assert sweep.missing_chunks(session, job.id) == []
    engine.dispose()


def test_ecozone_sweep_queues_chunks_a_worker_takes_and_writes_the_csv(api, sweep_db, tmp_path):
    """The CLI queues; the API node's worker (the ``api`` fixture) screens; --out waits."""
    out = tmp_path / "sweep.csv"
    result = CliRunner().invoke(
        build_cli(),
        [
            "sweep",
            "--collection",
            "enterprises",
            "--filter",
            "industry_category = '化工'",
            "--as-of",
            AS_OF,
            "--chunk-size",
            "3",
            "--out",
            str(out),
        ],
        env={"DATABASE_URL": sweep_db, "COLUMNS": "200"},
    )
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    assert "7 features queued in 3 chunks" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 7
    assert {r["verdict"] for r in rows} <= {"DENY", "FLAG", "REQUIRE", "PASS"}


def test_ecozone_sweep_out_without_a_worker_screens_the_chunks_itself(idle_db, tmp_path):
    """No worker or server runs on the database: --out would wait for ever; it screens here."""
    out = tmp_path / "sweep.csv"
    args = ["sweep", "--collection", "enterprises", "--filter", "industry_category = '化工'"]
    result = CliRunner().invoke(
        build_cli(),
        [*args, "--as-of", AS_OF, "--chunk-size", "3", "--out", str(out)],
        env={"DATABASE_URL": idle_db, "COLUMNS": "200"},
    )
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    assert "no worker is running" in result.output
    assert "7 features screened in 3 chunks in this process" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 7
    # the 化工 enterprises within 1 km of the mainstem are denied, as through the queue
    near = {f"E{i:02d}" for i, (_, m, ind) in enumerate(ENTERPRISES) if ind == "化工" and m < 1000}
    assert {r["code"] for r in rows if r["verdict"] == "DENY"} >= near
    engine = create_engine(idle_db)
    with Session(engine) as session:
        (job,) = session.scalars(select(Job).where(Job.kind == "sweep")).all()
        assert job.status == "succeeded" and job.progress == 7
        # nothing was left on the queue for a worker to screen a second time
        queued = session.scalar(text("SELECT count(*) FROM procrastinate_jobs"))
        assert queued == 0
    engine.dispose()


def test_a_category_outside_the_vocabulary_is_swept_by_its_gbt4754_code(api, keys):
    """装备制造 is no category of the rule set: with a code it is screened as 其他 + the code
    (GB/T 4754 C33 → 金属制品, which discharges pollutants); without one it is an error row."""
    editor, viewer = {"X-API-Key": keys["editor"]}, {"X-API-Key": keys["viewer"]}
    site = {"type": "Point", "coordinates": _east(700, LAT + 0.2)}
    for code in ("C3311", None):
        properties = {"code": f"M-{code}", "name": f"装备{code}", "industry_category": "装备制造"}
        if code:
            properties["industry_code"] = code
        r = api.post(
            "/collections/enterprises/items", headers=editor, json=_feature(site, **properties)
        )
        assert r.status_code == 201, r.text
    r = api.post(
        "/sweeps",
        headers=editor,
        json={
            "collection": "enterprises",
            "filter": "industry_category = '装备制造'",
            "as_of": AS_OF,
        },
    )
    assert r.status_code == 202, r.text
    job = wait_for_job(api, r.json()["id"], viewer)
    assert job["status"] == "succeeded", job
    rows = {
        row["code"]: row
        for row in csv.DictReader(
            io.StringIO(api.get(f"/sweeps/{job['id']}/results.csv", headers=viewer).text)
        )
    }
    oracle = api.post(
        "/screenings",
        headers=editor,
        json={
            "name": "o",
            "geometry": site,
            "industry": "其他",
            "industry_code": "C3311",
            "kind": "新建",
            "as_of": AS_OF,
        },
    )
    assert oracle.status_code == 201, oracle.text
    project = oracle.json()["project"]
    assert "金属制品" in project["industry_labels"] and "排放污染物" in project["effective_tags"]
    assert rows["M-C3311"]["error"] == "" and rows["M-C3311"]["verdict"] == oracle.json()["verdict"]
    assert rows["M-None"]["verdict"] == "ERROR" and "装备制造" in rows["M-None"]["error"]


def test_a_sweep_exports_as_xlsx_and_geopackage_with_its_geometry(api, keys, tmp_path, sweep_db):
    editor, viewer = {"X-API-Key": keys["editor"]}, {"X-API-Key": keys["viewer"]}
    engine = create_engine(sweep_db)  # the swept release is synthetic: both exports say so
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE releases SET synthetic = true WHERE collection = 'enterprises'"
        )
    r = api.post(
        "/sweeps",
        headers=editor,
        json={"collection": "enterprises", "filter": "industry_category = '食品'", "as_of": AS_OF},
    )
    assert r.status_code == 202, r.text
    job = wait_for_job(api, r.json()["id"], viewer)
    assert job["status"] == "succeeded", job
    rows = list(
        csv.DictReader(
            io.StringIO(api.get(f"/sweeps/{job['id']}/results.csv", headers=viewer).text)
        )
    )
    assert len(rows) == 2

    from openpyxl import load_workbook

    x = api.get(f"/sweeps/{job['id']}/results.xlsx", headers=viewer)
    assert x.status_code == 200 and x.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    (tmp_path / "s.xlsx").write_bytes(x.content)
    sheet = load_workbook(tmp_path / "s.xlsx").active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = values.index(list(sweep.EXPORT_TITLES))
    assert [sweep.SYNTHETIC_EXPORT_NOTE] in [[v for v in row if v] for row in values[:header]]
    body = values[header + 1 :]
    assert [(str(v[0]), v[2], v[3]) for v in body] == [
        (row["feature_id"], row["name"], verdict_text(row["verdict"])) for row in rows
    ]
    assert all(" · " in v[3] for v in body)  # DENY · 不予准入: the words, not the code alone

    import pyogrio

    g = api.get(f"/sweeps/{job['id']}/results.gpkg", headers=viewer)
    assert g.status_code == 200 and g.headers["content-type"] == "application/geopackage+sqlite3"
    (tmp_path / "s.gpkg").write_bytes(g.content)
    info = pyogrio.read_info(tmp_path / "s.gpkg")
    assert info["crs"] == "EPSG:4326" and info["features"] == 2
    assert info["layer_metadata"]["DESCRIPTION"] == sweep.SYNTHETIC_EXPORT_NOTE
    _, _, geometry, fields = pyogrio.raw.read(tmp_path / "s.gpkg")
    verdicts = dict(zip(fields[0].tolist(), fields[3].tolist(), strict=True))
    assert verdicts == {int(row["feature_id"]): row["verdict"] for row in rows}
    import shapely

    points = shapely.from_wkb(geometry)
    items = api.get("/collections/enterprises/items", params={"limit": 100}).json()["features"]
    by_id = {f["id"]: f["geometry"]["coordinates"] for f in items}
    for fid, point in zip(fields[0].tolist(), points, strict=True):
        assert [round(point.x, 6), round(point.y, 6)] == [round(c, 6) for c in by_id[fid]]
    assert api.get("/sweeps/999999/results.xlsx", headers=viewer).status_code == 404
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE releases SET synthetic = false WHERE collection = 'enterprises'"
        )
    engine.dispose()
