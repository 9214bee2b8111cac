"""The hot read paths as single SQL statements: one round trip per request.

Items pages, single features and vector tiles are answered by one statement each that
selects the release in force *and* builds the answer (GeoJSON text or MVT bytes) inside
PostgreSQL, so a request costs one round trip on an already open connection: no
pre-ping, no separate release lookup, no ORM. The statements are text built only from
catalogue identifiers (checked against :data:`_IDENT`) and bound parameters; CQL2
filters arrive as :class:`Fragment` s compiled by :mod:`layers.reads.cql` (SQLAlchemy, psycopg
dialect) or, for the two common point forms, by :func:`point_filter` without a parser.

The same SQL runs on either an async psycopg pool (:class:`PoolReader`, the server) or a
sync SQLAlchemy session (:class:`SessionReader`, tests that read inside a rolled-back
transaction), so what is tested is what is served.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.orm import Session

from gis.crs import CRS84_API, ApiCRS, degrees_per_metre
from layers.errors import FeatureNotFoundError, QueryTimeoutError, ServerBusyError
from layers.reads.cql import _MAX_DISTANCE_M, FilterContext, build_filter
from layers.reads.items import COUNT_LIMIT, property_names
from layers.reads.tiles import _WORLD_M, BUFFER, EXTENT, TileKey
from layers.store.catalog import Collection, get_collection
from layers.store.db import DatabaseSettings
from layers.store.etags import row_etag_sql
from layers.store.models import feature_table
from layers.store.releases import PUBLIC_FIELDS, in_force_sql, release_public_values

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]
_PARAM = re.compile(r"(?<!%)%\((\w+)\)s")

#: The release columns a page reports (``release_public``) plus the revision.
RELEASE_COLUMNS = (*PUBLIC_FIELDS, "revision")


def _ident(name: str) -> str:
    """A catalogue identifier, checked, for use in SQL text."""
    if not _IDENT.match(name):  # pragma: no cover - the catalogue only has such names
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


def _lit(name: str) -> str:
    """A catalogue identifier as a SQL string literal (JSON keys, layer names)."""
    return f"'{_ident(name)}'"


# --- filters as SQL fragments --------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    """A boolean SQL condition over a collection's table, with its bound parameters."""

    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def renamed(self, prefix: str) -> Fragment:
        """The same condition with every parameter name prefixed (to combine fragments)."""
        sql = _PARAM.sub(lambda m: f"%({prefix}{m.group(1)})s", self.sql)
        return Fragment(sql, {prefix + k: v for k, v in self.params.items()})


def expression_fragment(collection: Collection, expr: ColumnElement[bool]) -> Fragment:
    """Compile a SQLAlchemy condition (e.g. a compiled CQL2 filter) to a fragment.

    It is compiled as the WHERE clause of a query on the collection's table, so
    correlated subqueries (``COLLECTION(...)``) correlate as they do in a full query.
    """
    table = feature_table(collection.id)
    compiled = (
        select(table.c.id)
        .where(expr)
        .compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    )
    text = str(compiled)
    _head, sep, where = text.partition("\nWHERE ")
    if not sep:  # pragma: no cover - a where() always renders one
        raise ValueError("condition did not compile to a WHERE clause")
    return Fragment(where, dict(compiled.params))


_NUM = r"-?\d+(?:\.\d+)?"
_WS = r"\s*"
_POINT = rf"POINT{_WS}\({_WS}({_NUM})\s+({_NUM}){_WS}\)"
_INTERSECTS_POINT = re.compile(
    rf"{_WS}(?i:S_INTERSECTS){_WS}\({_WS}geom{_WS},{_WS}(?i:{_POINT}){_WS}\){_WS}"
)
_DWITHIN_POINT = re.compile(
    rf"{_WS}(?i:S_DWITHIN_M){_WS}\({_WS}geom{_WS},{_WS}(?i:{_POINT}){_WS},{_WS}({_NUM}){_WS}\){_WS}"
)


