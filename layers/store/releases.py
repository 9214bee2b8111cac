"""Releases: listing, "as of" selection, their wire form and retirement.

A release's wire form (JSON) is :func:`release_public` (of an ORM row) or
:func:`release_public_values` (of the same fields read as SQL columns); nothing else
builds it.

The release in force at a date is defined here once (:func:`in_force_on`,
:data:`NEWEST_FIRST`, :func:`select_in_force`) and used by every reader: the ORM
(:func:`release_as_of`), CQL2 ``COLLECTION(...)`` (:mod:`layers.reads.cql`), the screening plan
(:mod:`layers.screening.plan`) and, as SQL text generated from the same select, the hot read
paths (:func:`in_force_sql`, :mod:`layers.reads.fastread`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.orm import Session

from layers.errors import CoverageError, InvalidDateRangeError, ReleaseNotFoundError
from layers.store.catalog import get_collection
from layers.store.models import Release, feature_table


def list_releases(session: Session, collection_id: str | None = None) -> list[Release]:
    """All releases, per collection, newest validity first."""
    stmt = select(Release).order_by(
        Release.collection, Release.valid_from.desc(), Release.id.desc()
    )
    if collection_id is not None:
        get_collection(collection_id)
        stmt = stmt.where(Release.collection == collection_id)
    return list(session.scalars(stmt))


#: The fields of a release's wire form, in order.
PUBLIC_FIELDS = (
    "id",
    "collection",
    "name",
    "valid_from",
    "valid_to",
    "source",
    "licence",
    "note",
    "source_crs",
    "synthetic",
    "feature_count",
    "imported_at",
    "coverage_source",
    "coverage_adcodes",
)
_DATES = ("valid_from", "valid_to", "imported_at")


def release_public_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The wire form of a release from its :data:`PUBLIC_FIELDS` values (dates as ISO text)."""
    out = {name: values[name] for name in PUBLIC_FIELDS}
    for name in _DATES:
        out[name] = out[name].isoformat() if out[name] else None
    return out


def release_public(release: Release) -> dict[str, Any]:
    """The wire form of a release."""
    return release_public_values({name: getattr(release, name) for name in PUBLIC_FIELDS})


def in_force_on(as_of: date | ColumnElement[Any]) -> ColumnElement[bool]:
    """Whether a release is in force on ``as_of``.

    A release is in force from its ``valid_from`` until its ``valid_to`` (exclusive, open
    when null).
    """
    return and_(
        Release.valid_from <= as_of, or_(Release.valid_to.is_(None), Release.valid_to > as_of)
    )


#: Among the releases of a collection in force, the first in this order wins: the one that
#: started latest (a newer release supersedes an older one without the older being
#: edited), then the latest import.
NEWEST_FIRST = (Release.valid_from.desc(), Release.imported_at.desc(), Release.id.desc())


def select_in_force(
    collection_id: str | ColumnElement[Any], as_of: date | ColumnElement[Any], *columns: Any
) -> Select[Any]:
    """The release (``columns``, default the whole row) of a collection in force on ``as_of``."""
    return (
        select(*(columns or (Release,)))
        .where(Release.collection == collection_id, in_force_on(as_of))
        .order_by(*NEWEST_FIRST)
        .limit(literal_column("1"))  # a literal: the SQL text gets no extra parameter
    )


@functools.cache
def in_force_sql(columns: tuple[str, ...], collection: str = "rc", as_of: str = "rd") -> str:
    """:func:`select_in_force` as psycopg SQL text, for statements written as text.

    Its parameters are ``%(<collection>)s`` and ``%(<as_of>)s``; the text is built once
    per shape (``columns`` and parameter names).
    """
    stmt = select_in_force(
        bindparam(collection),
        bindparam(as_of),
        *(Release.__table__.c[name] for name in columns),
    )
    dialect = pg_psycopg.dialect()  # type: ignore[no-untyped-call]
    return " ".join(str(stmt.compile(dialect=dialect)).split())


def release_as_of(session: Session, collection_id: str, as_of: date) -> Release | None:
    """The release of a collection in force on ``as_of`` (:func:`select_in_force`)."""
    return session.scalars(select_in_force(collection_id, as_of)).first()


def get_release(session: Session, collection_id: str, name: str) -> Release:
    """The release of a collection with this name.

    Raises:
        ReleaseNotFoundError: there is none.
    """
    release = session.scalars(
        select(Release).where(Release.collection == collection_id, Release.name == name)
    ).first()
    if release is None:
        raise ReleaseNotFoundError(
            f"No release '{name}' in collection '{collection_id}'.", field="release"
        )
    return release


