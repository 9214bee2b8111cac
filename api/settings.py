"""HTTP settings (env prefix ``APP_API_``)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Settings of the HTTP interface."""

    model_config = SettingsConfigDict(env_prefix="APP_API_", env_file=".env", extra="ignore")

    title: str = "ecozone 生态环境分区管控"
    root_path: str = ""
    default_limit: int = Field(default=100, ge=1)
    max_limit: int = Field(default=10_000, ge=1, le=10_000)
    cors_origins: list[str] = Field(default_factory=list)
    public_reads: bool = True
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    # longest wait for the next chunk of an unfinished request body before a 408
    body_idle_timeout_s: float = Field(default=30.0, gt=0)
    tile_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    #: Whether each server process also runs a job worker (imports complete on a single
    #: machine with ``ecozone serve`` alone); false when ``ecozone worker`` processes
    #: consume the queue (``ecozone serve --no-worker``).
    in_process_worker: bool = True
    #: glibc malloc arenas the process's threads share (``api.memory``; 0: glibc's default
    #: of 8 per core), which keeps a worker's resident memory from growing with its threads.
    malloc_arena_max: int = Field(default=2, ge=0)
    #: FastAPI's OpenTelemetry spans, metrics and logs per request, when a provider is
    #: configured (``opentelemetry-instrument`` or the SDK). Off: no provider lookups on
    #: every request (2 % of a point read's Python time).
    telemetry: bool = False

    @model_validator(mode="after")
    def _limits(self) -> ApiSettings:
        if self.default_limit > self.max_limit:
            raise ValueError("default_limit must not exceed max_limit")
        return self
