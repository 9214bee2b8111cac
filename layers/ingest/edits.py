"""Audited writes: feature edits (Features Part 4 style), new releases, keys.

Each public function is one unit of work: it checks, writes, records an audit entry and
commits once, so a write that fails leaves nothing behind (the session is rolled back).

Feature edits act on a release that may be published: the release's ``revision`` is
bumped (tile ETags and caches change with it), its ``feature_count`` and stored ``bbox``
(the collection's extent) are kept right, and the audit log keeps the feature as it was
before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import shapely
from geoalchemy2 import Geography
from geoalchemy2.shape import from_shape
from psycopg import sql as pgsql
from sqlalchemy import TextClause, cast, delete, func, insert, literal, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.civil_time import today
from gis.crs import CRS84_API, ApiCRS
from gis.errors import InvalidGeometryError
from gis.project_geometry import geometry_from_geojson
from layers.errors import (
    FeatureNotFoundError,
    InvalidDateRangeError,
    InvalidFeatureError,
    KeyNotFoundError,
    PreconditionFailedError,
    ReleaseConflictError,
    ReleaseNotFoundError,
)
from layers.ingest.importer import convert_value, resolve_mapping, storage_geometry
from layers.store.catalog import Collection, get_collection
from layers.store.etags import etag_matches, row_etag_sql
from layers.store.keys import record
from layers.store.models import STORAGE_SRID, ApiKey, Release, feature_table
from layers.store.releases import get_release, release_as_of


@dataclass(frozen=True)
class Written:
    """The outcome of a feature write: its id, release and new ETag."""

    feature_id: int
    release: Release
    etag: str


# --- feature bodies ----------------------------------------------------------------------


def _geometry(doc: Any, crs: ApiCRS, collection: Collection) -> Any:
    if not isinstance(doc, dict) or "type" not in doc:
        raise InvalidFeatureError("geometry must be a GeoJSON geometry object.", field="geometry")
    try:
        geom = geometry_from_geojson(doc)
    except InvalidGeometryError as exc:
        raise InvalidFeatureError(exc.detail, field="geometry") from None
    if crs.lat_first:
        geom = shapely.transform(geom, lambda xy: xy[:, ::-1])
    from pyproj import CRS  # lazy: pyproj (~27 MB) only once a feature is written (issue 12)

    source = CRS.from_user_input("OGC:CRS84" if crs == CRS84_API else f"EPSG:{crs.srid}")
    return from_shape(
        storage_geometry(geom, source, collection.geometry, collection.dimensions),
        srid=STORAGE_SRID,
    )


#: The longest string a feature property may hold (README, "Limits").
MAX_PROPERTY_CHARS = 10_000
#: The range of a catalogue integer field (an ``integer`` column).
_INTEGER = (-(2**31), 2**31 - 1)


def _check_strings(props: dict[str, Any]) -> None:
    """Refuse a property string over :data:`MAX_PROPERTY_CHARS` or with a NUL.

    PostgreSQL refuses NUL in text and jsonb; names and nested values are checked alike,
    in O(size).
    """
    stack: list[tuple[str, Any]] = [("properties", props)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key or len(key) > 200:
                    raise InvalidFeatureError(
                        f"{path}: a property name is longer than 200 characters or has a NUL.",
                        field=path,
                    )
                stack.append((f"{path}.{key}", item))
        elif isinstance(value, list):
            stack.extend((path, item) for item in value)
        elif isinstance(value, str):
            if len(value) > MAX_PROPERTY_CHARS:
                raise InvalidFeatureError(
                    f"{path} has {len(value):,} characters; at most {MAX_PROPERTY_CHARS:,}.",
                    field=path,
                )
            if "\x00" in value:
                raise InvalidFeatureError(f"{path} must not contain NUL.", field=path)


def _properties(
    collection: Collection, props: Any, *, partial: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Typed column values and extra (source) attributes of a ``properties`` object.

    Names and aliases of the catalogue map to columns with the importer's conversion and
    code-list normalisation; other names are kept as source attributes. Unless
    ``partial``, every catalogue field not given is set to null.
    """
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raise InvalidFeatureError("properties must be a JSON object.", field="properties")
    _check_strings(props)
    mapping = resolve_mapping(collection, props.keys(), {})
    fields = {f.name: f for f in collection.fields}
    values: dict[str, Any] = {} if partial else dict.fromkeys(collection.field_names)
    extras: dict[str, Any] = {}
    for name, value in props.items():
        target = mapping.get(name)
        if name in ("id", "release") and target is None:
            continue  # read-only members of the read form
        if target is None:
            extras[name] = value
        elif target == "synthetic":
            values["synthetic"] = bool(value)
        else:
            try:
                values[target] = None if value is None else convert_value(fields[target], value)
                number = values[target] if fields[target].type == "int" else None
                if number is not None and not _INTEGER[0] <= number <= _INTEGER[1]:
                    raise ValueError(f"{number} is out of the integer range")
            except (ValueError, TypeError) as exc:
                raise InvalidFeatureError(
                    f"properties.{name}: {exc}.", field=f"properties.{name}"
                ) from None
    return values, extras


