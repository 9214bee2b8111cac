"""The Dockerfile and compose file cannot be built here (no Docker engine): check them statically."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_multistage_slim_and_non_root():
    ins = _instructions()
    froms = [rest for word, rest in ins if word == "FROM"]
    assert len(froms) >= 2 and all("slim" in f for f in froms)
    users = [rest for word, rest in ins if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(word == "HEALTHCHECK" for word, _ in ins)
    cmd = next(rest for word, rest in reversed(ins) if word == "CMD")
    assert "api.main:app" in cmd and "db upgrade" not in cmd  # migrations are separate


def test_dockerfile_copies_only_existing_paths():
    for word, rest in _instructions():
        if word == "COPY" and "--from" not in rest:
            sources = [p for p in rest.split() if not p.startswith("--")][:-1]
            for src in sources:
                assert (ROOT / src).exists(), f"COPY source missing: {src}"


def test_dockerfile_pins_the_uv_version_of_the_lock():
    uv = re.search(r"uv==([\d.]+)", (ROOT / "Dockerfile").read_text())
    assert uv is not None


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_is_valid_for_docker_compose():
    """Debian's docker-compose validates the file against the compose schema, offline."""
    import os
    import shutil
    import subprocess

    exe = shutil.which("docker-compose")
    assert exe, "docker-compose is missing: run scripts/setup.sh --tests"
    env = {**os.environ, "POSTGRES_PASSWORD": "p", "REPLICATION_PASSWORD": "r"}
    args = [exe, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"]
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    # … and refuses it without the secrets
    env.pop("REPLICATION_PASSWORD")
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode != 0 and "REPLICATION_PASSWORD" in result.stderr


def test_compose_runs_a_primary_and_a_streaming_replica_of_one_official_image():
    services = _compose()["services"]
    db, replica = services["db"], services["replica"]
    assert db["image"].startswith("pgrouting/pgrouting:15-")  # PostGIS + pgRouting (migration 0012)
    assert replica["image"] == db["image"]
    assert "wal_level=replica" in db["command"] and "max_wal_senders" in db["command"]
    init = db["volumes"][1].split(":")
    assert init[1].startswith("/docker-entrypoint-initdb.d/")
    script = (ROOT / init[0]).read_text()
    assert "REPLICATION" in script and "pg_hba.conf" in script
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    entry = (ROOT / replica["volumes"][1].split(":")[0]).read_text()
    assert "pg_basebackup" in entry and " -R " in entry and "exec postgres" in entry


def test_compose_api_nodes_worker_and_proxy():
    services = _compose()["services"]
    from api.cli import build_cli
    from api.settings import ApiSettings
    from layers.ingest.queue import QueueSettings
    from layers.store.db import DatabaseSettings
    from layers.store.rasters import RasterSettings

    settings_env = {"DATABASE_URL"} | {
        str(model.model_config.get("env_prefix", "")) + name.upper()
        for model in (ApiSettings, DatabaseSettings, QueueSettings, RasterSettings)
        for name in model.model_fields
    }
    apis = [n for n in services if n.startswith("api")]
    assert len(apis) == 2
    for name in [*apis, "worker"]:
        env = services[name]["environment"]
        assert "DATABASE_URL" in env and "@db:" in env["DATABASE_URL"]
        assert "@replica:" in env["APP_DB_READ_URLS"]
        assert set(env) <= settings_env, (
            f"a setting the app does not read: {set(env) - settings_env}"
        )
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["migrate"]["command"] == ["ecozone", "db", "upgrade"]
    assert services["worker"]["command"][:2] == ["ecozone", "worker"]
    assert "worker" in [c.name for c in build_cli().registered_commands]
    for name in apis:  # the worker service consumes the queue
        assert services[name]["environment"]["APP_API_IN_PROCESS_WORKER"] == "false"
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:") and proxy["image"] != "nginx:latest"
    conf = (ROOT / proxy["volumes"][0].split(":")[0]).read_text()
    for name in apis:
        assert f"server {name}:8000" in conf
        assert proxy["depends_on"][name]["condition"] == "service_healthy"


def test_hadolint_passes():
    import shutil
    import subprocess
    import sys

    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([exe, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
