"""The hot read paths as single SQL statements: one round trip per request.

Items pages, single features and vector tiles are answered by one statement each that
selects the release in force *and* builds the answer (GeoJSON text or MVT bytes) inside
PostgreSQL, so a request costs one round trip on an already open connection: no
pre-ping, no separate release lookup, no ORM. The statements are composed with
``psycopg.sql`` from catalogue identifiers (``Identifier``), placeholders and SQL that
SQLAlchemy compiled (the release in force, CQL2 filters as :class:`Fragment` s from
:mod:`layers.reads.cql`), or, for the two common point forms, by :func:`point_filter`
without a parser. Each statement's text is composed once per shape and cached.

The same SQL runs on either async psycopg pools (the server:
:class:`layers.reads.replicas.RoutedReader`, on the primary or a read replica) or a sync
SQLAlchemy session (:class:`SessionReader`, tests that read inside a rolled-back
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

import orjson
import psycopg
from psycopg import sql
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import BindParameter, ColumnElement, select
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from gis.crs import CRS84_API, ApiCRS, degrees_per_metre
from layers.errors import FeatureNotFoundError, QueryTimeoutError, ServerBusyError
from layers.reads.cql import _MAX_DISTANCE_M, FilterContext, build_filter
from layers.reads.items import COUNT_LIMIT, property_names
from layers.reads.tiles import _WORLD_M, BUFFER, EXTENT, TileKey
from layers.store.catalog import Collection, read_collection
from layers.store.db import DatabaseSettings, server_options
from layers.store.etags import row_etag_sql
from layers.store.models import feature_table
from layers.store.releases import PUBLIC_FIELDS, in_force_sql, release_public_values

_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]

#: The release columns a page reports (``release_public``) plus the revision.
RELEASE_COLUMNS = (*PUBLIC_FIELDS, "revision")


def _text(statement: sql.Composable) -> str:
    """The SQL text of a composed statement (identifiers quoted, placeholders kept)."""
    return statement.as_string(None)


def _table(collection: Collection) -> str:
    """The name of the collection's feature table (a view's: its storage collection's)."""
    return feature_table(collection.storage).name


def _column(table: str, name: str) -> sql.Identifier:
    return sql.Identifier(table, name)


def view_condition(collection: Collection, table: str) -> sql.Composable | None:
    """A read view's condition on its storage table: the geometries of its type (else None)."""
    if collection.stored_in is None:
        return None
    return sql.SQL("ST_Dimension({}) = {}").format(
        _column(table, "geom"), sql.Literal(collection.dimension)
    )


# --- filters as SQL fragments --------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    """A boolean SQL condition over a collection's table, with its bound parameters.

    The parameters of the ``index``-th condition of a statement are named ``w<index>_…``
    when the fragment is built, so the conditions of one statement never share a name.
    """

    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _prefix(index: int) -> str:
    return f"w{index}_"


def expression_fragment(
    collection: Collection, expr: ColumnElement[bool], index: int = 0
) -> Fragment:
    """Compile a SQLAlchemy condition (e.g. a compiled CQL2 filter) to a fragment.

    Its bound parameters are named ``w<index>_0``, ``w<index>_1``… on a copy of the
    expression before SQLAlchemy compiles it. It is compiled as the WHERE clause of a
    query on the collection's table, so correlated subqueries (``COLLECTION(...)``)
    correlate as they do in a full query.
    """
    table = feature_table(collection.storage)
    names = (f"{_prefix(index)}{n}" for n in range(1_000_000))

    def rename(bind: BindParameter[Any]) -> None:
        bind.key = next(names)
        bind.unique = False

    named = visitors.cloned_traverse(expr, {}, {"bindparam": rename})
    compiled = (
        select(table.c.id)
        .where(named)
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


@functools.lru_cache(maxsize=256)
def _point_sql(table: str, prefix: str, dwithin: bool) -> str:
    """The SQL of :func:`point_filter`'s two forms, parameters named ``<prefix>fx``…."""
    geom = _column(table, "geom")
    point = sql.SQL("ST_SetSRID(ST_MakePoint({}, {}), 4326)").format(
        sql.Placeholder(prefix + "fx"), sql.Placeholder(prefix + "fy")
    )
    if not dwithin:
        return _text(sql.SQL("ST_Intersects({}, {})").format(geom, point))
    return _text(
        sql.SQL(
            "({geom} && ST_Expand({point}, {px}, {py}) AND "
            "ST_DWithin({geom}, {point}, {pd}) AND "
            "ST_DWithin(CAST({geom} AS geography), CAST({point} AS geography), {d}))"
        ).format(
            geom=geom,
            point=point,
            px=sql.Placeholder(prefix + "fpx"),
            py=sql.Placeholder(prefix + "fpy"),
            pd=sql.Placeholder(prefix + "fpd"),
            d=sql.Placeholder(prefix + "fd"),
        )
    )


