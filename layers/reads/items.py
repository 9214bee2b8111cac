"""Item parameters and the single-feature read.

``properties`` / ``sortby`` parsing, the geometry in a requested CRS, and one feature as
GeoJSON built inside PostGIS (:func:`feature_by_id`, used after an edit). Pages of items
and tiles are served by :mod:`layers.reads.fastread`, one statement per page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from sqlalchemy import JSON, ColumnElement, Text, cast, func, literal, select
from sqlalchemy.orm import Session

from gis.crs import CRS84_API, ApiCRS
from layers.errors import FeatureNotFoundError, FilterError
from layers.reads.cql import queryable_names
from layers.store.catalog import Collection, get_collection
from layers.store.models import Release, feature_table
from layers.store.releases import release_as_of

#: numberMatched is counted exactly only when the release is at most this big; above
#: it a filtered count could scan, and OGC API Features allows leaving it out.
COUNT_LIMIT = 10_000

#: Properties every feature may carry besides the catalogue fields.
EXTRA_PROPERTIES = ("release_id", "release", "synthetic", "area_m2")


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
