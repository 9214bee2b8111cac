"""The durable job queue: procrastinate on the service's PostgreSQL, its tasks and worker.

An import over HTTP writes its ``jobs`` row (the user-facing record) and its upload
(``job_files``), then defers a procrastinate job naming that row. Any ``ecozone worker``
(or the in-process worker of ``ecozone serve``) takes it with ``SKIP LOCKED``, woken by
``LISTEN/NOTIFY``. Each import writes in one transaction that also marks its ``jobs`` row
succeeded, so a job killed mid-way leaves nothing half-written and a retry starts over.

Failures:

- a transient one (:data:`layers.ingest.jobs.TRANSIENT`: the database restarted, the
  connection broke) is retried by procrastinate's retry strategy, ``retries`` times;
- a worker that dies (SIGKILL, power loss) stops its heartbeat; procrastinate reports its
  job as stalled, and :func:`recover_stalled` (run by every worker at start and every
  ``recover_every_s``) retries it, or fails it with the reason once ``retries`` are spent.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import procrastinate
from procrastinate.jobs import Status
from psycopg_pool import AsyncConnectionPool
from pydantic import Field, TypeAdapter
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import delete, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from layers.ingest.entry_lists import EntryListOptions
from layers.ingest.files import ReadingsLayout
from layers.ingest.importer import ImportOptions
from layers.ingest.jobs import (
    FINAL,
    TRANSIENT,
    job_finished,
    load_upload,
    run_entry_list_job,
    run_import_job,
    run_readings_job,
)
from layers.store.db import DatabaseSettings
from layers.store.models import Job, JobFile

logger = logging.getLogger(__name__)

#: The queue every job of this service goes on.
QUEUE = "ecozone"
#: Task names, one per kind of job (``jobs.kind``).
IMPORT = "import"
ENTRY_LIST = "import-entry-list"
READINGS = "import-readings"

_IMPORT_OPTIONS = TypeAdapter(ImportOptions)
_ENTRY_LIST_OPTIONS = TypeAdapter(EntryListOptions)


class QueueSettings(BaseSettings):
    """How jobs are retried and workers watched (``APP_JOBS_*``)."""

    model_config = SettingsConfigDict(env_prefix="APP_JOBS_", env_file=".env", extra="ignore")

    #: Times a job is run again after a transient failure or a dead worker.
    retries: int = Field(default=2, ge=0)
    #: Seconds before a job that failed transiently is run again.
    retry_wait_s: int = Field(default=5, ge=0)
    #: Seconds between a worker's heartbeats.
    heartbeat_s: float = Field(default=10.0, gt=0)
    #: A worker without a heartbeat for this long is dead and its job stalled.
    stalled_after_s: float = Field(default=30.0, gt=0)
    #: Seconds between two looks for stalled jobs, per worker.
    recover_every_s: float = Field(default=15.0, gt=0)
    #: Connections of the queue's pool (a worker holds one more to LISTEN).
    pool_max_size: int = Field(default=3, ge=2)


def job_spec(kind: str, options: Any, upload: str, **extra: Any) -> dict[str, Any]:
    """The JSON arguments of a queued job: its options, its upload's file name, the rest."""
    adapter = _ENTRY_LIST_OPTIONS if kind == ENTRY_LIST else _IMPORT_OPTIONS
    dumped = adapter.dump_python(options, mode="json") if options is not None else None
    return {"options": dumped, "upload": upload, **extra}


