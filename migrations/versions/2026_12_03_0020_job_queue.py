"""Durable jobs: procrastinate's queue schema, the uploads jobs read, the job's queue id

The queue is procrastinate's (https://procrastinate.readthedocs.io), PostgreSQL
``LISTEN/NOTIFY`` plus ``FOR UPDATE SKIP LOCKED``. Its schema is frozen here as the
library ships it for the pinned version (``migrations/sql/procrastinate-3.10.0-schema.sql``
is ``procrastinate/sql/schema.sql`` of procrastinate 3.10.0, byte for byte); a later
procrastinate release brings its own migration files, applied by a later revision.

``job_files`` holds an upload while its job waits or runs, in 1 MiB parts, so a worker on
any machine can read it; the parts go when the job ends. ``jobs.queue_job_id`` names the
queue's job (``procrastinate_jobs.id``) that carries the work of a ``jobs`` row; ``jobs``
stays the user-facing record (``GET /jobs/{id}``).

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = Path(__file__).resolve().parents[1] / "sql" / "procrastinate-3.10.0-schema.sql"
_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
_TYPES = (
    "procrastinate_job_to_defer_v1",
    "procrastinate_job_event_type",
    "procrastinate_job_status",
)


def _execute_script(sql: str) -> None:
    # the driver's cursor, without parameters: the script's "%" stay as they are and
    # its several statements run in Alembic's transaction
    op.get_bind().connection.dbapi_connection.cursor().execute(sql)  # type: ignore[union-attr]


def upgrade() -> None:
    _execute_script(SCHEMA.read_text(encoding="utf-8"))
    op.add_column("jobs", sa.Column("queue_job_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "job_files",
        sa.Column(
            "job_id",
            sa.BigInteger(),
            sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("part", sa.Integer(), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_files")
    op.drop_column("jobs", "queue_job_id")
    bind = op.get_bind()
    functions = list(
        bind.execute(
            sa.text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'"
            )
        ).scalars()
    )
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    for signature in functions:
        op.execute(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    for type_ in _TYPES:
        op.execute(f"DROP TYPE IF EXISTS {type_} CASCADE")
