"""Sweeps: every feature of a collection screened against the rules, in queued chunks.

A sweep is a ``jobs`` row (kind ``sweep``); :func:`create_sweep` selects the features (the
release in force on ``as_of``, an optional CQL2 filter) and splits their ids into chunks,
each a queue job any worker takes (:func:`register_sweep_task`). A chunk screens its
features with the screening service (:func:`layers.screening.service.screen`, as
``screen-batch`` does) and writes their rows and the sweep's progress in one transaction;
a retried chunk skips the features already written, and :func:`missing_chunks` gives
what a stopped sweep still has to do (``ecozone sweep --resume``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import procrastinate
from procrastinate.types import JSONValue
from sqlalchemy import func, null, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from gis.errors import GisError
from layers.ingest.jobs import FINAL, worker_id
from layers.ingest.queue import QUEUE, QueueSettings, mark_interrupted
from layers.reads.cql import FilterContext, build_filter, release_as_of_subquery
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.rules import KINDS, OTHER_INDUSTRY, verdict_text
from layers.screening.service import resolve_rule_set, screen
from layers.store.catalog import get_collection
from layers.store.models import ApiKey, Job, SweepResult, feature_table
from layers.store.releases import release_as_of

#: The queue task of one chunk.
SWEEP_CHUNK = "sweep-chunk"
#: Features per chunk: a few seconds of screening, so a killed worker loses little.
CHUNK = 200
#: The CSV export's columns.
#: Said on every export of a sweep over a synthetic release (DEVELOPERS: every report).
SYNTHETIC_EXPORT_NOTE = "注意：所排查图层为演示用合成数据（synthetic），结论不代表真实企业。"
CSV_COLUMNS = ("feature_id", "code", "name", "verdict", "deny", "require", "flag", "error")


def _selection(session: Session, params: dict[str, Any]) -> list[int]:
    """The ids of the features a sweep screens, in id order."""
    collection = get_collection(params["collection"])
    table = feature_table(collection.id)
    as_of = date.fromisoformat(params["as_of"])
    stmt = select(table.c.id).where(
        table.c.release_id == release_as_of_subquery(collection.id, as_of)
    )
    if params.get("filter"):
        ctx = FilterContext(collection=collection, as_of=as_of)
        stmt = stmt.where(build_filter(params["filter"], "cql2-text", ctx))
    return list(session.scalars(stmt.order_by(table.c.id)))


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def create_sweep(
    session: Session,
    *,
    collection: str,
    as_of: date,
    filter_text: str | None = None,
    kind: str = KINDS[0],
    industry: str | None = None,
    buffer_m: float = 500.0,
    chunk_size: int = CHUNK,
    key: ApiKey | None = None,
) -> tuple[Job, list[list[int]]]:
    """A queued sweep job (committed) and the chunks of feature ids to enqueue.

    Raises:
        UnknownCollectionError, FilterError: the collection or the filter is refused.
    """
    params: dict[str, Any] = {
        "collection": collection,
        "as_of": as_of.isoformat(),
        "filter": filter_text or None,
        "kind": kind,
        "industry": industry,
        "buffer_m": buffer_m,
        "chunk_size": chunk_size,
    }
    ids = _selection(session, params)  # refuses a bad collection or filter first
    job = Job(
        kind="sweep",
        status="queued",
        params=params,
        key_id=key.id if key else None,
        worker=worker_id(),
    )
    job.total = len(ids)
    job.progress = 0
    if not ids:
        job.status = "succeeded"
        job.result = {"features": 0, "verdicts": {}}
    session.add(job)
    session.commit()
    return job, _chunks(ids, chunk_size)


def missing_chunks(session: Session, job_id: int) -> list[list[int]]:
    """The chunks of features a sweep has not written yet (for resuming it)."""
    job = session.get(Job, job_id)
    if job is None or job.kind != "sweep":
        return []
    done = set(session.scalars(select(SweepResult.feature_id).where(SweepResult.job_id == job_id)))
    todo = [i for i in _selection(session, job.params) if i not in done]
    if todo and job.status == "failed":
        job.status, job.error = "queued", None
        session.commit()
    return _chunks(todo, int(job.params.get("chunk_size") or CHUNK))


def _row(
    feature_id: int, code: Any, name: Any, body: dict[str, Any] | None, error: str
) -> dict[str, Any]:
    by_outcome: dict[str, list[str]] = {"DENY": [], "REQUIRE": [], "FLAG": []}
    for result in (body or {}).get("results", []):
        if result["outcome"] in by_outcome:
            by_outcome[result["outcome"]].append(result["rule_id"])
    return {
        "feature_id": feature_id,
        "code": None if code is None else str(code),
        "name": None if name is None else str(name),
        "verdict": body["verdict"] if body else None,
        "deny": by_outcome["DENY"],
        "require": by_outcome["REQUIRE"],
        "flag": by_outcome["FLAG"],
        "error": error or None,
    }


def run_chunk(factory: sessionmaker[Session], book: RuleBook, job_id: int, ids: list[int]) -> None:
    """Screen one chunk of a sweep; write its rows and the sweep's progress together."""
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None or job.status in FINAL:
            return
        params = job.params
        done = set(
            session.scalars(
                select(SweepResult.feature_id).where(
                    SweepResult.job_id == job_id, SweepResult.feature_id.in_(ids)
                )
            )
        )
        todo = [i for i in ids if i not in done]
        collection = get_collection(params["collection"])
        table = feature_table(collection.id)
        columns = [table.c.id, func.ST_AsGeoJSON(table.c.geom).label("geojson")]
        for name in ("code", "name", "industry_category", "industry_code"):
            columns.append(table.c[name] if name in table.c else null().label(name))
        features = session.execute(select(*columns).where(table.c.id.in_(todo))).all()
        as_of = date.fromisoformat(params["as_of"])
        rules = resolve_rule_set(session, book, as_of)
        rows = []
        for feature in features:
            industry = str(feature.industry_category or params.get("industry") or "")
            if industry not in rules.industries and feature.industry_code:
                # a category outside the rule set's vocabulary (装备制造, 汽车零部件 …) is
                # screened by its GB/T 4754 code, as a request may ask (industry 其他)
                industry = OTHER_INDUSTRY
            project = ProjectInput(
                name=str(feature.name or feature.code or feature.id),
                geometry=json.loads(feature.geojson),
                industry=industry,
                industry_code=feature.industry_code,
                kind=params["kind"],
                as_of=as_of,
                buffer_m=float(params["buffer_m"]),
            )
            try:
                # a sweep's row has no 环境保护目标 table: their lookups are left out
                body = screen(session, project, book=book, rule_set=rules, targets=False).body
                rows.append(_row(feature.id, feature.code, feature.name, body, ""))
            except GisError as exc:
                session.rollback()
                rows.append(_row(feature.id, feature.code, feature.name, None, exc.detail))
        job = session.get(Job, job_id, with_for_update=True)  # chunks commit one by one
        if job is None:
            return
        if rows:
            session.execute(
                insert(SweepResult)
                .values([{"job_id": job_id, **r} for r in rows])
                .on_conflict_do_nothing()
            )
        job.progress = (
            session.scalar(
                select(func.count()).select_from(SweepResult).where(SweepResult.job_id == job_id)
            )
            or 0
        )
        job.status = "succeeded" if job.progress >= job.total else "running"
        job.error = None
        if job.status == "succeeded":
            job.result = {"features": job.total, "verdicts": verdict_counts(session, job_id)}
        job.updated_at = datetime.now(UTC)
        session.commit()


