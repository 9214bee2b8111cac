"""Serving the API and the map from the command line."""

from __future__ import annotations

import os

import typer

from api.cli.context import err


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
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from layers.store import schema
    from layers.store.db import DatabaseSettings

    url = DatabaseSettings().url
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        current, head = schema.revisions(url)
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        err.print(
            f"[yellow]warning:[/] the database at {shown} is not available ({reason}); "
            "serving anyway: requests that need it answer 503 until it is.",
            highlight=False,
            soft_wrap=True,
        )
    else:
        if current != head:
            err.print(
                f"[bold red]error:[/] the database at {shown} is at schema revision "
                f"{current or 'none (never migrated)'}; this code needs {head}: "
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
