"""POST /readings/imports: station readings over HTTP as an import job (editor key, all or nothing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import ApiSettings
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from tests.conftest import migrated_database
from tests.job_fixture import wait_for_job
from tests.readings_fixture import load_stations


@pytest.fixture(scope="module")
def readings_db() -> Iterator[str]:
    with migrated_database("ecozone_readings_job") as url:
        engine = create_engine(url)
        with Session(engine) as session:
            load_stations(session)
            session.commit()
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def keys(readings_db) -> dict[str, str]:
    engine = create_engine(readings_db)
    with Session(engine) as session:
        out = {role: create_key(session, role, f"test {role}")[1] for role in ("viewer", "editor")}
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def app_client(readings_db) -> Iterator[TestClient]:
    app = create_app(ApiSettings(_env_file=None), DatabaseSettings(url=readings_db, _env_file=None))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _auth(key):
    return {"Authorization": f"Bearer {key}"}


def _post(client, key, name, body, **data):
    return client.post(
        "/readings/imports",
        headers=_auth(key) if key else {},
        files={"file": (name, body.encode("utf-8"), "text/csv")},
        data=data,
    )


def _count(url, station):
    engine = create_engine(url)
    with engine.connect() as c:
        n = c.execute(
            text("SELECT count(*) FROM readings WHERE station = :s"), {"s": station}
        ).scalar_one()
    engine.dispose()
    return n


LONG = "station,time,parameter,value\n" + "\n".join(
    f"1151A,2024-03-01 {h:02d}:00,PM2.5,{30 + h}" for h in range(1, 25)
)
WIDE = "站点编码,时间,PM2.5,PM10,NO2\n" + "\n".join(
    f"1152A,2024-03-02 {h:02d}:00,{20 + h},{40 + h},{15 + h}" for h in range(1, 25)
)


def test_without_an_editor_key_is_401_or_403(app_client, keys):
    assert _post(app_client, None, "r.csv", LONG).status_code == 401
    assert _post(app_client, keys["viewer"], "r.csv", LONG).status_code == 403


def test_a_long_file_is_a_job_that_loads_every_row_and_is_audited(app_client, keys, readings_db):
    r = _post(app_client, keys["editor"], "南京.csv", LONG)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "import-readings"
    assert job["params"]["layout"] == "long" and job["params"]["file"] == "南京.csv"
    assert r.headers["location"].endswith(f"/jobs/{job['id']}")
    polled = wait_for_job(app_client, job["id"], _auth(keys["viewer"]))
    assert polled["status"] == "succeeded", polled
    assert polled["result"]["rows"] == 24 and polled["result"]["years"] == [2024]
    assert _count(readings_db, "1151A") == 24
    day = app_client.get(
        "/stations/1151A/readings",
        params={"parameter": "PM2.5", "from": "2024-03-01", "to": "2024-03-02", "interval": "day"},
    ).json()
    assert any(v.get("value") == pytest.approx(42.5) for v in day["values"]), day
    engine = create_engine(readings_db)
    with engine.connect() as c:
        audit = c.execute(
            text("SELECT action, detail FROM audit_log WHERE action = 'import-readings'")
        ).all()
    engine.dispose()
    assert audit and audit[-1].detail["rows"] == 24


def test_a_wide_file_loads_one_column_per_pollutant(app_client, keys, readings_db):
    r = _post(app_client, keys["editor"], "wide.csv", WIDE, layout="wide")
    assert r.status_code == 202, r.text
    polled = wait_for_job(app_client, r.json()["id"], _auth(keys["editor"]))
    assert polled["status"] == "succeeded", polled
    assert polled["result"]["rows"] == 72
    assert _count(readings_db, "1152A") == 72


def test_bad_rows_fail_the_job_listing_them_and_store_nothing(app_client, keys, readings_db):
    body = (
        "station,time,parameter,value\n"
        "2001A,2024-04-01 01:00,PM2.5,30\n"
        "NOPE,2024-04-01 02:00,PM2.5,30\n"
        "2001A,2024-04-01 03:00,PM2.5,-5\n"
    )
    r = _post(app_client, keys["editor"], "bad.csv", body)
    assert r.status_code == 202, r.text
    polled = wait_for_job(app_client, r.json()["id"], _auth(keys["editor"]))
    assert polled["status"] == "failed"
    error = polled["error"]
    assert error["type"] == "/problems/readings-rejected"
    assert error["count"] == 2
    assert {row["row"] for row in error["rows"]} == {3, 4}
    assert {row["field"] for row in error["rows"]} == {"station", "value"}
    assert _count(readings_db, "2001A") == 0


def test_a_bad_layout_or_file_is_refused_naming_the_field(app_client, keys):
    r = _post(app_client, keys["editor"], "r.csv", LONG, layout="tall")
    assert r.status_code == 422 and r.json()["field"] == "layout"
    r = _post(app_client, keys["editor"], "r.pdf", "%PDF-1.4")
    assert r.status_code in (400, 422) and r.json()["field"] == "file"
    r = app_client.post("/readings/imports", headers=_auth(keys["editor"]), data={"layout": "long"})
    assert r.status_code == 422 and r.json()["field"] == "file"