def verdict_counts(session: Session, job_id: int) -> dict[str, int]:
    """How many features of a sweep got each verdict (``ERROR``: not screened)."""
    verdict = func.coalesce(SweepResult.verdict, "ERROR")
    counts = session.execute(
        select(verdict, func.count()).where(SweepResult.job_id == job_id).group_by(verdict)
    ).all()
    return {str(v): int(n) for v, n in counts}


def results_csv(session: Session, job_id: int) -> Iterator[str]:
    """A sweep's rows as CSV text (header first), by feature id; rules space-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    rows = session.execute(
        select(SweepResult).where(SweepResult.job_id == job_id).order_by(SweepResult.feature_id)
    ).scalars()
    for r in rows:
        writer.writerow(
            [
                r.feature_id,
                r.code or "",
                r.name or "",
                r.verdict or "ERROR",
                " ".join(r.deny),
                " ".join(r.require),
                " ".join(r.flag),
                r.error or "",
            ]
        )
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


#: The export columns in Chinese, as a reviewer's workbook and layer carry them.
EXPORT_TITLES = (
    "要素编号", "编码", "名称", "结论", "禁止（DENY）规则", "需落实（REQUIRE）规则",
    "提示（FLAG）规则", "未筛查原因",
)  # fmt: skip


def _export_rows(session: Session, job: Job) -> tuple[list[tuple[Any, ...]], bool]:
    """Each row of a sweep with its feature's geometry (WKB, 4326); whether it is synthetic.

    Synthetic: the release the sweep screened (in force on its date) is flagged so.
    """
    collection = get_collection(job.params["collection"])
    table = feature_table(collection.id)
    rows = session.execute(
        select(
            SweepResult.feature_id,
            SweepResult.code,
            SweepResult.name,
            func.coalesce(SweepResult.verdict, "ERROR"),
            func.array_to_string(SweepResult.deny, " "),
            func.array_to_string(SweepResult.require, " "),
            func.array_to_string(SweepResult.flag, " "),
            func.coalesce(SweepResult.error, ""),
            func.ST_AsBinary(table.c.geom),
        )
        .join(table, table.c.id == SweepResult.feature_id, isouter=True)
        .where(SweepResult.job_id == job.id)
        .order_by(SweepResult.feature_id)
    ).all()
    swept = release_as_of(session, collection.storage, date.fromisoformat(job.params["as_of"]))
    synthetic = swept is not None and swept.synthetic
    return [tuple(r) for r in rows], synthetic


def results_xlsx(session: Session, job: Job) -> bytes:
    """A sweep's rows as an ``.xlsx`` workbook (Chinese headers; synthetic data said so)."""
    from openpyxl import Workbook  # only when a workbook is asked for
    from openpyxl.styles import Font

    rows, synthetic = _export_rows(session, job)
    book = Workbook()
    sheet = book.active
    if sheet is None:  # pragma: no cover - a new workbook has its sheet
        raise RuntimeError("openpyxl made no sheet")
    sheet.title = "排查结果"
    p = job.params
    sheet.append(
        [
            f"批量排查 {job.id}：{p['collection']}，现状日期 {p['as_of']}，筛选 {p.get('filter') or '全部'}"
        ]
    )
    sheet["A1"].font = Font(bold=True, size=13)
    if synthetic:
        sheet.append([SYNTHETIC_EXPORT_NOTE])
    sheet.append(list(EXPORT_TITLES))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:  # the verdict in words too, as the screening's own workbook gives it
        sheet.append([*row[:3], verdict_text(row[3]) if row[3] != "ERROR" else "错误", *row[4:8]])
    sheet.freeze_panes = f"A{sheet.max_row - len(rows) + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def results_gpkg(session: Session, job: Job, folder: Path) -> Path:
    """A sweep's rows as a GeoPackage layer ``sweep_<id>`` in ``folder`` (EPSG:4326)."""
    import numpy as np
    from pyogrio.raw import write  # only when a GeoPackage is asked for

    rows, synthetic = _export_rows(session, job)
    path = folder / f"sweep-{job.id}.gpkg"
    columns = list(zip(*rows, strict=True)) if rows else [()] * 9
    fields = ["feature_id", "code", "name", "verdict", "deny", "require", "flag", "error"]
    data = [np.asarray(columns[0], dtype=np.int64)] + [
        np.asarray([v or "" for v in c], dtype=object) for c in columns[1:8]
    ]
    write(
        str(path),
        geometry=np.asarray(
            [bytes(g) if g is not None else None for g in columns[8]], dtype=object
        ),
        field_data=data,
        fields=fields,
        layer=f"sweep_{job.id}",
        driver="GPKG",
        geometry_type="Unknown",
        crs="EPSG:4326",
        layer_metadata={"DESCRIPTION": SYNTHETIC_EXPORT_NOTE if synthetic else ""},
    )
    return path


