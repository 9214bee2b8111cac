"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from api.deps import SessionDep
from api.responses import ORJSONResponse
from layers.reads.replicas import ReplicaMonitor

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="health-healthz")
def healthz() -> dict[str, str]:
    """The process is up (no database call)."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="health-readyz", response_model=None)
def readyz(request: Request, session: SessionDep) -> ORJSONResponse | dict[str, Any]:
    """The primary answers and PostGIS is installed; each database's state and lag.

    ``databases`` lists the primary (checked now) and each read replica as its last
    health check found it (``ok``, ``lagging`` beyond ``APP_DB_READ_MAX_LAG_S`` or
    ``down``; both are skipped by reads). A replica down or lagging leaves the node
    ready: its reads run on the primary.
    """
    monitor: ReplicaMonitor | None = getattr(request.app.state, "replica_monitor", None)
    replicas = monitor.report() if monitor is not None else []
    try:
        version = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # any database failure means "not ready"
        down = {"name": "primary", "role": "primary", "status": "down"}
        return ORJSONResponse(
            {"status": "unavailable", "database": False, "databases": [down, *replicas]},
            status_code=503,
        )
    primary = {"name": "primary", "role": "primary", "status": "ok", "lag_s": 0.0}
    return {
        "status": "ok",
        "database": True,
        "postgis": version,
        "schema_revision": revision,
        "databases": [primary, *replicas],
    }