def _run_spec(factory: sessionmaker[Session], kind: str, job_id: int, spec: dict[str, Any]) -> None:
    """Run one queued job: fetch its upload into a folder of this machine, import it."""
    if job_finished(factory, job_id):  # a retried run of a job whose import committed
        return
    folder = Path(tempfile.mkdtemp(prefix="ecozone-job-"))
    try:
        path = folder / Path(spec["upload"]).name
        load_upload(factory, job_id, path)
        key_id, request_id = spec.get("key_id"), spec.get("request_id")
        if kind == IMPORT:
            options = _IMPORT_OPTIONS.validate_python(spec["options"])
            run_import_job(
                factory,
                job_id,
                path,
                options,
                key_id,
                request_id,
                label=spec.get("label"),
                workdir=folder,
            )
        elif kind == ENTRY_LIST:
            entry_options = _ENTRY_LIST_OPTIONS.validate_python(spec["options"])
            run_entry_list_job(
                factory, job_id, path, entry_options, key_id, request_id, workdir=folder
            )
        else:
            run_readings_job(
                factory,
                job_id,
                path,
                cast(ReadingsLayout, spec["layout"]),
                key_id,
                request_id,
                timeout_ms=int(spec["timeout_ms"]),
                workdir=folder,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _interrupted(reason: str, attempts: int, *, retrying: bool) -> dict[str, Any]:
    """The problem recorded on a job whose run was cut short."""
    if retrying:
        detail = f"任务中断，将自动重试 / the job was interrupted ({reason}); it will be retried"
    else:
        detail = (
            f"任务多次中断，已放弃 / the job was interrupted ({reason}) "
            f"and gave up after {attempts} attempts; re-submit the import"
        )
    return {
        "type": "/problems/job-interrupted",
        "detail": detail,
        "reason": reason,
        "attempts": attempts,
    }


def mark_interrupted(
    factory: sessionmaker[Session], job_id: int, reason: str, attempts: int, *, final: bool
) -> None:
    """Record on an unfinished job that its run stopped: queued again, or failed if ``final``.

    A job already finished (its import committed with its status) is left as it is.
    """
    with factory() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status in FINAL:
            return
        job.status = "failed" if final else "queued"
        job.error = _interrupted(reason, attempts, retrying=not final)
        job.updated_at = datetime.now(UTC)
        if final:  # the stored upload goes with the job's end
            session.execute(delete(JobFile).where(JobFile.job_id == job_id))
        session.commit()


def _pool_args(db: DatabaseSettings, settings: QueueSettings) -> dict[str, Any]:
    # the queue lives on the primary: the URL of the engine that writes
    conninfo = make_url(db.url).set(drivername="postgresql")
    return {
        "conninfo": conninfo.render_as_string(hide_password=False),
        "min_size": 1,
        "max_size": settings.pool_max_size,
        "kwargs": {"application_name": "ecozone-queue"},
    }


def queue_pool(db: DatabaseSettings, settings: QueueSettings) -> AsyncConnectionPool[Any]:
    """An unopened pool for the queue (``open(wait=False)``: a server starts without a DB).

    Hand it to ``app.open_async(pool)``; whoever opened it closes it.
    """
    return AsyncConnectionPool(
        **_pool_args(db, settings),
        open=False,
        check=AsyncConnectionPool.check_connection,
        name="ecozone-queue",
    )


def build_queue(
    db: DatabaseSettings, settings: QueueSettings, factory: sessionmaker[Session]
) -> procrastinate.App:
    """The procrastinate app of this database, with the import tasks run through ``factory``.

    Open it (``async with app.open_async()``) to defer jobs or run a worker.
    """
    connector = procrastinate.PsycopgConnector(**_pool_args(db, settings))
    app = procrastinate.App(connector=connector)
    retry = procrastinate.RetryStrategy(
        max_attempts=settings.retries,
        wait=settings.retry_wait_s,
        retry_exceptions=set(TRANSIENT),
    )

    def task(kind: str) -> Callable[..., None]:
        def run(context: procrastinate.JobContext, job_id: int, spec: dict[str, Any]) -> None:
            attempts = (context.job.attempts if context.job else 0) + 1
            try:
                _run_spec(factory, kind, job_id, spec)
            except TRANSIENT as exc:
                final = attempts > settings.retries
                try:
                    mark_interrupted(factory, job_id, type(exc).__name__, attempts, final=final)
                except TRANSIENT:
                    logger.warning("job %s: could not record its interruption", job_id)
                raise

        run.__name__ = f"run_{kind.replace('-', '_')}"
        return run

    for kind in (IMPORT, ENTRY_LIST, READINGS):
        app.task(name=kind, queue=QUEUE, pass_context=True, retry=retry)(task(kind))
    return app


async def recover_stalled(
    app: procrastinate.App, factory: sessionmaker[Session], settings: QueueSettings
) -> int:
    """Retry the jobs of dead workers, or fail them with the reason when retries are spent.

    Returns:
        How many stalled jobs were found.
    """
    stalled = list(
        await app.job_manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=settings.stalled_after_s
        )
    )
    for job in stalled:
        if job.id is None:
            continue
        job_id = job.task_kwargs.get("job_id")
        if not isinstance(job_id, int):
            continue
        attempts = job.attempts + 1
        final = attempts > settings.retries
        try:
            if final:
                await app.job_manager.finish_job_by_id_async(
                    job.id, status=Status.FAILED, delete_job=False
                )
            else:
                await app.job_manager.retry_job(job)
        except Exception:  # another worker recovered it first
            logger.info("stalled job %s already recovered", job.id, exc_info=True)
            continue
        logger.warning(
            "job %s (queue job %s): its worker died; %s",
            job_id,
            job.id,
            "failed" if final else "retried",
        )
        await asyncio.to_thread(
            mark_interrupted, factory, job_id, "worker-lost", attempts, final=final
        )
    await asyncio.to_thread(_fail_abandoned, factory)
    return len(stalled)


