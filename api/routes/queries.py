"""Queries for other systems: features near other features (geodesic metres)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SessionDep
from api.responses import GeoJSONResponse
from api.text_input import CleanStr
from layers.reads.proximity import MAX_DISTANCE_M, LayerQuery, proximity

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
    session: SessionDep,
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
        as_of=body.as_of or date.today(),
        limit=limit,
        timeout_ms=request.app.state.db_settings.proximity_timeout_ms,
    )
    return GeoJSONResponse(result)
