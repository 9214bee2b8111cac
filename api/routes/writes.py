"""Writes behind API keys: HTTP imports as jobs, retiring releases, feature deletion, audit."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
)
from sqlalchemy import delete, select

from api.auth import EditorDep, require_role
from api.deps import SessionDep
from api.ogc import base_url
from api.responses import ORJSONResponse
from api.routes.collections import release_public
from layers.catalog import get_collection
from layers.errors import FeatureNotFoundError, ImportFileError
from layers.importer import ImportOptions
from layers.jobs import bump_revision, create_job, get_job, job_public, run_import_job
from layers.keys import list_audit, record
from layers.models import Release, feature_table
from layers.releases import retire_release

router = APIRouter(tags=["writes"])

_CHUNK = 1024 * 1024


def _request_id(request: Request) -> str:
    return request.headers.get("x-request-id") or uuid.uuid4().hex


@router.post(
    "/collections/{collection_id}/imports",
    operation_id="writes-create_import",
    status_code=202,
    response_class=ORJSONResponse,
)
async def create_import(
    request: Request,
    collection_id: str,
    key: EditorDep,
    session: SessionDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="GeoJSON, Shapefile (.zip), GeoPackage, …")],
    release: Annotated[str, Form(min_length=1, max_length=200)],
    valid_from: Annotated[date | None, Form()] = None,
    crs: Annotated[str | None, Form()] = None,
    source: Annotated[str, Form()] = "",
    licence: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    layer: Annotated[str | None, Form()] = None,
    from_gcj02: Annotated[bool, Form()] = False,
    from_bd09: Annotated[bool, Form()] = False,
    synthetic: Annotated[bool, Form()] = False,
    mapping: Annotated[str, Form(description="src=field pairs, comma-separated")] = "",
) -> ORJSONResponse:
    """Upload a file as a new release (the CLI's options); answered 202 with a job to poll."""
    get_collection(collection_id)
    limit = request.app.state.api_settings.max_upload_bytes
    suffix = Path(file.filename or "upload").suffix[:16]
    folder = Path(tempfile.mkdtemp(prefix="ecozone-import-"))
    target = folder / f"upload{suffix}"
    size = 0
    with target.open("wb") as out:
        while chunk := await file.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise HTTPException(413, f"file: the upload is over the limit of {limit} bytes.")
            out.write(chunk)
    pairs: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in mapping.split(","))):
        if "=" not in item:
            raise ImportFileError(f"mapping '{item}' is not src=field.", field="mapping")
        src, dst = item.split("=", 1)
        pairs[src.strip()] = dst.strip()
    options = ImportOptions(
        collection=collection_id,
        release=release,
        valid_from=valid_from,
        crs=crs,
        source=source,
        licence=licence,
        note=note,
        layer=layer,
        from_gcj02=from_gcj02,
        from_bd09=from_bd09,
        synthetic=synthetic,
        mapping=pairs,
    )
    params: dict[str, Any] = {
        "collection": collection_id,
        "release": release,
        "file": file.filename,
        "bytes": size,
    }
    job = create_job(session, "import", params, key)
    background.add_task(
        run_import_job,
        request.app.state.sessionmaker,
        job.id,
        target,
        options,
        key.id,
        _request_id(request),
    )
    body = job_public(job, base_url(request))
    return ORJSONResponse(
        body, status_code=202, headers={"Location": f"{base_url(request)}/jobs/{job.id}"}
    )


@router.get(
    "/jobs/{job_id}",
    operation_id="writes-get_job",
    response_class=ORJSONResponse,
    dependencies=[Depends(require_role("viewer"))],
)
def read_job(request: Request, job_id: int, session: SessionDep) -> ORJSONResponse:
    """A job's status and progress (and its import report when it succeeded)."""
    job = get_job(session, job_id)
    if job is None:
        raise HTTPException(404, f"No job {job_id}.")
    return ORJSONResponse(job_public(job, base_url(request)))


@router.post(
    "/collections/{collection_id}/releases/{name}/retire",
    operation_id="writes-retire_release",
    response_class=ORJSONResponse,
)
def retire(
    request: Request,
    collection_id: str,
    name: str,
    valid_to: Annotated[date, Query(description="the first day the release is no longer valid")],
    key: EditorDep,
    session: SessionDep,
) -> ORJSONResponse:
    """Close a release's validity at ``valid_to`` (its features stay, for history)."""
    get_collection(collection_id)
    release = session.scalar(
        select(Release).where(Release.collection == collection_id, Release.name == name)
    )
    record(
        session,
        key,
        "retire-release",
        f"collections/{collection_id}/releases/{name}",
        before=[release.id] if release else [],
        detail={"valid_to": valid_to.isoformat()},
        request_id=_request_id(request),
    )
    retired = retire_release(session, collection_id, name, valid_to)
    return ORJSONResponse(release_public(retired))


@router.delete(
    "/collections/{collection_id}/items/{feature_id}",
    operation_id="writes-delete_feature",
    status_code=204,
    response_class=Response,
)
def delete_feature(
    request: Request, collection_id: str, feature_id: int, key: EditorDep, session: SessionDep
) -> Response:
    """Delete one feature from its release (OGC API Features Part 4 style)."""
    get_collection(collection_id)
    table = feature_table(collection_id)
    release_id = session.scalar(
        delete(table).where(table.c.id == feature_id).returning(table.c.release_id)
    )
    if release_id is None:
        raise FeatureNotFoundError(collection_id, feature_id)
    release = session.get(Release, release_id)
    if release is not None:
        release.feature_count = max(0, release.feature_count - 1)
    bump_revision(session, release_id)
    record(
        session,
        key,
        "delete-feature",
        f"collections/{collection_id}/items/{feature_id}",
        before=[feature_id],
        request_id=_request_id(request),
    )
    session.commit()
    return Response(status_code=204)


@router.get(
    "/audit",
    operation_id="writes-list_audit",
    response_class=ORJSONResponse,
    dependencies=[Depends(require_role("admin"))],
)
def get_audit(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ORJSONResponse:
    """The audit log of writes, newest first (admin only)."""
    entries = list_audit(session, limit=limit, offset=offset)
    return ORJSONResponse(
        {
            "entries": [
                {
                    "id": e.id,
                    "at": e.at.isoformat() if e.at else None,
                    "actor": e.actor,
                    "key_id": e.key_id,
                    "action": e.action,
                    "target": e.target,
                    "before_ids": e.before_ids,
                    "after_ids": e.after_ids,
                    "detail": e.detail,
                    "request_id": e.request_id,
                }
                for e in entries
            ]
        }
    )
