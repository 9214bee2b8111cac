"""The ``ecozone`` command line: migrations, imports, releases, data sets, screening, serving.

Importing the package registers nothing: :func:`build_cli` assembles the commands of
its modules into a new app, and :func:`main` (the console script) runs it. Heavy
imports (Alembic, geopandas, the demo builder, uvicorn) happen inside the commands
that need them, so ``ecozone --help`` stays quick.
"""

from __future__ import annotations

import logging

import typer

from api.cli import (
    context,
    datasets,
    entry_lists,
    network,
    outfalls,
    rasters,
    readings,
    screening,
    store,
    sweep,
    worker,
)
from api.cli.serve import serve


def build_cli() -> typer.Typer:
    """A new ``ecozone`` app with every command; the listing in ``--help`` follows this order."""
    app = typer.Typer(help="ecozone: 生态环境分区管控 layers on PostGIS.", no_args_is_help=True)
    app.command("import")(store.import_command)
    app.command("import-entry-list")(entry_lists.import_entry_list_command)
    app.command("releases")(store.releases_command)
    app.command("retire")(store.retire_command)
    app.command("collections")(store.collections_command)
    app.command("import-readings")(readings.import_readings_command)
    app.command("import-raster")(rasters.import_raster_command)
    app.command("rasters")(rasters.rasters_command)
    app.command("import-outfall-events")(outfalls.import_outfall_events_command)
    app.command("serve")(serve)
    app.command("worker")(worker.worker_command)
    app.command("screen")(screening.screen_command)
    app.command("screen-batch")(screening.screen_batch_command)
    app.command("recheck")(screening.recheck_command)
    app.command("sweep")(sweep.sweep_command)
    app.add_typer(store.db_cli(), name="db")
    app.add_typer(datasets.sample_cli(), name="sample")
    app.add_typer(datasets.demo_cli(), name="demo")
    app.add_typer(store.keys_cli(), name="keys")
    app.add_typer(screening.rules_cli(), name="rules")
    app.add_typer(network.network_cli(), name="network")
    return app


def main() -> None:
    """Entry point of the ``ecozone`` script.

    A database the command cannot use (down, not migrated) is one line on stderr and
    exit code 1, not a traceback; any other error keeps typer's traceback.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        build_cli()()
    except Exception as exc:
        message = context.database_failure(exc)
        if message is None:
            raise
        context.err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None
