"""Sweeps: every feature of a collection screened by queued chunks; one row per feature

A sweep is a ``jobs`` row (kind ``sweep``: its parameters, progress = features screened,
total = features selected). ``sweep_results`` holds one row per screened feature: its
verdict and the rules it triggers by outcome, or the error that kept it from being
screened. The primary key (sweep, feature) makes a chunk's retry or a resumed sweep
write each feature once.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sweep_results",
        sa.Column(
            "job_id",
            sa.BigInteger(),
            sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("feature_id", sa.BigInteger(), primary_key=True),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.Column("deny", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("require", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("flag", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sweep_results")
