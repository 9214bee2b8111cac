"""Jobs: the ones a dead process left are failed at start-up; a release name is reserved."""

import io
import os
import socket
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from layers.errors import ReleaseConflictError
from layers.ingest.files import DBF_SNIFF_BYTES, _dbf_encoding
from layers.ingest.jobs import create_import_job, fail_interrupted_jobs, worker_id
from layers.store.models import Job


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_fail_interrupted_jobs_fails_only_dead_workers_jobs(db_session):
    host = socket.gethostname()
    old = datetime.now(UTC) - timedelta(hours=7)
    jobs = {
        "dead pid": Job(kind="import", status="running", worker=f"{host}:{_dead_pid()}:1"),
        "pid reused": Job(kind="import", status="queued", worker=f"{host}:{os.getpid()}:1"),
        "no worker": Job(kind="import", status="running", worker=None),
        "other host, stale": Job(
            kind="import", status="running", worker="elsewhere:1:1", updated_at=old
        ),
        "alive (us)": Job(kind="import", status="running", worker=worker_id()),
        "other host, recent": Job(kind="import", status="running", worker="elsewhere:1:1"),
        "finished": Job(kind="import", status="succeeded", worker=f"{host}:{_dead_pid()}:1"),
    }
    for job in jobs.values():
        job.params = {}
        db_session.add(job)
    db_session.flush()
    assert fail_interrupted_jobs(db_session) == 4
    status = {name: job.status for name, job in jobs.items()}
    assert status == {
        "dead pid": "failed",
        "pid reused": "failed",
        "no worker": "failed",
        "other host, stale": "failed",
        "alive (us)": "running",
        "other host, recent": "running",
        "finished": "succeeded",
    }
    assert jobs["dead pid"].error["type"] == "/problems/job-interrupted"
    assert "re-submit" in jobs["dead pid"].error["detail"]


def test_an_active_import_job_reserves_its_release_name(db_session):
    first = create_import_job(db_session, "outfalls", "reserved", {}, None)
    with pytest.raises(ReleaseConflictError) as info:
        create_import_job(db_session, "outfalls", "reserved", {}, None)
    assert info.value.field == "release"
    # another collection, or the name once the first job has finished, is free
    create_import_job(db_session, "water_bodies", "reserved", {}, None)
    first = db_session.get(Job, first.id)
    first.status = "failed"
    db_session.commit()
    assert create_import_job(db_session, "outfalls", "reserved", {}, None).status == "queued"


class _Counting(io.RawIOBase):
    """An endless stream of zeros that counts what is read from it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.read_bytes += len(buffer)
        buffer[:] = bytes(len(buffer))
        return len(buffer)


def test_dbf_encoding_reads_only_a_bounded_prefix():
    stream = _Counting()
    assert _dbf_encoding(stream) == "UTF-8"
    assert stream.read_bytes <= 32 + DBF_SNIFF_BYTES + 8192


def test_dbf_encoding_tells_gbk_from_utf8_in_the_prefix():
    header = bytearray(64)
    header[8:10] = (64).to_bytes(2, "little")
    assert _dbf_encoding(io.BytesIO(bytes(header) + "江阴".encode("gb18030"))) == "GB18030"
    # a UTF-8 character cut at the end of the prefix is still UTF-8
    text = ("江" * (DBF_SNIFF_BYTES // 3 + 1)).encode()
    assert _dbf_encoding(io.BytesIO(bytes(header) + text)) == "UTF-8"
