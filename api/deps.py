"""Request-scoped dependencies: the database session, settings, and common parameters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from api.errors import InvalidParameterError
from api.read_your_writes import read_after
from api.settings import ApiSettings
from api.text_input import CleanStr
from gis.civil_time import today
from gis.crs import offered_crs
from gis.offsets import web_map_datum
from layers.reads.fastread import Reader
from layers.reads.replicas import RoutedReader, replica_session
from layers.screening.rulebook import RuleBook
from layers.screening.service import ScreeningStore
from layers.screening.stores import PoolScreeningStore
from layers.store.catalog import Collection, read_collection
from layers.store.models import Release
from layers.store.releases import release_as_of


def get_session(request: Request) -> Iterator[Session]:
    """Open a session for the request; it is closed (not committed) afterwards."""
    with request.app.state.sessionmaker() as session:
        yield session


def get_read_session(request: Request, session: SessionDep) -> Iterator[Session]:
    """A session for a read-only route (proximity, traces): on a usable replica, else ``session``.

    ``session`` is the request's primary session (not connected unless used; tests
    override it with theirs). A request carrying a write's position uses a replica only
    if its last check found the position replayed (no waiting on this sync path).
    """
    replica = replica_session(
        request.app.state.replica_monitor,
        request.app.state.replica_sessionmakers,
        read_after(request),
    )
    if replica is None:
        yield session
        return
    with replica:
        yield replica


async def get_api_settings(request: Request) -> ApiSettings:
    """The settings the app was built with."""
    settings: ApiSettings = request.app.state.api_settings
    return settings


async def get_reader(request: Request) -> Reader:
    """The reader of the hot read paths: the app's async pools (a replica or the primary).

    A request carrying a write's position (:func:`api.read_your_writes.read_after`)
    reads where that write is visible. Tests reading inside a rolled-back transaction
    override it with a ``SessionReader`` on their session, so the same statements see
    its rows.
    """
    reader: RoutedReader = request.app.state.reader
    return reader.for_request(read_after(request))


async def get_screening_store(request: Request) -> ScreeningStore:
    """Where ``POST /screenings`` runs: the app's async pools (tests override it with a session's)."""
    store: PoolScreeningStore = request.app.state.screening_store
    return store.after(read_after(request))


async def get_rule_book(request: Request) -> RuleBook:
    """The app's rule sets and plans (built in the lifespan, one per database)."""
    book: RuleBook = request.app.state.rule_book
    return book


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
ReaderDep = Annotated[Reader, Depends(get_reader)]
ScreeningStoreDep = Annotated[ScreeningStore, Depends(get_screening_store)]
RuleBookDep = Annotated[RuleBook, Depends(get_rule_book)]
ApiSettingsDep = Annotated[ApiSettings, Depends(get_api_settings)]


#: The OGC ``datetime`` parameter: the instant whose releases to show.
DatetimeQuery = Annotated[
    str | None,
    Query(
        alias="datetime",
        description="The instant whose releases to show (RFC 3339 date or date-time); default today.",
    ),
]


def parse_as_of(
    datetime_: DatetimeQuery = None,
) -> date:
    """Parse the OGC ``datetime`` parameter as the "as of" date of the releases."""
    if datetime_ is None or datetime_ in ("", ".."):
        return today()
    if "/" in datetime_:
        raise InvalidParameterError(
            f"datetime '{datetime_}' is an interval; give one instant (e.g. 2024-06-30): "
            "it selects the release in force then.",
            field="datetime",
        )
    try:
        return datetime.fromisoformat(datetime_.replace("Z", "+00:00")).date()
    except ValueError:
        raise InvalidParameterError(
            f"datetime '{datetime_}' is not an RFC 3339 date or date-time (e.g. 2024-06-30).",
            field="datetime",
        ) from None


async def as_of_param(
    datetime_: DatetimeQuery = None,
) -> date:
    """:func:`parse_as_of` as a dependency (async: pure parsing needs no worker thread)."""
    return parse_as_of(datetime_)


AsOfDep = Annotated[date, Depends(as_of_param)]


def collection_release(
    collection_id: str, session: SessionDep, as_of: AsOfDep
) -> tuple[Collection, Release | None]:
    """The path's collection (or read view) and its release in force at ``datetime`` (none: no release).

    Raises:
        CollectionNotFoundError: no such collection.
    """
    collection = read_collection(collection_id)
    return collection, release_as_of(session, collection.storage, as_of)


CollectionReleaseDep = Annotated[tuple[Collection, Release | None], Depends(collection_release)]


#: The largest value of a bigint column (ids, counts).
BIGINT_MAX = 2**63 - 1
#: An id path parameter of a bigint column: beyond it is a 400 naming the parameter
#: before any SQL runs (PostgreSQL would refuse the value: a 500).
IdPath = Annotated[int, Path(ge=1, le=BIGINT_MAX)]
#: ``offset`` of a paged list, within bigint for the same reason.
OffsetQuery = Annotated[int, Query(ge=0, le=BIGINT_MAX)]


#: The CRS of a request's coordinates (a screening's, a river trace's, a raster
#: statistic's): read by :func:`request_crs`.
RequestCRS = Annotated[
    CleanStr | None,
    Field(
        max_length=100,
        description="CRS of the coordinates (default EPSG:4326): EPSG:4326, EPSG:4490, "
        "EPSG:3857 or a CGCS2000 Gauss-Krüger zone EPSG:4491–4554 (or its OGC URI or URN); "
        "GCJ-02 or BD-09 for lon/lat copied from 高德/腾讯 or 百度 maps (converted to WGS84)",
    ),
]


def request_crs(text: str | None) -> str | None:
    """A request's ``crs`` as the geometry reader takes it (GCJ-02/BD-09 by their names).

    Raises:
        UnknownCRSError: a CRS the API does not offer (field ``crs``).
    """
    if not text:
        return None
    return web_map_datum(text) or offered_crs(text, field="crs")
