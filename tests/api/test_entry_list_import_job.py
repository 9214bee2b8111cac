"""POST /entry-lists/imports: an entry list over HTTP as an import job (editor key, all or nothing)."""

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
from tests.entry_fixture import default_long_rows, write_long_csv
from tests.job_fixture import wait_for_job


@pytest.fixture(scope="module")
def list_db() -> Iterator[str]:
    with migrated_database("ecozone_entry_job") as url:
        yield url


@pytest.fixture(scope="module")
def keys(list_db) -> dict[str, str]:
    engine = create_engine(list_db)
    with Session(engine) as session:
        out = {role: create_key(session, role, f"test {role}")[1] for role in ("viewer", "editor")}
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def app_client(list_db) -> Iterator[TestClient]:
    app = create_app(ApiSettings(_env_file=None), DatabaseSettings(url=list_db, _env_file=None))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _auth(key):
    return {"Authorization": f"Bearer {key}"}


def _post(client, key, path, release, **data):
    with path.open("rb") as f:
        return client.post(
            "/entry-lists/imports",
            headers=_auth(key) if key else {},
            files={"file": (path.name, f.read(), "text/csv")},
            data={"release": release, "valid_from": "2024-01-01", **data},
        )


def _releases(url, name):
    engine = create_engine(url)
    with engine.connect() as c:
        rows = (
            c.execute(
                text("SELECT collection FROM releases WHERE name = :n ORDER BY collection"),
                {"n": name},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return rows


def _province_and_city(tmp_path):
    rows = [r for r in default_long_rows() if r[2] in ("省级", "市级")]
    return write_long_csv(tmp_path / "无锡市准入清单.csv", rows)


def test_without_an_editor_key_is_401_or_403(app_client, keys, tmp_path):
    path = _province_and_city(tmp_path)
    assert _post(app_client, None, path, "J0").status_code == 401
    assert _post(app_client, keys["viewer"], path, "J0").status_code == 403


def test_an_entry_list_import_is_a_job_that_stores_each_level_and_is_audited(
    app_client, keys, list_db, tmp_path
):
    r = _post(app_client, keys["editor"], _province_and_city(tmp_path), "J1", source="测试来源")
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "import-entry-list"
    assert r.headers["location"].endswith(f"/jobs/{job['id']}")
    polled = wait_for_job(app_client, job["id"], _auth(keys["viewer"]))
    assert polled["status"] == "succeeded", polled
    assert polled["result"]["clauses"] == 3
    assert set(polled["result"]["releases"]) == {"province", "city"}
    assert _releases(list_db, "J1") == ["entry_list.city", "entry_list.province"]
    # the same release name again is refused before the file is read
    again = _post(app_client, keys["editor"], _province_and_city(tmp_path), "J1")
    assert again.status_code == 409
    assert again.json()["field"] == "release"


def test_a_bad_row_fails_the_job_with_its_row_and_stores_nothing(
    app_client, keys, list_db, tmp_path
):
    rows = [r for r in default_long_rows() if r[2] == "省级"]
    rows.append(["ZH32028199999", "", "单元", "空间布局约束", "1", "禁止新建化工项目", "", "", ""])
    path = write_long_csv(tmp_path / "bad.csv", rows)
    r = _post(app_client, keys["editor"], path, "J2")
    assert r.status_code == 202, r.text
    polled = wait_for_job(app_client, r.json()["id"], _auth(keys["editor"]))
    assert polled["status"] == "failed"
    assert polled["error"]["type"] == "/problems/import-file-invalid"
    assert "row 4" in polled["error"]["detail"]
    assert "ZH32028199999" in polled["error"]["detail"]
    assert _releases(list_db, "J2") == []


def test_a_file_that_is_not_a_list_is_refused_naming_the_field(app_client, keys, tmp_path):
    path = tmp_path / "list.pdf"
    path.write_bytes(b"%PDF-1.4")
    r = _post(app_client, keys["editor"], path, "J3")
    assert r.status_code in (400, 422)
    assert r.json()["field"] == "file"


def test_a_bad_level_or_missing_date_is_refused_naming_the_field(app_client, keys, tmp_path):
    path = _province_and_city(tmp_path)
    r = _post(app_client, keys["editor"], path, "J4", level="county")
    assert r.status_code in (400, 422)
    assert r.json()["field"] == "level"
    with path.open("rb") as f:
        r = app_client.post(
            "/entry-lists/imports",
            headers=_auth(keys["editor"]),
            files={"file": (path.name, f.read(), "text/csv")},
            data={"release": "J5"},
        )
    assert r.status_code == 422
    assert "valid_from" in r.text
