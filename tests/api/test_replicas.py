"""Reads on a real streaming replica: routing, read-your-writes with replay paused, lag, a killed replica.

The module starts its own primary and replica (:mod:`tests.replica_fixture`); the tests
run in file order, the one that kills the replica last.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.app import create_app
from api.read_your_writes import COOKIE, HEADER
from api.settings import ApiSettings
from layers.ingest.importer import ImportOptions, import_file
from layers.reads.replicas import ReplicaMonitor, format_lsn, parse_lsn
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from tests.replica_fixture import ReplicaPair, replica_pair

MAX_LAG_S = 1.5
SCREENING = {
    "name": "副本测试项目",
    "geometry": {"type": "Point", "coordinates": [119.2, 31.2]},
    "industry": "化工",
    "kind": "新建",
    "as_of": "2025-06-30",
    "buffer_m": 500,
}


def _outfall(i: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": f"RPL{i}", "name": f"排污口{i}", "type": "入河"},
        "geometry": {"type": "Point", "coordinates": [119.0 + i * 0.01, 31.0]},
    }


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplicaPair]:
    with replica_pair() as started:
        path = tmp_path_factory.mktemp("replica") / "o.geojson"
        doc = {"type": "FeatureCollection", "features": [_outfall(i) for i in range(5)]}
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        engine = create_engine(started.primary.sa_url())
        with Session(engine) as session:
            import_file(session, path, ImportOptions("outfalls", "2024", date(2024, 1, 1)))
            session.commit()
        engine.dispose()
        started.wait_replayed()
        yield started


@pytest.fixture(scope="module")
def editor(pair: ReplicaPair) -> dict[str, str]:
    engine = create_engine(pair.primary.sa_url())
    with Session(engine) as session:
        key = create_key(session, "editor", "replica test")[1]
    engine.dispose()
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def client(pair: ReplicaPair) -> Iterator[TestClient]:
    db = DatabaseSettings(
        url=pair.primary.sa_url(),
        read_urls=[pair.replica.url()],
        read_max_lag_s=MAX_LAG_S,
        read_check_interval_s=0.2,
        pool_size=2,
        max_overflow=4,
        read_pool_min_size=1,
        read_pool_max_size=4,
        screening_pool_min_size=1,
        screening_pool_max_size=2,
        _env_file=None,
    )
    app = create_app(ApiSettings(_env_file=None), db)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _sql(url: str, statement: str) -> Any:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(statement).fetchone()
    return row[0] if row else None


def _replica_status(client: TestClient) -> dict[str, Any]:
    body = client.get("/readyz").json()
    return next(d for d in body["databases"] if d["role"] == "replica")


def _wait_for(client: TestClient, status: str, timeout_s: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        state = _replica_status(client)
        if state["status"] == status or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def _matched(client: TestClient, **headers: str) -> int:
    r = client.get("/collections/outfalls/items", params={"limit": 1}, headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["numberMatched"])


def _near(client: TestClient, **headers: str) -> int:
    body = {
        "features": {"collection": "outfalls"},
        "near": {"collection": "outfalls"},
        "distance_m": 1,
        "as_of": "2025-01-01",
    }
    r = client.post("/queries/proximity", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return len(r.json()["features"])


@pytest.fixture
def paused(pair: ReplicaPair, client: TestClient) -> Iterator[None]:
    """Replay paused on the replica for the test (resumed after, and caught up)."""
    pair.wait_replayed()
    assert _wait_for(client, "ok")["status"] == "ok"
    _sql(pair.replica.url(), "SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        _sql(pair.replica.url(), "SELECT pg_wal_replay_resume()")
        pair.wait_replayed()
        _wait_for(client, "ok")


def test_read_urls_are_one_connection_string_or_a_json_list(monkeypatch):
    multi = "postgresql://r1:5432,r2:5432/ecozone?target_session_attrs=prefer-standby&load_balance_hosts=random"
    monkeypatch.setenv("APP_DB_READ_URLS", multi)
    assert DatabaseSettings(_env_file=None).read_urls == [multi]
    monkeypatch.setenv(
        "APP_DB_READ_URLS", '["postgresql://r1/ecozone", " postgresql://r2/ecozone "]'
    )
    assert DatabaseSettings(_env_file=None).read_urls == [
        "postgresql://r1/ecozone",
        "postgresql://r2/ecozone",
    ]
    monkeypatch.setenv("APP_DB_READ_URLS", "")
    assert DatabaseSettings(_env_file=None).read_urls == []


def test_positions_and_lag():
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert format_lsn(parse_lsn("16/B374D848") or 0) == "16/B374D848"
    assert parse_lsn("16-B374") is None
    monitor = ReplicaMonitor(
        DatabaseSettings(read_urls=["postgresql://r/x"], read_max_lag_s=5, _env_file=None)
    )
    for t, lsn in ((100.0, 1000), (101.0, 2000), (102.0, 3000)):
        monitor._sample(t, lsn)
    assert monitor._lag(3000, 102.0) == (0.0, 0)  # at the primary's position: not behind
    assert monitor._lag(2500, 102.5) == (1.5, 500)  # has all of t=101: at most 1.5 s stale
    assert monitor._lag(500, 102.0) == (2.0, 2500)  # behind every sample: since the oldest


def test_the_read_pools_run_on_the_replica(client, pair):
    state = _wait_for(client, "ok")
    assert state["status"] == "ok" and state["in_recovery"] is True
    assert state["lag_s"] is not None and state["lag_s"] <= MAX_LAG_S
    app = client.app
    # the items/features/tiles reader and the screenings' lookups see a server in recovery
    rows = client.portal.call(app.state.reader.fetch, "SELECT pg_is_in_recovery()", {})  # type: ignore[union-attr]
    assert rows == [(True,)]
    store = app.state.screening_store  # type: ignore[attr-defined]
    rows = client.portal.call(store.fetch, b"SELECT pg_is_in_recovery()", [])  # type: ignore[union-attr]
    assert rows == [(True,)]
    # a request reads all its statements on one server; after a fallback, on the primary
    one = app.state.reader.for_request(None)  # type: ignore[attr-defined]
    assert client.portal.call(one.fetch, "SELECT pg_is_in_recovery()", {}) == [(True,)]  # type: ignore[union-attr]
    missing = "SELECT 1 WHERE NOT pg_is_in_recovery()"  # no row on the replica
    assert client.portal.call(one.fetch_required, missing, {}) == [(1,)]  # type: ignore[union-attr]
    assert client.portal.call(one.fetch, "SELECT pg_is_in_recovery()", {}) == [(False,)]  # type: ignore[union-attr]
    two = app.state.reader.for_request(None)  # type: ignore[attr-defined]
    assert client.portal.call(two.fetch, "SELECT pg_is_in_recovery()", {}) == [(True,)]  # type: ignore[union-attr]
    # ... while writes and the screening INSERT go to the primary
    assert _sql(pair.primary.url(), "SELECT pg_is_in_recovery()") is False
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert [d["name"] for d in body["databases"]] == ["primary", "replica-1"]


def test_read_your_writes_holds_with_replay_paused(client, pair, editor, paused):
    client.cookies.clear()
    before = _matched(client)
    # a new feature: the write's answer names its WAL position (header and cookie)
    r = client.post("/collections/outfalls/items", json=_outfall(50), headers=editor)
    assert r.status_code == 201, r.text
    position = r.headers[HEADER]
    assert client.cookies.get(COOKIE) == position
    fid = r.json()["id"]
    assert _sql(pair.primary.url(), f"SELECT pg_current_wal_lsn() >= '{position}'::pg_lsn")
    # the replica (paused) has not replayed it: a read without the position is served
    # there and misses it — proof that plain reads run on the replica ...
    client.cookies.clear()
    assert _matched(client) == before
    # ... but the feature itself is never a 404: none from a replica is asked of the primary
    assert client.get(f"/collections/outfalls/items/{fid}").status_code == 200
    # with the position (header, or the cookie a browser sends back) the read sees it
    assert _matched(client, **{HEADER: position}) == before + 1
    client.cookies.set(COOKIE, position)
    assert _matched(client) == before + 1
    # proximity (a sync read session) likewise: the replica without the position
    client.cookies.clear()
    assert _near(client) == before
    assert _near(client, **{HEADER: position}) == before + 1

    # an edit, then a read of the feature: the new version, and the ETag the edit gave
    url = f"/collections/outfalls/items/{fid}"
    etag = client.get(url).headers["etag"]
    r = client.patch(
        url, json={"properties": {"name": "改名"}}, headers={**editor, "If-Match": etag}
    )
    assert r.status_code == 200, r.text
    new_etag = r.headers["etag"]
    got = client.get(url)  # the cookie of the PATCH
    assert got.status_code == 200
    assert got.json()["properties"]["name"] == "改名"
    assert got.headers["etag"] == new_etag
    got = client.get(url, headers={HEADER: r.headers[HEADER]})
    assert got.json()["properties"]["name"] == "改名"

    # a screening, then its GET: stored on the primary and read there
    for _ in range(2):  # the first resolves the rule set; the second takes the lookups path
        r = client.post("/screenings", json=SCREENING)
        assert r.status_code == 201, r.text
        got = client.get(r.headers["location"])
        assert got.status_code == 200, got.text
        assert got.json()["id"] == r.json()["id"]
        assert got.json()["verdict"] == r.json()["verdict"]


def test_a_bad_position_is_a_400_naming_the_header(client):
    r = client.get("/collections/outfalls/items", headers={HEADER: "not-an-lsn"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == HEADER


def test_readyz_shows_the_lag_and_a_lagging_replica_is_skipped(client, pair, editor, paused):
    client.cookies.clear()
    assert _replica_status(client)["status"] == "ok"
    r = client.post("/collections/outfalls/items", json=_outfall(60), headers=editor)
    assert r.status_code == 201, r.text
    client.cookies.clear()
    fresh = int(
        _sql(
            pair.primary.url(),
            "SELECT feature_count FROM releases WHERE collection = 'outfalls' AND name = '2024'",
        )
    )
    state = _wait_for(client, "lagging", timeout_s=MAX_LAG_S + 5)
    assert state["status"] == "lagging"
    assert state["lag_s"] > MAX_LAG_S
    assert state["lag_bytes"] > 0
    # skipped: a read without a position now runs on the primary and sees the write
    assert _matched(client) == fresh
    rows = client.portal.call(client.app.state.reader.fetch, "SELECT pg_is_in_recovery()", {})  # type: ignore[attr-defined,union-attr]
    assert rows == [(False,)]


def test_killing_the_replica_mid_load_keeps_reads_on_the_primary(client, pair, editor):
    client.cookies.clear()
    pair.wait_replayed()
    assert _wait_for(client, "ok")["status"] == "ok"
    fid = client.get("/collections/outfalls/items", params={"limit": 1}).json()["features"][0]["id"]
    statuses: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def load(kind: int) -> None:
        try:
            while not stop.is_set():
                if kind == 0:
                    r = client.get("/collections/outfalls/items", params={"limit": 2})
                elif kind == 1:
                    r = client.get(f"/collections/outfalls/items/{fid}")
                elif kind == 2:
                    r = client.get("/collections/outfalls/tiles/WebMercatorQuad/8/212/105")
                else:
                    r = client.post("/screenings", json=SCREENING)
                statuses.append(r.status_code)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    served_before = len(statuses)
    pair.replica.stop("immediate")
    time.sleep(3.0)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert served_before > 0 and len(statuses) > served_before
    assert all(s in (200, 201, 204) for s in statuses), sorted(set(statuses))
    assert 201 in statuses[served_before:]  # screenings kept being stored
    state = _wait_for(client, "down")
    assert state["status"] == "down"
    rows = client.portal.call(client.app.state.reader.fetch, "SELECT pg_is_in_recovery()", {})  # type: ignore[attr-defined,union-attr]
    assert rows == [(False,)]
    assert client.get("/readyz").status_code == 200  # the node stays ready on its primary
    # back up: the next good check puts it back in use, its pool reconnects by itself
    pair.replica.start()
    assert _wait_for(client, "ok", timeout_s=30)["status"] == "ok"
    deadline = time.monotonic() + 10
    while True:
        reader = client.app.state.reader.for_request(None)  # type: ignore[attr-defined]
        rows = client.portal.call(reader.fetch, "SELECT pg_is_in_recovery()", {})  # type: ignore[union-attr]
        if rows == [(True,)] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert rows == [(True,)]
    assert client.get(f"/collections/outfalls/items/{fid}").status_code == 200


def test_cross_origin_apps_may_read_the_position():
    app = create_app(
        ApiSettings(cors_origins=["https://gis.example.org"], _env_file=None),
        DatabaseSettings(_env_file=None),
    )
    r = TestClient(app).get("/healthz", headers={"Origin": "https://gis.example.org"})
    assert HEADER.lower() in r.headers["access-control-expose-headers"].lower()
