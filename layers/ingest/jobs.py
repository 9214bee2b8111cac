"""Background jobs: an HTTP import runs as a job whose progress clients poll."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gis.errors import GisError
from layers.errors import ReleaseConflictError, RowsRejected
from layers.ingest.entry_lists import EntryListOptions, import_entry_list
from layers.ingest.files import ReadingsLayout
from layers.ingest.importer import ImportOptions, check_new_release, import_file
from layers.store.db import set_statement_timeout
from layers.store.keys import record
from layers.store.models import ApiKey, Job, JobFile

logger = logging.getLogger(__name__)

#: The error of a job whose process died while it was queued or running.
INTERRUPTED = {
    "type": "/problems/job-interrupted",
    "detail": "服务重启时任务中断 / the server stopped while the job ran; re-submit the import",
}
#: A job of another host is taken as dead when it has not moved for this long.
OTHER_HOST_STALE_AFTER = timedelta(hours=6)
#: Failures a job is retried after (the database restarted or the connection broke); any
#: other exception is the job's outcome.
TRANSIENT: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
#: An upload is kept in the database (``job_files``) in parts of this size.
UPLOAD_PART = 1024 * 1024


def _start_ticks(pid: int) -> str | None:
    """A process's start time (clock ticks since boot, /proc), None when unknown or gone.

    With the pid it identifies a process even after the pid is reused (a container's
    server is pid 1 after every restart).
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces: count the fields after its ")"
    return stat.rsplit(")", 1)[1].split()[19]


