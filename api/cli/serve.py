"""Serving the API and the map from the command line."""

from __future__ import annotations

import os

import typer

from api.cli.context import database_failure, err, shown_database_url


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
    worker: bool = True,
) -> None:
    """Serve the API with uvicorn (uvloop + httptools).

    Each server process also runs a job worker, so uploads are imported with nothing else
    running; ``--no-worker`` leaves the queue to ``ecozone worker`` processes. A database
    not migrated to this code's head is refused before serving (exit 1, the fix named);
    one that cannot be reached yet is not: the server answers 503 until it is.
    """
    import uvicorn
    from sqlalchemy.exc import OperationalError

    from layers.store import schema
    from layers.store.db import DatabaseSettings

    try:
        current, head = schema.revisions(DatabaseSettings().url)
    except OperationalError as exc:
        err.print(
            f"[yellow]warning:[/] {database_failure(exc)} Serving anyway: requests that "
            "need the database answer 503 until it is up.",
            highlight=False,
            soft_wrap=True,
        )
    else:
        if current != head:
            err.print(
                f"[bold red]error:[/] the database at {shown_database_url()} is at schema "
                f"revision {current or 'none (never migrated)'}; this code needs {head}: "
                "run `ecozone db upgrade`.",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(code=1)

    if not worker:  # read by the app's settings (APP_API_IN_PROCESS_WORKER) in each process
        os.environ["APP_API_IN_PROCESS_WORKER"] = "false"
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        loop="uvloop",
        http="httptools",
    )
