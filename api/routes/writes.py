"""Writes behind API keys: imports as jobs, releases, feature edits, screenings, keys, audit."""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any, BinaryIO, cast, get_args

from anyio import CancelScope
from fastapi import (
    APIRouter,
    Body,
    Depends,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
)
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from api.auth import AdminDep, EditorDep, require_role
from api.deps import IdPath, OffsetQuery, SessionDep
from api.ogc import base_url
from api.responses import ORJSONResponse
from api.text_input import CleanStr
from gis.crs import CRS84_API, ApiCRS, api_crs
from layers.errors import ImportFileError
from layers.ingest import edits, queue
from layers.ingest.edits import Written
from layers.ingest.entry_lists import EntryListOptions, cast_level
from layers.ingest.files import ReadingsLayout, check_archive, check_upload_name
from layers.ingest.importer import ImportOptions
from layers.ingest.jobs import (
    READINGS,
    check_release_free,
    create_import_job,
    get_job,
    job_public,
    set_queue_job,
    store_upload,
    update_job,
)
from layers.reads.fastread import feature_in_session
from layers.screening import storage as screenings
from layers.store.catalog import get_collection
from layers.store.entry_lists import LEVELS, release_collection
from layers.store.keys import list_audit, list_keys, record
from layers.store.models import ApiKey, Job, Release
from layers.store.releases import release_public, retire_release

router = APIRouter(tags=["writes"])

_CHUNK = 1024 * 1024


def _request_id(request: Request) -> str:
    return request.headers.get("x-request-id") or uuid.uuid4().hex


#: ImportOptions' fields the form carries (``collection`` is the path's); ``file`` is the upload.
_OPTIONS = TypeAdapter(ImportOptions)


def _import_form_schema() -> dict[str, Any]:
    """The multipart body's schema: :class:`ImportOptions` as a form, plus ``file``."""
    schema = _OPTIONS.json_schema()
    properties = {k: v for k, v in schema["properties"].items() if k != "collection"}
    properties["mapping"] = {
        "type": "string",
        "default": "",
        "title": "Mapping",
        "description": "src=field pairs, comma-separated",
    }
    return {
        "title": "Body_writes-create_import",
        "type": "object",
        "properties": {
            "file": {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "title": "File",
                "description": "GeoJSON, Shapefile (.zip), GeoPackage, …",
            },
            **properties,
        },
        "required": ["file", *(r for r in schema.get("required", []) if r != "collection")],
    }


def _form_error(field: str, message: str, value: Any = None) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": value}]
    )


def _options(collection_id: str, form: FormData) -> tuple[UploadFile, ImportOptions]:
    """The uploaded file and the import options of a parsed form (422 naming the field)."""
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise _form_error("file", "Field required: a file part named 'file'")
    fields: dict[str, Any] = {
        k: v
        for k, v in form.multi_items()
        if k not in ("file", "collection") and isinstance(v, str)
    }
    # an empty optional field is absent (as FastAPI's Form() parameters treat it)
    fields = {k: v for k, v in fields.items() if v != "" or k == "release"}
    pairs: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in fields.pop("mapping", "").split(","))):
        if "=" not in item:
            raise ImportFileError(f"mapping '{item}' is not src=field.", field="mapping")
        src, dst = item.split("=", 1)
        pairs[src.strip()] = dst.strip()
    try:
        options = _OPTIONS.validate_python(
            {**fields, "collection": collection_id, "mapping": pairs}, strict=False
        )
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
    return file, options


