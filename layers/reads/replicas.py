"""Read replicas: which server a read runs on, and the health of each replica.

PostgreSQL's streaming replication does the copying; this module only routes. Each read
URL (``DatabaseSettings.read_urls``) gets its own pools next to the primary's, and a
:class:`ReplicaMonitor` checks every replica once per ``read_check_interval_s`` on one
connection of its own (never per request): whether it answers, whether it is in
recovery, the WAL position it has replayed and how far that lags the primary. A read
(:class:`RoutedPool`) runs on a replica that answered the last check within
``read_max_lag_s``, else on the primary; a replica that fails a read is skipped until
its next good check, and the read is run again on the primary.

Read-your-writes: a write's response carries the primary's WAL insert position after
its commit (:meth:`RoutedPool.primary_lsn`); a read that brings it back runs on a replica
only once that replica has replayed it, waiting at most ``read_your_writes_wait_ms``,
else on the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from layers.errors import ServerBusyError
from layers.reads.fastread import fetch_on_pool, libpq_url, make_read_pool
from layers.store.db import DatabaseSettings, server_options

logger = logging.getLogger(__name__)

_LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")

#: A replica's state and position, and the primary's position, in one statement each. A
#: server that is not in recovery (libpq's ``prefer-standby`` fell back to the primary,
#: or the replica was promoted) reports its own position.
_REPLICA_SQL = (
    "SELECT pg_is_in_recovery(), "
    "CAST(COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_lsn()) AS text)"
)
_PRIMARY_SQL = "SELECT CAST(pg_current_wal_flush_lsn() AS text)"
_INSERT_LSN_SQL = "SELECT CAST(pg_current_wal_insert_lsn() AS text)"
#: How long a check may take before the replica counts as down (seconds).
_CHECK_TIMEOUT_S = 2.0


def parse_lsn(text: str) -> int | None:
    """A WAL position (``16/B374D848``) as an integer; None if it is not one."""
    m = _LSN.fullmatch(text.strip())
    if m is None:
        return None
    return (int(m.group(1), 16) << 32) | int(m.group(2), 16)


def format_lsn(lsn: int) -> str:
    """The text form of a WAL position."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


@dataclass
class ReplicaState:
    """What the last check found about one replica (``name``: never its URL, which may hold a password)."""

    name: str
    url: str = field(repr=False)
    up: bool = False
    in_recovery: bool | None = None
    replay_lsn: int | None = None
    lag_s: float | None = None
    lag_bytes: int | None = None
    error: str | None = None
    checked_at: float | None = None

    def usable(self, max_lag_s: float) -> bool:
        """Whether reads may run here: it answered and lags less than ``max_lag_s``."""
        return self.up and self.lag_s is not None and self.lag_s <= max_lag_s

    def report(self, max_lag_s: float) -> dict[str, Any]:
        """The state as ``/readyz`` shows it."""
        status = "down" if not self.up else "ok" if self.usable(max_lag_s) else "lagging"
        return {
            "name": self.name,
            "role": "replica",
            "status": status,
            "in_recovery": self.in_recovery,
            "replay_lsn": None if self.replay_lsn is None else format_lsn(self.replay_lsn),
            "lag_s": None if self.lag_s is None else round(self.lag_s, 3),
            "lag_bytes": self.lag_bytes,
            "error": self.error,
        }


