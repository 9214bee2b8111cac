"""Entry lists (生态环境准入清单): a control unit's clauses with its province's and city's."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import SessionDep
from api.responses import ORJSONResponse
from gis.civil_time import today
from layers.reads.entry_lists import unit_entry_list, zone_entry_list

router = APIRouter(tags=["entry-lists"])

UnitCodePath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        description="the control unit's code (环境管控单元编码), e.g. ZH32028120001",
    ),
]


@router.get("/control-units/{code}/entry-list", operation_id="entry-lists-unit_entry_list")
def unit_entry_list_route(
    code: UnitCodePath,
    session: SessionDep,
    as_of: Annotated[
        date | None, Query(description="date of the lists and units in force (default today)")
    ] = None,
) -> ORJSONResponse:
    """A control unit's 生态环境准入清单 clause by clause, with the province and city lists that apply.

    `levels` lists the province's 总体准入要求, the city's list and the unit's own, in that
    order; each gives its four dimensions (空间布局约束, 污染物排放管控, 环境风险防控,
    资源开发效率要求) with their clauses verbatim, the release they come from and any
    machine-readable conditions. Each level's list is the release of that level in force
    on `as_of`.
    """
    return ORJSONResponse(unit_entry_list(session, code, as_of or today()))


@router.get("/element-zones/{code}/entry-list", operation_id="entry-lists-zone_entry_list")
def zone_entry_list_route(
    code: Annotated[
        str,
        Path(
            min_length=1,
            max_length=40,
            description="the element control zone's code (要素管控分区编码), e.g. YS3202813100001",
        ),
    ],
    session: SessionDep,
    as_of: Annotated[
        date | None, Query(description="date of the lists and zones in force (default today)")
    ] = None,
) -> ORJSONResponse:
    """An element control zone's own 准入 clauses, with the province and city lists that apply.

    `zone` names its layer (生态/水环境/大气环境 管控分区, 土壤污染风险重点管控区,
    高污染燃料禁燃区, 地下水开采管控区) and 要素细类; `levels` gives the province's, the
    city's and the zone's own clauses by dimension, each from its level's release in force
    on `as_of`.
    """
    return ORJSONResponse(zone_entry_list(session, code, as_of or today()))
