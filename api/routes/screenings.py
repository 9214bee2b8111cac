"""Siting screenings: screen a project against the rules and layers in force, and read them back."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import (
    IdPath,
    OffsetQuery,
    RequestCRS,
    RuleBookDep,
    ScreeningStoreDep,
    SessionDep,
    request_crs,
)
from api.fast_routes import FastRoutes
from api.responses import ORJSONResponse
from api.text_input import CleanStr
from gis.civil_time import today
from gis.coords import gk3_zone_crs
from layers.screening.project import MAX_BUFFER_M, ProjectInput, project_industry
from layers.screening.recheck import recheck
from layers.screening.rules import OTHER_INDUSTRY, EmissionKey, Kind, Verdict
from layers.screening.service import create_screening_async, resolve_rule_set
from layers.screening.storage import get_screening, list_screenings

router = APIRouter(tags=["screenings"])


class Capacity(BaseModel):
    """A production capacity with its unit."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(ge=0, examples=[30])
    unit: CleanStr = Field(min_length=1, max_length=20, examples=["万吨/年"])


class ScreeningCreate(BaseModel):
    """A project to screen (the body of ``POST /screenings``)."""

    model_config = ConfigDict(extra="forbid")

    name: CleanStr = Field(min_length=1, max_length=200, examples=["某化工新建项目"])
    geometry: dict[str, Any] = Field(
        description="GeoJSON Point, LineString, Polygon or Multi* in `crs`",
        examples=[{"type": "Point", "coordinates": [119.0, 32.2]}],
    )
    crs: RequestCRS = None
    industry: CleanStr | None = Field(
        default=None,
        max_length=100,
        description="industry category, e.g. 化工 (see the rule set); may be left out when "
        f"`industry_code` is given ({OTHER_INDUSTRY}: the categories are matched by the code)",
    )
    industry_code: CleanStr | None = Field(
        default=None, max_length=8, description="GB/T 4754-2017 code, e.g. C26 or C2661"
    )
    kind: Kind
    tags: list[Annotated[CleanStr, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list,
        max_length=20,
        description="project facts, e.g. 排放污染物, 供水设施, 有限人为活动, 国家重大项目",
    )
    as_of: date | None = Field(default=None, description="date of the rules and layers; today")
    buffer_m: float = Field(default=500.0, ge=0, le=MAX_BUFFER_M)
    in_park: bool | None = Field(
        default=None,
        description="whether the project lies in an industrial park (default: derived from "
        "the industrial_parks layer)",
    )
    outfall: dict[str, Any] | None = Field(
        default=None,
        description="the project's outfall (排污口) as GeoJSON in `crs`: rules about where "
        "the outlet is measure from it",
        examples=[{"type": "Point", "coordinates": [119.01, 32.2]}],
    )
    emissions: dict[EmissionKey, Annotated[float, Field(ge=0)]] | None = Field(
        default=None,
        description="annual emissions in t/a: VOCs, SO2, NOx, PM, COD, NH3N, TP, heavy_metals",
        examples=[{"VOCs": 12.5, "NOx": 3.0}],
    )
    capacity: Capacity | None = None
    energy_tce: float | None = Field(
        default=None, ge=0, description="annual energy use, tonnes of standard coal (tce)"
    )
    water_m3d: float | None = Field(default=None, ge=0, description="water use, m³/day")
    report_crs: CleanStr | None = Field(
        default=None,
        max_length=100,
        description="the CGCS2000 3-degree Gauss-Krüger zone (EPSG:4513–4554) the reports "
        "list the project's corners (拐点坐标) in, e.g. a county's fixed zone; default: `crs` "
        "when it is such a zone, else the zone of the project's centre",
        examples=["EPSG:4528"],
    )

    def to_input(self) -> ProjectInput:
        """The engine's view of the request.

        Raises:
            ProjectFactError: neither ``industry`` nor ``industry_code`` is given.
        """
        return ProjectInput(
            name=self.name,
            geometry=self.geometry,
            crs=request_crs(self.crs),
            industry=project_industry(self.industry, self.industry_code),
            industry_code=self.industry_code,
            kind=self.kind,
            tags=tuple(self.tags),
            as_of=self.as_of,
            buffer_m=self.buffer_m,
            in_park=self.in_park,
            outfall=self.outfall,
            emissions={str(k): v for k, v in self.emissions.items()}
            if self.emissions is not None
            else None,
            capacity=self.capacity.model_dump() if self.capacity is not None else None,
            energy_tce=self.energy_tce,
            water_m3d=self.water_m3d,
            report_crs=gk3_zone_crs(self.report_crs) if self.report_crs else None,
        )


#: ``POST /screenings`` (see :mod:`api.fast_routes`): the body is validated by the same
#: model straight from the bytes, ~0.45 ms of a screening's ~1.5 ms of Python time less
#: than FastAPI's body handling (bench/RESULTS.md).
fast = FastRoutes(router)


@fast.post(
    "/screenings",
    operation_id="screenings-create_screening",
    status_code=201,
    response_class=ORJSONResponse,
)
async def create_screening_route(body: ScreeningCreate, store: ScreeningStoreDep) -> Response:
    """Screen a project and store the result.

    The verdict is the worst triggered outcome (DENY > REQUIRE > FLAG > PASS). Each rule
    result carries its citation, the measures to require and the features that
    triggered it; `layers` lists the release used per collection and `hits` every
    feature within `buffer_m`.
    """
    screening_id, content = await create_screening_async(store, body.to_input())
    return Response(
        content,
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/screenings/{screening_id}"},
    )


@router.get("/screenings/{screening_id}", operation_id="screenings-get_screening")
def get_screening_route(
    screening_id: IdPath, session: SessionDep, book: RuleBookDep
) -> ORJSONResponse:
    """A stored screening, exactly as it was returned when created."""
    return ORJSONResponse(get_screening(session, screening_id, book))


@router.get("/screenings/{screening_id}/recheck", operation_id="screenings-recheck_screening")
def recheck_screening_route(
    screening_id: IdPath, session: SessionDep, book: RuleBookDep
) -> ORJSONResponse:
    """Re-run a stored screening as of its date with its rule set (复核); nothing is stored.

    `identical` says whether it gives the stored answer; otherwise `differences` lists
    each change as `{path, stored, rechecked}` (`results[RULE@VERSION].outcome`,
    `protection_targets`, `layers` …): what moved under the stored screening since.
    """
    return ORJSONResponse(recheck(session, screening_id, book))


@router.get("/screenings", operation_id="screenings-list_screenings")
def list_screenings_route(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    offset: OffsetQuery = 0,
    q: Annotated[
        CleanStr | None,
        Query(max_length=200, description="a part of the project's name (case-insensitive)"),
    ] = None,
    verdict: Annotated[
        list[Verdict] | None,
        Query(description="only these verdicts (repeat the parameter for several)"),
    ] = None,
) -> ORJSONResponse:
    """Stored screenings, newest first (summaries; GET one for the full result).

    `numberMatched` counts those matching `q` and `verdict`.
    """
    items, total = list_screenings(
        session, limit=limit, offset=offset, q=q or None, verdicts=verdict or ()
    )
    return ORJSONResponse(
        {"screenings": items, "numberMatched": total, "numberReturned": len(items)}
    )


@router.get("/industries", operation_id="screenings-list_industries")
def list_industries(
    session: SessionDep,
    book: RuleBookDep,
    as_of: Annotated[date | None, Query(description="date of the rule set (default today)")] = None,
) -> ORJSONResponse:
    """Industry categories a screening accepts on ``as_of``, with their GB/T 4754 code prefixes.

    They come from the rule set in force, the same one a screening validates against;
    ``tags`` is the vocabulary of project tags it accepts.
    """
    rules = resolve_rule_set(session, book, as_of or today())
    return ORJSONResponse(
        {
            "rule_set": {"id": rules.id, "version": rules.version},
            "industries": [
                {"name": name, "codes": list(ind.codes), "tags": list(ind.tags)}
                for name, ind in rules.industries.items()
            ],
            "tags": [
                {"name": name, "text": tag.text, "withdraws": list(tag.withdraws)}
                for name, tag in rules.tags.items()
            ],
        }
    )
