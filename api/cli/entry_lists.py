"""The ``import-entry-list`` command: a 生态环境准入清单 spreadsheet into the clause store."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.context import console, err, fail, iso_date, session_scope
from gis.errors import GisError


def import_entry_list_command(
    file: Annotated[Path, typer.Argument(help="the list as .xlsx or .csv (wide or long layout)")],
    release: Annotated[str, typer.Option(help="new release name, e.g. JS-2023-准入清单")],
    valid_from: Annotated[
        date, typer.Option(parser=iso_date, help="date the lists take effect (YYYY-MM-DD)")
    ],
    level: Annotated[
        str | None,
        typer.Option(
            help="province|city|unit|element: the level of every row (default: the file's "
            "管控层级 column, else element for a YS… code, else unit)"
        ),
    ] = None,
    source: Annotated[str, typer.Option(help="where the list comes from")] = "",
    licence: Annotated[str, typer.Option(help="its licence / terms of use")] = "",
    note: Annotated[str, typer.Option(help="free note stored on the release")] = "",
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="label every clause synthetic")
    ] = False,
) -> None:
    """Import FILE's entry lists as release RELEASE of each level it holds (all or nothing)."""
    from layers.ingest.entry_lists import EntryListOptions, cast_level, import_entry_list

    columns = (TextColumn("[bold]clauses"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with session_scope() as session, Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("clauses", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            options = EntryListOptions(
                release=release,
                valid_from=valid_from,
                level=cast_level(level),
                source=source,
                licence=licence,
                note=note,
                synthetic=synthetic,
            )
            report = import_entry_list(session, file, options, progress=progress)
        except GisError as exc:
            session.rollback()
            raise fail(exc) from None
    table = Table(title=f"entry lists {file.name} → release {release}")
    for name in ("level", "release id", "clauses"):
        table.add_column(name)
    for lv, info in report.releases.items():
        table.add_row(lv, str(info["release_id"]), str(info["clauses"]))
    console.print(table)
    console.print(f"{report.clauses} clauses, {report.conditions} machine conditions")
