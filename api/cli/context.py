"""What every command of the CLI shares: the consoles, a database session, dates, the error exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from gis.errors import GisError
from layers.errors import DatabaseSchemaError, DatabaseUnavailableError, database_error
from layers.store.db import DatabaseSettings, make_engine, make_sessionmaker

console = Console()
err = Console(stderr=True)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session on ``DATABASE_URL`` for one command; the engine is disposed afterwards."""
    engine = make_engine(DatabaseSettings())
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def iso_date(value: str) -> date:
    """Parse a YYYY-MM-DD option; a malformed one is a usage error naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (YYYY-MM-DD).") from None


def fail(exc: GisError) -> typer.Exit:
    """Print a domain error (with the input it names) and return the exit to raise (code 2)."""
    where = f" [{exc.field}]" if exc.field else ""
    err.print(f"[bold red]error{where}:[/] {exc.detail}")
    return typer.Exit(code=2)


def shown_database_url() -> str:
    """``DATABASE_URL`` as the commands name it: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(DatabaseSettings().url).render_as_string(hide_password=True)


def database_failure(exc: BaseException) -> str | None:
    """One line for a database a command cannot use (down, not migrated), else None.

    Names the database (:func:`shown_database_url`), the driver's reason and the fix,
    instead of a page of traceback.
    """
    problem = database_error(exc)
    if isinstance(problem, DatabaseSchemaError):
        return f"{problem.detail} DATABASE_URL={shown_database_url()}"
    if not isinstance(problem, DatabaseUnavailableError):
        return None
    cause = getattr(exc, "orig", None) or exc
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return (
        f"the database at {shown_database_url()} is not available: {reason}. Start "
        "PostgreSQL (`scripts/postgis.sh ensure` finds or starts one and prints its URL) "
        "or set DATABASE_URL."
    )


def rejected(count: int, rows: list[dict[str, object]]) -> typer.Exit:
    """Print a refused file's bad rows (row, field, reason) and return the exit (code 2)."""
    table = Table(title=f"{count} 行有误，未导入任何数据")
    for column in ("行", "字段", "原因"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["row"]), str(row["field"]), str(row["reason"]))
    err.print(table)
    if count > len(rows):
        err.print(f"（仅列出前 {len(rows)} 行）")
    return typer.Exit(code=2)
