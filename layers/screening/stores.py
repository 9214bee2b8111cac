"""Where the async screening path runs: the screening pool, or one sync session (tests).

Both implement :class:`layers.screening.service.ScreeningStore` and carry the
:class:`layers.screening.rulebook.RuleBook` their screenings keep.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from layers.errors import database_error
from layers.reads.fastread import fetch_on_pool, make_pool
from layers.reads.replicas import ReplicaMonitor, RoutedPool, routed_pool
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.service import create_screening
from layers.screening.storage import INSERT_SQL, fetch_raw, insert
from layers.store.db import DatabaseSettings, set_statement_timeout


def make_screening_pool(
    settings: DatabaseSettings, url: str | None = None
) -> AsyncConnectionPool[Any]:
    """The (unopened) pool of ``POST /screenings``, apart from the read pool.

    Screenings queue on their own connections (``screening_pool_max_size``) under their
    own statement timeout, so a burst of heavy screenings cannot starve item reads.
    ``url``: a read replica's connection string (default: the primary's).
    """
    return make_pool(
        settings,
        name="ecozone-screening",
        min_size=settings.screening_pool_min_size,
        max_size=settings.screening_pool_max_size,
        statement_timeout_ms=settings.screening_timeout_ms,
        url=url,
    )


def make_screening_pools(settings: DatabaseSettings, monitor: ReplicaMonitor | None) -> RoutedPool:
    """The (unopened) screening pools: the primary's and one per read replica."""
    return routed_pool(settings, monitor, make_screening_pool)


class PoolScreeningStore:
    """The server's store: the screening pools (autocommit) and, rarely, a session.

    The lookups (the plan's one statement) run where reads run (a replica when one is
    usable, :class:`layers.reads.replicas.RoutedPool`); the INSERT, a statement of its
    own, always on the primary.
    """

    def __init__(
        self,
        pools: AsyncConnectionPool[Any] | RoutedPool,
        sessions: sessionmaker[Session],
        book: RuleBook,
        timeout_ms: int | None = None,
        resolving: asyncio.Lock | None = None,
    ) -> None:
        """Run on ``pools``; fall back to sessions from ``sessions`` (``timeout_ms`` each).

        ``resolving``: the lock of the store this one is derived from (one per book).
        """
        self.pools = pools if isinstance(pools, RoutedPool) else RoutedPool(pools)
        self.sessions = sessions
        self.book = book
        self.timeout_ms = timeout_ms
        self.resolving = resolving or asyncio.Lock()

    def after(self, lsn: int | None) -> PoolScreeningStore:
        """The store for a request whose lookups must see the write at ``lsn``."""
        pools = self.pools.after(lsn)
        if pools is self.pools:
            return self
        return PoolScreeningStore(pools, self.sessions, self.book, self.timeout_ms, self.resolving)

    async def fetch(self, sql: bytes, args: list[Any]) -> list[tuple[Any, ...]]:
        """All rows (on a replica when one is usable)."""
        return await self.pools.fetch(sql, args, raw=True)

    async def insert(self, args: list[Any]) -> tuple[int, datetime]:
        """One autocommit statement on the primary: its own transaction."""
        rows = await fetch_on_pool(self.pools.primary, INSERT_SQL, args, raw=True)
        return int(rows[0][0]), rows[0][1]

    async def create_sync(self, project: ProjectInput) -> dict[str, Any]:
        """In a worker thread, on a new session."""

        def run() -> dict[str, Any]:
            with self.sessions() as session:
                if self.timeout_ms is not None:
                    set_statement_timeout(session, self.timeout_ms)
                try:
                    return create_screening(session, project, book=self.book)
                except OperationalError as exc:
                    raise database_error(exc) or exc from None

        return await asyncio.to_thread(run)

    async def quality(self, as_of: date, city: str) -> dict[str, Any]:
        """In a worker thread, on a new session."""

        def run() -> dict[str, Any]:
            with self.sessions() as session:
                return self.book.quality.get(session, as_of, city)

        return await asyncio.to_thread(run)


class SessionScreeningStore:
    """A store on one sync session (tests that roll back), each call in a worker thread."""

    def __init__(self, session: Session, book: RuleBook | None = None) -> None:
        """Run on ``session`` (``insert`` commits it as :func:`create_screening` does)."""
        self.session = session
        self.book = book or RuleBook()
        self.resolving = asyncio.Lock()

    async def fetch(self, sql: bytes, args: list[Any]) -> list[tuple[Any, ...]]:
        """All rows."""
        return await asyncio.to_thread(fetch_raw, self.session, sql, args)

    async def insert(self, args: list[Any]) -> tuple[int, datetime]:
        """Insert and commit."""

        def run() -> tuple[int, datetime]:
            row = insert(self.session, args)
            self.session.commit()
            return row

        return await asyncio.to_thread(run)

    async def create_sync(self, project: ProjectInput) -> dict[str, Any]:
        """:func:`create_screening` on the session."""
        return await asyncio.to_thread(create_screening, self.session, project, book=self.book)

    async def quality(self, as_of: date, city: str) -> dict[str, Any]:
        """The city's attainment on the session."""
        return await asyncio.to_thread(self.book.quality.get, self.session, as_of, city)