def retire_release(session: Session, collection_id: str, name: str, valid_to: date) -> Release:
    """Close a release's validity at ``valid_to`` (its features stay, for history).

    Raises:
        ReleaseNotFoundError: no release ``name`` in the collection.
        InvalidDateRangeError: ``valid_to`` is not after the release's ``valid_from``.
    """
    release = get_release(session, collection_id, name)
    if valid_to <= release.valid_from:
        raise InvalidDateRangeError(
            f"valid_to {valid_to} must be after the release's valid_from {release.valid_from}.",
            field="valid_to",
        )
    release.valid_to = valid_to
    session.commit()
    return release


# --- coverage ------------------------------------------------------------------------

#: The collection adcodes are resolved in, and its county level (the default coverage's
#: unit).
ADMIN_COLLECTION = "admin_divisions"
COUNTY_LEVEL = "county"


def six_digit_adcode(prefix: str) -> str | None:
    """A province, city or county adcode (2, 4 or 6 digits) as 6 digits; None if it is not one."""
    text = prefix.strip()
    if not (text.isascii() and text.isdigit() and len(text) in (2, 4, 6)):
        return None
    return text.ljust(6, "0")


def full_adcode(prefix: str) -> str:
    """An adcode prefix as the division's 6-digit code (``32`` → ``320000``).

    Raises:
        CoverageError: not 2, 4 or 6 digits.
    """
    full = six_digit_adcode(prefix)
    if full is None:
        raise CoverageError(
            f"coverage: '{prefix}' is not an adcode: write 2 (province), 4 (city) or 6 "
            "(county) digits, e.g. 32,36 or 320281.",
            field="coverage",
        )
    return full


def _admin_release_on(valid_from: date) -> Any:
    """The id of the ``admin_divisions`` release in force on ``valid_from`` (scalar subquery)."""
    return select_in_force(ADMIN_COLLECTION, valid_from, Release.id).scalar_subquery()


def _union(geoms: Any) -> Any:
    """The polygonal union of a column of geometries, as a MultiPolygon."""
    return func.ST_Multi(func.ST_CollectionExtract(func.ST_Union(geoms), 3))


def _store_coverage(
    session: Session, release: Release, coverage: Any, source: str, adcodes: list[str] | None
) -> None:
    session.execute(
        update(Release)
        .where(Release.id == release.id)
        .values(coverage=coverage, coverage_source=source, coverage_adcodes=adcodes)
    )
    session.expire(release, ["coverage", "coverage_source", "coverage_adcodes"])


