"""Writes behind API keys: 401/403, HTTP import jobs, 413, retire, delete, audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import ApiSettings
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from tests.conftest import migrated_database
from tests.job_fixture import wait_for_job

GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": f"PWK{i}", "name": f"排污口{i}", "type": "入河"},
            "geometry": {"type": "Point", "coordinates": [119.0 + i * 0.01, 31.0]},
        }
        for i in range(25)
    ],
}


@pytest.fixture(scope="module")
def write_db() -> Iterator[str]:
    with migrated_database("ecozone_write") as url:
        yield url


@pytest.fixture(scope="module")
def keys(write_db) -> dict[str, str]:
    engine = create_engine(write_db)
    with Session(engine) as session:
        out = {
            role: create_key(session, role, f"test {role}")[1]
            for role in ("viewer", "editor", "admin")
        }
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def app_client(write_db) -> Iterator[TestClient]:
    app = create_app(
        ApiSettings(_env_file=None, max_upload_bytes=50_000),
        DatabaseSettings(url=write_db, _env_file=None),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _auth(key):
    return {"Authorization": f"Bearer {key}"}


def _upload(client, headers, release="r1", body=None):
    data = json.dumps(body or GEOJSON).encode()
    return client.post(
        "/collections/outfalls/imports",
        headers=headers,
        files={"file": ("o.geojson", data, "application/geo+json")},
        data={"release": release, "valid_from": "2024-01-01", "synthetic": "true"},
    )


def test_write_without_key_is_401_and_viewer_is_403(app_client, keys):
    r = _upload(app_client, {})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert "www-authenticate" in r.headers
    assert _upload(app_client, _auth("ez_nope_nope")).status_code == 401
    r = _upload(app_client, _auth(keys["viewer"]))
    assert r.status_code == 403
    assert r.json()["type"] == "/problems/http-403"


def test_import_over_http_is_a_job_and_audited(app_client, keys):
    r = _upload(app_client, {"X-API-Key": keys["editor"]})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"].endswith(f"/jobs/{job['id']}")
    polled = wait_for_job(app_client, job["id"], _auth(keys["viewer"]))
    assert polled["status"] == "succeeded", polled
    assert polled["result"]["features_imported"] == 25
    assert polled["progress"] == polled["total"] == 25
    items = app_client.get("/collections/outfalls/items").json()
    assert items["numberMatched"] == 25
    audit = app_client.get("/audit", headers=_auth(keys["admin"]))
    assert audit.status_code == 200
    entry = audit.json()["entries"][0]
    assert entry["action"] == "import"
    assert entry["after_ids"] == [polled["result"]["release_id"]]
    assert "test editor" in entry["actor"]
    assert app_client.get("/audit", headers=_auth(keys["editor"])).status_code == 403


def test_failed_import_job_carries_a_problem(app_client, keys):
    bad = {"type": "FeatureCollection", "features": []}
    r = _upload(app_client, _auth(keys["editor"]), release="empty", body=bad)
    assert r.status_code == 202
    job = wait_for_job(app_client, r.json()["id"], _auth(keys["editor"]))
    assert job["status"] == "failed"
    assert job["error"]["type"].startswith("/problems/")


def test_upload_over_limit_is_413(app_client, keys):
    big = {"type": "FeatureCollection", "features": GEOJSON["features"] * 200}
    r = _upload(app_client, _auth(keys["editor"]), release="big", body=big)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "file"


def test_missing_form_field_is_422_naming_it(app_client, keys):
    r = app_client.post(
        "/collections/outfalls/imports",
        headers=_auth(keys["editor"]),
        files={"file": ("o.geojson", b"{}", "application/geo+json")},
    )
    assert r.status_code == 422
    assert "release" in r.json()["detail"]


def test_delete_feature_and_retire_release(app_client, keys):
    items = app_client.get("/collections/outfalls/items", params={"limit": 1}).json()
    fid = items["features"][0]["id"]
    tile_url = "/collections/outfalls/tiles/WebMercatorQuad/8/212/105"
    etag = app_client.get(tile_url).headers["etag"]
    assert app_client.delete(f"/collections/outfalls/items/{fid}").status_code == 401
    r = app_client.delete(f"/collections/outfalls/items/{fid}", headers=_auth(keys["editor"]))
    assert r.status_code == 204
    assert app_client.get(f"/collections/outfalls/items/{fid}").status_code == 404
    assert app_client.get(tile_url).headers["etag"] != etag
    r = app_client.post(
        "/collections/outfalls/releases/r1/retire",
        params={"valid_to": "2025-01-01"},
        headers=_auth(keys["editor"]),
    )
    assert r.status_code == 200
    assert r.json()["valid_to"] == "2025-01-01"
    actions = [
        e["action"]
        for e in app_client.get("/audit", headers=_auth(keys["admin"])).json()["entries"]
    ]
    assert actions[:2] == ["retire-release", "delete-feature"]


def test_reads_can_be_private(write_db, keys):
    app = create_app(
        ApiSettings(_env_file=None, public_reads=False),
        DatabaseSettings(url=write_db, _env_file=None),
    )
    with TestClient(app) as client:
        assert client.get("/collections").status_code == 401
        assert client.get("/collections", headers=_auth(keys["viewer"])).status_code == 200
        # the items path is a plain Starlette route: the gate in front of every route covers it
        items = "/collections/outfalls/items?limit=1"
        assert client.get(items).status_code == 401
        assert client.get(items, headers=_auth(keys["viewer"])).status_code == 200
        assert client.get("/").status_code == 200


def test_unexpected_error_is_500_without_trace_and_with_request_id(app_client, monkeypatch):
    import api.routes.collections as routes

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(routes, "items_page", boom)
    r = app_client.get("/collections/outfalls/items", headers={"x-request-id": "req-42"})
    assert r.status_code == 500
    body = r.json()
    assert "secret" not in r.text
    assert "Traceback" not in r.text
    assert body["request_id"] == "req-42"
    assert r.headers["x-request-id"] == "req-42"
