"""OGC API Features item queries: GeoJSON built inside PostGIS, returned as bytes.

Every page is one SQL statement whose rows are finished GeoJSON features (text): the
properties, the geometry in the requested CRS and axis order, and the id. Python only
joins them, which keeps the hot read path close to the cost of the query itself (see the
README section "For other systems: OGC API" for the measurements behind this choice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import JSON, ColumnElement, Select, Text, cast, func, literal, select
from sqlalchemy.orm import Session

from gis.crs import CRS84_API, ApiCRS
from layers.catalog import Collection, get_collection
from layers.cql import queryable_names
from layers.errors import FeatureNotFoundError, FilterError
from layers.models import Release, feature_table
from layers.releases import release_as_of

#: numberMatched is counted exactly only when the release is at most this big; above
#: it a filtered count could scan, and OGC API Features allows leaving it out.
COUNT_LIMIT = 10_000

#: Properties every feature may carry besides the catalogue fields.
EXTRA_PROPERTIES = ("release_id", "release", "synthetic", "area_m2")


@dataclass
class ItemsQuery:
    """One items request, already parsed and checked.

    Attributes:
        collection_id: the collection.
        as_of: the date whose release is read.
        bbox: minx, miny, maxx, maxy in ``bbox_crs``, x/y (easting/northing) order.
        bbox_crs: the CRS of ``bbox``.
        where: extra conditions (compiled CQL2 filters) over the collection's table.
        properties: the properties to return (``None``: all).
        sortby: (property, ascending) pairs; the id always breaks ties.
        crs: the CRS of the returned geometries.
        limit: page size.
        offset: rows to skip.
        count_limit: releases up to this size get an exact numberMatched.
    """

    collection_id: str
    as_of: date
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: ApiCRS = CRS84_API
    where: list[ColumnElement[bool]] = field(default_factory=list)
    properties: tuple[str, ...] | None = None
    sortby: tuple[tuple[str, bool], ...] = ()
    crs: ApiCRS = CRS84_API
    limit: int = 100
    offset: int = 0
    count_limit: int = COUNT_LIMIT


@dataclass
class ItemsPage:
    """A page: the features as one JSON array (bytes) and what paging needs."""

    features: bytes
    number_returned: int
    number_matched: int | None
    has_more: bool
    release: Release | None


def property_names(collection: Collection) -> tuple[str, ...]:
    """Every property name a feature of ``collection`` can carry."""
    extra = tuple(p for p in EXTRA_PROPERTIES if p != "area_m2" or collection.has_area)
    return (*collection.field_names, *extra)


def parse_properties(collection: Collection, text: str | None) -> tuple[str, ...] | None:
    """Parse ``properties=a,b``.

    Raises:
        FilterError: it names a property the collection does not have.
    """
    if text is None:
        return None
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    allowed = property_names(collection)
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise FilterError(
            f"properties: '{unknown[0]}' is not a property of '{collection.id}'. "
            f"Properties: {', '.join(allowed)}.",
            field="properties",
        )
    return names


def parse_sortby(collection: Collection, text: str | None) -> tuple[tuple[str, bool], ...]:
    """Parse ``sortby=+a,-b`` (``+`` or no sign ascending, ``-`` descending).

    Raises:
        FilterError: it names something that is not a sortable queryable.
    """
    if not text:
        return ()
    keys: list[tuple[str, bool]] = []
    sortable = [n for n in queryable_names(collection) if n != "geom"]
    for part in text.split(","):
        item = part.strip()
        ascending = not item.startswith("-")
        name = item.lstrip("+-").strip()
        if name not in sortable:
            raise FilterError(
                f"sortby: '{name}' is not sortable in '{collection.id}'. "
                f"Sortable: {', '.join(sortable)}.",
                field="sortby",
            )
        keys.append((name, ascending))
    return tuple(keys)


def geometry_in(geom: ColumnElement[Any], crs: ApiCRS) -> ColumnElement[Any]:
    """The stored geometry transformed to ``crs``, in that CRS's axis order."""
    out = geom if crs.srid == 4326 else func.ST_Transform(geom, crs.srid)
    return func.ST_FlipCoordinates(out) if crs.lat_first else out


