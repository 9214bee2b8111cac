"""A real primary and streaming replica, started by the tests on loopback ports.

The shared test server has no ``replication`` line in its ``pg_hba.conf``, so the
fixture runs its own pair: ``initdb`` a primary in a temporary folder (trust on loopback,
replication included, as ``initdb --auth=trust`` writes it), create PostGIS and run our
Alembic migrations on it, ``pg_basebackup -R`` a replica onto another port and start
it. Both clusters are stopped and their folders removed at the end, also on failure.
Only missing PostgreSQL binaries skip (loudly).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from layers.store import schema
from tests.conftest import free_port

#: Small clusters: few connections, little memory, no durability work a test needs.
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c max_connections=30 -c shared_buffers=32MB "
    "-c fsync=off -c full_page_writes=off -c max_wal_senders=4 -c wal_keep_size=64MB"
)


def postgres_bindir() -> Path | None:
    """The folder of ``initdb``/``pg_ctl``/``pg_basebackup``: ``PG_BINDIR``, ``pg_config``'s, or the newest of /usr/lib/postgresql."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
    )
    if found:
        return Path(found[-1]).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and (Path(out.stdout.strip()) / "initdb").exists():
            return Path(out.stdout.strip())
    return None


@dataclass
class Cluster:
    """One running PostgreSQL cluster of the fixture."""

    bindir: Path
    data: Path
    port: int

    def url(self, database: str = "ecozone") -> str:
        """Its libpq URL (trust auth, user postgres)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def sa_url(self, database: str = "ecozone") -> str:
        """Its URL for SQLAlchemy and the app (psycopg 3)."""
        return self.url(database).replace("postgresql://", "postgresql+psycopg://", 1)

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        _run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.data.parent / f"{self.data.name}.log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {self.port} -k {self.data.parent} {SERVER_OPTIONS}",
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop it (``immediate``: as a crash would); no error if it is not running."""
        if (self.data / "postmaster.pid").exists():
            _run(
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
                check=False,
            )


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (initdb and pg_ctl refuse root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], *, check: bool = True) -> None:
    out = subprocess.run(_as_postgres(cmd), capture_output=True, text=True, check=False)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])} failed: {out.stdout}{out.stderr}")


@dataclass
class ReplicaPair:
    """A primary and its streaming replica."""

    primary: Cluster
    replica: Cluster

    def wait_replayed(self, timeout_s: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has written now."""
        with psycopg.connect(self.primary.url(), autocommit=True) as conn:
            row = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
        target = row[0] if row else None
        deadline = time.monotonic() + timeout_s
        with psycopg.connect(self.replica.url(), autocommit=True) as conn:
            while True:
                done = conn.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)
                ).fetchone()
                if done and done[0]:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError("the replica did not catch up")
                time.sleep(0.05)


@contextmanager
def migrated_cluster(prefix: str = "ecozone-cluster-") -> Iterator[Cluster]:
    """Start a cluster of our own with database ``ecozone`` (PostGIS, migrated); stop and remove it after.

    For tests that stop, restart or crash their server, which the shared test server
    must never be.
    """
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip(
            "SKIPPED LOUDLY: no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup); "
            "set PG_BINDIR to run the replica tests"
        )
    root = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = Cluster(bindir, root / "primary", free_port())
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(primary.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        primary.start()
        with psycopg.connect(primary.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE ecozone")
        with psycopg.connect(primary.url(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        schema.upgrade(primary.sa_url())
        yield primary
    finally:
        primary.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def replica_pair(prefix: str = "ecozone-replica-") -> Iterator[ReplicaPair]:
    """Start a migrated primary (:func:`migrated_cluster`) and a streaming replica; stop and remove both after."""
    with migrated_cluster(prefix) as primary:
        bindir = primary.bindir
        replica = Cluster(bindir, primary.data.parent / "replica", free_port())
        try:
            _run(
                [
                    str(bindir / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(primary.port),
                    "-U",
                    "postgres",
                    "-D",
                    str(replica.data),
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ]
            )
            replica.start()
            pair = ReplicaPair(primary, replica)
            pair.wait_replayed()
            yield pair
        finally:
            replica.stop("immediate")
