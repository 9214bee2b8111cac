"""Uploads are bounded before they cost: auth and size before the body, zip bombs, temp files,
server paths, control characters in names, release reservations (a live uvicorn where the
client must stream)."""

from __future__ import annotations

import io
import json
import select
import socket
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Session

import layers.ingest.files
from api.app import create_app
from api.settings import ApiSettings
from layers.ingest.files import ArchiveLimits
from layers.ingest.jobs import create_import_job
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from layers.store.models import Job
from tests.conftest import migrated_database, serve_in_thread
from tests.job_fixture import wait_for_job

LIMIT = 1_000_000
GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "PWK1", "name": "排污口1", "type": "入河"},
            "geometry": {"type": "Point", "coordinates": [119.0, 31.0]},
        }
    ],
}
BOUNDARY = "ecozoneTestBoundary"


@pytest.fixture(scope="module")
def upload_db() -> Iterator[str]:
    with migrated_database("ecozone_uploads") as url:
        yield url


@pytest.fixture(scope="module")
def editor(upload_db) -> str:
    engine = create_engine(upload_db)
    with Session(engine) as session:
        key = create_key(session, "editor", "upload tests")[1]
    engine.dispose()
    return key


def _app(url: str):
    return create_app(
        ApiSettings(_env_file=None, max_upload_bytes=LIMIT, body_idle_timeout_s=1.0),
        DatabaseSettings(url=url, _env_file=None),
    )


@pytest.fixture(scope="module")
def client(upload_db) -> Iterator[TestClient]:
    with TestClient(_app(upload_db), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def live_port(upload_db) -> Iterator[int]:
    """uvicorn in a thread of this process (so its memory can be measured here)."""
    with serve_in_thread(_app(upload_db)) as base:
        yield int(base.rsplit(":", 1)[1])


def _multipart(fields: dict[str, str], filename: bytes, content: bytes) -> bytes:
    out = b""
    for name, value in fields.items():
        out += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    out += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return out


def _post_raw(client, path, body: bytes, headers=None):
    return client.post(
        path,
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **(headers or {})},
    )


def _upload(client, key, release, name="o.geojson", content=None):
    data = content if content is not None else json.dumps(GEOJSON).encode()
    return client.post(
        "/collections/outfalls/imports",
        headers={"X-API-Key": key},
        files={"file": (name, data, "application/octet-stream")},
        data={"release": release, "valid_from": "2024-01-01", "synthetic": "true"},
    )


