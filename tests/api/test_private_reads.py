"""Private reads: with ``APP_API_PUBLIC_READS=false`` every route of the app needs a key.

The test walks the app's own route table, so a route added later is covered without
editing this file: it must either answer 401 without a key or be on the public list.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute, Mount, Route

from api.app import create_app
from api.auth import PUBLIC_PATHS, is_public
from api.settings import ApiSettings
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from layers.store.models import ApiKey

#: A value for each path parameter the app declares (an unknown name fails the test).
PATH_VALUES = {
    "collection_id": "outfalls",
    "feature_id": "1",
    "screening_id": "1",
    "job_id": "1",
    "key_id": "1",
    "rule_id": "R-WPPL-65",
    "key": "CJBHF",
    "name": "demo",
    "release_a": "demo-2023",
    "release_b": "demo-2024",
    "z": "0",
    "x": "0",
    "y": "0",
    "path": "js/map/main.js",
    "code": "ZH32028120001",
    "layer": "dem",
}


def _routes(routes: list[BaseRoute]) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, included routers flattened."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:  # FastAPI's included router
            yield from _routes(original.routes)
        elif isinstance(route, Mount):
            yield "GET", route.path + "/{path}"
        elif isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, route.path


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PATH_VALUES[m.group(1)], path)


@pytest.fixture(scope="module")
def viewer_key(database_url: str) -> Iterator[str]:
    engine = create_engine(database_url)
    with Session(engine) as session:
        key, plaintext = create_key(session, "viewer", "private-reads test")
        yield plaintext
        session.execute(delete(ApiKey).where(ApiKey.id == key.id))
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def private_client(database_url: str) -> Iterator[TestClient]:
    app = create_app(
        ApiSettings(_env_file=None, public_reads=False),
        DatabaseSettings(url=database_url, _env_file=None),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_every_route_is_gated_or_public(private_client):
    routes = sorted(set(_routes(private_client.app.router.routes)))
    assert len(routes) > 30
    gated, public = [], []
    for method, path in routes:
        response = private_client.request(method, _url(path), json={})
        if is_public(_url(path)):
            public.append(path)
            assert response.status_code != 401, f"{method} {path} is public but asked for a key"
        else:
            gated.append(path)
            assert response.status_code == 401, (
                f"{method} {path} answered {response.status_code} without a key: gate it or "
                "put it on api.auth.PUBLIC_PATHS"
            )
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"].startswith("Bearer")
    # the reads that leaked before are gated now
    for path in ("/queries/proximity", "/screenings", "/industries", "/web/search"):
        assert path in gated
    assert "/web/project-file" in gated
    assert "/screenings/{screening_id}/report.pdf" in gated
    assert set(public) <= PUBLIC_PATHS | {"/static/{path}"}


def test_a_viewer_key_opens_the_reads(private_client, viewer_key):
    auth = {"Authorization": f"Bearer {viewer_key}"}
    assert private_client.get("/industries").status_code == 401
    assert private_client.get("/industries", headers=auth).status_code == 200
    assert private_client.get("/screenings", headers=auth).status_code == 200
    r = private_client.post(
        "/queries/proximity",
        headers=auth,
        json={
            "features": {"collection": "outfalls"},
            "near": {"collection": "water_bodies"},
            "distance_m": 100,
        },
    )
    assert r.status_code == 200
    # a key of too low a role still cannot write
    r = private_client.delete("/screenings/1", headers=auth)
    assert r.status_code == 403


def test_the_gate_answers_before_the_body_is_read(private_client):
    # a chunked body (no Content-Length) is never consumed: the 401 comes first
    sent = []

    def body() -> Iterator[bytes]:
        for _ in range(1000):
            sent.append(1)
            yield b"x" * 65536

    r = private_client.post(
        "/web/project-file", content=body(), headers={"content-type": "application/zip"}
    )
    assert r.status_code == 401
    assert len(sent) < 1000


def test_a_revoked_or_unknown_key_is_refused(private_client):
    r = private_client.get("/screenings", headers={"X-API-Key": "ez_nope_nope"})
    assert r.status_code == 401
    assert "invalid_token" in r.headers["www-authenticate"]


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_the_key_as_basic_password_opens_the_reads(private_client, viewer_key):
    # QGIS's "Basic" authentication method and GDAL's USERPWD: any user, the key as password
    for user in ("qgis", "分析员", ""):
        r = private_client.get("/collections/outfalls/items", headers=_basic(user, viewer_key))
        assert r.status_code == 200, (user, r.text)
    # a viewer key is a viewer key, whichever way it comes
    r = private_client.delete("/screenings/1", headers=_basic("qgis", viewer_key))
    assert r.status_code == 403


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + base64.b64encode(b"qgis:ez_nope_nope").decode(),  # unknown key
        "Basic " + base64.b64encode(b"no-colon-here").decode(),  # no password at all
        "Basic " + base64.b64encode(b"qgis:").decode(),  # an empty password
        "Basic !!not-base64!!",
        "Basic " + base64.b64encode(b"qgis:\xff\xfe").decode(),  # not UTF-8
    ],
)
def test_bad_basic_credentials_are_refused(private_client, authorization):
    r = private_client.get("/collections", headers={"Authorization": authorization})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


def test_the_landing_page_states_the_private_read_policy(private_client):
    body = private_client.get("/", headers={"Accept": "application/json"}).json()
    assert body["read_policy"] == "api-key"
    assert "读取与写入均需 API 密钥" in body["description"]
    assert "Reads are public" not in body["description"]
