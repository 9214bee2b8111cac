"""The start-up heap is frozen out of the garbage collector's view while the app runs.

A full collection otherwise walks every object the imports made (~135k), stalling the event
loop for 40-80 ms and setting every read's p99 (bench/RESULTS.md, 2026-12-03).
"""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from api.app import create_app
from api.memory import SERVING_GC_THRESHOLD
from api.settings import ApiSettings
from layers.store.db import DatabaseSettings


def test_startup_objects_are_frozen_and_released_at_shutdown(database_url: str) -> None:
    gc.unfreeze()
    app = create_app(
        ApiSettings(_env_file=None), DatabaseSettings(url=database_url, _env_file=None)
    )
    before = gc.get_threshold()
    assert before != SERVING_GC_THRESHOLD
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 10_000  # modules, settings, the app and its routes
        assert gc.get_threshold() == SERVING_GC_THRESHOLD
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