def point_filter(collection: Collection, text: str) -> Fragment | None:
    """``S_INTERSECTS(geom, POINT(x y))`` and ``S_DWITHIN_M(geom, POINT(x y), m)`` without a parser.

    These two cql2-text forms (CRS84 literals) are most of the filtered traffic; parsing
    them with the full CQL2 grammar costs more than the query. The SQL is what
    :mod:`layers.reads.cql` compiles for them. Anything else, or a distance out of range
    (which gets the compiler's error), returns ``None``.
    """
    table = _ident(feature_table(collection.id).name)
    m = _INTERSECTS_POINT.fullmatch(text)
    if m is not None:
        x, y = float(m.group(1)), float(m.group(2))
        sql = f"ST_Intersects({table}.geom, ST_SetSRID(ST_MakePoint(%(fx)s, %(fy)s), 4326))"
        return Fragment(sql, {"fx": x, "fy": y})
    m = _DWITHIN_POINT.fullmatch(text)
    if m is not None:
        x, y, distance = float(m.group(1)), float(m.group(2)), float(m.group(3))
        if not 0 <= distance <= _MAX_DISTANCE_M:
            return None
        point = "ST_SetSRID(ST_MakePoint(%(fx)s, %(fy)s), 4326)"
        sql = (
            f"({table}.geom && ST_Expand({point}, %(fpx)s, %(fpy)s) AND "
            f"ST_DWithin({table}.geom, {point}, %(fpd)s) AND "
            f"ST_DWithin(CAST({table}.geom AS geography), CAST({point} AS geography), %(fd)s))"
        )
        # the box and the planar pre-test (cheap) implied by the geodesic one, around this
        # point's latitude, in front of the geodesic test
        k = degrees_per_metre(y, distance)
        params = {
            "fx": x,
            "fy": y,
            "fpx": distance * k.lon,
            "fpy": distance * k.lat,
            "fpd": distance * k.planar,
            "fd": distance,
        }
        return Fragment(sql, params)
    return None


def filter_fragment(text: str, lang: str, ctx: FilterContext) -> Fragment:
    """A CQL2 filter as a SQL fragment (the point forms fast, the rest through the compiler).

    Raises:
        FilterError: the filter is invalid (see :func:`layers.reads.cql.build_filter`).
    """
    if lang == "cql2-text" and ctx.geometry_srid == 4326 and not ctx.geometry_lat_first:
        fast = point_filter(ctx.collection, text)
        if fast is not None:
            return fast
    return expression_fragment(ctx.collection, build_filter(text, lang, ctx))


# --- readers -------------------------------------------------------------------------


class Reader(Protocol):
    """Runs one statement and returns its rows."""

    async def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """All rows of ``sql`` with ``params``."""
        ...


async def pool_connection(pool: AsyncConnectionPool[Any]) -> psycopg.AsyncConnection[Any]:
    """A connection of ``pool``; a pool with none free within its timeout is busy.

    Raises:
        ServerBusyError: every connection stayed in use for the pool's timeout.
    """
    try:
        conn: psycopg.AsyncConnection[Any] = await pool.getconn()
    except PoolTimeout:
        raise ServerBusyError() from None
    return conn


class PoolReader:
    """Statements on an async psycopg pool (autocommit, prepared, binary results)."""

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        """Read through ``pool``."""
        self.pool = pool

    async def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """All rows; a connection the server dropped is replaced and the statement retried once."""
        return await fetch_on_pool(self.pool, sql, params)


async def fetch_on_pool(
    pool: AsyncConnectionPool[Any], sql: str | bytes, params: Any, *, raw: bool = False
) -> list[tuple[Any, ...]]:
    """Run one prepared statement on ``pool`` and return all its rows.

    ``raw``: positional ``$n`` parameters and text results (``AsyncRawCursor``), else
    named parameters and binary results. A connection the server dropped is replaced and
    the statement retried once.

    Raises:
        QueryTimeoutError: the statement ran into its statement timeout.
        ServerBusyError: no connection was free within the pool's timeout.
    """
    for attempt in (0, 1):
        try:
            # getconn/putconn rather than ``pool.connection()``: the same checkout
            # and return without an async context manager per request.
            conn = await pool_connection(pool)
            try:
                if raw:
                    cursor = psycopg.AsyncRawCursor(conn)
                    await cursor.execute(sql, params, prepare=True)
                    return await cursor.fetchall()
                cur = await conn.execute(sql, params, prepare=True, binary=True)
                rows: list[tuple[Any, ...]] = await cur.fetchall()
                return rows
            finally:
                await pool.putconn(conn)
        except psycopg.errors.QueryCanceled:
            raise QueryTimeoutError() from None
        except psycopg.OperationalError:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class SessionReader:
    """Statements on a sync SQLAlchemy session (run in a worker thread)."""

    def __init__(self, session: Session) -> None:
        """Read through ``session`` (its transaction, so uncommitted rows are seen)."""
        self.session = session

    async def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """All rows."""

        def run() -> list[tuple[Any, ...]]:
            result = self.session.connection().exec_driver_sql(sql, dict(params))
            return [tuple(row) for row in result]

        return await asyncio.to_thread(run)


