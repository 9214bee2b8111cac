"""``ecozone import-outfall-events``: outfall lifecycle events (查测溯治) from CSV/xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import console, fail, rejected, session_scope
from gis.errors import GisError
from layers.errors import OutfallEventsRejectedError


def import_outfall_events_command(
    file: Annotated[
        Path, typer.Argument(help="events as .csv or .xlsx: 排污口编码, 阶段, 日期, 文件, 备注")
    ],
) -> None:
    """Import outfall lifecycle events (all or nothing; bad rows are listed by row number).

    Stages: 排查 → 监测 → 溯源 → 整治 → 销号; an outfall's stages may not go back in time.
    """
    from layers.ingest.outfall_events import import_outfall_events

    with session_scope() as session:
        try:
            report = import_outfall_events(session, file)
            session.commit()
        except OutfallEventsRejectedError as exc:
            session.rollback()
            raise rejected(exc.count, exc.rows) from None
        except GisError as exc:
            session.rollback()
            raise fail(exc) from None
    console.print(f"导入 {report.events} 条排污口事件（{report.outfalls} 个排污口）")
