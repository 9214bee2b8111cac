"""Background jobs: an HTTP import runs as a job whose progress clients poll."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gis.errors import GisError
from layers.importer import ImportOptions, import_file
from layers.keys import record
from layers.models import ApiKey, Job

logger = logging.getLogger(__name__)


def create_job(session: Session, kind: str, params: dict[str, Any], key: ApiKey | None) -> Job:
    """A queued job (committed, so a poller sees it at once)."""
    job = Job(kind=kind, status="queued", params=params, key_id=key.id if key else None)
    session.add(job)
    session.commit()
    return job


def get_job(session: Session, job_id: int) -> Job | None:
    """The job with this id, or None."""
    return session.scalar(select(Job).where(Job.id == job_id))


def _update(factory: sessionmaker[Session], job_id: int, **values: Any) -> None:
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        for name, value in values.items():
            setattr(job, name, value)
        job.updated_at = datetime.now(UTC)
        session.commit()


def run_import_job(
    factory: sessionmaker[Session],
    job_id: int,
    path: Path,
    options: ImportOptions,
    key_id: int | None,
    request_id: str | None = None,
) -> None:
    """Run an import job to the end; record its outcome on the job and in the audit log.

    The uploaded file is deleted afterwards, whatever the outcome.
    """
    _update(factory, job_id, status="running")
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > 0.5 or done == total:
            last[0] = now
            _update(factory, job_id, progress=done, total=total)

    try:
        with factory() as session:
            report = import_file(session, path, options, progress=progress)
            key = session.get(ApiKey, key_id) if key_id else None
            record(
                session,
                key,
                "import",
                f"collections/{options.collection}/releases/{options.release}",
                after=[report.release_id],
                detail={"features_imported": report.features_imported, "job": job_id},
                request_id=request_id,
            )
            session.commit()
        _update(factory, job_id, status="succeeded", result=report.as_dict())
    except GisError as exc:
        _update(
            factory,
            job_id,
            status="failed",
            error={"type": f"/problems/{exc.code}", "detail": exc.detail, "field": exc.field},
        )
    except Exception:
        logger.exception("import job %s failed", job_id)
        _update(
            factory,
            job_id,
            status="failed",
            error={"type": "/problems/internal-error", "detail": None, "request_id": request_id},
        )
    finally:
        path.unlink(missing_ok=True)


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