def libpq_url(settings: DatabaseSettings) -> str:
    """The settings' URL without SQLAlchemy's driver suffix."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", settings.url)


def make_read_pool(settings: DatabaseSettings) -> AsyncConnectionPool[Any]:
    """An (unopened) async pool for the read paths; open it with ``await pool.open()``."""
    return make_pool(
        settings,
        name="ecozone-read",
        min_size=settings.read_pool_min_size,
        max_size=settings.read_pool_max_size,
        statement_timeout_ms=settings.read_timeout_ms,
    )


def make_pool(
    settings: DatabaseSettings,
    *,
    name: str,
    min_size: int,
    max_size: int,
    statement_timeout_ms: int,
) -> AsyncConnectionPool[Any]:
    """An (unopened) autocommit pool whose statements are cancelled after the timeout."""
    options = (
        f"-c statement_timeout={statement_timeout_ms} "
        f"-c plan_cache_mode={settings.read_plan_cache_mode}"
    )
    return AsyncConnectionPool(
        libpq_url(settings),
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True, "options": options},
        open=False,
        name=name,
        timeout=settings.pool_timeout_s,
    )


# --- the release in force (its SQL: layers.store.releases.in_force_sql) ------------------------


def release_public_row(row: Sequence[Any]) -> dict[str, Any]:
    """The wire form of a release from :data:`RELEASE_COLUMNS` (``release_public_values``).

    Built once per distinct row (the same release heads every page); the dict is
    shared, so callers must not change it.
    """
    key = tuple(row)
    cached = _RELEASES.get(key)
    if cached is not None:
        return cached
    out = release_public_values(dict(zip(RELEASE_COLUMNS, row, strict=False)))
    if len(_RELEASES) > 1024:
        _RELEASES.clear()
    _RELEASES[key] = out
    return out


_RELEASES: dict[tuple[Any, ...], dict[str, Any]] = {}


# --- items ---------------------------------------------------------------------------


def _geometry_sql(table: str, crs: ApiCRS) -> str:
    geom = f"{table}.geom"
    if crs.srid != 4326:
        geom = f"ST_Transform({geom}, {int(crs.srid)})"
    if crs.lat_first:
        geom = f"ST_FlipCoordinates({geom})"
    precision = 7 if crs.srid in (4326, 4490) else 3
    return f"CAST(ST_AsGeoJSON({geom}, {precision}) AS JSON)"


def feature_json_sql(
    collection: Collection,
    names: Sequence[str],
    crs: ApiCRS,
    release_sql: str,
    *,
    with_source: bool = False,
    release_last: bool = False,
) -> str:
    """A GeoJSON Feature (json) of a row of the collection's table, as ``layers.reads.items`` builds it."""
    table = _ident(feature_table(collection.id).name)
    args: list[str] = []
    for name in names:
        if release_last and name == "release":
            continue
        args += [_lit(name), release_sql if name == "release" else f"{table}.{_ident(name)}"]
    if with_source:
        args += [_lit("source_properties"), f"{table}.props"]
    if release_last and "release" in names:
        args += [_lit("release"), release_sql]
    return (
        f"json_build_object('type', 'Feature', 'id', {table}.id, "
        f"'geometry', {_geometry_sql(table, crs)}, "
        f"'properties', json_build_object({', '.join(args)}))"
    )