def envelope_from(bbox: tuple[float, float, float, float], crs: ApiCRS) -> ColumnElement[Any]:
    """A bbox given in ``crs`` (x/y order), as a WGS84 polygon for ``ST_Intersects``."""
    env: ColumnElement[Any] = func.ST_MakeEnvelope(*bbox, crs.srid)
    if crs.srid == 4326:
        return env
    # densify first, so the edges of a projected box stay edges after the transform
    step = max(bbox[2] - bbox[0], bbox[3] - bbox[1], 1e-6) / 16
    return func.ST_Transform(func.ST_Segmentize(env, step), 4326)


def _feature_json(
    collection: Collection,
    release_name: str | None,
    properties: tuple[str, ...] | None,
    crs: ApiCRS,
    with_source: bool = False,
) -> ColumnElement[str]:
    table = feature_table(collection.id)
    names = properties if properties is not None else property_names(collection)
    args: list[Any] = []
    for name in names:
        args.append(literal(name))
        if name == "release":
            args.append(literal(release_name) if release_name is not None else table.c.release_id)
        else:
            args.append(table.c[name])
    if with_source:
        args += [literal("source_properties"), table.c.props]
    precision = 7 if crs.srid in (4326, 4490) else 3
    geometry = func.ST_AsGeoJSON(geometry_in(table.c.geom, crs), precision)
    return func.json_build_object(
        "type",
        "Feature",
        "id",
        table.c.id,
        "geometry",
        cast(geometry, JSON),
        "properties",
        func.json_build_object(*args),
    ).cast(Text)


def _filtered(query: ItemsQuery, release: Release, collection: Collection) -> Select[Any]:
    table = feature_table(collection.id)
    stmt: Select[Any] = select(table.c.id).where(table.c.release_id == release.id)
    if query.bbox is not None:
        stmt = stmt.where(
            func.ST_Intersects(table.c.geom, envelope_from(query.bbox, query.bbox_crs))
        )
    for condition in query.where:
        stmt = stmt.where(condition)
    return stmt


def items_page(session: Session, query: ItemsQuery) -> ItemsPage:
    """One page of the features of the release in force on ``query.as_of``."""
    collection = get_collection(query.collection_id)
    release = release_as_of(session, collection.id, query.as_of)
    if release is None:
        return ItemsPage(b"[]", 0, 0, False, None)
    table = feature_table(collection.id)
    base = _filtered(query, release, collection)
    stmt = base.with_only_columns(
        _feature_json(collection, release.name, query.properties, query.crs)
    )
    order = [
        table.c[name].asc() if ascending else table.c[name].desc()
        for name, ascending in query.sortby
    ]
    stmt = stmt.order_by(*order, table.c.id).limit(query.limit + 1).offset(query.offset)
    rows = list(session.scalars(stmt))
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    features = ("[" + ",".join(rows) + "]").encode()
    matched: int | None
    if query.bbox is None and not query.where:
        matched = release.feature_count
    elif release.feature_count <= query.count_limit:
        matched = session.scalar(select(func.count()).select_from(base.subquery()))
    else:
        matched = None
    return ItemsPage(features, len(rows), matched, has_more, release)


def feature_by_id(
    session: Session,
    collection_id: str,
    feature_id: int,
    *,
    as_of: date | None = None,
    crs: ApiCRS = CRS84_API,
    properties: tuple[str, ...] | None = None,
) -> bytes:
    """One feature as GeoJSON bytes, with its release and source attributes.

    Raises:
        FeatureNotFoundError: no such id, or it is not in the release in force on ``as_of``.
    """
    collection = get_collection(collection_id)
    table = feature_table(collection_id)
    names = properties if properties is not None else property_names(collection)
    stmt = (
        select(
            _feature_json(
                collection,
                None,
                tuple(n for n in names if n != "release"),
                crs,
                with_source=properties is None,
            ),
            Release.name,
        )
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
    text, release_name = row
    if "release" in names:
        # add the release name without a second JSON round trip
        feature = orjson.loads(text)
        feature["properties"]["release"] = release_name
        return orjson.dumps(feature)
    return str(text).encode()
