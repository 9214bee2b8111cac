"""Shared fixtures: a fresh PostGIS database built by our migrations, rollback sessions, a client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import psycopg
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.app import create_app
from api.deps import get_reader, get_rule_book, get_screening_store, get_session
from api.settings import ApiSettings
from layers.reads.fastread import SessionReader
from layers.screening.rulebook import RuleBook
from layers.screening.stores import SessionScreeningStore
from layers.store import schema
from layers.store.db import DatabaseSettings

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def _server_url() -> str:
    raw = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return DatabaseSettings(
        url=raw or "postgresql://postgres@127.0.0.1:5432/postgres", _env_file=None
    ).url


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _unreachable(reason: str) -> None:
    message = f"PostGIS not reachable ({reason}); set TEST_DATABASE_URL or run `make test`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def create_database(prefix: str = "ecozone_test") -> str:
    """Create an empty database with PostGIS on the test server; return its URL."""
    server = make_url(_server_url())
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(_libpq(str(server.set(database="postgres"))), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        _unreachable(str(exc).strip().splitlines()[0])
    url = server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return url


def drop_database(url: str) -> None:
    """Drop a database made by :func:`create_database`."""
    target = make_url(url)
    with psycopg.connect(_libpq(str(target.set(database="postgres"))), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


@contextmanager
def migrated_database(prefix: str = "ecozone_test") -> Iterator[str]:
    """A new database migrated to head by Alembic, dropped afterwards; yields its URL."""
    url = create_database(prefix)
    try:
        schema.upgrade(url)
        yield url
    finally:
        drop_database(url)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this test session, migrated to head by Alembic."""
    with migrated_database() as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back at the end (service commits become savepoints)."""
    with engine.connect() as connection:
        outer = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        outer.rollback()


def use_session(app: FastAPI, session: Session) -> None:
    """Every route of ``app`` reads and writes through ``session`` (a rolled-back transaction)."""
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_reader] = lambda: SessionReader(session)

    def store(book: Annotated[RuleBook, Depends(get_rule_book)]) -> SessionScreeningStore:
        return SessionScreeningStore(session, book)  # the app's rule book, as in production

    app.dependency_overrides[get_screening_store] = store


@pytest.fixture
def client(database_url: str, db_session: Session) -> Iterator[TestClient]:
    app = create_app(
        ApiSettings(_env_file=None), DatabaseSettings(url=database_url, _env_file=None)
    )
    use_session(app, db_session)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def realdata() -> Path:
    """../shared/realdata, or a loud skip of the tests that need it."""
    if not REALDATA.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: realdata not present at {REALDATA}; these tests need it")
    return REALDATA


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_in_subprocess(
    env: dict[str, str], log: Path, log_level: str = "warning"
) -> Iterator[str]:
    """``uvicorn api.main:app`` in its own process (settings from ``env``); yield its base URL.

    ``log_level="info"`` writes uvicorn's access log (one line per request) to ``log``.
    """
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                log_level,
            ],
            cwd=Path(__file__).resolve().parents[1],
            env={"PATH": "/usr/bin:/bin", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail(f"uvicorn did not start: {log.read_text()[-2000:]}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