def _envelope_sql(crs: ApiCRS) -> str:
    env = f"ST_MakeEnvelope(%(bx0)s, %(by0)s, %(bx1)s, %(by1)s, {int(crs.srid)})"
    if crs.srid == 4326:
        return env
    return f"ST_Transform(ST_Segmentize({env}, %(bstep)s), 4326)"


@dataclass
class ItemsRequest:
    """One items request, parsed and checked (checked against the reference reader in tests/ogc/reference_reader.py)."""

    collection_id: str
    as_of: date
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: ApiCRS = CRS84_API
    where: list[Fragment] = field(default_factory=list)
    properties: tuple[str, ...] | None = None
    sortby: tuple[tuple[str, bool], ...] = ()
    crs: ApiCRS = CRS84_API
    limit: int = 100
    offset: int = 0
    count_limit: int = COUNT_LIMIT


@dataclass
class ItemsResult:
    """A page: the features as one JSON array (bytes), paging facts and the release."""

    features: bytes
    number_returned: int
    number_matched: int | None
    has_more: bool
    release: dict[str, Any] | None


def items_sql(query: ItemsRequest) -> tuple[str, dict[str, Any]]:
    """The one statement of an items page and its parameters.

    Its single row: the release columns, the page's features joined by commas, the
    number of rows read (``limit + 1`` means there are more) and numberMatched.
    No row: no release is in force. The text depends only on the page's shape (not on
    coordinates, dates or paging), so it is built once per shape (:func:`_items_text`).
    """
    params: dict[str, Any] = {
        "rc": query.collection_id,
        "rd": query.as_of,
        "lim": query.limit,
        "lim1": query.limit + 1,
        "off": query.offset,
    }
    if query.bbox is not None:
        params.update(zip(("bx0", "by0", "bx1", "by1"), query.bbox, strict=True))
        if query.bbox_crs.srid != 4326:
            b = query.bbox
            params["bstep"] = max(b[2] - b[0], b[3] - b[1], 1e-6) / 16
    for i, fragment in enumerate(query.where):
        prefix = f"w{i}_"
        params.update({prefix + k: v for k, v in fragment.params.items()})
    if query.bbox is not None or query.where:
        params["cl"] = query.count_limit
    sql = _items_text(
        query.collection_id,
        query.bbox_crs if query.bbox is not None else None,
        tuple(f.sql for f in query.where),
        query.properties,
        query.sortby,
        query.crs,
    )
    return sql, params


@functools.lru_cache(maxsize=1024)
def _items_text(
    collection_id: str,
    bbox_crs: ApiCRS | None,
    where_sql: tuple[str, ...],
    properties: tuple[str, ...] | None,
    sortby: tuple[tuple[str, bool], ...],
    crs: ApiCRS,
) -> str:
    """The SQL text of :func:`items_sql` for one page shape."""
    collection = get_collection(collection_id)
    table = _ident(feature_table(collection.id).name)
    conds = [f"{table}.release_id = r.id"]
    if bbox_crs is not None:
        conds.append(f"ST_Intersects({table}.geom, {_envelope_sql(bbox_crs)})")
    for i, fragment_sql in enumerate(where_sql):
        conds.append(f"({Fragment(fragment_sql).renamed(f'w{i}_').sql})")
    where = " AND ".join(conds)
    names = properties if properties is not None else property_names(collection)
    feature = feature_json_sql(collection, names, crs, "r.name")
    keys = [(f"s{i}", name, asc) for i, (name, asc) in enumerate(sortby)]
    inner_cols = "".join(f", {table}.{_ident(name)} AS {k}" for k, name, _ in keys)
    inner_order = ", ".join(
        [f"{table}.{_ident(name)} {'ASC' if asc else 'DESC'}" for _, name, asc in keys]
        + [f"{table}.id"]
    )
    outer_order = ", ".join([f"p.{k} {'ASC' if asc else 'DESC'}" for k, _, asc in keys] + ["p.fid"])
    if bbox_crs is None and not where_sql:
        matched = "r.feature_count"
    else:
        # A page that is not full (or an empty first page) already tells the count:
        # offset + rows read. Only a full page, or a page past the end, counts again
        # (the filter is evaluated a second time, which doubled a geodesic query's cost).
        matched = (
            f"CASE WHEN r.feature_count <= %(cl)s THEN CASE "
            "WHEN pg.n BETWEEN 1 AND %(lim)s THEN %(off)s + pg.n "
            "WHEN pg.n = 0 AND %(off)s = 0 THEN 0 "
            f"ELSE (SELECT count(*) FROM {table} WHERE {where}) END END"
        )
    return (
        f"WITH r AS ({in_force_sql(RELEASE_COLUMNS)}) "
        f"SELECT {', '.join('r.' + c for c in RELEASE_COLUMNS)}, pg.features, pg.n, {matched} "
        "FROM r CROSS JOIN LATERAL ("
        f"SELECT array_to_string((array_agg(p.f ORDER BY {outer_order}))[1:%(lim)s], ',') "
        "AS features, count(*) AS n FROM ("
        f"SELECT CAST({feature} AS TEXT) AS f{inner_cols}, {table}.id AS fid "
        f"FROM {table} WHERE {where} ORDER BY {inner_order} "
        "LIMIT %(lim1)s OFFSET %(off)s) p) pg"
    )


