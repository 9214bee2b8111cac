"""Jobs record their worker process and reserve the release name they import

``worker`` (``host:pid:start-ticks``) lets a restarted server fail the jobs its dead
processes left ``queued``/``running`` without touching those of live workers.
``collection``/``release_name`` with a unique index over the active (queued or running)
jobs make a second import of the same release name fail at once (409), not after all
its work.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("worker", sa.Text(), nullable=True))
    op.add_column("jobs", sa.Column("collection", sa.Text(), nullable=True))
    op.add_column("jobs", sa.Column("release_name", sa.Text(), nullable=True))
    op.create_index(
        "uq_jobs_active_release",
        "jobs",
        ["collection", "release_name"],
        unique=True,
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )


def downgrade() -> None:
    op.drop_index("uq_jobs_active_release", table_name="jobs")
    op.drop_column("jobs", "release_name")
    op.drop_column("jobs", "collection")
    op.drop_column("jobs", "worker")