#: Jobs still unfinished whose queue job ended without them: a worker stopped (Ctrl-C,
#: SIGTERM) while its import ran aborts the queue job, and the import rolled back.
_ABANDONED = text(
    """
    SELECT j.id, q.status::text, q.attempts FROM jobs j
    JOIN procrastinate_jobs q ON q.id = j.queue_job_id
    WHERE j.status IN ('queued', 'running') AND q.status IN ('aborted', 'cancelled', 'failed')
    """
)


def _fail_abandoned(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        rows = session.execute(_ABANDONED).all()
    for job_id, status, attempts in rows:
        mark_interrupted(factory, job_id, f"queue-{status}", attempts + 1, final=True)


async def _recover_forever(
    app: procrastinate.App, factory: sessionmaker[Session], settings: QueueSettings
) -> None:
    while True:
        try:
            await recover_stalled(app, factory, settings)
        except Exception:  # the database is away: the next round tries again
            logger.warning("could not look for stalled jobs", exc_info=True)
        await asyncio.sleep(settings.recover_every_s)


def live_workers(session: Session, settings: QueueSettings) -> int:
    """How many workers (``ecozone worker``, ``ecozone serve``) beat their heartbeat lately."""
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat > now() - make_interval(secs => :after)"
            ),
            {"after": settings.stalled_after_s},
        ).scalar_one()
    )


async def run_worker(
    app: procrastinate.App,
    factory: sessionmaker[Session],
    settings: QueueSettings,
    *,
    name: str = "worker",
    install_signal_handlers: bool = True,
) -> None:
    """Consume the queue until stopped (a signal, or cancellation), recovering stalled jobs.

    ``app`` must be open. One job at a time: imports are CPU-bound and synchronous; run
    more worker processes (on any machines) for more at once. A worker that fails (the
    database is not up yet, or went away) starts again after ``retry_wait_s`` seconds.
    """
    recovery = asyncio.create_task(_recover_forever(app, factory, settings))
    try:
        while True:
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    name=name,
                    concurrency=1,
                    update_heartbeat_interval=settings.heartbeat_s,
                    stalled_worker_timeout=settings.stalled_after_s,
                    install_signal_handlers=install_signal_handlers,
                    shutdown_graceful_timeout=settings.stalled_after_s,
                )
                return  # stopped by a signal
            except Exception:
                logger.warning("the job worker stopped; starting again", exc_info=True)
                await asyncio.sleep(max(settings.retry_wait_s, 1))
    finally:
        recovery.cancel()