def point_filter(collection: Collection, text: str, index: int = 0) -> Fragment | None:
    """``S_INTERSECTS(geom, POINT(x y))`` and ``S_DWITHIN_M(geom, POINT(x y), m)`` without a parser.

    These two cql2-text forms (CRS84 literals) are most of the filtered traffic; parsing
    them with the full CQL2 grammar costs more than the query. The SQL is what
    :mod:`layers.reads.cql` compiles for them. Anything else, or a distance out of range
    (which gets the compiler's error), returns ``None``.
    """
    table, prefix = _table(collection), _prefix(index)
    m = _INTERSECTS_POINT.fullmatch(text)
    if m is not None:
        x, y = float(m.group(1)), float(m.group(2))
        return Fragment(_point_sql(table, prefix, False), {prefix + "fx": x, prefix + "fy": y})
    m = _DWITHIN_POINT.fullmatch(text)
    if m is not None:
        x, y, distance = float(m.group(1)), float(m.group(2)), float(m.group(3))
        if not 0 <= distance <= _MAX_DISTANCE_M:
            return None
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
        return Fragment(_point_sql(table, prefix, True), {prefix + k: v for k, v in params.items()})
    return None


def filter_fragment(text: str, lang: str, ctx: FilterContext, index: int = 0) -> Fragment:
    """A CQL2 filter as the ``index``-th SQL fragment of a statement (the point forms fast).

    Raises:
        FilterError: the filter is invalid (see :func:`layers.reads.cql.build_filter`).
    """
    if lang == "cql2-text" and ctx.geometry_srid == 4326 and not ctx.geometry_lat_first:
        fast = point_filter(ctx.collection, text, index)
        if fast is not None:
            return fast
    return expression_fragment(ctx.collection, build_filter(text, lang, ctx), index)


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
        return await asyncio.to_thread(fetch_in_session, self.session, sql, params)


