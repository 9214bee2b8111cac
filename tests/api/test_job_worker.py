"""Durable jobs: ``ecozone worker`` processes take imports from the queue; one SIGKILLed
mid-import has its job retried by the next worker (or failed with the reason once its
retries are spent), and the release is then complete or absent, never half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import ApiSettings
from layers.ingest.queue import QueueSettings
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from tests.conftest import migrated_database
from tests.job_fixture import wait_for_job

ECOZONE = Path(sys.executable).parent / "ecozone"
N = 100_000  # features: ten COPY chunks, several seconds of work


@pytest.fixture(scope="module")
def queue_db() -> Iterator[str]:
    with migrated_database("jobs_worker") as url:
        yield url


@pytest.fixture(scope="module")
def editor(queue_db) -> str:
    engine = create_engine(queue_db)
    with Session(engine) as session:
        key = create_key(session, "editor", "worker tests")[1]
    engine.dispose()
    return key


@pytest.fixture(scope="module")
def api(queue_db) -> Iterator[TestClient]:
    """An API node without a worker of its own: only ``ecozone worker`` processes import."""
    app = create_app(
        ApiSettings(_env_file=None, in_process_worker=False),
        DatabaseSettings(url=queue_db, _env_file=None),
        QueueSettings(_env_file=None),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {"code": f"PWK{i}", "name": f"排污口{i}", "type": "入河"},
            "geometry": {
                "type": "Point",
                "coordinates": [118.0 + (i % 1000) * 0.001, 31.0 + i // 1000 * 0.001],
            },
        }
        for i in range(N)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


@contextmanager
def worker(url: str, log: Path, retries: int) -> Iterator[subprocess.Popen]:
    """``ecozone worker`` on ``url`` in its own process; stopped (SIGTERM) at the end."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "APP_JOBS_RETRIES": str(retries),
        "APP_JOBS_HEARTBEAT_S": "0.5",
        "APP_JOBS_STALLED_AFTER_S": "2",
        "APP_JOBS_RECOVER_EVERY_S": "0.5",
        "APP_JOBS_RETRY_WAIT_S": "0",
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(ECOZONE), "worker", "--name", log.stem, "-v"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _upload(client, key, release, content):
    r = client.post(
        "/collections/outfalls/imports",
        headers={"X-API-Key": key},
        files={"file": ("big.geojson", content, "application/geo+json")},
        data={"release": release, "valid_from": "2024-01-01", "synthetic": "true"},
    )
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _kill_mid_way(client, key, job_id, proc) -> dict:
    """SIGKILL the worker once the job has imported part of the file, not all of it."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}", headers={"X-API-Key": key}).json()
        if job["status"] == "running" and 0 < job["progress"] < job["total"]:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return job
        assert job["status"] in ("queued", "running"), job
        time.sleep(0.02)
    raise AssertionError("the job never got mid-way")


def _release(url: str, name: str) -> tuple[int | None, int]:
    """The release's recorded feature count (None when absent) and its rows stored."""
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT feature_count FROM releases WHERE collection = 'outfalls' AND name = :n"),
            {"n": name},
        ).scalar()
        rows = conn.execute(
            text(
                "SELECT count(*) FROM outfalls o JOIN releases r ON r.id = o.release_id "
                "WHERE r.collection = 'outfalls' AND r.name = :n"
            ),
            {"n": name},
        ).scalar_one()
    engine.dispose()
    return count, rows


def _leftovers(url: str, job_id: int) -> tuple[int, int]:
    """The job's stored upload parts, and its queue job's attempts."""
    engine = create_engine(url)
    with engine.connect() as conn:
        parts = conn.execute(
            text("SELECT count(*) FROM job_files WHERE job_id = :j"), {"j": job_id}
        ).scalar_one()
        attempts = conn.execute(
            text(
                "SELECT q.attempts FROM procrastinate_jobs q JOIN jobs j "
                "ON j.queue_job_id = q.id WHERE j.id = :j"
            ),
            {"j": job_id},
        ).scalar_one()
    engine.dispose()
    return parts, attempts


def test_a_worker_imports_what_the_api_queued(api, editor, queue_db, tmp_path):
    small = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "PWK1", "name": "排污口1", "type": "入河"},
                    "geometry": {"type": "Point", "coordinates": [119.0, 31.0]},
                }
            ],
        }
    ).encode()
    job_id = _upload(api, editor, "small", small)
    time.sleep(1)
    assert api.get(f"/jobs/{job_id}", headers={"X-API-Key": editor}).json()["status"] == "queued"
    with worker(queue_db, tmp_path / "w-small.log", retries=2):
        job = wait_for_job(api, job_id, {"X-API-Key": editor})
    assert job["status"] == "succeeded", job
    assert _release(queue_db, "small") == (1, 1)
    assert _leftovers(queue_db, job_id) == (0, 1)  # the upload is gone; one run


