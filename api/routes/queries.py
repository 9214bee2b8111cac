"""Queries for other systems: features near others, or up- or downstream along rivers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ReadSessionDep, RequestCRS, request_crs
from api.responses import GeoJSONResponse
from api.text_input import CleanStr
from gis.civil_time import today
from gis.project_geometry import prepare_geometry
from layers.network.trace import DEFAULT_SNAP_M, MAX_SNAP_M, MAX_TRACE_M, trace
from layers.reads.proximity import MAX_DISTANCE_M, LayerQuery, proximity
from layers.store.db import set_statement_timeout

router = APIRouter(tags=["queries"])


class LayerSelection(BaseModel):
    """A collection and an optional CQL2-text filter over its catalogue fields."""

    model_config = ConfigDict(extra="forbid")

    collection: CleanStr = Field(max_length=100, examples=["enterprises"])
    filter: CleanStr | None = Field(default=None, examples=["industry_category = '化工'"])


class ProximityQuery(BaseModel):
    """Body of ``POST /queries/proximity``."""

    model_config = ConfigDict(extra="forbid")

    features: LayerSelection
    near: LayerSelection
    distance_m: float = Field(ge=0, le=MAX_DISTANCE_M)
    as_of: date | None = None


@router.post(
    "/queries/proximity",
    operation_id="queries-proximity",
    response_class=GeoJSONResponse,
)
def proximity_query(
    request: Request,
    body: ProximityQuery,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> GeoJSONResponse:
    """Features of `features` within `distance_m` (geodesic) of any feature of `near`.

    Returns a GeoJSON FeatureCollection sorted by distance; each feature has
    `distance_m` and the nearest target's `near_id`/`near_name`. Filters are CQL2 text
    over the collections' catalogue fields; values are bound, never spliced into SQL.
    """
    result = proximity(
        session,
        LayerQuery(body.features.collection, body.features.filter),
        LayerQuery(body.near.collection, body.near.filter),
        body.distance_m,
        as_of=body.as_of or today(),
        limit=limit,
        timeout_ms=request.app.state.db_settings.proximity_timeout_ms,
    )
    return GeoJSONResponse(result)


#: What a trace looks for unless told: the surface-water receptors and sources.
TRACE_COLLECTIONS = [
    "drinking_water_zones",
    "monitoring_stations",
    "outfalls",
    "enterprises",
]


class TraceQuery(BaseModel):
    """Body of ``POST /queries/upstream`` and ``/queries/downstream``."""

    model_config = ConfigDict(extra="forbid")

    geometry: dict[str, Any] = Field(
        examples=[{"type": "Point", "coordinates": [120.27, 31.95]}],
        description="GeoJSON geometry in `crs`: a point, a line or a polygon near a river",
    )
    crs: RequestCRS = None
    distance_m: float = Field(gt=0, le=MAX_TRACE_M, description="metres along the rivers")
    collections: list[CleanStr] = Field(
        default_factory=lambda: list(TRACE_COLLECTIONS), min_length=1, max_length=12
    )
    snap_m: float = Field(default=DEFAULT_SNAP_M, gt=0, le=MAX_SNAP_M)
    as_of: date | None = None


def _trace(
    request: Request, body: TraceQuery, session: Any, direction: Literal["upstream", "downstream"]
) -> GeoJSONResponse:
    geometry = prepare_geometry(body.geometry, request_crs(body.crs)).geom
    set_statement_timeout(session, request.app.state.db_settings.proximity_timeout_ms)
    result = trace(
        session,
        geometry,
        direction,
        body.distance_m,
        list(dict.fromkeys(body.collections)),
        as_of=body.as_of or today(),
        snap_m=body.snap_m,
    )
    return GeoJSONResponse(result.as_geojson())


@router.post("/queries/upstream", operation_id="queries-upstream", response_class=GeoJSONResponse)
def upstream_query(request: Request, body: TraceQuery, session: ReadSessionDep) -> GeoJSONResponse:
    """Features of `collections` upstream of `geometry` within `distance_m` along the rivers.

    The trace follows the directed river network built from the water release in force
    (`ecozone network build`), climbing every tributary. Each feature carries its
    along-river `distance_m`, the `rivers` on the path, and the path (a LineString in
    the flow direction) as its geometry; `reaches` are the traced river stretches.
    A start farther than `snap_m` from every river is a 422 naming `geometry`; no network
    for the release in force is a 409.
    """
    return _trace(request, body, session, "upstream")


@router.post(
    "/queries/downstream", operation_id="queries-downstream", response_class=GeoJSONResponse
)
def downstream_query(
    request: Request, body: TraceQuery, session: ReadSessionDep
) -> GeoJSONResponse:
    """Features of `collections` downstream of `geometry` within `distance_m` along the rivers.

    As `/queries/upstream`, following the flow (the main stem, never up a tributary).
    """
    return _trace(request, body, session, "downstream")