class ReplicaMonitor:
    """Checks each replica (and the primary's position) on a timer, on connections of its own."""

    def __init__(self, settings: DatabaseSettings) -> None:
        """One state per read URL; nothing connects before :meth:`start`."""
        self.settings = settings
        self.replicas = [
            ReplicaState(f"replica-{i + 1}", libpq_url(url))
            for i, url in enumerate(settings.read_urls)
        ]
        self.primary_url = libpq_url(settings.url)
        self.primary_lsn: int | None = None
        self.primary_error: str | None = None
        #: (monotonic time, primary flush position) of the recent checks, oldest first.
        self._samples: deque[tuple[float, int]] = deque()
        self._conns: dict[str, psycopg.AsyncConnection[Any]] = {}
        self._task: asyncio.Task[None] | None = None
        #: Spreads reads over the usable replicas in turn.
        self.turn = itertools.count()

    # --- checks -------------------------------------------------------------------

    async def start(self) -> None:
        """Check once (so the first requests already use healthy replicas), then on a timer."""
        await self.check()
        self._task = asyncio.create_task(self._run(), name="ecozone-replica-monitor")

    async def stop(self) -> None:
        """Stop the timer and close the monitor's connections."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for conn in list(self._conns.values()):
            await conn.close()
        self._conns.clear()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.read_check_interval_s)
            try:
                await self.check()
            except Exception:  # the timer must survive anything one check does
                logger.exception("replica check failed")

    async def check(self) -> None:
        """Check the primary's position, then every replica (concurrently)."""
        try:
            rows = await self._query(self.primary_url, _PRIMARY_SQL)
        except Exception as exc:  # a down primary is a state, not an error here
            self.primary_error = type(exc).__name__
        else:
            self.primary_error = None
            lsn = parse_lsn(str(rows[0][0]))
            if lsn is not None:
                self.primary_lsn = lsn
                self._sample(time.monotonic(), lsn)
        await asyncio.gather(*(self._check_replica(r) for r in self.replicas))

    async def _check_replica(self, state: ReplicaState) -> None:
        try:
            rows = await self._query(state.url, _REPLICA_SQL)
        except Exception as exc:  # down or unreachable: skipped until it answers
            if state.up:
                logger.warning(
                    "%s is down (%s): reads go elsewhere", state.name, type(exc).__name__
                )
            state.up, state.error, state.lag_s = False, type(exc).__name__, None
            state.checked_at = time.monotonic()
            return
        in_recovery, position = rows[0]
        state.up, state.error, state.in_recovery = True, None, bool(in_recovery)
        state.replay_lsn = parse_lsn(str(position)) if position is not None else None
        state.checked_at = time.monotonic()
        state.lag_s, state.lag_bytes = self._lag(state.replay_lsn, state.checked_at)

    async def _query(self, url: str, statement: str) -> list[tuple[Any, ...]]:
        """One statement on the monitor's connection to ``url`` (reconnecting), bounded in time."""

        async def run() -> list[tuple[Any, ...]]:
            conn = self._conns.get(url)
            if conn is None or conn.closed:
                conn = await psycopg.AsyncConnection.connect(
                    url,
                    autocommit=True,
                    connect_timeout=max(1, int(_CHECK_TIMEOUT_S)),
                    application_name="ecozone-replica-monitor",
                )
                self._conns[url] = conn
            cur = await conn.execute(statement)
            return await cur.fetchall()

        try:
            return await asyncio.wait_for(run(), _CHECK_TIMEOUT_S)
        except Exception:
            conn = self._conns.pop(url, None)
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            raise

    def _sample(self, now: float, lsn: int) -> None:
        self._samples.append((now, lsn))
        keep = 2 * self.settings.read_max_lag_s + 3 * self.settings.read_check_interval_s
        while len(self._samples) > 2 and now - self._samples[0][0] > keep:
            self._samples.popleft()

    def _lag(self, replay: int | None, now: float) -> tuple[float | None, int | None]:
        """How stale a replica at ``replay`` is: seconds (to the check interval) and bytes.

        The replica holds everything the primary had flushed at the last check whose
        position it has replayed, so it is at most ``now`` minus that check's time
        behind; at or past the primary's latest position it is not behind at all.
        """
        if replay is None:
            return None, None
        if not self._samples:  # the primary's position is unknown: only the replica's
            return 0.0, None
        _, latest = self._samples[-1]
        if replay >= latest:
            return 0.0, 0
        behind = latest - replay
        for t, lsn in reversed(self._samples):
            if lsn <= replay:
                return now - t, behind
        return now - self._samples[0][0], behind

    def failed(self, index: int, exc: BaseException) -> None:
        """A read on replica ``index`` failed: skip it until its next good check."""
        state = self.replicas[index]
        if state.up:
            logger.warning("%s failed a read (%s): skipped", state.name, type(exc).__name__)
        state.up, state.error = False, type(exc).__name__

    # --- routing --------------------------------------------------------------------

    def usable(self) -> list[int]:
        """The indexes of the replicas reads may use now."""
        limit = self.settings.read_max_lag_s
        return [i for i, r in enumerate(self.replicas) if r.usable(limit)]

    async def replayed(self, index: int, pool: AsyncConnectionPool[Any], lsn: int) -> bool:
        """Whether replica ``index`` has replayed ``lsn``, waiting up to ``read_your_writes_wait_ms``."""
        state = self.replicas[index]
        if state.replay_lsn is not None and state.replay_lsn >= lsn:
            return True
        deadline = time.monotonic() + self.settings.read_your_writes_wait_ms / 1000
        while True:
            rows = await fetch_on_pool(pool, _REPLICA_SQL, None)
            position = parse_lsn(str(rows[0][1])) if rows and rows[0][1] is not None else None
            if position is not None:
                state.replay_lsn = max(position, state.replay_lsn or 0)
                if position >= lsn:
                    return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.01)

    def report(self) -> list[dict[str, Any]]:
        """Every replica's last state, for ``/readyz``."""
        return [r.report(self.settings.read_max_lag_s) for r in self.replicas]


