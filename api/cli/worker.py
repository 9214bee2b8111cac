"""The job worker: ``ecozone worker`` consumes the job queue, on any machine."""

from __future__ import annotations

import logging

import typer


def worker_command(
    name: str = typer.Option("ecozone-worker", help="the worker's name in logs and the queue"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="log each job"),
) -> None:
    """Run queued imports and sweep chunks until stopped; as many workers, on as many machines.

    Reads ``DATABASE_URL`` like every command. Ctrl-C (SIGINT) or SIGTERM stops it after
    the running job; a worker killed outright has its job retried by another worker
    (``APP_JOBS_RETRIES`` times) or failed with the reason.
    """
    import asyncio

    from api.memory import serving_collector
    from api.queue import make_queue
    from layers.ingest.queue import QueueSettings, run_worker
    from layers.store.db import DatabaseSettings, make_engine, make_sessionmaker

    if verbose:
        logging.getLogger("procrastinate").setLevel(logging.INFO)
        logging.getLogger("layers").setLevel(logging.INFO)
    db, jobs = DatabaseSettings(), QueueSettings()
    engine = make_engine(db)
    factory = make_sessionmaker(engine)
    queue = make_queue(db, jobs, factory)

    async def consume() -> None:
        async with queue.open_async():
            await run_worker(queue, factory, jobs, name=name)

    try:
        with serving_collector():  # as the server's: sweeps screen thousands of features
            asyncio.run(consume())
    finally:
        engine.dispose()