def set_auto_coverage(session: Session, release: Release) -> None:
    """Give ``release`` its default coverage; flushes first.

    The county-level administrative divisions its features touch (of the
    ``admin_divisions`` release in force on its ``valid_from``, or of the release itself
    when it is one), and for the features that touch none (data outside the loaded
    divisions) their convex hull buffered by 1 km (geodesic).

    One pass finds the (county, feature) pairs, each county tested against the features
    its box holds (the county, the repeated argument, is prepared once); the hull is the
    hull of the hulls of groups of features, the same polygon at a fraction of the cost
    of one hull over every vertex (this step of a 100,000-feature import with the demo's
    195 counties loaded: 8.2 s → 0.9 s; bench/RESULTS.md).
    """
    session.flush()
    admin, table = feature_table(ADMIN_COLLECTION), feature_table(release.collection)
    admin_release = (
        literal(release.id)
        if release.collection == ADMIN_COLLECTION
        else _admin_release_on(release.valid_from)
    )
    # ``IS TRUE`` keeps the release filter off the index on release_id: ANDed with the
    # spatial index, it read every row of the new release once per county.
    county, feature = admin.alias("county"), table.alias("feature")
    of_release = (feature.c.release_id == release.id).is_(True)
    hits = (
        select(county.c.id.label("county"), feature.c.id.label("feature"))
        .join(feature, func.ST_Intersects(county.c.geom, feature.c.geom))
        .where(county.c.level == COUNTY_LEVEL, county.c.release_id == admin_release, of_release)
        .cte("hits")
        .prefix_with("MATERIALIZED")
    )
    touched = select(admin.c.geom).where(admin.c.id.in_(select(hits.c.county)))
    group_hulls = (
        select(func.ST_ConvexHull(func.ST_Collect(table.c.geom)).label("hull"))
        .where(
            table.c.release_id == release.id,
            ~exists().where(hits.c.feature == table.c.id),
        )
        .group_by(table.c.id // 1024)
        .subquery("group_hulls")
    )
    hull = (
        select(
            func.geometry(
                func.ST_Buffer(
                    func.geography(func.ST_ConvexHull(func.ST_Collect(group_hulls.c.hull))),
                    1000,
                )
            )
        )
        .select_from(group_hulls)
        .having(func.count() > 0)
    )
    parts = union_all(touched, hull).subquery("parts")
    coverage = select(_union(parts.c.geom)).scalar_subquery()
    _store_coverage(session, release, coverage, "auto", None)


def set_adcode_coverage(session: Session, release: Release, adcodes: list[str]) -> None:
    """Give ``release`` the union of the divisions ``adcodes`` name as its coverage.

    The divisions are read from the ``admin_divisions`` release in force on the
    release's ``valid_from``.

    Raises:
        CoverageError: an adcode is malformed or names no division in force then.
    """
    codes = [full_adcode(c) for c in adcodes]
    if not codes:
        raise CoverageError("coverage: give at least one adcode.", field="coverage")
    session.flush()
    admin = feature_table(ADMIN_COLLECTION)
    named = and_(
        admin.c.adcode.in_(codes), admin.c.release_id == _admin_release_on(release.valid_from)
    )
    missing = sorted(set(codes) - set(session.scalars(select(admin.c.adcode).where(named))))
    if missing:
        raise CoverageError(
            f"coverage: no administrative division {', '.join(missing)} is in force on "
            f"{release.valid_from.isoformat()} (import admin_divisions first, or give a "
            "polygon file).",
            field="coverage",
        )
    coverage = select(_union(admin.c.geom)).where(named).scalar_subquery()
    _store_coverage(session, release, coverage, "adcodes", [c.strip() for c in adcodes])


def cover_own_features(session: Session, release: Release) -> int:
    """Extend a given coverage over the release's features that lie outside it.

    A release covers at least where its own features are: a marine layer given the
    provinces' adcodes (land divisions) covers its features at sea too, so a project
    inside one of them is checked, not "outside coverage". The features not covered
    by the coverage add their convex hull buffered by 1 km (geodesic), as the default
    coverage does for features outside every division. Returns how many there were.

    Each feature adds the convex hull of its own part outside, buffered by 1 km
    (geodesic): one hull over all of them would join a sliver at 太仓 to one at 井冈山 and
    cover the provinces between.
    """
    table = feature_table(release.collection)
    current = select(Release.coverage).where(Release.id == release.id).scalar_subquery()
    beyond = (
        select(
            # a geography buffer comes back as a polygon GEOS may find invalid ("side
            # location conflict" in the union of the demo's 707 border slivers): repaired
            func.ST_MakeValid(
                func.geometry(
                    func.ST_Buffer(
                        func.geography(
                            func.ST_ConvexHull(func.ST_Difference(table.c.geom, current))
                        ),
                        1000,
                    )
                )
            ).label("hull")
        )
        .where(table.c.release_id == release.id, ~func.ST_CoveredBy(table.c.geom, current))
        .subquery("beyond")
    )
    n, hull = session.execute(
        select(func.count(), func.ST_AsEWKB(_union(beyond.c.hull))).select_from(beyond)
    ).one()
    if n:
        session.execute(
            update(Release)
            .where(Release.id == release.id)
            .values(
                coverage=func.ST_Multi(
                    func.ST_CollectionExtract(
                        func.ST_Union(Release.coverage, func.ST_GeomFromEWKB(hull)), 3
                    )
                )
            )
        )
    session.expire(release, ["coverage"])
    return int(n)


def set_polygon_coverage(session: Session, release: Release, wkb: bytes) -> None:
    """Give ``release`` a polygon (EWKB, EPSG:4326; polygonal parts kept) as its coverage.

    Raises:
        CoverageError: the geometry has no area.
    """
    session.flush()
    polygon = func.ST_Multi(
        func.ST_CollectionExtract(func.ST_MakeValid(func.ST_GeomFromEWKB(wkb)), 3)
    )
    if session.scalar(select(func.ST_IsEmpty(polygon))):
        raise CoverageError("coverage: the file holds no polygon.", field="coverage")
    _store_coverage(session, release, polygon, "file", None)
