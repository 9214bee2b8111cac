"""Feature queries: pages of GeoJSON features of a collection as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from layers.catalog import Collection, get_collection
from layers.errors import FeatureNotFoundError
from layers.models import Release, feature_table
from layers.releases import release_as_of


@dataclass
class FeaturePage:
    """A page of features plus what a client needs to walk the collection."""

    features: list[dict[str, Any]]
    number_matched: int | None
    release: Release | None


def _columns(collection: Collection) -> list[ColumnElement[Any]]:
    table = feature_table(collection.id)
    cols: list[ColumnElement[Any]] = [table.c.id, table.c.release_id]
    cols += [table.c[name] for name in collection.field_names]
    cols.append(table.c.synthetic)
    if collection.has_area:
        cols.append(table.c.area_m2)
    cols.append(func.ST_AsGeoJSON(table.c.geom, 7).label("geometry"))
    return cols


def _feature(
    mapping: dict[str, Any], release_name: str | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    geometry = mapping.pop("geometry")
    fid = mapping.pop("id")
    for key, value in mapping.items():
        if isinstance(value, date):
            mapping[key] = value.isoformat()
    if release_name is not None:
        mapping["release"] = release_name
    if extra:
        mapping["source_properties"] = extra
    return {
        "type": "Feature",
        "id": fid,
        "geometry": orjson.Fragment(geometry),
        "properties": mapping,
    }


def bbox_filter(collection_id: str, bbox: tuple[float, float, float, float]) -> ColumnElement[bool]:
    """``ST_Intersects`` with a lon/lat envelope, so the GiST index is used."""
    table = feature_table(collection_id)
    return func.ST_Intersects(table.c.geom, func.ST_MakeEnvelope(*bbox, 4326))


def list_features(
    session: Session,
    collection_id: str,
    *,
    as_of: date,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> FeaturePage:
    """A page of the features of the release in force on ``as_of``, by id."""
    collection = get_collection(collection_id)
    release = release_as_of(session, collection_id, as_of)
    if release is None:
        return FeaturePage(features=[], number_matched=0, release=None)
    table = feature_table(collection_id)
    stmt: Select[Any] = select(*_columns(collection)).where(table.c.release_id == release.id)
    if bbox is not None:
        stmt = stmt.where(bbox_filter(collection_id, bbox))
    stmt = stmt.order_by(table.c.id).limit(limit).offset(offset)
    features = [_feature(dict(row._mapping), release.name) for row in session.execute(stmt)]
    # Without a bbox the release's stored count is exact and free; with one, a count
    # would scan, so it is omitted (OGC API Features allows that).
    matched = release.feature_count if bbox is None else None
    return FeaturePage(features=features, number_matched=matched, release=release)


def get_feature(
    session: Session, collection_id: str, feature_id: int, *, as_of: date | None = None
) -> dict[str, Any]:
    """One feature by id, with its release and source attributes.

    Raises:
        FeatureNotFoundError: no such id, or it is not in the release in force on ``as_of``.
    """
    collection = get_collection(collection_id)
    table = feature_table(collection_id)
    stmt = (
        select(*_columns(collection), table.c.props, Release.name.label("release_name"))
        .join(Release, Release.id == table.c.release_id)
        .where(table.c.id == feature_id)
    )
    if as_of is not None:
        release = release_as_of(session, collection_id, as_of)
        if release is None:
            raise FeatureNotFoundError(collection_id, feature_id)
        stmt = stmt.where(table.c.release_id == release.id)
    row = session.execute(stmt).first()
    if row is None:
        raise FeatureNotFoundError(collection_id, feature_id)
    mapping = dict(row._mapping)
    props = mapping.pop("props")
    release_name = mapping.pop("release_name")
    return _feature(mapping, release_name, props or None)
