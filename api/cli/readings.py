"""``ecozone import-readings``: station time series from CSV/xlsx (long or wide layout)."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import OperationalError

from api.cli.context import console, err, fail, rejected, session_scope
from gis.errors import GisError
from layers.errors import ReadingsRejectedError
from layers.store.db import DatabaseSettings, set_statement_timeout

_STAGES = {"check": "检查", "copy": "COPY", "insert": "写入"}


class LayoutChoice(StrEnum):
    """The two file layouts."""

    long = "long"
    wide = "wide"


def import_readings_command(
    file: Annotated[Path, typer.Argument(help="readings as .csv or .xlsx")],
    layout: Annotated[
        LayoutChoice,
        typer.Option(
            help="long: station,time,parameter,value,unit per row; "
            "wide: station, time and one column per pollutant (CNEMC style)"
        ),
    ] = LayoutChoice.long,
) -> None:
    """Import station readings (all or nothing; bad rows are listed by row number).

    Times without a zone are China Standard Time (+08:00); an hour is labelled by its end.
    """
    from layers.ingest.readings import import_readings

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    started = time.perf_counter()
    with session_scope() as session, Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("读取", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=_STAGES.get(stage, stage), completed=done, total=total)

        try:
            set_statement_timeout(session, DatabaseSettings().import_timeout_ms)
            report = import_readings(session, file, layout.value, progress=progress)
            session.commit()
        except (OperationalError, psycopg.errors.QueryCanceled) as exc:
            # cancelled in an SQL statement (wrapped by SQLAlchemy) or in the raw COPY
            if not isinstance(getattr(exc, "orig", exc), psycopg.errors.QueryCanceled):
                raise
            session.rollback()
            err.print(
                "[bold red]error:[/] 导入超过语句超时（APP_DB_IMPORT_TIMEOUT_MS），未导入任何数据；"
                "请调大该设置或分批导入。"
            )
            raise typer.Exit(code=2) from None
        except ReadingsRejectedError as exc:
            session.rollback()
            raise rejected(exc.count, exc.rows) from None
        except GisError as exc:
            session.rollback()
            raise fail(exc) from None
    seconds = time.perf_counter() - started
    rate = report.rows / seconds if seconds > 0 else 0.0
    console.print(
        f"导入 {report.rows} 条读数（年份 {', '.join(map(str, report.years)) or '—'}），"
        f"跳过空值 {report.skipped_missing} 个，用时 {seconds:.1f} s（{rate:,.0f} 行/s）"
    )
    if report.skipped_columns:
        console.print(f"跳过派生列：{', '.join(report.skipped_columns)}")
