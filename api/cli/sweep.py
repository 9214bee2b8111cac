"""``ecozone sweep``: screen every feature of a collection through the job queue."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from api.cli.context import console, err, fail, iso_date
from gis.civil_time import today
from gis.errors import GisError
from layers.screening.rules import KINDS

#: The sweep's progress bar.
_BAR = (TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def sweep_command(
    collection: Annotated[
        str | None, typer.Option(help="the collection whose features are screened")
    ] = None,
    filter_text: Annotated[
        str | None,
        typer.Option("--filter", help="CQL2 text, e.g. \"industry_category = '化工'\""),
    ] = None,
    as_of: Annotated[
        date | None, typer.Option(parser=iso_date, help="date of rules and layers (today)")
    ] = None,
    kind: Annotated[str, typer.Option(help="the project kind screened")] = KINDS[0],
    industry: Annotated[
        str | None, typer.Option(help="industry of features without industry_category")
    ] = None,
    buffer_m: Annotated[float, typer.Option(help="buffer for the nearest distances")] = 500.0,
    chunk_size: Annotated[int, typer.Option(min=1, max=10_000, help="features per job")] = 200,
    resume: Annotated[
        int | None, typer.Option(help="re-queue what sweep ID has not screened yet")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="wait for the sweep to end, then write its CSV here")
    ] = None,
) -> None:
    """Screen every feature of a collection (as of a date, optionally filtered) in chunks.

    Each chunk is a queued job: any ``ecozone worker`` (or ``ecozone serve``) takes it.
    Progress is the sweep's job (``GET /jobs/{id}``); ``--resume ID`` re-queues the
    features a stopped sweep has not screened; ``--out`` waits and writes the results
    (with no worker running on the database, it screens the chunks itself).
    """
    import asyncio

    from api.queue import make_queue
    from layers.ingest.jobs import set_queue_job
    from layers.ingest.queue import QueueSettings, live_workers
    from layers.screening import sweep
    from layers.store.db import DatabaseSettings, make_engine, make_sessionmaker

    db, jobs = DatabaseSettings(), QueueSettings()
    engine = make_engine(db)
    factory = make_sessionmaker(engine)
    try:
        with factory() as session:
            try:
                if resume is not None:
                    job_id, chunks = resume, sweep.missing_chunks(session, resume)
                else:
                    if collection is None:
                        raise typer.BadParameter("--collection or --resume is required")
                    job, chunks = sweep.create_sweep(
                        session,
                        collection=collection,
                        as_of=as_of or today(),
                        filter_text=filter_text,
                        kind=kind,
                        industry=industry,
                        buffer_m=buffer_m,
                        chunk_size=chunk_size,
                    )
                    job_id = job.id
            except GisError as exc:
                raise fail(exc) from None
        n = sum(len(c) for c in chunks)
        with factory() as session:
            alone = out is not None and live_workers(session, jobs) == 0
        if alone:  # --out would wait for ever: nothing is queued, the chunks are screened here
            console.print(
                "no worker is running (`ecozone worker`, `ecozone serve`): screening here"
            )
            _run_here(factory, job_id, chunks, n)
            console.print(
                f"扫描任务 sweep job {job_id}: {n} features screened in {len(chunks)} chunks "
                "in this process"
            )
        else:
            queue = make_queue(db, jobs, factory)

            async def enqueue() -> list[int]:
                async with queue.open_async():
                    return await sweep.enqueue_chunks(queue, job_id, chunks)

            queued = asyncio.run(enqueue())
            if queued and resume is None:
                set_queue_job(factory, job_id, queued[0])
            console.print(
                f"扫描任务 sweep job {job_id}: {n} features queued in {len(chunks)} chunks"
            )
        if out is None:
            console.print(f"progress: GET /jobs/{job_id}; run `ecozone worker` to process it")
            return
        _wait_and_export(factory, job_id, out)
    finally:
        engine.dispose()


def _run_here(
    factory: sessionmaker[Session], job_id: int, chunks: list[list[int]], total: int
) -> None:
    """Screen a sweep's chunks in this process, as a worker would, with a progress bar."""
    from api.memory import serving_collector
    from layers.screening import sweep
    from layers.screening.rulebook import RuleBook

    book = RuleBook()
    with serving_collector(), Progress(*_BAR, console=err) as bar:
        task = bar.add_task("features", total=total)
        for ids in chunks:
            sweep.run_chunk(factory, book, job_id, ids)
            bar.advance(task, len(ids))


def _wait_and_export(factory: sessionmaker[Session], job_id: int, out: Path) -> None:
    from layers.ingest.jobs import FINAL
    from layers.screening import sweep
    from layers.store.models import Job

    with Progress(*_BAR, console=err) as bar:
        task = bar.add_task("features", total=None)
        while True:
            with factory() as session:
                job = session.get(Job, job_id)
                if job is None:
                    raise typer.Exit(code=2)
                bar.update(task, completed=job.progress, total=job.total)
                if job.status in FINAL:
                    break
            time.sleep(0.5)
    with factory() as session, out.open("w", encoding="utf-8", newline="") as fh:
        for part in sweep.results_csv(session, job_id):
            fh.write(part)
        counts = sweep.verdict_counts(session, job_id)
    console.print(f"sweep {job_id} {job.status}: {counts}; written to {out}")
