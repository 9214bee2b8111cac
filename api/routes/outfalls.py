"""The outfall lifecycle over HTTP: one outfall's history, and the deadline view by city."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import SessionDep
from api.responses import ORJSONResponse
from gis.civil_time import today
from layers.reads.outfalls import CSV_COLUMNS, deadlines, history

router = APIRouter(tags=["outfalls"])


@router.get(
    "/outfalls/deadlines",
    operation_id="outfall-deadlines",
    responses={200: {"content": {"text/csv": {}}}},
)
def outfall_deadlines(
    session: SessionDep,
    as_of: Annotated[date | None, Query(description="date (default: today)")] = None,
    admin: Annotated[
        str | None, Query(max_length=6, description="adcode or prefix (2–6 digits), e.g. 3202")
    ] = None,
    f: Literal["json", "csv"] = "json",
) -> Response:
    """Each outfall's stage on `as_of` against the plans' deadlines, counted per city.

    排查 due 2023-12-31; 整治 due 2023-12-31 for 长江/太湖 outfalls and 2025-12-31 for the
    others (江苏“十四五”生态环境保护规划 Ch.5 §2), unless the outfall has its own 整治时限.
    Remediation is done at the outfall's 销号 event. `f=csv` gives one row per outfall.
    """
    day = as_of or today()
    body = deadlines(session, day, admin)
    if f == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for o in body["items"]:
            writer.writerow(["" if o[c] is None else o[c] for c in CSV_COLUMNS])
        return Response(
            buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="outfall-deadlines-{day.isoformat()}.csv"'
            },
        )
    return ORJSONResponse(body)


@router.get("/outfalls/{code}/history", operation_id="outfall-history")
def outfall_history(
    code: str,
    session: SessionDep,
    as_of: Annotated[
        date | None, Query(description="date of the current stage (default: today)")
    ] = None,
) -> ORJSONResponse:
    """An outfall's 查测溯治 events in order, its stage on `as_of`, deadlines and its feature."""
    return ORJSONResponse(history(session, code, as_of or today()))