def test_a_sigkilled_worker_s_import_is_retried_by_the_next_and_completes(
    api, editor, queue_db, big_file, tmp_path
):
    job_id = _upload(api, editor, "killed-once", big_file)
    with worker(queue_db, tmp_path / "w1.log", retries=2) as first:
        _kill_mid_way(api, editor, job_id, first)
    assert _release(queue_db, "killed-once") == (None, 0)  # nothing half-written
    with worker(queue_db, tmp_path / "w2.log", retries=2):
        job = wait_for_job(api, job_id, {"X-API-Key": editor}, timeout=180)
    log = (tmp_path / "w2.log").read_text()
    assert job["status"] == "succeeded", (job, log)
    assert job["result"]["features_imported"] == N
    assert _release(queue_db, "killed-once") == (N, N)
    assert _leftovers(queue_db, job_id) == (0, 2)  # the upload is gone; killed, then retried


def test_a_sigkilled_worker_s_import_without_retries_left_fails_with_the_reason(
    api, editor, queue_db, big_file, tmp_path
):
    job_id = _upload(api, editor, "killed-final", big_file)
    with worker(queue_db, tmp_path / "w3.log", retries=0) as first:
        _kill_mid_way(api, editor, job_id, first)
    with worker(queue_db, tmp_path / "w4.log", retries=0):
        job = wait_for_job(api, job_id, {"X-API-Key": editor}, timeout=60)
    assert job["status"] == "failed", job
    assert job["error"]["type"] == "/problems/job-interrupted"
    assert job["error"]["reason"] == "worker-lost"
    assert _release(queue_db, "killed-final") == (None, 0)
    assert _leftovers(queue_db, job_id) == (0, 1)  # the upload is gone; one run, not retried
    # the release name is free again: a new upload of it is accepted
    assert (
        api.post(
            "/collections/outfalls/imports",
            headers={"X-API-Key": editor},
            files={"file": ("x.geojson", b"{}", "application/geo+json")},
            data={"release": "killed-final", "valid_from": "2024-01-01"},
        ).status_code
        == 202
    )


def test_an_import_whose_connection_is_killed_is_retried_and_completes(
    api, editor, queue_db, big_file, tmp_path
):
    """The database ends the import's session mid-way (as a restart would): retried."""
    job_id = _upload(api, editor, "conn-killed", big_file)
    engine = create_engine(queue_db)
    with worker(queue_db, tmp_path / "w5.log", retries=2):
        deadline, killed = time.monotonic() + 120, 0
        while not killed and time.monotonic() < deadline:
            job = api.get(f"/jobs/{job_id}", headers={"X-API-Key": editor}).json()
            if job["status"] == "running" and 0 < job["progress"] < job["total"]:
                with engine.connect() as conn:
                    killed = conn.execute(
                        text(
                            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                            "FROM pg_stat_activity WHERE datname = current_database() "
                            "AND pid <> pg_backend_pid() AND query ILIKE 'COPY %'"
                        )
                    ).scalar_one()
            time.sleep(0.02)
        assert killed >= 1
        job = wait_for_job(api, job_id, {"X-API-Key": editor}, timeout=180)
    engine.dispose()
    assert job["status"] == "succeeded", (job, (tmp_path / "w5.log").read_text()[-3000:])
    assert _release(queue_db, "conn-killed") == (N, N)
    assert _leftovers(queue_db, job_id) == (0, 2)  # failed once, then retried


def test_the_api_starts_and_answers_while_the_database_is_down():
    """The queue's pool opens without waiting: a server (and its worker) start before the DB."""
    from tests.conftest import free_port

    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    app = create_app(
        ApiSettings(_env_file=None),
        DatabaseSettings(url=down, _env_file=None),
        QueueSettings(_env_file=None, retry_wait_s=1),
    )
    started = time.monotonic()
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
    assert time.monotonic() - started < 20


def test_a_sweep_whose_worker_is_sigkilled_resumes_and_screens_each_feature_once(
    api, editor, queue_db, tmp_path
):
    """A sweep of 60 enterprises in chunks of 4; its worker SIGKILLed part-way: the next
    worker retries the chunk that was running and takes the rest; every feature once."""
    from datetime import date

    from layers.ingest.importer import ImportOptions, import_file

    features = [
        {
            "type": "Feature",
            "properties": {"code": f"QY{i}", "name": f"企业{i}", "industry_category": "化工"},
            "geometry": {"type": "Point", "coordinates": [118.5 + i * 0.02, 32.0 + i * 0.01]},
        }
        for i in range(60)
    ]
    path = tmp_path / "enterprises.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    engine = create_engine(queue_db)
    with Session(engine) as session:
        import_file(session, path, ImportOptions("enterprises", "2024", date(2024, 1, 1)))
        session.commit()
    headers = {"X-API-Key": editor}
    r = api.post(
        "/sweeps",
        headers=headers,
        json={"collection": "enterprises", "as_of": "2025-06-30", "chunk_size": 4},
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    with worker(queue_db, tmp_path / "s1.log", retries=2) as first:
        killed = _kill_mid_way(api, editor, job_id, first)
    assert 0 < killed["progress"] < 60
    with worker(queue_db, tmp_path / "s2.log", retries=2):
        job = wait_for_job(api, job_id, headers, timeout=240)
    assert job["status"] == "succeeded", (job, (tmp_path / "s2.log").read_text()[-3000:])
    assert job["progress"] == job["total"] == 60
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT feature_id) FROM sweep_results WHERE job_id = :j"
            ),
            {"j": job_id},
        ).one()
    engine.dispose()
    assert tuple(rows) == (60, 60)
    assert sum(job["result"]["verdicts"].values()) == 60