def _bomb(folder: Path, size: int, name: str = "bomb.zip") -> Path:
    """A zipped shapefile whose .dbf is ``size`` bytes of zeros (about size/1000 on disk)."""
    path = folder / name
    block = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("site.shp", b"\0" * 100)
        with zf.open("site.dbf", "w", force_zip64=True) as dbf:
            for _ in range(size // len(block)):
                dbf.write(block)
    return path


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


class _PeakRss:
    """Peak resident memory of this process while the block runs, above where it started."""

    def __enter__(self):
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        self.start = _status_kb("VmRSS")
        return self

    def __exit__(self, *exc):
        self.extra_mb = (_status_kb("VmHWM") - self.start) / 1024


def _jobs(url: str) -> int:
    engine = create_engine(url)
    with Session(engine) as session:
        n = session.scalar(sa_select(func.count()).select_from(Job))
    engine.dispose()
    return n


# --- raw HTTP over a socket, for what an ordinary client cannot do -------------------------


def _read_response(sock: socket.socket, timeout: float) -> tuple[int, dict, bytes]:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def _stream(port: int, path: str, headers: str, chunks: int, chunk_size: int = 65536):
    """POST a chunked body of up to ``chunks`` chunks, stopping once the server answers."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{headers}\r\n".encode()
    )
    first = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="release"\r\n\r\nbig\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.geojson"'
        "\r\n\r\n"
    ).encode()
    payload = b" " * chunk_size
    sent = 0
    started = time.monotonic()
    try:
        for i in range(chunks):
            data = first if i == 0 else payload
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))
            sent += len(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, hdrs, body = _read_response(sock, timeout=5)
    sock.close()
    return status, hdrs, body, sent, time.monotonic() - started


# --- auth and size before the body ----------------------------------------------------------


def test_import_without_key_is_401_before_the_chunked_body_is_read(live_port):
    # one chunk is sent and the body never ends: the answer must not wait for it
    status, _, body, sent, seconds = _stream(live_port, "/collections/outfalls/imports", "", 1)
    assert status == 401
    assert json.loads(body)["type"] == "/problems/http-401"
    assert sent < 1024 and seconds < 5


def test_chunked_import_over_the_limit_is_413_while_streaming(live_port, editor):
    total = 64 * 1024 * 1024
    status, hdrs, body, sent, _ = _stream(
        live_port, "/collections/outfalls/imports", f"X-API-Key: {editor}\r\n", total // 65536
    )
    assert status == 413
    assert hdrs["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["type"] == "/problems/payload-too-large"
    assert problem["field"] == "file"
    assert sent < total / 4  # answered long before the end of the body


def test_project_file_chunked_over_20mb_is_413_while_streaming(live_port):
    total = 256 * 1024 * 1024
    with _PeakRss() as rss:
        status, _, body, sent, seconds = _stream(live_port, "/web/project-file", "", total // 65536)
    assert status == 413
    assert json.loads(body)["field"] == "file"
    assert sent < 100 * 1024 * 1024
    assert rss.extra_mb < 100, rss.extra_mb
    assert seconds < 10


def test_project_file_declared_over_20mb_is_413_before_any_byte(live_port):
    sock = socket.create_connection(("127.0.0.1", live_port))
    sock.sendall(
        b"POST /web/project-file HTTP/1.1\r\nHost: test\r\nContent-Length: 25000000\r\n"
        + f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n".encode()
    )
    (
        status,
        _,
        body,
    ) = _read_response(sock, timeout=5)[:3]
    sock.close()
    assert status == 413
    assert json.loads(body)["type"] == "/problems/payload-too-large"


def test_a_body_shorter_than_its_content_length_is_cut_off(live_port):
    sock = socket.create_connection(("127.0.0.1", live_port))
    started = time.monotonic()
    sock.sendall(
        b"POST /web/project-file HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n"
        + f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n".encode()
        + b"--"
        + BOUNDARY.encode()
    )
    status, hdrs, body = _read_response(sock, timeout=5)
    closed = sock.recv(1) == b""
    sock.close()
    assert status == 408
    assert json.loads(body)["type"] == "/problems/request-timeout"
    assert hdrs.get("connection") == "close" and closed
    assert time.monotonic() - started < 5


# --- zip bombs ------------------------------------------------------------------------------


def test_zip_bomb_import_is_413_fast_and_small(client, editor, upload_db, tmp_path):
    bomb = _bomb(tmp_path, 300 * 1024 * 1024)
    assert bomb.stat().st_size < 1024 * 1024
    jobs = _jobs(upload_db)
    started = time.monotonic()
    with _PeakRss() as rss:
        r = _upload(client, editor, "bomb", name="bomb.zip", content=bomb.read_bytes())
    assert r.status_code == 413, r.text
    assert r.json()["type"] == "/problems/payload-too-large"
    assert r.json()["field"] == "file"
    assert "bomb.zip" in r.json()["detail"]
    assert time.monotonic() - started < 5
    assert rss.extra_mb < 100, rss.extra_mb
    assert _jobs(upload_db) == jobs


def test_zip_over_the_total_size_cap_is_413(client, editor, tmp_path, monkeypatch):
    # a cap below the bomb's size, and no ratio limit: the total alone refuses it
    monkeypatch.setattr(
        layers.ingest.files,
        "IMPORT_LIMITS",
        ArchiveLimits(max_total_bytes=100 * 1024**2, max_ratio=1e9),
    )
    bomb = _bomb(tmp_path, 300 * 1024 * 1024)
    r = _upload(client, editor, "bomb2", name="bomb.zip", content=bomb.read_bytes())
    assert r.status_code == 413
    assert "unpack" in r.json()["detail"]


def test_zip_bomb_project_file_is_413_fast_and_small(client, tmp_path):
    bomb = _bomb(tmp_path, 300 * 1024 * 1024)
    started = time.monotonic()
    with _PeakRss() as rss:
        r = client.post(
            "/web/project-file", files={"file": ("site.zip", bomb.read_bytes(), "application/zip")}
        )
    assert r.status_code == 413, r.text
    assert r.json()["type"] == "/problems/payload-too-large"
    assert time.monotonic() - started < 5
    assert rss.extra_mb < 100, rss.extra_mb


def test_zip_with_too_many_members_is_413(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in range(1001):
            zf.writestr(f"f{i}.txt", b"")
    r = client.post(
        "/web/project-file", files={"file": ("many.zip", buffer.getvalue(), "application/zip")}
    )
    assert r.status_code == 413
    assert "1001" in r.json()["detail"]


# --- server paths, control characters -------------------------------------------------------


def _corrupt_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("site.shp", b"this is not a shapefile" * 10)
        zf.writestr("site.shx", b"nor an index")
        zf.writestr("site.dbf", b"nor a dbf")
    return buffer.getvalue()


def test_unreadable_zip_problem_shows_the_upload_name_not_a_server_path(client, editor):
    r = _upload(client, editor, "corrupt", name="破损.zip", content=_corrupt_zip())
    assert r.status_code == 202, r.text
    job = wait_for_job(client, r.json()["id"], {"X-API-Key": editor})
    assert job["status"] == "failed"
    detail = job["error"]["detail"]
    assert job["error"]["type"] == "/problems/import-file-invalid"
    assert "破损.zip" in detail
    assert (
        tempfile.gettempdir() not in detail
        and "ecozone-import" not in detail
        and "vsizip" not in detail
    )
    r = client.post("/web/project-file", files={"file": ("破损.zip", _corrupt_zip(), "x/y")})
    assert r.status_code == 422
    assert "破损.zip" in r.json()["detail"]
    assert tempfile.gettempdir() not in r.text and "ecozone-upload" not in r.text


@pytest.mark.parametrize("name", [b"a\x00b.geojson", b"a\x01.geojson", b"a\x7f.zip"])
def test_control_character_in_file_name_is_422_naming_file(client, editor, name):
    body = _multipart({"release": "nul"}, name, json.dumps(GEOJSON).encode())
    for path, headers in (
        ("/collections/outfalls/imports", {"X-API-Key": editor}),
        ("/web/project-file", {}),
    ):
        r = _post_raw(client, path, body, headers)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["field"] == "file"


# --- temporary folders ----------------------------------------------------------------------


def test_every_import_path_leaves_no_temporary_folder(client, editor, tmp_path, monkeypatch):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    bomb = _bomb(tmp_path, 300 * 1024 * 1024).read_bytes()
    empty = json.dumps({"type": "FeatureCollection", "features": []}).encode()
    cases = [
        ("success", lambda: _upload(client, editor, "tmp-ok"), 202),
        ("failing job", lambda: _upload(client, editor, "tmp-empty", content=empty), 202),
        ("bad zip job", lambda: _upload(client, editor, "tmp-bad", "x.zip", _corrupt_zip()), 202),
        ("existing release", lambda: _upload(client, editor, "tmp-ok"), 409),
        ("zip bomb", lambda: _upload(client, editor, "tmp-bomb", "b.zip", bomb), 413),
        ("over the limit", lambda: _upload(client, editor, "tmp-big", content=b" " * LIMIT), 413),
        (
            "validation error",
            lambda: _post_raw(
                client,
                "/collections/outfalls/imports",
                _multipart({}, b"o.geojson", b"{}"),
                {"X-API-Key": editor},
            ),
            422,
        ),
        (
            "NUL in the name",
            lambda: _post_raw(
                client,
                "/collections/outfalls/imports",
                _multipart({"release": "tmp-nul"}, b"o\x00.geojson", b"{}"),
                {"X-API-Key": editor},
            ),
            422,
        ),
        (
            "project file",
            lambda: client.post("/web/project-file", files={"file": ("x.zip", _corrupt_zip())}),
            422,
        ),
    ]
    for label, call, status in cases:
        before = sorted(p.name for p in tmp.iterdir())
        r = call()
        assert r.status_code == status, (label, r.text)
        if status == 202:  # the worker's copy of the upload goes when its job has ended
            wait_for_job(client, r.json()["id"], {"X-API-Key": editor})
        deadline = time.monotonic() + 5
        while sorted(p.name for p in tmp.iterdir()) != before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(p.name for p in tmp.iterdir()) == before, label


# --- release names --------------------------------------------------------------------------


def test_release_reserved_by_an_active_job_is_409_before_the_file_is_read(
    client, editor, upload_db, monkeypatch
):
    engine = create_engine(upload_db)
    with Session(engine) as session:
        reserved = create_import_job(session, "outfalls", "racing", {}, None).id
    spooled = []
    import api.routes.writes as writes

    monkeypatch.setattr(writes, "_spool", lambda *a: spooled.append(a) or 0)
    jobs = _jobs(upload_db)
    r = _upload(client, editor, "racing")
    assert r.status_code == 409
    assert r.json()["field"] == "release"
    assert r.json()["type"] == "/problems/release-exists"
    assert spooled == []
    assert _jobs(upload_db) == jobs
    with Session(engine) as session:
        session.get(Job, reserved).status = "failed"
        session.commit()
    engine.dispose()


def test_second_import_of_a_release_is_409_at_once(client, editor, upload_db):
    assert _upload(client, editor, "twice").status_code == 202
    jobs = _jobs(upload_db)
    r = _upload(client, editor, "twice")
    assert r.status_code == 409
    assert r.json()["field"] == "release"
    assert _jobs(upload_db) == jobs  # no job made to fail later


# --- jobs a dead process left behind --------------------------------------------------------


def test_start_up_fails_the_jobs_a_dead_process_left_running(upload_db):
    proc = subprocess.Popen(["true"])
    proc.wait()
    engine = create_engine(upload_db)
    with Session(engine) as session:
        job = Job(
            kind="import",
            status="running",
            params={},
            worker=f"{socket.gethostname()}:{proc.pid}:1",
        )
        session.add(job)
        session.commit()
        job_id = job.id
    with TestClient(_app(upload_db)):
        pass
    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert job.status == "failed"
        assert job.error["type"] == "/problems/job-interrupted"
    engine.dispose()