def fetch_in_session(
    session: Session, sql: str, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows of one of this module's statements, run on a sync session (blocking)."""
    result = session.connection().exec_driver_sql(sql, dict(params))
    return [tuple(row) for row in result]


def libpq_url(url: str) -> str:
    """A connection URL without SQLAlchemy's driver suffix (libpq's form)."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def make_read_pool(settings: DatabaseSettings, url: str | None = None) -> AsyncConnectionPool[Any]:
    """An (unopened) async pool for the read paths; open it with ``await pool.open()``.

    ``url``: a read replica's connection string (default: the primary's).
    """
    return make_pool(
        settings,
        name="ecozone-read",
        min_size=settings.read_pool_min_size,
        max_size=settings.read_pool_max_size,
        statement_timeout_ms=settings.read_timeout_ms,
        url=url,
    )


def make_pool(
    settings: DatabaseSettings,
    *,
    name: str,
    min_size: int,
    max_size: int,
    statement_timeout_ms: int,
    url: str | None = None,
) -> AsyncConnectionPool[Any]:
    """An (unopened) autocommit pool whose statements are cancelled after the timeout.

    ``url``: a read replica's connection string (default: the primary's).
    """
    options = server_options(settings, statement_timeout_ms, generic_plans=True)
    return AsyncConnectionPool(
        libpq_url(settings.url if url is None else url),
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True, "options": options},
        open=False,
        name=name,
        timeout=settings.pool_timeout_s,
        configure=_parse_json_with_orjson,
    )


async def _parse_json_with_orjson(conn: psycopg.AsyncConnection[Any]) -> None:
    """JSON and JSONB values (a screening's ``attrs`` rows) parsed by orjson, not ``json``."""
    set_json_loads(orjson.loads, conn)


# --- the release in force (its SQL: layers.store.releases.in_force_sql) ------------------------


def release_public_row(row: Sequence[Any]) -> dict[str, Any]:
    """The wire form of a release from :data:`RELEASE_COLUMNS` (``release_public_values``).

    Built once per distinct row (the same release heads every page); the dict is
    shared, so callers must not change it.
    """
    # lists (``coverage_adcodes``) as tuples, so the row can key the cache
    key = tuple(tuple(v) if isinstance(v, list) else v for v in row)
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


def _geometry_sql(table: str, crs: ApiCRS, multi: bool = False) -> sql.Composable:
    geom: sql.Composable = _column(table, "geom")
    if multi:  # a read view: one geometry type, so single parts become multi-parts
        geom = sql.SQL("ST_Multi({})").format(geom)
    if crs.srid != 4326:
        geom = sql.SQL("ST_Transform({}, {})").format(geom, sql.Literal(int(crs.srid)))
    if crs.lat_first:
        geom = sql.SQL("ST_FlipCoordinates({})").format(geom)
    precision = 7 if crs.srid in (4326, 4490) else 3
    # options 0: no ``crs`` member in each geometry (PostGIS's default adds one for an SRID
    # other than 4326; RFC 7946 has none, the CRS is the response's Content-Crs)
    return sql.SQL("CAST(ST_AsGeoJSON({}, {}, 0) AS JSON)").format(geom, sql.Literal(precision))


def feature_json_sql(
    collection: Collection,
    names: Sequence[str],
    crs: ApiCRS,
    release: sql.Composable,
    *,
    with_source: bool = False,
    release_last: bool = False,
) -> sql.Composable:
    """A GeoJSON Feature (json) of a row of the collection's table, as ``layers.reads.items`` builds it."""
    table = _table(collection)
    lists = {f.name for f in collection.fields if f.type == "text[]"}
    args: list[sql.Composable] = []
    for name in names:
        if release_last and name == "release":
            continue
        value: sql.Composable = release if name == "release" else _column(table, name)
        if name in lists:
            # An empty list is null on the wire: GDAL and QGIS type a property from the
            # first features, and ``[]`` next to string lists makes it JSON text, so the
            # two industry lists of control_units would arrive with different types.
            value = sql.SQL("NULLIF({}, '{{}}')").format(value)
        args += [sql.Literal(name), value]
    if with_source:
        args += [sql.Literal("source_properties"), _column(table, "props")]
    if release_last and "release" in names:
        args += [sql.Literal("release"), release]
    return sql.SQL(
        "json_build_object('type', 'Feature', 'id', {id}, 'geometry', {geometry}, "
        "'properties', json_build_object({args}))"
    ).format(
        id=_column(table, "id"),
        geometry=_geometry_sql(table, crs, multi=collection.multi_view),
        args=sql.SQL(", ").join(args),
    )


def _envelope_sql(crs: ApiCRS) -> sql.Composable:
    env = sql.SQL("ST_MakeEnvelope({}, {}, {}, {}, {})").format(
        *(sql.Placeholder(n) for n in ("bx0", "by0", "bx1", "by1")), sql.Literal(int(crs.srid))
    )
    if crs.srid == 4326:
        return env
    return sql.SQL("ST_Transform(ST_Segmentize({}, {}), 4326)").format(
        env, sql.Placeholder("bstep")
    )


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
        "rc": read_collection(query.collection_id).storage,
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
    for fragment in query.where:
        params.update(fragment.params)
    if query.bbox is not None or query.where or read_collection(query.collection_id).stored_in:
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
    collection = read_collection(collection_id)
    table = _table(collection)
    conds: list[sql.Composable] = [sql.SQL("{} = r.id").format(_column(table, "release_id"))]
    view = view_condition(collection, table)
    if view is not None:
        conds.append(view)
    if bbox_crs is not None:
        conds.append(
            sql.SQL("ST_Intersects({}, {})").format(_column(table, "geom"), _envelope_sql(bbox_crs))
        )
    # each fragment's text is SQL that SQLAlchemy compiled or point_filter composed
    conds += [sql.SQL("({})").format(sql.SQL(fragment_sql)) for fragment_sql in where_sql]
    where = sql.SQL(" AND ").join(conds)
    names = properties if properties is not None else property_names(collection)
    feature = feature_json_sql(collection, names, crs, sql.SQL("r.name"))
    keys = [(sql.Identifier(f"s{i}"), name, asc) for i, (name, asc) in enumerate(sortby)]
    inner_cols = sql.SQL("").join(
        sql.SQL(", {} AS {}").format(_column(table, name), k) for k, name, _ in keys
    )
    inner_order = sql.SQL(", ").join(
        [_order(_column(table, name), asc) for _, name, asc in keys] + [_column(table, "id")]
    )
    outer_order = sql.SQL(", ").join(
        [_order(sql.SQL("p.{}").format(k), asc) for k, _, asc in keys] + [sql.SQL("p.fid")]
    )
    matched: sql.Composable
    if bbox_crs is None and not where_sql and view is None:
        matched = sql.SQL("r.feature_count")
    else:
        # A page that is not full (or an empty first page) already tells the count:
        # offset + rows read. Only a full page, or a page past the end, counts again
        # (the filter is evaluated a second time, which doubled a geodesic query's cost).
        matched = sql.SQL(
            "CASE WHEN r.feature_count <= %(cl)s THEN CASE "
            "WHEN pg.n BETWEEN 1 AND %(lim)s THEN %(off)s + pg.n "
            "WHEN pg.n = 0 AND %(off)s = 0 THEN 0 "
            "ELSE (SELECT count(*) FROM {table} WHERE {where}) END END"
        ).format(table=sql.Identifier(table), where=where)
    page: sql.Composable
    if bbox_crs is not None and not sortby:
        # A bbox page in id order: the ids of the box's index candidates first (the
        # GiST index and each row's stored box only), sorted, then the exact test and
        # the feature for one candidate after the other until the page is full. A
        # dense box no longer runs ST_Intersects on every candidate to sort them.
        page = sql.SQL(
            "SELECT CAST({feature} AS TEXT) AS f, {id} AS fid "
            "FROM (SELECT cand.id FROM {table} AS cand "
            "WHERE cand.release_id = r.id AND cand.geom && {envelope} "
            "ORDER BY cand.id OFFSET 0) c "
            "CROSS JOIN LATERAL (SELECT * FROM {table} WHERE {id} = c.id AND {where} "
            "LIMIT 1) {table} "
            "ORDER BY c.id LIMIT %(lim1)s OFFSET %(off)s"
        ).format(
            feature=feature,
            id=_column(table, "id"),
            table=sql.Identifier(table),
            envelope=_envelope_sql(bbox_crs),
            where=where,
        )
    else:
        page = sql.SQL(
            "SELECT CAST({feature} AS TEXT) AS f{inner_cols}, {id} AS fid "
            "FROM {table} WHERE {where} ORDER BY {inner_order} "
            "LIMIT %(lim1)s OFFSET %(off)s"
        ).format(
            feature=feature,
            inner_cols=inner_cols,
            id=_column(table, "id"),
            table=sql.Identifier(table),
            where=where,
            inner_order=inner_order,
        )
    statement = sql.SQL(
        "WITH r AS ({release}) "
        "SELECT {release_columns}, pg.features, pg.n, {matched} "
        "FROM r CROSS JOIN LATERAL ("
        "SELECT array_to_string((array_agg(p.f ORDER BY {outer_order}))[1:%(lim)s], ',') "
        "AS features, count(*) AS n FROM ({page}) p) pg"
    ).format(
        release=sql.SQL(in_force_sql(RELEASE_COLUMNS)),
        release_columns=sql.SQL(", ").join(sql.Identifier("r", c) for c in RELEASE_COLUMNS),
        matched=matched,
        outer_order=outer_order,
        page=page,
    )
    return _text(statement)


def _order(key: sql.Composable, ascending: bool) -> sql.Composable:
    return sql.SQL("{} ASC" if ascending else "{} DESC").format(key)


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
    statement, params = _feature_statement(collection_id, feature_id, as_of, crs, properties)
    # a reader over replicas asks the primary again before a 404 (a feature just added
    # on the primary must not be missing because a replica lags)
    fetch = getattr(reader, "fetch_required", reader.fetch)
    return _feature_read(collection_id, feature_id, await fetch(statement, params))


def feature_in_session(
    session: Session, collection_id: str, feature_id: int, *, crs: ApiCRS = CRS84_API
) -> FeatureRead:
    """:func:`feature_by_id` on a sync session (blocking): a feature as an edit just wrote it.

    Raises:
        FeatureNotFoundError: no such id.
    """
    statement, params = _feature_statement(collection_id, feature_id, None, crs, None)
    return _feature_read(collection_id, feature_id, fetch_in_session(session, statement, params))


def _feature_statement(
    collection_id: str,
    feature_id: int,
    as_of: date | None,
    crs: ApiCRS,
    properties: tuple[str, ...] | None,
) -> tuple[str, dict[str, Any]]:
    collection = read_collection(collection_id)
    names = properties if properties is not None else property_names(collection)
    params: dict[str, Any] = {"fid": feature_id}
    if as_of is not None:
        params.update(rc=collection.storage, rd=as_of)
    statement = _feature_text(collection_id, names, crs, properties is None, as_of is not None)
    return statement, params


def _feature_read(collection_id: str, feature_id: int, rows: list[tuple[Any, ...]]) -> FeatureRead:
    if not rows:
        raise FeatureNotFoundError(collection_id, feature_id)
    return FeatureRead(str(rows[0][0]).encode(), f'"{rows[0][1]}"')


@functools.lru_cache(maxsize=256)
def _feature_text(
    collection_id: str, names: tuple[str, ...], crs: ApiCRS, with_source: bool, in_force: bool
) -> str:
    """The SQL text of :func:`feature_by_id` for one shape."""
    collection = read_collection(collection_id)
    table = _table(collection)
    feature = feature_json_sql(
        collection,
        names,
        crs,
        sql.Identifier("releases", "name"),
        with_source=with_source,
        release_last=True,
    )
    # The table alone is the whole feature row (not the joined release), as the edits
    # hash it (its name is a quoted identifier).
    statement = sql.SQL(
        "SELECT CAST({feature} AS TEXT), {etag} FROM {table} "
        "JOIN releases ON releases.id = {release_id} WHERE {id} = %(fid)s"
    ).format(
        feature=feature,
        etag=sql.SQL(row_etag_sql(_text(sql.Identifier(table)))),
        table=sql.Identifier(table),
        release_id=_column(table, "release_id"),
        id=_column(table, "id"),
    )
    if in_force:
        statement = sql.SQL("{} AND {} = ({})").format(
            statement, _column(table, "release_id"), sql.SQL(in_force_sql(("id",)))
        )
    view = view_condition(collection, table)
    if view is not None:  # a feature of the other type is not in the view
        statement = sql.SQL("{} AND {}").format(statement, view)
    return _text(statement)


# --- tiles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerTile:
    """One MVT layer of a tile and the release it was built from."""

    collection: str
    release_id: int
    revision: int
    data: bytes


@functools.lru_cache(maxsize=1024)
def _tile_layer_sql(
    collection_id: str, properties: tuple[str, ...], z: int, release_param: str | None
) -> str:
    """``ST_AsMVT`` of the release's features in the tile (the reference in tests/ogc/reference_reader.py must match).

    The release is the placeholder ``release_param``, or ``r.id`` of the enclosing query.
    """
    collection = read_collection(collection_id)
    table = _table(collection)
    release = sql.SQL("r.id") if release_param is None else sql.Placeholder(release_param)
    view = view_condition(collection, table)
    env = sql.SQL("ST_TileEnvelope(%(tz)s, %(tx)s, %(ty)s)")
    geom: sql.Composable = _column(table, "geom")
    if z < 14 and collection.geometry != "POINT":
        geom = sql.SQL("ST_Simplify({}, %(tol)s, true)").format(geom)
    cols: list[sql.Composable] = [
        sql.SQL("ST_AsMVTGeom(ST_Transform({}, 3857), {}, {}, {}, true) AS geom").format(
            geom, env, sql.Literal(EXTENT), sql.Literal(BUFFER)
        ),
        _column(table, "id"),
    ]
    for name in properties:
        col: sql.Composable = _column(table, name)
        kind = collection.field(name).type
        if kind == "text[]":
            col = sql.SQL("array_to_string({}, ',')").format(col)
        elif kind == "date":
            col = sql.SQL("CAST({} AS TEXT)").format(col)
        cols.append(sql.SQL("{} AS {}").format(col, sql.Identifier(name)))
    return _text(
        sql.SQL(
            "SELECT coalesce(ST_AsMVT(t.*, {layer}, {extent}, 'geom', 'id'), "
            "'\\x'::bytea) FROM (SELECT {cols} FROM {table} "
            "WHERE {release_id} = {release} "
            "AND {geom} && ST_Transform(ST_Expand({env}, %(tpad)s), 4326){view}) t"
        ).format(
            layer=sql.Literal(collection.id),
            extent=sql.Literal(EXTENT),
            cols=sql.SQL(", ").join(cols),
            table=sql.Identifier(table),
            release_id=_column(table, "release_id"),
            release=release,
            geom=_column(table, "geom"),
            env=env,
            view=sql.SQL("") if view is None else sql.SQL(" AND {}").format(view),
        )
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
        params[f"rc{i}"] = collection.storage
        layer = _tile_layer_sql(collection.id, properties, z, None)
        release = in_force_sql(("id", "revision"), f"rc{i}")
        parts.append(
            sql.SQL("(SELECT {} AS k, r.id, r.revision, ({}) FROM ({}) r)").format(
                sql.Literal(i), sql.SQL(layer), sql.SQL(release)
            )
        )
    return _text(sql.SQL(" UNION ALL ").join(parts)), params


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
        params[f"rc{i}"] = collection.storage
        release = in_force_sql(("id", "revision", "collection"), f"rc{i}")
        parts.append(sql.SQL("({})").format(sql.SQL(release)))
    rows = await reader.fetch(_text(sql.SQL(" UNION ALL ").join(parts)), params)
    stored = {str(c): (int(rid), int(rev)) for rid, rev, c in rows}
    # a read view is in force with its storage collection's release
    return {c.id: stored[c.storage] for c in collections if c.storage in stored}


async def render_layer(
    reader: Reader, collection: Collection, release_id: int, key: TileKey
) -> bytes:
    """One layer of a known release (after a cache miss)."""
    params = _tile_params(key.z, key.x, key.y)
    params["rid"] = release_id
    statement = _tile_layer_sql(collection.id, key.properties, key.z, "rid")
    rows = await reader.fetch(statement, params)
    return bytes(rows[0][0] or b"") if rows else b""