async def items_page(reader: Reader, query: ItemsRequest) -> ItemsResult:
    """One page of the features of the release in force on ``query.as_of``: one round trip."""
    sql, params = items_sql(query)
    rows = await reader.fetch(sql, params)
    if not rows:
        return ItemsResult(b"[]", 0, 0, False, None)
    row = rows[0]
    n_release = len(RELEASE_COLUMNS)
    features, n, matched = row[n_release], int(row[n_release + 1]), row[n_release + 2]
    returned = min(n, query.limit)
    body = b"[" + (features.encode() if features else b"") + b"]"
    return ItemsResult(
        body,
        returned,
        int(matched) if matched is not None else None,
        n > query.limit,
        release_public_row(row[:n_release]),
    )


@dataclass(frozen=True)
class FeatureRead:
    """One feature as GeoJSON bytes and the ETag of its stored row.

    Attributes:
        body: the GeoJSON Feature.
        etag: the stored row's strong ETag, quoted: the value :func:`layers.ingest.edits.feature_etag`
            gives and an edit's ``If-Match`` is compared against. It does not depend on the
            requested ``crs`` or ``properties``; the route decides how to label those
            representations.
    """

    body: bytes
    etag: str


async def feature_by_id(
    reader: Reader,
    collection_id: str,
    feature_id: int,
    *,
    as_of: date | None = None,
    crs: ApiCRS = CRS84_API,
    properties: tuple[str, ...] | None = None,
) -> FeatureRead:
    """One feature with its release and source attributes, and its row's ETag (one round trip).

    Raises:
        FeatureNotFoundError: no such id, or it is not in the release in force on ``as_of``.
    """
    collection = get_collection(collection_id)
    table = _ident(feature_table(collection.id).name)
    names = properties if properties is not None else property_names(collection)
    feature = feature_json_sql(
        collection,
        names,
        crs,
        "releases.name",
        with_source=properties is None,
        release_last=True,
    )
    params: dict[str, Any] = {"fid": feature_id}
    # ``{table}`` alone is the whole feature row (not the joined release), as the edits
    # hash it.
    sql = (
        f"SELECT CAST({feature} AS TEXT), {row_etag_sql(table)} FROM {table} "
        f"JOIN releases ON releases.id = {table}.release_id WHERE {table}.id = %(fid)s"
    )
    if as_of is not None:
        params.update(rc=collection.id, rd=as_of)
        sql += f" AND {table}.release_id = ({in_force_sql(('id',))})"
    rows = await reader.fetch(sql, params)
    if not rows:
        raise FeatureNotFoundError(collection_id, feature_id)
    return FeatureRead(str(rows[0][0]).encode(), f'"{rows[0][1]}"')


# --- tiles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerTile:
    """One MVT layer of a tile and the release it was built from."""

    collection: str
    release_id: int
    revision: int
    data: bytes


