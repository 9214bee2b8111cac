"""Sweeps over HTTP: ``POST /sweeps`` queues one, its rows export as CSV."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import EditorDep, require_role
from api.deps import IdPath, SessionDep
from api.ogc import base_url
from api.responses import ORJSONResponse
from api.text_input import CleanStr
from gis.civil_time import today
from layers.ingest.jobs import get_job, job_public, set_queue_job
from layers.screening import sweep
from layers.screening.rules import KINDS, Kind
from layers.store.models import Job
from web.router import XLSX_TYPE as XLSX

router = APIRouter(tags=["sweeps"])
GPKG = "application/geopackage+sqlite3"


class SweepRequest(BaseModel):
    """What to sweep: a collection as of a date, optionally filtered, screened as a kind."""

    collection: CleanStr = Field(min_length=1, max_length=100)
    as_of: date | None = Field(default=None, description="default: today (北京时间)")
    filter: CleanStr | None = Field(default=None, max_length=10_000, description="CQL2 text")
    kind: Kind = KINDS[0]
    industry: CleanStr | None = Field(
        default=None, max_length=100, description="for features without industry_category"
    )
    buffer_m: float = Field(default=500.0, ge=0, le=50_000)
    chunk_size: int = Field(default=sweep.CHUNK, ge=1, le=10_000)


@router.post(
    "/sweeps", operation_id="sweeps-create", status_code=202, response_class=ORJSONResponse
)
async def create_sweep(
    request: Request, body: SweepRequest, key: EditorDep, session: SessionDep
) -> ORJSONResponse:
    """Screen every feature of a collection against the rules; 202 with a job to poll.

    The features are those of the release in force on ``as_of`` that match ``filter``
    (CQL2 text over the collection's queryables, as ``/items?filter=``). They are split
    into chunks that any worker takes from the queue; ``GET /jobs/{id}`` shows how many
    are screened, ``GET /sweeps/{id}/results.csv`` the rows written so far.
    """
    job, chunks = await run_in_threadpool(
        lambda: sweep.create_sweep(
            session,
            collection=body.collection,
            as_of=body.as_of or today(),
            filter_text=body.filter,
            kind=body.kind,
            industry=body.industry,
            buffer_m=body.buffer_m,
            chunk_size=body.chunk_size,
            key=key,
        )
    )
    queued = await sweep.enqueue_chunks(request.app.state.queue, job.id, chunks)
    if queued:
        await run_in_threadpool(set_queue_job, request.app.state.sessionmaker, job.id, queued[0])
    base = base_url(request)
    return ORJSONResponse(
        job_public(job, base), status_code=202, headers={"Location": f"{base}/jobs/{job.id}"}
    )


def _sweep(session: SessionDep, job_id: IdPath) -> Job:
    """The sweep ``job_id``, or 404."""
    job = get_job(session, job_id)
    if job is None or job.kind != "sweep":
        raise HTTPException(404, f"No sweep {job_id}.")
    return job


@router.get(
    "/sweeps/{job_id}/results.csv",
    operation_id="sweeps-results_csv",
    dependencies=[Depends(require_role("viewer"))],
    response_class=StreamingResponse,
)
def sweep_results_csv(job_id: IdPath, session: SessionDep) -> StreamingResponse:
    """A sweep's rows, one per screened feature: verdict and rules by outcome, or error."""
    _sweep(session, job_id)
    return StreamingResponse(
        sweep.results_csv(session, job_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="sweep-{job_id}.csv"'},
    )


@router.get(
    "/sweeps/{job_id}/results.xlsx",
    operation_id="sweeps-results_xlsx",
    dependencies=[Depends(require_role("viewer"))],
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def sweep_results_xlsx(job_id: IdPath, session: SessionDep) -> Response:
    """A sweep's rows as an Excel workbook, in Chinese (排查结果), synthetic data said so."""
    body = sweep.results_xlsx(session, _sweep(session, job_id))
    disposition = f'attachment; filename="sweep-{job_id}.xlsx"'
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get(
    "/sweeps/{job_id}/results.gpkg",
    operation_id="sweeps-results_gpkg",
    dependencies=[Depends(require_role("viewer"))],
    response_class=Response,
    responses={200: {"content": {GPKG: {}}}},
)
def sweep_results_gpkg(job_id: IdPath, session: SessionDep) -> Response:
    """A sweep's rows with each feature's geometry as a GeoPackage layer (EPSG:4326)."""
    job = _sweep(session, job_id)
    with tempfile.TemporaryDirectory(prefix="ecozone-sweep-") as folder:
        body = sweep.results_gpkg(session, job, Path(folder)).read_bytes()
    disposition = f'attachment; filename="sweep-{job_id}.gpkg"'
    return Response(body, media_type=GPKG, headers={"Content-Disposition": disposition})
