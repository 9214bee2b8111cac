"""The reference reader: the first, SQLAlchemy-built items and tile queries.

The product serves items and tiles through ``layers.reads.fastread`` (one hand-written SQL
statement per request). This independent implementation is kept here, in the tests, as
the oracle the fast path must match byte for byte (``test_fastread.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Text,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from gis.crs import CRS84_API, ApiCRS
from layers.errors import FeatureNotFoundError
from layers.reads.items import COUNT_LIMIT, property_names
from layers.reads.tiles import _WORLD_M, BUFFER, EXTENT, TileKey
from layers.store.catalog import Collection, get_collection
from layers.store.models import Release, feature_table
from layers.store.releases import release_as_of


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


def envelope_from(bbox: tuple[float, float, float, float], crs: ApiCRS) -> ColumnElement[Any]:
    """A bbox given in ``crs`` (x/y order), as a WGS84 polygon for ``ST_Intersects``."""
    env: ColumnElement[Any] = func.ST_MakeEnvelope(*bbox, crs.srid)
    if crs.srid == 4326:
        return env
    # densify first, so the edges of a projected box stay edges after the transform
    step = max(bbox[2] - bbox[0], bbox[3] - bbox[1], 1e-6) / 16
    return func.ST_Transform(func.ST_Segmentize(env, step), 4326)


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


def tile_statement(
    collection: Collection, release_id: int, z: int, x: int, y: int, properties: tuple[str, ...]
) -> Select[Any]:
    """One MVT layer (named after the collection) of the release's features in the tile.

    Geometries are simplified in lon/lat with a tolerance of half a tile pixel at this
    zoom (before the transform, so fewer vertices are projected), then clipped and
    snapped to the 4096 grid by ST_AsMVTGeom.
    """
    table = feature_table(collection.id)
    env = func.ST_TileEnvelope(z, x, y)
    pixel_deg = _WORLD_M / 2**z / EXTENT / 111_320.0
    geom: Any = table.c.geom
    if z < 14 and collection.geometry != "POINT":
        geom = func.ST_Simplify(geom, pixel_deg / 2, True)
    columns: list[Any] = [
        func.ST_AsMVTGeom(func.ST_Transform(geom, 3857), env, EXTENT, BUFFER, True).label("geom"),
        table.c.id,
    ]
    for name in properties:
        column: Any = table.c[name]
        if collection.field(name).type == "text[]":
            column = func.array_to_string(column, ",")
        elif collection.field(name).type == "date":
            column = cast(column, Text)
        columns.append(column.label(name))
    envelope_4326 = func.ST_Transform(func.ST_Expand(env, _WORLD_M / 2**z / EXTENT * BUFFER), 4326)
    rows = (
        select(*columns)
        .where(table.c.release_id == release_id, table.c.geom.op("&&")(envelope_4326))
        .subquery("t")
    )
    return select(
        func.coalesce(
            func.ST_AsMVT(literal_column_record(rows), collection.id, EXTENT, "geom", "id"),
            literal(b""),
        )
    ).select_from(rows)


def literal_column_record(subquery: Any) -> Any:
    """``t.*`` of a subquery as one record argument (ST_AsMVT's first parameter)."""
    from sqlalchemy import literal_column

    return literal_column(f"{subquery.name}.*")


def render_tile(session: Session, collection: Collection, release: Release, key: TileKey) -> bytes:
    """Build the tile's bytes in PostGIS."""
    stmt = tile_statement(collection, release.id, key.z, key.x, key.y, key.properties)
    data = session.scalar(stmt)
    return bytes(data or b"")


# --- one feature (the product reads it with fastread.feature_by_id / feature_in_session) ---


def geometry_in(geom: ColumnElement[Any], crs: ApiCRS) -> ColumnElement[Any]:
    """The stored geometry transformed to ``crs``, in that CRS's axis order."""
    out = geom if crs.srid == 4326 else func.ST_Transform(geom, crs.srid)
    return func.ST_FlipCoordinates(out) if crs.lat_first else out


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
        elif name in collection.field_names and collection.field(name).type == "text[]":
            args.append(func.nullif(table.c[name], literal_column("'{}'")))  # [] is null
        else:
            args.append(table.c[name])
    if with_source:
        args += [literal("source_properties"), table.c.props]
    precision = 7 if crs.srid in (4326, 4490) else 3
    geometry = func.ST_AsGeoJSON(geometry_in(table.c.geom, crs), precision, 0)
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
