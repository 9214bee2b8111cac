"""Database settings and the engine/session factories (nothing is built at import)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import orjson
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ecozone"


class DatabaseSettings(BaseSettings):
    """PostGIS connection and pool settings (``DATABASE_URL`` or ``APP_DB_*``)."""

    model_config = SettingsConfigDict(
        env_prefix="APP_DB_", env_file=".env", extra="ignore", populate_by_name=True
    )

    url: str = Field(
        default=DEFAULT_URL, validation_alias=AliasChoices("DATABASE_URL", "APP_DB_URL")
    )
    pool_size: int = Field(default=5, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    #: The sync engine's statement timeout (writes, imports, stored screenings).
    statement_timeout_ms: int = Field(default=60_000, ge=0)
    #: The statement timeout of ``import-readings`` (a province-year is one INSERT of some
    #: 10 M rows into its partition); 0 = none.
    import_timeout_ms: int = Field(default=1_800_000, ge=0)
    #: Statement timeouts per route class, short enough that one client cannot hold a
    #: pool: the read pool (items, features, tiles), the screening pool and proximity.
    read_timeout_ms: int = Field(default=10_000, ge=1)
    screening_timeout_ms: int = Field(default=15_000, ge=1)
    proximity_timeout_ms: int = Field(default=20_000, ge=1)
    #: Seconds a request waits for a pooled connection before a 503 (``Retry-After``).
    pool_timeout_s: float = Field(default=5.0, gt=0)
    #: The async pool of the hot read paths (items, features, tiles), per worker process.
    read_pool_min_size: int = Field(default=2, ge=0)
    read_pool_max_size: int = Field(default=10, ge=1)
    #: The async pool of ``POST /screenings``, separate so that slow screenings queue on
    #: their own connections and never starve the read pool.
    screening_pool_min_size: int = Field(default=1, ge=0)
    screening_pool_max_size: int = Field(default=4, ge=1)
    #: ``plan_cache_mode`` of the read pool's connections. Its statements are prepared
    #: once per connection and differ per request only in coordinates, dates and radii,
    #: which do not change the best plan (GiST index scans), so a generic plan is reused
    #: instead of planning each execution again; PostgreSQL's ``auto`` kept re-planning
    #: the screening statement (~1 ms of planning per screening, bench/RESULTS.md).
    read_plan_cache_mode: Literal["auto", "force_generic_plan", "force_custom_plan"] = (
        "force_generic_plan"
    )
    #: PostgreSQL's JIT compilation of statements (``jit``). Off: the screening statement
    #: (one UNION of ~40 lookups) is estimated above ``jit_above_cost`` while it runs in
    #: a few milliseconds, and LLVM compiled its ~950 expressions at every execution
    #: (0.8 s per screening, bench/RESULTS.md).
    jit: bool = False
    #: Read replicas (streaming standbys) for the read pools (items, features, tiles and
    #: the screenings' lookups): one libpq connection string, which may name several
    #: hosts (``postgresql://h1,h2/ecozone?target_session_attrs=prefer-standby&load_balance_hosts=random``),
    #: or a JSON list of them, each then checked and skipped on its own. None: every
    #: read runs on the primary (``DATABASE_URL``).
    read_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: A replica whose replay lags the primary by more than this is skipped until it
    #: catches up (measured to the check interval).
    read_max_lag_s: float = Field(default=10.0, gt=0)
    #: Seconds between two checks of each replica (state, replay position, lag).
    read_check_interval_s: float = Field(default=1.0, gt=0)
    #: The longest a read carrying a write's position (``X-Ecozone-LSN``) waits for a
    #: replica to replay it before it runs on the primary instead.
    read_your_writes_wait_ms: int = Field(default=100, ge=0)

    @field_validator("read_urls", mode="before")
    @classmethod
    def _read_url_list(cls, value: Any) -> Any:
        """One connection string, or a JSON list of them; empty entries are dropped."""
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else [text]
        if isinstance(value, list):
            return [v.strip() for v in value if isinstance(v, str) and v.strip()] + [
                v for v in value if not isinstance(v, str)
            ]
        return value

    @field_validator("url")
    @classmethod
    def _normalise_scheme(cls, value: str) -> str:
        """Use psycopg 3 whatever scheme the URL was written with."""
        if not value.strip():
            raise ValueError("DATABASE_URL is empty")
        for prefix in ("postgresql+psycopg2://", "postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value


def server_options(
    settings: DatabaseSettings, statement_timeout_ms: int, *, generic_plans: bool
) -> str:
    """The libpq ``options`` of every connection: statement timeout, JIT, plan caching."""
    options = (
        f"-c statement_timeout={statement_timeout_ms} -c jit={'on' if settings.jit else 'off'}"
    )
    if generic_plans:
        options += f" -c plan_cache_mode={settings.read_plan_cache_mode}"
    return options


def make_engine(settings: DatabaseSettings, *, generic_plans: bool = False) -> Engine:
    """Build the engine: pre-ping, pool sizes, a statement timeout; JSON parsed by orjson.

    ``generic_plans``: prepared statements use ``read_plan_cache_mode`` (as the read and
    screening pools do) — for a batch that runs one statement many times.
    """
    options = server_options(settings, settings.statement_timeout_ms, generic_plans=generic_plans)
    return create_engine(
        settings.url,
        pool_pre_ping=True,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        connect_args={"options": options},
        # psycopg parses json/jsonb with this (a screening's rows are JSON; ~3x json.loads)
        json_deserializer=orjson.loads,
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Build the session factory (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def set_statement_timeout(session: Session, timeout_ms: int) -> None:
    """Lower the statement timeout for the rest of ``session``'s transaction."""
    session.execute(
        text("SELECT set_config('statement_timeout', :t, true)"), {"t": f"{timeout_ms}ms"}
    )