#: What a read on a replica may fail with and still be answered by the primary: the
#: server is gone or refuses connections (``OperationalError``), a recovery conflict
#: cancelled the statement (``SerializationFailure``), no connection came in time.
_REPLICA_FAILURES = (psycopg.OperationalError, psycopg.errors.SerializationFailure, ServerBusyError)


@dataclass(frozen=True)
class RoutedPool:
    """The pools of one kind of read: the primary's and one per replica (same order as the monitor's).

    ``min_lsn``: the position of a write this read must see (:meth:`after`).
    """

    primary: AsyncConnectionPool[Any]
    replicas: Sequence[AsyncConnectionPool[Any]] = ()
    monitor: ReplicaMonitor | None = None
    min_lsn: int | None = None

    @property
    def replicated(self) -> bool:
        """Whether any replica is configured."""
        return bool(self.replicas) and self.monitor is not None

    def after(self, lsn: int | None) -> RoutedPool:
        """The same pools, for a read that must see the write at ``lsn``."""
        return self if lsn is None or not self.replicated else replace(self, min_lsn=lsn)

    async def choose(self) -> int | None:
        """The replica to read from (the usable ones in turn), or None: the primary."""
        monitor = self.monitor
        if monitor is None or not self.replicas:
            return None
        usable = monitor.usable()
        if not usable:
            return None
        index = usable[0] if len(usable) == 1 else usable[next(monitor.turn) % len(usable)]
        if self.min_lsn is not None:
            try:
                if not await monitor.replayed(index, self.replicas[index], self.min_lsn):
                    return None
            except _REPLICA_FAILURES as exc:
                monitor.failed(index, exc)
                return None
        return index

    async def fetch(
        self, sql: str | bytes, params: Any, *, raw: bool = False, required: bool = False
    ) -> list[tuple[Any, ...]]:
        """All rows of one statement, on a usable replica or else the primary.

        ``required``: no rows from a replica are asked of the primary again (a feature
        or screening just written must not be a 404 on a replica that lags).
        """
        rows, _ = await self.fetch_on(await self.choose(), sql, params, raw=raw, required=required)
        return rows

    async def fetch_on(
        self,
        index: int | None,
        sql: str | bytes,
        params: Any,
        *,
        raw: bool = False,
        required: bool = False,
    ) -> tuple[list[tuple[Any, ...]], int | None]:
        """:meth:`fetch` on replica ``index`` (None: the primary): the rows and where they came from."""
        if index is not None:
            try:
                rows = await fetch_on_pool(self.replicas[index], sql, params, raw=raw)
            except _REPLICA_FAILURES as exc:
                if self.monitor is not None:
                    self.monitor.failed(index, exc)
            else:
                if rows or not required:
                    return rows, index
        return await fetch_on_pool(self.primary, sql, params, raw=raw), None

    async def primary_lsn(self) -> int | None:
        """The primary's WAL insert position now: past the commit of every write that returned."""
        rows = await fetch_on_pool(self.primary, _INSERT_LSN_SQL, None)
        return parse_lsn(str(rows[0][0])) if rows else None

    async def open(self) -> None:
        """Open every pool (without waiting for connections)."""
        await self.primary.open(wait=False)
        for pool in self.replicas:
            await pool.open(wait=False)

    async def close(self) -> None:
        """Close every pool."""
        for pool in self.replicas:
            await pool.close()
        await self.primary.close()