def _feature_doc(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict) or doc.get("type") != "Feature":
        raise InvalidFeatureError("The body must be a GeoJSON Feature.", field="type")
    return doc


# --- reading the current row -------------------------------------------------------------


def _on_table(collection_id: str, template: str) -> TextClause:
    """A statement on the collection's table: ``{table}`` its quoted name, ``{etag}`` the row ETag of ``t``.

    Composed by psycopg (an ``Identifier``), never by string formatting.
    """
    statement = pgsql.SQL(template).format(
        table=pgsql.Identifier(feature_table(collection_id).name),
        etag=pgsql.SQL(row_etag_sql("t")),
    )
    return text(statement.as_string(None))


def _current(session: Session, collection_id: str, feature_id: int) -> dict[str, Any]:
    """The stored row (locked), its ETag and its pre-edit snapshot for the audit log."""
    row = (
        session.execute(
            _on_table(
                collection_id,
                "SELECT t.release_id, {etag} AS etag, "
                "to_jsonb(t) - 'geom' AS attrs, ST_AsGeoJSON(t.geom)::jsonb AS geometry, "
                "ST_XMin(t.geom) AS xmin, ST_YMin(t.geom) AS ymin, "
                "ST_XMax(t.geom) AS xmax, ST_YMax(t.geom) AS ymax "
                "FROM {table} AS t WHERE t.id = :fid FOR UPDATE",
            ),
            {"fid": feature_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise FeatureNotFoundError(collection_id, feature_id)
    return dict(row)


def feature_etag(session: Session, collection_id: str, feature_id: int) -> str:
    """The ETag of a stored feature (a hash of its row).

    Raises:
        FeatureNotFoundError: no such feature.
    """
    get_collection(collection_id)
    value = session.scalar(
        _on_table(collection_id, "SELECT {etag} FROM {table} AS t WHERE t.id = :fid"),
        {"fid": feature_id},
    )
    if value is None:
        raise FeatureNotFoundError(collection_id, feature_id)
    return f'"{value}"'


def _lock_release(session: Session, release_id: int) -> None:
    """Lock the release row of an edit, first, in the mode its later UPDATEs need.

    ``FOR NO KEY UPDATE`` does not conflict with the ``KEY SHARE`` lock that a feature
    INSERT's foreign key takes on the same row, and every edit takes it before its own
    INSERT or UPDATE of the release, so edits of one release queue on this lock instead of
    each holding KEY SHARE while waiting to upgrade (which deadlocked concurrent creates).
    """
    session.execute(
        text("SELECT 1 FROM releases WHERE id = :rid FOR NO KEY UPDATE"), {"rid": release_id}
    )


def _release_changed(session: Session, release_id: int, *, count: int = 0) -> None:
    """Bump the release's ``revision`` and add ``count`` to its ``feature_count``.

    One UPDATE, incremented in SQL, so concurrent edits of one release both count (the
    row lock of the UPDATE orders them); tile ETags and caches change with the revision.
    """
    session.execute(
        update(Release)
        .where(Release.id == release_id)
        .values(
            revision=Release.revision + 1,
            feature_count=func.greatest(Release.feature_count + count, 0),
        )
    )


def _check_if_match(if_match: str | None, current: dict[str, Any]) -> None:
    """Refuse the write unless ``If-Match`` names the stored row's ETag (or is ``*``).

    The comparison is strong (RFC 9110 §13.1.1): a weak tag, which the single-feature
    read gives for a non-default representation (another ``crs``, ``properties``),
    never matches, so only the ETag of the default GeoJSON representation allows a write.
    """
    if if_match is None:
        return
    if not etag_matches(if_match, f'"{current["etag"]}"', weak=False):
        raise PreconditionFailedError(
            "If-Match does not match the feature's current ETag; read it again.",
            field="If-Match",
        )


# --- the release's extent ----------------------------------------------------------------

#: A bounding box (minx, miny, maxx, maxy) in CRS84.
Box = tuple[float, float, float, float]

#: Stored boxes are rounded to 7 decimals (as the importer writes them); a geometry this
#: close to an edge of the box is taken to define that edge.
_EDGE = 1e-7


def _geometry_box(session: Session, collection_id: str, feature_id: int) -> Box:
    row = session.execute(
        _on_table(
            collection_id,
            "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) "
            "FROM {table} WHERE id = :fid",
        ),
        {"fid": feature_id},
    ).one()
    return (row[0], row[1], row[2], row[3])


def _box_of(current: dict[str, Any]) -> Box:
    """The bounding box of the stored geometry read by :func:`_current`."""
    return (current["xmin"], current["ymin"], current["xmax"], current["ymax"])


def _may_shrink(stored: list[float], old: Box | None, new: Box | None) -> bool:
    """Whether replacing ``old`` by ``new`` (``None``: nothing) may pull an edge of ``stored`` in.

    Only an edge that ``old`` reached and ``new`` does not reach can move in; every other
    feature lies inside the box already.
    """
    if old is None:
        return False
    lows = (old[i] <= stored[i] + _EDGE and (new is None or new[i] > old[i]) for i in (0, 1))
    highs = (old[i] >= stored[i] - _EDGE and (new is None or new[i] < old[i]) for i in (2, 3))
    return any(lows) or any(highs)


def _keep_extent(
    session: Session, collection_id: str, release_id: int, *, old: Box | None, new: Box | None
) -> None:
    """Keep the release's stored ``bbox`` right after one feature's geometry changed.

    The box (the collection's spatial extent in ``/collections/{id}`` and the TileJSON
    ``bounds``) is written to the release's import report at import, and copied by
    ``copy_from``. An added or moved geometry (``new``) widens it; only when the geometry
    removed or moved away (``old``) reached an edge that ``new`` does not reach can it
    shrink, and then it is recomputed over the release's features (``ST_Extent``, one
    pass over the release's rows). A release left without features has no box.

    The release row is locked first (:func:`_lock_release`), so concurrent edits of one
    release update the box one after the other: the later one reads the box the earlier
    one wrote, and its recomputation (a new statement, READ COMMITTED) sees the earlier
    one's rows.
    """
    report = session.scalar(
        text("SELECT import_report FROM releases WHERE id = :rid FOR NO KEY UPDATE"),
        {"rid": release_id},
    )
    report = dict(report or {})
    stored = report.get("bbox")
    box: list[float] | None
    if isinstance(stored, list) and len(stored) == 4 and not _may_shrink(stored, old, new):
        if new is None:
            return
        box = [
            min(stored[0], new[0]),
            min(stored[1], new[1]),
            max(stored[2], new[2]),
            max(stored[3], new[3]),
        ]
    else:
        row = session.execute(
            _on_table(
                collection_id,
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                "(SELECT ST_Extent(geom) AS e FROM {table} WHERE release_id = :rid) AS s",
            ),
            {"rid": release_id},
        ).one()
        box = None if row[0] is None else [row[0], row[1], row[2], row[3]]
    if box is None:
        report.pop("bbox", None)
    else:
        report["bbox"] = [round(float(v), 7) for v in box]
    if report.get("bbox") == stored:
        return
    release = session.get(Release, release_id)
    if release is not None:
        release.import_report = report


# --- feature writes ----------------------------------------------------------------------


def release_for_write(session: Session, collection_id: str, name: str | None) -> Release:
    """The release a new feature goes to: ``name``, or the one in force today.

    Raises:
        ReleaseNotFoundError: no such release, or none is in force.
    """
    if name is not None:
        return get_release(session, collection_id, name)
    release = release_as_of(session, collection_id, today())
    if release is None:
        raise ReleaseNotFoundError(
            f"No release of '{collection_id}' is in force today; name one with ?release=.",
            field="release",
        )
    return release


def create_feature(
    session: Session,
    key: ApiKey | None,
    collection_id: str,
    doc: Any,
    *,
    crs: ApiCRS = CRS84_API,
    release_name: str | None = None,
    request_id: str | None = None,
) -> Written:
    """Add a feature (a GeoJSON Feature) to a release; audited, committed.

    Raises:
        InvalidFeatureError, InvalidGeometryError, OutOfChinaError: the body.
        ReleaseNotFoundError: no such release, or none in force.
    """
    collection = get_collection(collection_id)
    doc = _feature_doc(doc)
    release = release_for_write(session, collection_id, release_name)
    values, extras = _properties(collection, doc.get("properties"), partial=False)
    _lock_release(session, release.id)
    values.setdefault("synthetic", release.synthetic)
    table = feature_table(collection_id)
    fid = session.scalar(
        insert(table)
        .values(
            release_id=release.id,
            props=extras,
            geom=_geometry(doc.get("geometry"), crs, collection),
            **values,
        )
        .returning(table.c.id)
    )
    if fid is None:  # pragma: no cover - INSERT … RETURNING always returns the row
        raise InvalidFeatureError("The feature was not stored.")
    _set_area(session, collection, fid)
    _release_changed(session, release.id, count=+1)
    _keep_extent(
        session, collection_id, release.id, old=None, new=_geometry_box(session, collection_id, fid)
    )
    record(
        session,
        key,
        "create-feature",
        f"collections/{collection_id}/items/{fid}",
        after=[fid],
        detail={"release": release.name},
        request_id=request_id,
    )
    etag = feature_etag(session, collection_id, fid)
    session.commit()
    return Written(fid, release, etag)


def _set_area(session: Session, collection: Collection, feature_id: int) -> None:
    """Write the geodesic area of one edited feature (bulk imports compute it themselves)."""
    if not collection.has_area:
        return
    table = feature_table(collection.id)
    session.execute(
        update(table)
        .where(table.c.id == feature_id)
        .values(area_m2=func.ST_Area(cast(table.c.geom, Geography)))
    )


def update_feature(
    session: Session,
    key: ApiKey | None,
    collection_id: str,
    feature_id: int,
    doc: Any,
    *,
    merge: bool,
    crs: ApiCRS = CRS84_API,
    if_match: str | None = None,
    request_id: str | None = None,
) -> Written:
    """Replace a feature (PUT) or merge-patch it (PATCH, RFC 7396); audited, committed.

    A replacement needs a geometry and sets every catalogue field not given to null and
    drops the source attributes not given; a merge patch changes only what it names (a
    null property clears it).

    Raises:
        FeatureNotFoundError: no such feature.
        PreconditionFailedError: ``if_match`` is not the feature's ETag.
        InvalidFeatureError, InvalidGeometryError, OutOfChinaError: the body.
    """
    collection = get_collection(collection_id)
    if not isinstance(doc, dict):
        raise InvalidFeatureError("The body must be a JSON object.", field="type")
    if not merge:
        doc = _feature_doc(doc)
    current = _current(session, collection_id, feature_id)
    _check_if_match(if_match, current)
    values, extras = _properties(collection, doc.get("properties"), partial=merge)
    _lock_release(session, int(current["release_id"]))
    if merge:
        props = {**current["attrs"].get("props", {}), **extras}
        props = {k: v for k, v in props.items() if v is not None}
    else:
        props = extras
    changes: dict[str, Any] = {**values, "props": props}
    if "geometry" in doc or not merge:
        changes["geom"] = _geometry(doc.get("geometry"), crs, collection)
    table = feature_table(collection_id)
    session.execute(update(table).where(table.c.id == feature_id).values(**changes))
    release_id = int(current["release_id"])
    if "geom" in changes:
        _set_area(session, collection, feature_id)
        new = _geometry_box(session, collection_id, feature_id)
        _keep_extent(session, collection_id, release_id, old=_box_of(current), new=new)
    _release_changed(session, release_id)
    record(
        session,
        key,
        "patch-feature" if merge else "replace-feature",
        f"collections/{collection_id}/items/{feature_id}",
        before=[feature_id],
        after=[feature_id],
        detail={"before": {**current["attrs"], "geometry": current["geometry"]}},
        request_id=request_id,
    )
    etag = feature_etag(session, collection_id, feature_id)
    release = session.get(Release, release_id)
    session.commit()
    if release is None:  # pragma: no cover - the foreign key forbids it
        raise ReleaseNotFoundError(f"No release {release_id}.")
    return Written(feature_id, release, etag)


def delete_feature(
    session: Session,
    key: ApiKey | None,
    collection_id: str,
    feature_id: int,
    *,
    if_match: str | None = None,
    request_id: str | None = None,
) -> None:
    """Delete a feature from its release; audited (with the feature as it was), committed.

    Raises:
        FeatureNotFoundError: no such feature.
        PreconditionFailedError: ``if_match`` is not the feature's ETag.
    """
    get_collection(collection_id)
    current = _current(session, collection_id, feature_id)
    _check_if_match(if_match, current)
    release_id = int(current["release_id"])
    _lock_release(session, release_id)
    table = feature_table(collection_id)
    session.execute(delete(table).where(table.c.id == feature_id))
    _release_changed(session, release_id, count=-1)
    _keep_extent(session, collection_id, release_id, old=_box_of(current), new=None)
    record(
        session,
        key,
        "delete-feature",
        f"collections/{collection_id}/items/{feature_id}",
        before=[feature_id],
        detail={"before": {**current["attrs"], "geometry": current["geometry"]}},
        request_id=request_id,
    )
    session.commit()


# --- releases ----------------------------------------------------------------------------


def create_release(
    session: Session,
    key: ApiKey | None,
    collection_id: str,
    *,
    name: str,
    valid_from: date,
    valid_to: date | None = None,
    source: str = "",
    licence: str = "",
    note: str = "",
    synthetic: bool = False,
    copy_from: str | None = None,
    request_id: str | None = None,
) -> Release:
    """Create a release, empty or as a copy of another release's features; audited.

    Raises:
        ReleaseConflictError: the name exists already (releases are never overwritten).
        ReleaseNotFoundError: ``copy_from`` names no release.
        InvalidDateRangeError: ``valid_to`` is not after ``valid_from``.
    """
    get_collection(collection_id)
    if valid_to is not None and valid_to <= valid_from:
        raise InvalidDateRangeError(
            f"valid_to {valid_to} must be after valid_from {valid_from}.", field="valid_to"
        )
    exists = session.scalar(
        select(Release.id).where(Release.collection == collection_id, Release.name == name)
    )
    if exists is not None:
        raise ReleaseConflictError(
            f"Release '{name}' of '{collection_id}' exists already; releases are never "
            "overwritten.",
            field="name",
        )
    origin = get_release(session, collection_id, copy_from) if copy_from else None
    if origin is not None:
        origin.import_report = dict(origin.import_report or {})  # load before the insert
    release = Release(
        collection=collection_id,
        name=name,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
        licence=licence,
        note=note,
        source_crs=origin.source_crs if origin else "",
        synthetic=bool(synthetic or (origin.synthetic if origin else False)),
        feature_count=0,
        import_report={"copied_from": origin.name} if origin else {},
        coverage=origin.coverage if origin else None,
        coverage_source=origin.coverage_source if origin else "",
        coverage_adcodes=origin.coverage_adcodes if origin else None,
    )
    try:
        session.add(release)
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ReleaseConflictError(
            f"Release '{name}' of '{collection_id}' exists already.", field="name"
        ) from None
    if origin is not None:
        table = feature_table(collection_id)
        columns = [c for c in table.c if c.name not in ("id", "release_id") and c.computed is None]
        session.execute(
            insert(table).from_select(
                ["release_id", *(c.name for c in columns)],
                select(literal(release.id), *columns).where(table.c.release_id == origin.id),
            )
        )
        release.feature_count = origin.feature_count
        bbox = origin.import_report.get("bbox")
        if bbox:
            release.import_report = {**release.import_report, "bbox": bbox}
    record(
        session,
        key,
        "create-release",
        f"collections/{collection_id}/releases/{name}",
        before=[origin.id] if origin else [],
        after=[release.id],
        detail={"valid_from": valid_from.isoformat(), "copied_from": copy_from},
        request_id=request_id,
    )
    session.commit()
    return release


# --- keys -----------------------------------------------------------------------------


def revoke_key(
    session: Session, key: ApiKey | None, key_id: int, *, request_id: str | None = None
) -> ApiKey:
    """Revoke an API key (it stays listed); audited, committed. Revoking twice is a no-op.

    Raises:
        KeyNotFoundError: no such key.
    """
    target = session.get(ApiKey, key_id)
    if target is None:
        raise KeyNotFoundError(key_id)
    if target.revoked_at is None:
        target.revoked_at = datetime.now(UTC)
        record(
            session,
            key,
            "revoke-key",
            f"keys/{key_id}",
            before=[key_id],
            detail={"name": target.name, "role": target.role},
            request_id=request_id,
        )
        session.commit()
    return target