@cache
def worker_id() -> str:
    """This process as "host:pid:start-ticks", recorded on the jobs it runs."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '?'}"


def _is_dead(worker: str | None, updated_at: datetime, now: datetime) -> bool:
    if worker is None:  # written before jobs recorded their worker (migration 0006)
        return True
    host, _, rest = worker.partition(":")
    pid_text, _, ticks = rest.partition(":")
    if host != socket.gethostname():
        return now - updated_at > OTHER_HOST_STALE_AFTER
    if not pid_text.isdigit():
        return True
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    current = _start_ticks(pid)
    return current is not None and ticks != "?" and current != ticks


def fail_interrupted_jobs(session: Session) -> int:
    """Fail the jobs that dead processes left queued or running; return how many.

    A job belongs to the process in its ``worker`` ("host:pid:start-ticks"). On this
    host, the job is failed when that process is gone (or its pid now names another
    process, told by its start time). A job of another host is failed only when it has
    not moved for :data:`OTHER_HOST_STALE_AFTER`, since that host's processes cannot be
    seen from here. Live workers' jobs are never touched. Called at start-up.

    Only jobs that never reached the queue (no ``queue_job_id``: written before
    migration 0020, or whose process died between the job's row and its enqueueing)
    are looked at; a queued job's fate is the queue's (``layers.ingest.queue``).
    """
    now = datetime.now(UTC)
    active = session.scalars(
        select(Job)
        .where(Job.status.in_(("queued", "running")), Job.queue_job_id.is_(None))
        .with_for_update(skip_locked=True)
    ).all()
    failed = 0
    for job in active:
        if _is_dead(job.worker, job.updated_at, now):
            job.status = "failed"
            job.error = dict(INTERRUPTED)
            job.updated_at = now
            session.execute(delete(JobFile).where(JobFile.job_id == job.id))
            failed += 1
    session.commit()
    if failed:
        logger.warning("%s job(s) left queued/running by a dead process marked failed", failed)
    return failed


def recover_interrupted_jobs(factory: sessionmaker[Session]) -> int:
    """Run :func:`fail_interrupted_jobs` at start-up; a database not up yet is only logged."""
    try:
        with factory() as session:
            return fail_interrupted_jobs(session)
    except SQLAlchemyError:
        logger.warning("could not check for interrupted jobs at start-up", exc_info=True)
        return 0


def create_job(session: Session, kind: str, params: dict[str, Any], key: ApiKey | None) -> Job:
    """A queued job of this process (committed, so a poller sees it at once)."""
    job = Job(
        kind=kind,
        status="queued",
        params=params,
        key_id=key.id if key else None,
        worker=worker_id(),
    )
    session.add(job)
    session.commit()
    return job


def _release_reserved(collection: str, release: str) -> ReleaseConflictError:
    return ReleaseConflictError(
        f"Release '{release}' of '{collection}' is being imported by another job; "
        "releases are never overwritten. Import under a new release name.",
        field="release",
    )


def check_release_free(session: Session, collection: str, release: str) -> None:
    """Refuse early a release name that exists or that an active import job reserves.

    A cheap check before an upload is stored; :func:`create_import_job` makes the
    race-safe one.

    Raises:
        ReleaseConflictError: the name is taken (field ``release``).
    """
    check_new_release(session, collection, release)
    active = session.scalar(
        select(Job.id).where(
            Job.collection == collection,
            Job.release_name == release,
            Job.status.in_(("queued", "running")),
        )
    )
    if active is not None:
        raise _release_reserved(collection, release)


def create_import_job(
    session: Session,
    collection: str,
    release: str,
    params: dict[str, Any],
    key: ApiKey | None,
    *,
    kind: str = "import",
) -> Job:
    """A queued import job that reserves ``release`` in ``collection`` (committed).

    The job row is written first and the release checked after it, so two racing
    imports cannot both pass: the unique index over active import jobs refuses the
    second row, and a release committed by a job that has just finished is seen.

    Raises:
        ReleaseConflictError: the release exists, or another queued/running job imports it.
    """
    job = Job(
        kind=kind,
        status="queued",
        params=params,
        key_id=key.id if key else None,
        worker=worker_id(),
        collection=collection,
        release_name=release,
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise _release_reserved(collection, release) from exc
    try:
        check_new_release(session, collection, release)
    except ReleaseConflictError:
        session.rollback()
        raise
    session.commit()
    return job


def get_job(session: Session, job_id: int) -> Job | None:
    """The job with this id, or None."""
    return session.scalar(select(Job).where(Job.id == job_id))


def store_upload(session: Session, job_id: int, path: Path) -> None:
    """Keep the upload at ``path`` with its job (``job_files``), for a worker on any machine.

    Written in parts of :data:`UPLOAD_PART` bytes (bounded memory), committed.
    """
    with path.open("rb") as source:
        part = 0
        while data := source.read(UPLOAD_PART):
            session.execute(insert(JobFile).values(job_id=job_id, part=part, data=data))
            part += 1
    session.commit()


def load_upload(factory: sessionmaker[Session], job_id: int, target: Path) -> int:
    """Write the job's stored upload to ``target``, part by part; its size in bytes."""
    size = 0
    with factory() as session, target.open("wb") as out:
        parts = session.execute(
            select(JobFile.part).where(JobFile.job_id == job_id).order_by(JobFile.part)
        ).scalars()
        for part in list(parts):
            data = session.scalar(
                select(JobFile.data).where(JobFile.job_id == job_id, JobFile.part == part)
            )
            size += out.write(data or b"")
    return size


#: The statuses a job ends in; its stored upload goes with the last update.
FINAL = ("succeeded", "failed")


def update_job(factory: sessionmaker[Session], job_id: int, **values: Any) -> None:
    """Set fields of a job (and its ``updated_at``); a final status drops its stored upload."""
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        for name, value in values.items():
            setattr(job, name, value)
        job.updated_at = datetime.now(UTC)
        if values.get("status") in FINAL:
            session.execute(delete(JobFile).where(JobFile.job_id == job_id))
        session.commit()


def _progress(factory: sessionmaker[Session], job_id: int) -> Callable[[int, int], None]:
    """Mark the job running; its progress callback (at most two updates a second)."""
    update_job(factory, job_id, status="running", worker=worker_id(), error=None)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > 0.5 or done == total:
            last[0] = now
            update_job(factory, job_id, progress=done, total=total)

    return progress


@contextmanager
def _outcome(
    factory: sessionmaker[Session],
    job_id: int,
    what: str,
    files: tuple[Path, Path | None],
    request_id: str | None,
) -> Iterator[None]:
    """Record a failure on the job, and delete the upload and its folder afterwards.

    A domain error is the job's problem; a :data:`TRANSIENT` failure (the database went
    away) is raised again for the queue to retry; anything else is logged and named on
    the job by the request id only. The local files go whatever the outcome (a retry
    reads the stored upload again).
    """
    path, workdir = files
    try:
        yield
    except TRANSIENT:
        raise
    except GisError as exc:
        if isinstance(exc.__cause__, TRANSIENT):  # the database went away mid-import: retry
            raise exc.__cause__ from exc
        error: dict[str, Any] = {
            "type": f"/problems/{exc.code}",
            "detail": exc.detail,
            "field": exc.field,
        }
        if isinstance(exc, RowsRejected):  # every bad row (the first ones), by row number
            error |= {"count": exc.count, "rows": exc.rows}
        update_job(factory, job_id, status="failed", error=error)
    except Exception:
        logger.exception("%s job %s failed", what, job_id)
        update_job(
            factory,
            job_id,
            status="failed",
            error={"type": "/problems/internal-error", "detail": None, "request_id": request_id},
        )
    finally:
        path.unlink(missing_ok=True)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _audit_and_commit(
    session: Session,
    key_id: int | None,
    action: str,
    target: str,
    *,
    detail: dict[str, Any],
    request_id: str | None,
    after: list[int] | None = None,
    job_id: int,
    result: dict[str, Any],
) -> None:
    """Record a job's import in the audit log and mark the job succeeded, with the import.

    One transaction (:func:`_one_transaction`) holds the import, its audit entry and the
    job's end (its stored upload dropped), so a worker killed at any point leaves either
    all of them or none: a retry of a job that did commit finds it succeeded and does
    nothing. An error before the end rolls the import back.
    """
    key = session.get(ApiKey, key_id) if key_id else None
    record(session, key, action, target, after=after, detail=detail, request_id=request_id)
    job = session.get(Job, job_id)
    if job is not None:
        job.status = "succeeded"
        job.result = result
        job.error = None
        job.updated_at = datetime.now(UTC)
        session.execute(delete(JobFile).where(JobFile.job_id == job_id))
    session.commit()


@contextmanager
def _one_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose commits are savepoints of one transaction, committed at the end.

    The importers commit what they wrote; in a job, the import, its audit entry and the
    job's success must commit together (a worker killed between two commits would leave a
    release whose job still runs, and its retry would find the release taken). An
    exception rolls the whole of it back.
    """
    engine = factory.kw["bind"]
    with engine.connect() as connection:
        outer = connection.begin()
        with Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            yield session
        outer.commit()


def job_finished(factory: sessionmaker[Session], job_id: int) -> bool:
    """Whether the job has already ended (a retried run of a job that committed)."""
    with factory() as session:
        job = session.get(Job, job_id)
        return job is None or job.status in FINAL


def run_import_job(
    factory: sessionmaker[Session],
    job_id: int,
    path: Path,
    options: ImportOptions,
    key_id: int | None,
    request_id: str | None = None,
    *,
    label: str | None = None,
    workdir: Path | None = None,
) -> None:
    """Run an import job to the end; record its outcome on the job and in the audit log.

    ``label`` is the upload's own name, shown in the report and problems instead of
    ``path``. The uploaded file, and ``workdir`` (the upload's temporary folder) when
    given, are deleted afterwards, whatever the outcome.
    """
    progress = _progress(factory, job_id)
    with (
        _outcome(factory, job_id, "import", (path, workdir), request_id),
        _one_transaction(factory) as session,
    ):
        report = import_file(session, path, options, progress=progress, label=label)
        _audit_and_commit(
            session,
            key_id,
            "import",
            f"collections/{options.collection}/releases/{options.release}",
            after=[report.release_id],
            detail={"features_imported": report.features_imported, "job": job_id},
            request_id=request_id,
            job_id=job_id,
            result=report.as_dict(),
        )


def run_entry_list_job(
    factory: sessionmaker[Session],
    job_id: int,
    path: Path,
    options: EntryListOptions,
    key_id: int | None,
    request_id: str | None = None,
    *,
    workdir: Path | None = None,
) -> None:
    """Run an entry-list import job (``import-entry-list``'s) to the end, all or nothing.

    Its outcome is recorded on the job (the releases and clause counts, or the problem
    with the rows and columns) and in the audit log. The upload and ``workdir`` are
    deleted afterwards, whatever the outcome.
    """
    progress = _progress(factory, job_id)
    with (
        _outcome(factory, job_id, "entry-list import", (path, workdir), request_id),
        _one_transaction(factory) as session,
    ):
        report = import_entry_list(session, path, options, progress=progress)
        _audit_and_commit(
            session,
            key_id,
            "import-entry-list",
            f"entry-lists/releases/{options.release}",
            after=[r["release_id"] for r in report.releases.values()],
            detail={"clauses": report.clauses, "job": job_id},
            request_id=request_id,
            job_id=job_id,
            result={
                "releases": report.releases,
                "clauses": report.clauses,
                "conditions": report.conditions,
            },
        )


#: The job reservation of readings imports: readings have no release, so each upload
#: reserves a name of its own (a stored reading imported twice is refused by its key).
READINGS = "readings"


def run_readings_job(
    factory: sessionmaker[Session],
    job_id: int,
    path: Path,
    layout: ReadingsLayout,
    key_id: int | None,
    request_id: str | None = None,
    *,
    timeout_ms: int,
    workdir: Path | None = None,
) -> None:
    """Run a readings import job (``import-readings``'s) to the end, all or nothing.

    Its statements may take ``timeout_ms`` (the import timeout, not a request's). The
    outcome — rows and years loaded, or the problem with the bad rows by row number — is
    recorded on the job and in the audit log; the upload and ``workdir`` go afterwards.
    """
    from layers.ingest.readings import import_readings  # pandas: only when a job runs

    progress = _progress(factory, job_id)
    with (
        _outcome(factory, job_id, "readings import", (path, workdir), request_id),
        _one_transaction(factory) as session,
    ):
        set_statement_timeout(session, timeout_ms)
        report = import_readings(
            session, path, layout, progress=lambda _stage, done, total: progress(done, total)
        )
        _audit_and_commit(
            session,
            key_id,
            "import-readings",
            READINGS,
            detail={"rows": report.rows, "years": report.years, "job": job_id},
            request_id=request_id,
            job_id=job_id,
            result={
                "rows": report.rows,
                "years": report.years,
                "skipped_missing": report.skipped_missing,
                "skipped_columns": report.skipped_columns,
            },
        )


def job_public(job: Job, base: str) -> dict[str, Any]:
    """Wire form of a job."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "total": job.total,
        "params": job.params,
        "result": job.result,
        "error": job.error,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "updated_at": job.updated_at.isoformat() if job.updated_at else None,
        "links": [{"href": f"{base}/jobs/{job.id}", "rel": "self", "type": "application/json"}],
    }


def set_queue_job(factory: sessionmaker[Session], job_id: int, queue_job_id: int) -> None:
    """Record which queue job carries the work of the job (``jobs.queue_job_id``)."""
    with factory() as session:
        session.execute(update(Job).where(Job.id == job_id).values(queue_job_id=queue_job_id))
        session.commit()