def _multipart(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of an upload route: a required multipart form of ``schema``."""
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }


def _named_upload(folder: Path, filename: str, suffix: str) -> Path:
    """Where an upload is spooled: its own name made safe (readable in the job's problems)."""
    stem = re.sub(r"[^\w\-]", "_", Path(filename).stem)[:80] or "upload"
    return folder / f"{stem}{suffix}"


def _accepted(job: Job, request: Request) -> ORJSONResponse:
    """202 with the queued job, and its address to poll in ``Location``."""
    base = base_url(request)
    return ORJSONResponse(
        job_public(job, base), status_code=202, headers={"Location": f"{base}/jobs/{job.id}"}
    )


#: The problem of a job whose upload could not be handed to the queue.
_NOT_QUEUED = {
    "type": "/problems/job-not-queued",
    "detail": "任务未能排队 / the job could not be queued; re-submit the import",
}


async def _enqueue(
    request: Request, session: Session, job: Job, task: str, spec: dict[str, Any], upload: Path
) -> None:
    """Hand a job to the queue: its upload into the database, then the queue's job.

    Any worker, on any machine, may take it from there. A failure on the way fails the
    job (its reservation freed) before the error goes on to the client.
    """
    factory = request.app.state.sessionmaker
    try:
        await run_in_threadpool(store_upload, session, job.id, upload)
        spec = {**spec, "key_id": job.key_id, "request_id": _request_id(request)}
        queue_job_id = await request.app.state.queue.configure_task(
            task, queue=queue.QUEUE
        ).defer_async(job_id=job.id, spec=spec)
    except BaseException:
        with CancelScope(shield=True):
            await run_in_threadpool(
                update_job, factory, job.id, status="failed", error=dict(_NOT_QUEUED)
            )
        raise
    await run_in_threadpool(set_queue_job, factory, job.id, queue_job_id)


def _spool(source: BinaryIO, target: Path) -> int:
    """Copy the parsed upload to ``target`` (in a worker thread: disk I/O); its size."""
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            size += out.write(chunk)
    return size


@router.post(
    "/collections/{collection_id}/imports",
    operation_id="writes-create_import",
    status_code=202,
    response_class=ORJSONResponse,
    openapi_extra=_multipart(_import_form_schema()),
)
async def create_import(
    request: Request,
    collection_id: str,
    key: EditorDep,
    session: SessionDep,
) -> ORJSONResponse:
    """Upload a file as a new release (the CLI's options); answered 202 with a job to poll.

    Multipart form: ``file`` and ``release`` (required), ``valid_from``, ``crs``,
    ``source``, ``licence``, ``note``, ``layer``, ``from_gcj02``, ``from_bd09``,
    ``synthetic``, ``mapping``. The key is checked before the body is read; a release
    name that exists, or that a queued or running import already reserves, is 409 before
    the file is looked at; a zip that would unpack to too much is 413 before it is read.
    """
    # The body is parsed here, after the key dependency, not by FastAPI before it: an
    # unauthenticated upload costs nothing. Its size is bounded while it streams
    # (api.errors.UploadLimitMiddleware).
    get_collection(collection_id)
    async with request.form(max_files=1, max_fields=20) as form:
        file, options = _options(collection_id, form)
        filename = check_upload_name(file.filename or "upload")
        await run_in_threadpool(check_release_free, session, collection_id, options.release)
        folder = Path(await run_in_threadpool(tempfile.mkdtemp, prefix="ecozone-import-"))
        try:
            suffix = re.sub(r"[^A-Za-z0-9.]", "", Path(filename).suffix)[:16]
            target = folder / f"upload{suffix}"
            size = await run_in_threadpool(_spool, file.file, target)
            if suffix.lower() == ".zip":  # a zip bomb is refused before anything unpacks it
                await run_in_threadpool(check_archive, target, label=filename)
            params: dict[str, Any] = {"collection": collection_id, "release": options.release}
            params |= {"file": filename, "bytes": size}
            job = await run_in_threadpool(
                create_import_job, session, collection_id, options.release, params, key
            )
            spec = queue.job_spec(queue.IMPORT, options, target.name, label=filename)
            await _enqueue(request, session, job, queue.IMPORT, spec, target)
        finally:
            with CancelScope(shield=True):  # the folder goes also when the request is cancelled
                await run_in_threadpool(shutil.rmtree, folder, ignore_errors=True)
    return _accepted(job, request)


class EntryListForm(BaseModel):
    """The options of an entry-list import (``ecozone import-entry-list``'s), as a form."""

    release: CleanStr = Field(min_length=1, max_length=200)
    valid_from: date
    level: str | None = None
    source: CleanStr = ""
    licence: CleanStr = ""
    note: CleanStr = ""
    synthetic: bool = False


_ENTRY_LIST_FORM = TypeAdapter(EntryListForm)
#: The job reservation's collection: the level's release line, or every level's.
_ENTRY_LISTS = "entry_list"


def _entry_list_form_schema() -> dict[str, Any]:
    schema = _ENTRY_LIST_FORM.json_schema()
    return {
        "title": "Body_writes-create_entry_list_import",
        "type": "object",
        "properties": {
            "file": {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "title": "File",
                "description": "an entry list, .xlsx or .csv (wide or long layout)",
            },
            **schema["properties"],
        },
        "required": ["file", *schema.get("required", [])],
    }


def _entry_list_options(form: FormData) -> tuple[UploadFile, EntryListOptions]:
    """The uploaded list and its options (422 naming the field, 400 for a bad level)."""
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise _form_error("file", "Field required: a file part named 'file'")
    fields = {
        k: v
        for k, v in form.multi_items()
        if k != "file" and isinstance(v, str) and (v != "" or k == "release")
    }
    try:
        parsed = _ENTRY_LIST_FORM.validate_python(fields, strict=False)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
    options = EntryListOptions(
        release=parsed.release,
        valid_from=parsed.valid_from,
        level=cast_level(parsed.level),
        source=parsed.source,
        licence=parsed.licence,
        note=parsed.note,
        synthetic=parsed.synthetic,
    )
    return file, options


def _check_entry_list_release_free(session: Session, options: EntryListOptions) -> str:
    """Refuse a release name a level already has; the job's reservation collection."""
    levels = [options.level] if options.level else list(LEVELS)
    for level in levels:
        check_release_free(session, release_collection(level), options.release)
    check_release_free(session, _ENTRY_LISTS, options.release)
    return release_collection(options.level) if options.level else _ENTRY_LISTS


@router.post(
    "/entry-lists/imports",
    operation_id="writes-create_entry_list_import",
    status_code=202,
    response_class=ORJSONResponse,
    openapi_extra=_multipart(_entry_list_form_schema()),
)
async def create_entry_list_import(
    request: Request, key: EditorDep, session: SessionDep
) -> ORJSONResponse:
    """Upload a 生态环境准入清单 (.xlsx or .csv) as new releases; answered 202 with a job to poll.

    The HTTP form of ``ecozone import-entry-list``. Multipart form: ``file``, ``release``
    and ``valid_from`` (required), ``level`` (province, city, unit or element: every
    row's level; default the file's 管控层级 column, else by code), ``source``,
    ``licence``, ``note``, ``synthetic``. The file is checked as the CLI checks it; any
    bad row fails the job with every problem's row and column, and nothing of the
    release is stored. A release name that a level already has, or that a queued or
    running job reserves, is 409 before the file is read.
    """
    async with request.form(max_files=1, max_fields=20) as form:
        file, options = _entry_list_options(form)
        filename = check_upload_name(file.filename or "upload.xlsx")
        suffix = Path(filename).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise ImportFileError(
                f"file: '{filename}' is not an .xlsx or .csv entry list.", field="file"
            )
        collection = await run_in_threadpool(_check_entry_list_release_free, session, options)
        folder = Path(await run_in_threadpool(tempfile.mkdtemp, prefix="ecozone-entry-list-"))
        try:
            target = _named_upload(folder, filename, suffix)
            size = await run_in_threadpool(_spool, file.file, target)
            params: dict[str, Any] = {"release": options.release, "level": options.level}
            params |= {
                "file": filename,
                "bytes": size,
                "valid_from": options.valid_from.isoformat(),
            }
            job = await run_in_threadpool(
                partial(create_import_job, kind=queue.ENTRY_LIST),
                session,
                collection,
                options.release,
                params,
                key,
            )
            spec = queue.job_spec(queue.ENTRY_LIST, options, target.name)
            await _enqueue(request, session, job, queue.ENTRY_LIST, spec, target)
        finally:
            with CancelScope(shield=True):
                await run_in_threadpool(shutil.rmtree, folder, ignore_errors=True)
    return _accepted(job, request)


def _readings_form_schema() -> dict[str, Any]:
    return {
        "title": "Body_writes-create_readings_import",
        "type": "object",
        "properties": {
            "file": {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "title": "File",
                "description": "station readings, .csv or .xlsx",
            },
            "layout": {
                "type": "string",
                "enum": list(get_args(ReadingsLayout)),
                "default": "long",
                "description": "long: station, time, parameter, value[, unit, flag] per row; "
                "wide: station, time and one column per pollutant (CNEMC style)",
            },
        },
        "required": ["file"],
    }


@router.post(
    "/readings/imports",
    operation_id="writes-create_readings_import",
    status_code=202,
    response_class=ORJSONResponse,
    openapi_extra=_multipart(_readings_form_schema()),
)
async def create_readings_import(
    request: Request, key: EditorDep, session: SessionDep
) -> ORJSONResponse:
    """Upload station readings (.csv or .xlsx); answered 202 with a job to poll.

    The HTTP form of ``ecozone import-readings``. Multipart form: ``file`` and ``layout``
    (``long``, the default, or ``wide``). Times without a zone are China Standard Time;
    an hour is labelled by its end. All or nothing: any bad row (an unknown station or
    parameter, a value outside the physical range, a reading already stored) fails the
    job, which lists the bad rows by row number (``error.rows``).
    """
    async with request.form(max_files=1, max_fields=5) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise _form_error("file", "Field required: a file part named 'file'")
        layout = form.get("layout") or "long"
        if layout not in get_args(ReadingsLayout):
            raise _form_error("layout", "layout: 'long' or 'wide'", layout)
        filename = check_upload_name(file.filename or "readings.csv")
        suffix = Path(filename).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise ImportFileError(f"file: '{filename}' is not a .csv or .xlsx file.", field="file")
        folder = Path(await run_in_threadpool(tempfile.mkdtemp, prefix="ecozone-readings-"))
        try:
            target = _named_upload(folder, filename, suffix)
            size = await run_in_threadpool(_spool, file.file, target)
            params = {"file": filename, "bytes": size, "layout": layout}
            job = await run_in_threadpool(
                partial(create_import_job, kind=queue.READINGS),
                session,
                READINGS,
                f"upload-{uuid.uuid4().hex}",  # readings have no release: a name of its own
                params,
                key,
            )
            spec = queue.job_spec(
                queue.READINGS,
                None,
                target.name,
                layout=cast(ReadingsLayout, layout),
                timeout_ms=request.app.state.db_settings.import_timeout_ms,
            )
            await _enqueue(request, session, job, queue.READINGS, spec, target)
        finally:
            with CancelScope(shield=True):
                await run_in_threadpool(shutil.rmtree, folder, ignore_errors=True)
    return _accepted(job, request)


@router.get(
    "/jobs/{job_id}",
    operation_id="writes-get_job",
    response_class=ORJSONResponse,
    dependencies=[Depends(require_role("viewer"))],
)
def read_job(request: Request, job_id: IdPath, session: SessionDep) -> ORJSONResponse:
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


def _content_crs(request: Request) -> ApiCRS:
    header = request.headers.get("content-crs")
    return api_crs(header, field="Content-Crs") if header else CRS84_API


def _feature_response(
    request: Request, session: SessionDep, collection_id: str, written: Written, status: int
) -> Response:
    location = f"{base_url(request)}/collections/{collection_id}/items/{written.feature_id}"
    return Response(
        feature_in_session(session, collection_id, written.feature_id).body,
        status_code=status,
        media_type="application/geo+json",
        headers={"Location": location, "ETag": written.etag},
    )


_FEATURE_BODY = Body(
    description="A GeoJSON Feature; coordinates in CRS84 unless the Content-Crs header says else.",
    media_type="application/geo+json",
)


@router.post(
    "/collections/{collection_id}/items",
    operation_id="writes-create_feature",
    status_code=201,
    response_class=Response,
)
def create_feature(
    request: Request,
    collection_id: str,
    key: EditorDep,
    session: SessionDep,
    feature: Annotated[dict[str, Any], _FEATURE_BODY],
    release: Annotated[
        str | None, Query(description="the release to add to (default: the one in force today)")
    ] = None,
) -> Response:
    """Add a feature to a release (OGC API Features Part 4 style); 201 with its Location."""
    written = edits.create_feature(
        session,
        key,
        collection_id,
        feature,
        crs=_content_crs(request),
        release_name=release,
        request_id=_request_id(request),
    )
    return _feature_response(request, session, collection_id, written, 201)


@dataclass(frozen=True)
class _Edit:
    """A PUT or PATCH of one feature: what the two routes share."""

    request: Request
    session: Session
    key: ApiKey
    collection_id: str
    feature_id: int
    if_match: str | None

    def apply(self, body: dict[str, Any], *, merge: bool) -> Response:
        written = edits.update_feature(
            self.session,
            self.key,
            self.collection_id,
            self.feature_id,
            body,
            merge=merge,
            crs=_content_crs(self.request),
            if_match=self.if_match,
            request_id=_request_id(self.request),
        )
        return _feature_response(self.request, self.session, self.collection_id, written, 200)


@router.put(
    "/collections/{collection_id}/items/{feature_id}",
    operation_id="writes-replace_feature",
    response_class=Response,
)
def replace_feature(
    request: Request,
    collection_id: str,
    feature_id: IdPath,
    key: EditorDep,
    session: SessionDep,
    feature: Annotated[dict[str, Any], _FEATURE_BODY],
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Replace a feature's properties and geometry (412 when ``If-Match`` is stale)."""
    edit = _Edit(request, session, key, collection_id, feature_id, if_match)
    return edit.apply(feature, merge=False)


@router.patch(
    "/collections/{collection_id}/items/{feature_id}",
    operation_id="writes-patch_feature",
    response_class=Response,
)
def patch_feature(
    request: Request,
    collection_id: str,
    feature_id: IdPath,
    key: EditorDep,
    session: SessionDep,
    patch: Annotated[
        dict[str, Any],
        Body(
            description="JSON merge patch (RFC 7396) of `properties` and/or `geometry`.",
            media_type="application/merge-patch+json",
        ),
    ],
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Merge-patch a feature's properties and/or geometry (412 when ``If-Match`` is stale)."""
    edit = _Edit(request, session, key, collection_id, feature_id, if_match)
    return edit.apply(patch, merge=True)


@router.delete(
    "/collections/{collection_id}/items/{feature_id}",
    operation_id="writes-delete_feature",
    status_code=204,
    response_class=Response,
)
def delete_feature(
    request: Request,
    collection_id: str,
    feature_id: IdPath,
    key: EditorDep,
    session: SessionDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Delete one feature from its release (OGC API Features Part 4 style)."""
    edits.delete_feature(
        session,
        key,
        collection_id,
        feature_id,
        if_match=if_match,
        request_id=_request_id(request),
    )
    return Response(status_code=204)


class ReleaseCreate(BaseModel):
    """A new release: empty, or a copy of another release's features (``copy_from``)."""

    name: CleanStr = Field(min_length=1, max_length=200)
    valid_from: date
    valid_to: date | None = None
    source: CleanStr = Field(default="", max_length=1000)
    licence: CleanStr = Field(default="", max_length=1000)
    note: CleanStr = Field(default="", max_length=4000)
    synthetic: bool = False
    copy_from: CleanStr | None = Field(
        default=None, max_length=200, description="name of a release to copy"
    )


@router.post(
    "/collections/{collection_id}/releases",
    operation_id="writes-create_release",
    status_code=201,
    response_class=ORJSONResponse,
)
def create_release(
    request: Request,
    collection_id: str,
    body: ReleaseCreate,
    key: EditorDep,
    session: SessionDep,
) -> ORJSONResponse:
    """Create a release, empty or copied from another one; features can then be POSTed into it.

    An empty release whose ``valid_from`` has come becomes the release in force (the
    newest wins): give a future ``valid_from`` or ``copy_from`` to avoid an empty map.
    """
    release = edits.create_release(
        session,
        key,
        collection_id,
        **body.model_dump(),
        request_id=_request_id(request),
    )
    return ORJSONResponse(
        release_public(release),
        status_code=201,
        headers={"Location": f"{base_url(request)}/collections/{collection_id}/releases"},
    )


@router.delete(
    "/screenings/{screening_id}",
    operation_id="writes-delete_screening",
    status_code=204,
    response_class=Response,
)
def delete_screening(
    request: Request, screening_id: IdPath, key: EditorDep, session: SessionDep
) -> Response:
    """Delete a stored screening (editor; audited)."""
    screenings.delete_screening(session, key, screening_id, request_id=_request_id(request))
    return Response(status_code=204)


@router.get("/keys", operation_id="writes-list_keys", response_class=ORJSONResponse)
def get_keys(key: AdminDep, session: SessionDep) -> ORJSONResponse:  # noqa: ARG001 - the role check
    """Every API key (never its secret), newest first (admin only)."""
    return ORJSONResponse(
        {
            "keys": [
                {
                    "id": k.id,
                    "prefix": k.prefix,
                    "name": k.name,
                    "role": k.role,
                    "created_at": k.created_at.isoformat() if k.created_at else None,
                    "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                }
                for k in list_keys(session)
            ]
        }
    )


@router.delete(
    "/keys/{key_id}", operation_id="writes-revoke_key", status_code=204, response_class=Response
)
def revoke_key(request: Request, key_id: IdPath, key: AdminDep, session: SessionDep) -> Response:
    """Revoke an API key (admin; audited). The key stays listed with its ``revoked_at``."""
    edits.revoke_key(session, key, key_id, request_id=_request_id(request))
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
    offset: OffsetQuery = 0,
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
