"""Proximity queries: features of one collection near (geodesic metres) features of another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, cast, func, select, true
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gis.crs import CHINA_BOUNDS, degrees_per_metre
from layers.errors import InvalidProximityError, QueryTimeoutError, database_error
from layers.reads.features import feature_columns, feature_json
from layers.reads.filters import GEOGRAPHY, parse_filter
from layers.store.catalog import Collection, read_collection
from layers.store.db import set_statement_timeout
from layers.store.models import feature_table
from layers.store.releases import release_as_of

MAX_DISTANCE_M = 50_000.0


@dataclass(frozen=True)
class LayerQuery:
    """A collection (or read view) and an optional CQL2 filter on it."""

    collection: str
    filter: str | None = None

    def condition(self) -> ColumnElement[bool] | None:
        """The filter as an expression (checked against the collection's fields)."""
        read_collection(self.collection)
        return parse_filter(self.collection, self.filter) if self.filter else None


def _of_view(collection: Collection, geom: ColumnElement[Any]) -> list[ColumnElement[bool]]:
    """A read view's condition on its storage table's geometry (none for a collection)."""
    if collection.stored_in is None:
        return []
    return [func.ST_Dimension(geom) == collection.dimension]


def proximity(
    session: Session,
    features: LayerQuery,
    near: LayerQuery,
    distance_m: float,
    *,
    as_of: date,
    limit: int = 1000,
    timeout_ms: int | None = None,
) -> dict[str, Any]:
    """Features of ``features`` within ``distance_m`` of any feature of ``near``.

    Each returned feature carries ``distance_m`` (geodesic, to the nearest target) and
    ``near_id``/``near_name`` of that target; features are sorted by distance. Both
    collections are read in the release in force on ``as_of``.

    Raises:
        CollectionNotFoundError, InvalidFilterError, UnknownFilterFieldError: bad input.
        InvalidProximityError: distance out of range, or the query did not finish within
            ``timeout_ms`` (the statement timeout of the transaction, when given).
    """
    if not 0 <= distance_m <= MAX_DISTANCE_M:
        raise InvalidProximityError(
            f"distance_m must be between 0 and {MAX_DISTANCE_M:,.0f} m.", field="distance_m"
        )
    feature_filter = features.condition()
    near_filter = near.condition()
    collection, target = read_collection(features.collection), read_collection(near.collection)
    src_release = release_as_of(session, collection.storage, as_of)
    dst_release = release_as_of(session, target.storage, as_of)
    base = {
        "type": "FeatureCollection",
        "features": [],
        "releases": {
            features.collection: src_release.id if src_release else None,
            near.collection: dst_release.id if dst_release else None,
        },
        "distance_m": distance_m,
    }
    if src_release is None or dst_release is None:
        return base
    src = feature_table(collection.storage)
    dst = feature_table(target.storage)
    src_geog = cast(src.c.geom, GEOGRAPHY)
    dst_geog = cast(dst.c.geom, GEOGRAPHY)
    k = degrees_per_metre(CHINA_BOUNDS[3], distance_m)
    nearest: Select[Any] = (
        select(
            dst.c.id.label("near_id"),
            dst.c.name.label("near_name"),
            func.ST_Distance(src_geog, dst_geog).label("distance_m"),
        )
        .where(
            dst.c.release_id == dst_release.id,
            # the && box (GiST) and a planar test in degrees, both implied by the geodesic
            # test for features in China, before it (it is what costs on long lines)
            dst.c.geom.op("&&")(func.ST_Expand(src.c.geom, distance_m * k.lon, distance_m * k.lat)),
            func.ST_DWithin(src.c.geom, dst.c.geom, distance_m * k.planar),
            func.ST_DWithin(src_geog, dst_geog, distance_m),
            *_of_view(target, dst.c.geom),
        )
        .order_by("distance_m", dst.c.id)
        .limit(1)
    )
    if near_filter is not None:
        nearest = nearest.where(near_filter)
    lateral = nearest.lateral("nearest")
    stmt = (
        select(
            *feature_columns(collection),
            lateral.c.near_id,
            lateral.c.near_name,
            lateral.c.distance_m,
        )
        .select_from(src)
        .join(lateral, true())
        .where(src.c.release_id == src_release.id, *_of_view(collection, src.c.geom))
        .order_by(lateral.c.distance_m, src.c.id)
        .limit(limit)
    )
    if feature_filter is not None:
        stmt = stmt.where(feature_filter)
    if timeout_ms is not None:
        set_statement_timeout(session, timeout_ms)
    try:
        rows = session.execute(stmt).all()
    except OperationalError as exc:
        if not isinstance(database_error(exc), QueryTimeoutError):
            raise
        seconds = f"{timeout_ms / 1000:g} s" if timeout_ms else "the time limit"
        raise InvalidProximityError(
            f"The proximity query did not finish within {seconds}: use a smaller "
            "distance_m or filter features/near to fewer features.",
            field="distance_m",
        ) from None
    out = []
    for row in rows:
        mapping = dict(row._mapping)
        extra = {
            "distance_m": round(float(mapping.pop("distance_m")), 2),
            "near_collection": near.collection,
            "near_id": mapping.pop("near_id"),
            "near_name": mapping.pop("near_name"),
        }
        feature = feature_json(mapping, None)
        feature["properties"].update(extra)
        out.append(feature)
    base["features"] = out
    base["numberReturned"] = len(out)
    return base
