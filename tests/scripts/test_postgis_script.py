"""scripts/postgis.sh starts its own cluster when no server answers, and stops it."""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgis.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(
    not Path("/usr/lib/postgresql").is_dir(), reason="PostgreSQL binaries not installed"
)
def test_embedded_cluster_when_no_server_answers():
    parent = Path(tempfile.mkdtemp(prefix="ecozone-pg-", dir="/tmp"))
    parent.chmod(0o755)
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "ECOZONE_PROBE_PORT": str(_free_port()),  # nothing listens there
        "ECOZONE_PGPORT": str(port),
        "ECOZONE_PGDATA": str(parent / "data"),
    }
    try:
        result = subprocess.run(
            [str(SCRIPT), "ensure"], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert "creating a project-local cluster" in result.stderr
        url = result.stdout.strip()
        assert url == f"postgresql://postgres@127.0.0.1:{port}/ecozone"
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")
        again = subprocess.run(
            [str(SCRIPT), "ensure"], env=env, capture_output=True, text=True, timeout=60
        )
        assert "already running" in again.stderr and again.stdout.strip() == url
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=60)
        shutil.rmtree(parent, ignore_errors=True)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)


def test_a_missing_database_named_by_database_url_is_created():
    """``DATABASE_URL=…/newname make demo`` on a running server: the database is created."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        pytest.fail("TEST_DATABASE_URL is not set: the database tests cannot run")
    server = server_url.replace("+psycopg", "").rsplit("/", 1)[0]
    name = f"ecozone_ensure_{os.getpid()}"
    url = f"{server.replace('postgresql:', 'postgresql+psycopg:')}/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    try:
        result = subprocess.run(
            [str(SCRIPT), "ensure"], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == url  # printed as given, driver included
        assert f"creating database {name}" in result.stderr
        with psycopg.connect(f"{server}/{name}") as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == name
        again = subprocess.run(
            [str(SCRIPT), "ensure"], env=env, capture_output=True, text=True, timeout=60
        )
        assert again.returncode == 0 and "creating" not in again.stderr
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
