"""The application factory: lifespan (engine, sessionmaker, read pool), routers and error handlers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.auth import ReadGate
from api.errors import UploadLimitMiddleware, install_error_handlers
from api.headers import SecurityHeadersMiddleware
from api.items_query import limit_component
from api.memory import cap_malloc_arenas, serving_collector
from api.queue import make_queue
from api.read_your_writes import HEADER as LSN_HEADER
from api.read_your_writes import ReadYourWritesMiddleware
from api.responses import ORJSONResponse
from api.routes import (
    collections,
    entry_lists,
    health,
    indicators,
    landing,
    outfalls,
    quality,
    queries,
    rasters,
    rules,
    screenings,
    sweeps,
    tiles,
    writes,
)
from api.settings import ApiSettings
from api.text_input import ControlCharacterMiddleware
from layers.ingest.jobs import recover_interrupted_jobs
from layers.ingest.queue import QueueSettings, queue_pool, run_worker
from layers.reads.cql import check_filter_parser
from layers.reads.replicas import (
    RoutedReader,
    dispose_sessionmakers,
    make_monitor,
    make_read_pools,
    make_replica_sessionmakers,
)
from layers.reads.tiles import TileCache
from layers.screening.rulebook import RuleBook
from layers.screening.stores import PoolScreeningStore, make_screening_pools
from layers.store.db import DatabaseSettings, make_engine, make_sessionmaker
from layers.store.rasters import RasterSettings
from web import project_file
from web import router as web_router


def create_app(
    api: ApiSettings | None = None,
    db: DatabaseSettings | None = None,
    jobs: QueueSettings | None = None,
) -> FastAPI:
    """Build the application; tests pass explicit settings."""
    api = api or ApiSettings()
    db = db or DatabaseSettings()
    jobs = jobs or QueueSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cap_malloc_arenas(api.malloc_arena_max)  # before any pool starts its threads
        check_filter_parser()  # fails start-up if the CQL2 grammar patch did not take
        engine = make_engine(db)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        recover_interrupted_jobs(app.state.sessionmaker)  # jobs a dead process left running
        # the job queue: imports are deferred to it; unless told not to, this process
        # also consumes it (a single-machine install needs no separate worker)
        app.state.queue = make_queue(
            db, jobs, app.state.sessionmaker, RuleBook(app.state.raster_settings.data_dir)
        )
        queue_connections = queue_pool(db, jobs)
        await queue_connections.open(wait=False)  # the server starts while the DB is down
        await app.state.queue.open_async(queue_connections)
        worker = None
        if api.in_process_worker:
            worker = asyncio.create_task(
                run_worker(
                    app.state.queue,
                    app.state.sessionmaker,
                    jobs,
                    name="ecozone-serve",
                    install_signal_handlers=False,
                )
            )
        app.state.tile_cache = TileCache(api.tile_cache_bytes)
        # the read pools: the primary's and, with read URLs, one per replica
        monitor = make_monitor(db)
        app.state.replica_monitor = monitor
        reads = make_read_pools(db, monitor)
        await reads.open()
        app.state.reads = reads
        app.state.reader = RoutedReader(reads)
        app.state.replica_sessionmakers = make_replica_sessionmakers(db, monitor)
        screening_pools = make_screening_pools(db, monitor)
        await screening_pools.open()
        if monitor is not None:
            await monitor.start()
        # rule sets and plans of this app's database
        app.state.rule_book = RuleBook(app.state.raster_settings.data_dir)
        app.state.screening_store = PoolScreeningStore(
            screening_pools, app.state.sessionmaker, app.state.rule_book, db.screening_timeout_ms
        )
        try:
            with serving_collector():  # start-up objects frozen, fewer collector passes
                yield
        finally:
            if worker is not None:  # a running job is cancelled; the queue retries it
                await _stop(worker, jobs.stalled_after_s)
            await queue_connections.close()
            if monitor is not None:
                await monitor.stop()
            await screening_pools.close()
            await reads.close()
            dispose_sessionmakers(app.state.replica_sessionmakers)
            engine.dispose()

    app = FastAPI(
        title=api.title,
        root_path=api.root_path,
        lifespan=lifespan,
        default_response_class=ORJSONResponse,
        docs_url="/docs",
        openapi_url="/api",
        telemetry={"tracing": api.telemetry, "metrics": api.telemetry, "logs": api.telemetry},
    )
    app.state.api_settings = api
    _declare_components(app, api)
    app.state.db_settings = db
    app.state.raster_settings = RasterSettings()
    app.add_middleware(ControlCharacterMiddleware)
    app.add_middleware(ReadYourWritesMiddleware)
    install_error_handlers(app)
    app.add_middleware(
        UploadLimitMiddleware,
        max_bytes=api.max_upload_bytes,
        path_limits={"/web/project-file": project_file.MAX_BYTES},
        idle_timeout=api.body_idle_timeout_s,
    )
    # Outside the upload limit: without a key, a private server answers 401 first.
    app.add_middleware(ReadGate, public_reads=api.public_reads)
    docs = (app.docs_url, app.swagger_ui_oauth2_redirect_url, app.redoc_url)
    app.add_middleware(SecurityHeadersMiddleware, docs_paths=tuple(p for p in docs if p))
    if api.cors_origins:  # outermost: a 401 or 413 carries the CORS headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=api.cors_origins,
            allow_methods=["*"],
            # a browser app on another origin reads a write's position to send it back
            expose_headers=[LSN_HEADER],
        )
    app.include_router(health.router)
    app.include_router(landing.router)
    app.include_router(collections.router)
    app.include_router(tiles.router)
    app.include_router(writes.router)
    app.include_router(screenings.router)
    app.include_router(sweeps.router)
    app.include_router(queries.router)
    app.include_router(rules.router)
    app.include_router(entry_lists.router)
    app.include_router(quality.router)
    app.include_router(rasters.router)
    app.include_router(outfalls.router)
    app.include_router(indicators.router)
    app.include_router(web_router.router)
    # The hottest paths, matched before every other route (api.fast_routes).
    collections.fast.install(app)
    screenings.fast.install(app)
    web_router.mount_static(app)
    return app


async def _stop(worker: asyncio.Task[None], within_s: float) -> None:
    """Cancel the in-process worker and wait for it, cancelling again until it has ended.

    A cancellation that lands while procrastinate's worker is starting or stopping can be
    absorbed by it; a server's shutdown must not wait for ever on that.
    """
    deadline = asyncio.get_running_loop().time() + within_s
    while not worker.done() and asyncio.get_running_loop().time() < deadline:
        worker.cancel()
        await asyncio.wait({worker}, timeout=0.5)
    if worker.done() and not worker.cancelled():
        with contextlib.suppress(Exception):
            worker.result()


def _declare_components(app: FastAPI, api: ApiSettings) -> None:
    """Add the shared OpenAPI components the routes refer to (``limit`` of the items paths)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            parameters = schema.setdefault("components", {}).setdefault("parameters", {})
            parameters["limit"] = limit_component(api)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
