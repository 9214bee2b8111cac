"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import SessionDep
from api.responses import ORJSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="health-healthz")
def healthz() -> dict[str, str]:
    """The process is up (no database call)."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="health-readyz", response_model=None)
def readyz(session: SessionDep) -> ORJSONResponse | dict[str, Any]:
    """The database answers and PostGIS is installed."""
    try:
        version = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # any database failure means "not ready"
        return ORJSONResponse({"status": "unavailable", "database": False}, status_code=503)
    return {"status": "ok", "database": True, "postgis": version, "schema_revision": revision}