def register_sweep_task(
    app: procrastinate.App,
    factory: sessionmaker[Session],
    settings: QueueSettings,
    book: RuleBook | None = None,
) -> None:
    """Register the chunk task on the queue's ``app`` (workers run it, the API defers it)."""
    rule_book = book or RuleBook()
    retry = procrastinate.RetryStrategy(max_attempts=settings.retries, wait=settings.retry_wait_s)

    def sweep_chunk(context: procrastinate.JobContext, job_id: int, ids: list[int]) -> None:
        attempts = (context.job.attempts if context.job else 0) + 1
        try:
            run_chunk(factory, rule_book, job_id, ids)
        except Exception as exc:
            if attempts > settings.retries:
                mark_interrupted(factory, job_id, type(exc).__name__, attempts, final=True)
            raise

    app.task(name=SWEEP_CHUNK, queue=QUEUE, pass_context=True, retry=retry)(sweep_chunk)


async def enqueue_chunks(app: procrastinate.App, job_id: int, chunks: list[list[int]]) -> list[int]:
    """Defer one queue job per chunk; their queue ids."""
    if not chunks:
        return []
    task = app.tasks[SWEEP_CHUNK]
    kwargs: list[dict[str, JSONValue]] = [
        {"job_id": job_id, "ids": list[JSONValue](ids)} for ids in chunks
    ]
    return await task.batch_defer_async(*kwargs)
