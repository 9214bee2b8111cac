"""A database the CLI cannot use is one line naming it and the fix, not a page of traceback.

Tried as a new user would: the server not started, a database never migrated, one
migrated by an older checkout; and the HTTP side of the last two (503, not 500).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import psycopg
import pytest
import typer
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.cli.context import database_failure
from api.cli.serve import serve
from api.settings import ApiSettings
from layers.store import schema
from layers.store.db import DatabaseSettings
from tests.conftest import create_database, drop_database, free_port


@pytest.fixture
def empty_database() -> Iterator[str]:
    url = create_database("ecozone_empty")
    try:
        yield url
    finally:
        drop_database(url)


def _run(monkeypatch, capsys, url: str, *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr(sys, "argv", ["ecozone", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    return int(exit_.value.code or 0), capsys.readouterr().err


def test_no_server_is_one_line_naming_the_database_and_the_fix(monkeypatch, capsys):
    url = f"postgresql://postgres:s3cret@127.0.0.1:{free_port()}/nowhere"
    code, err = _run(monkeypatch, capsys, url, "releases")
    assert code == 1
    assert "is not available" in err and "Connection refused" in err
    assert "postgres:***@127.0.0.1" in err and "s3cret" not in err
    assert "scripts/postgis.sh ensure" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_database_never_migrated_names_the_upgrade(monkeypatch, capsys, empty_database):
    code, err = _run(monkeypatch, capsys, empty_database, "releases")
    assert code == 1
    assert 'relation "releases" does not exist' in err
    assert "ecozone db upgrade" in err
    assert "Traceback" not in err


def test_other_errors_are_not_database_failures():
    # they keep typer's traceback: main re-raises what database_failure does not name
    assert database_failure(ValueError("a bug")) is None
    assert database_failure(psycopg.errors.UndefinedColumn("column x does not exist")) is None
    assert database_failure(psycopg.errors.UndefinedTable("relation x does not exist"))


def test_serve_starts_while_the_database_is_down():
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere",
        "COLUMNS": "400",
    }
    code = "from api.cli import main; main()"
    server = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port), "--no-worker"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = server.stderr.readline()
            lines.append(line)
            if "Uvicorn running" in line or not line:
                break
        seen = "".join(lines)
        assert "warning:" in seen and "is not available" in seen, seen
        assert "Serving anyway" in seen and "Uvicorn running" in seen, seen
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_a_database_behind_the_code(monkeypatch, capsys, empty_database):
    monkeypatch.setenv("DATABASE_URL", empty_database)
    monkeypatch.setenv("COLUMNS", "400")
    with pytest.raises(typer.Exit) as exit_:
        serve(port=free_port())
    assert exit_.value.exit_code == 1
    err = capsys.readouterr().err
    assert "none (never migrated)" in err and "ecozone db upgrade" in err
    current, head = schema.revisions(empty_database)
    assert current is None
    # an older checkout's migrations: the revision is named
    schema.upgrade(empty_database, "0001")
    with pytest.raises(typer.Exit):
        serve(port=free_port())
    err = capsys.readouterr().err
    assert "schema revision 0001" in err and f"needs {head}" in err


def test_http_on_a_database_never_migrated_is_503_database_schema(empty_database):
    app = create_app(
        ApiSettings(in_process_worker=False, _env_file=None),
        DatabaseSettings(url=empty_database, _env_file=None),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/collections/control_units/items?limit=1", "/screenings"):
            response = client.get(path)
            assert response.status_code == 503, (path, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = response.json()
            assert problem["type"].endswith("/problems/database-schema"), problem
            assert "ecozone db upgrade" in problem["detail"]
