"""The plans' indicators of a division on a date, each beside its target, over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.responses import ORJSONResponse
from gis.civil_time import today
from layers.reads.indicators import indicators

router = APIRouter(tags=["indicators"])


@router.get("/indicators", operation_id="indicators")
def indicator_report(
    session: SessionDep,
    admin: Annotated[
        str,
        Query(
            max_length=6,
            description="the division's adcode: 2 (province), 4 (city) or 6 (county) digits",
            examples=["320281"],
        ),
    ],
    as_of: Annotated[date | None, Query(description="date (default: today)")] = None,
) -> ORJSONResponse:
    """The plans' indicators of a division on `as_of`, each beside its plan target.

    自然湿地保护率, 生态保护红线 and 生态空间管控区域 shares of the division's area with the
    只增不减 check against the previous release, PM2.5 and 优良天数比率 (HJ 633-2012 daily
    AQI) and the sections' 优Ⅲ share and 劣Ⅴ count of the last complete year, outfall
    排查/整治 progress against the 2023/2025 deadlines, and control units by class. Each
    has `value`, `unit`, `definition`, `target` (plan document, 约束性/预期性, baseline,
    the digest line it was copied from) and `status`: 达标 / 未达标 / 无数据 (with the
    `reason`) / 无目标 (the plans set no number). Areas are geodesic.
    """
    return ORJSONResponse(indicators(session, admin, as_of or today()))