class RoutedReader:
    """A :class:`layers.reads.fastread.Reader` on a :class:`RoutedPool` (named parameters, binary).

    The app keeps one; each request reads through its own (:meth:`for_request`), which
    runs all its statements on the server its first one ran on (a tile's release lookup
    and its layers: a key from one replica never labels bytes from a staler one). After a
    fallback the request stays on the primary, which is ahead of every replica.
    """

    def __init__(self, pools: RoutedPool, *, sticky: bool = False) -> None:
        """Read through ``pools``; ``sticky``: every statement where the first one ran."""
        self.pools = pools
        self._sticky = sticky
        self._chosen = False
        self._index: int | None = None

    @property
    def pool(self) -> AsyncConnectionPool[Any]:
        """The primary's pool (where every read goes without usable replicas)."""
        return self.pools.primary

    def for_request(self, lsn: int | None) -> RoutedReader:
        """The reader of one request, which must see the write at ``lsn`` (if any)."""
        if not self.pools.replicated:
            return self
        return RoutedReader(self.pools.after(lsn), sticky=True)

    async def _fetch(
        self, sql: str, params: Mapping[str, Any], required: bool
    ) -> list[tuple[Any, ...]]:
        if not self._chosen:
            index = await self.pools.choose()
            if not self._sticky:
                rows, _ = await self.pools.fetch_on(index, sql, params, required=required)
                return rows
            self._index, self._chosen = index, True
        rows, self._index = await self.pools.fetch_on(self._index, sql, params, required=required)
        return rows

    async def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """All rows."""
        return await self._fetch(sql, params, False)

    async def fetch_required(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """All rows; none from a replica are asked of the primary."""
        return await self._fetch(sql, params, True)


def routed_pool(
    settings: DatabaseSettings,
    monitor: ReplicaMonitor | None,
    make: Callable[[DatabaseSettings, str | None], AsyncConnectionPool[Any]],
) -> RoutedPool:
    """The (unopened) pools of one kind of read: ``make``'s on the primary and on each read URL."""
    primary = make(settings, None)
    if monitor is None:
        return RoutedPool(primary)
    return RoutedPool(primary, [make(settings, r.url) for r in monitor.replicas], monitor)


def make_monitor(settings: DatabaseSettings) -> ReplicaMonitor | None:
    """The replica monitor of ``settings``, or None without read URLs."""
    return ReplicaMonitor(settings) if settings.read_urls else None


def make_read_pools(settings: DatabaseSettings, monitor: ReplicaMonitor | None) -> RoutedPool:
    """The (unopened) pools of the hot read paths (items, features, tiles)."""
    return routed_pool(settings, monitor, make_read_pool)


def make_replica_sessionmakers(
    settings: DatabaseSettings, monitor: ReplicaMonitor | None
) -> list[sessionmaker[Session]]:
    """Sync sessions on each replica (proximity, traces), in the monitor's order.

    The engines connect through libpq with the read URL as it is written (a multi-host
    string is not a SQLAlchemy URL), with the sync engine's pool sizes and statement timeout.
    """
    if monitor is None:
        return []
    options = server_options(settings, settings.statement_timeout_ms, generic_plans=False)

    def engine(conninfo: str) -> Engine:
        return create_engine(
            "postgresql+psycopg://",
            creator=lambda: psycopg.connect(conninfo, options=options),
            pool_pre_ping=True,
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
        )

    return [sessionmaker(bind=engine(r.url), expire_on_commit=False) for r in monitor.replicas]


def replica_session(
    monitor: ReplicaMonitor | None, makers: Sequence[sessionmaker[Session]], min_lsn: int | None
) -> Session | None:
    """An open session on a usable replica (that has replayed ``min_lsn``), or None: use the primary.

    A replica that refuses the connection is marked down and the next one tried.
    """
    if monitor is None:
        return None
    for index in monitor.usable():
        replay = monitor.replicas[index].replay_lsn
        if min_lsn is not None and (replay is None or replay < min_lsn):
            continue
        session = makers[index]()
        try:
            session.connection()
        except Exception as exc:  # the replica went away since its last check
            session.close()
            monitor.failed(index, exc)
            continue
        return session
    return None


def dispose_sessionmakers(makers: Sequence[sessionmaker[Session]]) -> None:
    """Close the replica engines' pools."""
    for maker in makers:
        bind = maker.kw.get("bind")
        if isinstance(bind, Engine):
            bind.dispose()
