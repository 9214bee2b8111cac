"""Read-only lookups the pages need: name search across collections, feature geometries.

These are small queries over the catalogue's feature tables (identifiers come from the
catalogue, values are bound parameters). They live beside the pages that use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Select, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from layers.store.catalog import COLLECTIONS, get_collection
from layers.store.models import Release, feature_table
from layers.store.releases import release_as_of

#: Collections searched by name, in the order their hits are listed (the catalogue's
#: ``search_rank``).
SEARCHABLE = tuple(
    c.id
    for c in sorted(
        (c for c in COLLECTIONS if c.search_rank is not None), key=lambda c: c.search_rank or 0
    )
)


@dataclass(frozen=True)
class Place:
    """A search hit: what it is and where to fly."""

    collection: str
    collection_title: str
    feature_id: int
    name: str
    code: str | None
    bbox: tuple[float, float, float, float]

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "collection": self.collection,
            "collection_title": self.collection_title,
            "feature_id": self.feature_id,
            "name": self.name,
            "code": self.code,
            "bbox": list(self.bbox),
        }


def search_places(session: Session, text: str, *, as_of: date, limit: int = 12) -> list[Place]:
    """Features whose name contains ``text`` (or whose code starts with it), as of a date.

    Exact names come first, then shorter names; admin divisions before other layers.
    """
    needle = text.strip()
    if not needle:
        return []
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
    parts: list[Select[Any]] = []
    for rank, collection_id in enumerate(SEARCHABLE):
        release = release_as_of(session, collection_id, as_of)
        if release is None:
            continue
        collection = get_collection(collection_id)
        table = feature_table(collection_id)
        has_code = collection.code_field in collection.field_names
        code_col = table.c[collection.code_field] if has_code else null()
        box = func.Box2D(table.c.geom)
        parts.append(
            select(
                literal(rank).label("rank"),
                literal(collection_id).label("collection"),
                table.c.id,
                table.c.name,
                code_col.label("code"),
                func.ST_XMin(box).label("minx"),
                func.ST_YMin(box).label("miny"),
                func.ST_XMax(box).label("maxx"),
                func.ST_YMax(box).label("maxy"),
            )
            .where(table.c.release_id == release.id)
            .where(
                or_(table.c.name.ilike(pattern, escape="\\"), code_col.startswith(needle))
                if has_code
                else table.c.name.ilike(pattern, escape="\\")
            )
            .limit(limit)
        )
    if not parts:
        return []
    sub = union_all(*parts).subquery()
    stmt = (
        select(sub)
        .order_by(
            (sub.c.name != needle),
            sub.c.rank,
            func.length(sub.c.name),
            sub.c.id,
        )
        .limit(limit)
    )
    titles = {c.id: c.title for c in COLLECTIONS}
    return [
        Place(
            collection=row.collection,
            collection_title=titles[row.collection],
            feature_id=row.id,
            name=row.name or "",
            code=row.code,
            bbox=(row.minx, row.miny, row.maxx, row.maxy),
        )
        for row in session.execute(stmt)
    ]


def feature_geometries(
    session: Session, refs: list[tuple[str, int]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """GeoJSON geometries (lon/lat) of features named by (collection, id); unknown ones left out."""
    by_collection: dict[str, list[int]] = {}
    for collection_id, fid in refs:
        if collection_id in {c.id for c in COLLECTIONS}:
            by_collection.setdefault(collection_id, []).append(int(fid))
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for collection_id, ids in by_collection.items():
        table = feature_table(collection_id)
        stmt = select(table.c.id, func.ST_AsGeoJSON(table.c.geom, 6)).where(table.c.id.in_(ids))
        for fid, text in session.execute(stmt):
            found[(collection_id, fid)] = orjson.loads(text)
    return found


def context_geometries(
    session: Session,
    collection_id: str,
    bbox: tuple[float, float, float, float],
    *,
    as_of: date,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Geometries of a collection inside ``bbox`` (for a report's background), simplified."""
    release = release_as_of(session, collection_id, as_of)
    if release is None:
        return []
    table = feature_table(collection_id)
    envelope = func.ST_MakeEnvelope(*bbox, 4326)
    tolerance = max(bbox[2] - bbox[0], bbox[3] - bbox[1]) / 2000
    stmt = (
        select(
            func.ST_AsGeoJSON(
                func.ST_SimplifyPreserveTopology(
                    func.ST_Intersection(table.c.geom, envelope), tolerance
                ),
                6,
            )
        )
        .where(table.c.release_id == release.id)
        .where(func.ST_Intersects(table.c.geom, envelope))
        .limit(limit)
    )
    return [orjson.loads(text) for (text,) in session.execute(stmt) if text]


def releases_by_id(session: Session, ids: list[int]) -> list[Release]:
    """The releases with these ids, in collection order."""
    if not ids:
        return []
    return list(
        session.scalars(
            select(Release).where(Release.id.in_(ids)).order_by(Release.collection, Release.id)
        )
    )
