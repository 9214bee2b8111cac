"""The job queue of this service with every task: imports and sweep chunks."""

from __future__ import annotations

import procrastinate
from sqlalchemy.orm import Session, sessionmaker

from layers.ingest.queue import QueueSettings, build_queue
from layers.screening.rulebook import RuleBook
from layers.screening.sweep import register_sweep_task
from layers.store.db import DatabaseSettings


def make_queue(
    db: DatabaseSettings,
    jobs: QueueSettings,
    factory: sessionmaker[Session],
    book: RuleBook | None = None,
) -> procrastinate.App:
    """The procrastinate app with the import tasks and the sweep's chunk task (unopened)."""
    app = build_queue(db, jobs, factory)
    register_sweep_task(app, factory, jobs, book)
    return app