def _tile_layer_sql(collection: Collection, properties: Sequence[str], z: int, release: str) -> str:
    """``ST_AsMVT`` of the release's features in the tile (the reference in tests/ogc/reference_reader.py must match)."""
    table = _ident(feature_table(collection.id).name)
    env = "ST_TileEnvelope(%(tz)s, %(tx)s, %(ty)s)"
    geom = f"{table}.geom"
    if z < 14 and collection.geometry != "POINT":
        geom = f"ST_Simplify({geom}, %(tol)s, true)"
    cols = [f"ST_AsMVTGeom(ST_Transform({geom}, 3857), {env}, {EXTENT}, {BUFFER}, true) AS geom"]
    cols.append(f"{table}.id")
    for name in properties:
        col = f"{table}.{_ident(name)}"
        kind = collection.field(name).type
        if kind == "text[]":
            col = f"array_to_string({col}, ',')"
        elif kind == "date":
            col = f"CAST({col} AS TEXT)"
        cols.append(f"{col} AS {_ident(name)}")
    return (
        f"SELECT coalesce(ST_AsMVT(t.*, {_lit(collection.id)}, {EXTENT}, 'geom', 'id'), "
        f"'\\x'::bytea) FROM (SELECT {', '.join(cols)} FROM {table} "
        f"WHERE {table}.release_id = {release} "
        f"AND {table}.geom && ST_Transform(ST_Expand({env}, %(tpad)s), 4326)) t"
    )


def _tile_params(z: int, x: int, y: int) -> dict[str, Any]:
    pixel_deg = _WORLD_M / 2**z / EXTENT / 111_320.0
    return {
        "tz": z,
        "tx": x,
        "ty": y,
        "tol": pixel_deg / 2,
        "tpad": _WORLD_M / 2**z / EXTENT * BUFFER,
    }


def tiles_sql(
    layers: Sequence[tuple[Collection, tuple[str, ...]]], as_of: date, z: int, x: int, y: int
) -> tuple[str, dict[str, Any]]:
    """One statement for the tile's layers.

    One row per layer with a release in force: (order, release id, revision, MVT bytes).
    """
    params = _tile_params(z, x, y)
    params["rd"] = as_of
    parts = []
    for i, (collection, properties) in enumerate(layers):
        params[f"rc{i}"] = collection.id
        layer = _tile_layer_sql(collection, properties, z, "r.id")
        release = in_force_sql(("id", "revision"), f"rc{i}")
        parts.append(f"(SELECT {i} AS k, r.id, r.revision, ({layer}) FROM ({release}) r)")
    return " UNION ALL ".join(parts), params


async def render_tiles(
    reader: Reader,
    layers: Sequence[tuple[Collection, tuple[str, ...]]],
    as_of: date,
    z: int,
    x: int,
    y: int,
) -> list[LayerTile]:
    """The layers (with a release in force) of one tile, in the order asked: one round trip."""
    if not layers:
        return []
    sql, params = tiles_sql(layers, as_of, z, x, y)
    rows = sorted(await reader.fetch(sql, params), key=lambda r: int(r[0]))
    return [
        LayerTile(layers[int(k)][0].id, int(rid), int(rev), bytes(data or b""))
        for k, rid, rev, data in rows
    ]


async def releases_in_force(
    reader: Reader, collections: Sequence[Collection], as_of: date
) -> dict[str, tuple[int, int]]:
    """(release id, revision) per collection with a release in force (for ETags and caches)."""
    params: dict[str, Any] = {"rd": as_of}
    parts = []
    for i, collection in enumerate(collections):
        params[f"rc{i}"] = collection.id
        release = in_force_sql(("id", "revision", "collection"), f"rc{i}")
        parts.append(f"({release})")
    rows = await reader.fetch(" UNION ALL ".join(parts), params)
    return {str(c): (int(rid), int(rev)) for rid, rev, c in rows}


async def render_layer(
    reader: Reader, collection: Collection, release_id: int, key: TileKey
) -> bytes:
    """One layer of a known release (after a cache miss)."""
    params = _tile_params(key.z, key.x, key.y)
    params["rid"] = release_id
    sql = _tile_layer_sql(collection, key.properties, key.z, "%(rid)s")
    rows = await reader.fetch(sql, params)
    return bytes(rows[0][0] or b"") if rows else b""
