"""Outfall lifecycle: status events 查测溯治 with dates and documents; HJ 1312 class, 一口一策

``outfall_events`` holds one event of an outfall's lifecycle per row: the outfall's code
(``outfalls.code``, kept across layer releases, so the history does not belong to a
release), the stage (排查 → 监测 → 溯源 → 整治 → 销号), the date it was reached, the
document recording it (title and number) and a note. ``synthetic`` marks the demo's
invented histories; ``recorded_at`` is when the row was imported.

``outfalls`` gains ``hj1312_class`` (the first-level class of HJ 1312-2023),
``hj1312_subclass`` (second-level, verbatim) and ``plan_note`` (the 一口一策 plan).

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outfall_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("outfall_code", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("document", sa.Text(), server_default="", nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "stage IN ('排查', '监测', '溯源', '整治', '销号')",
            name=op.f("ck_outfall_events_stage"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outfall_events")),
    )
    op.create_index(
        "ix_outfall_events_code_date", "outfall_events", ["outfall_code", "date"], unique=False
    )
    op.add_column("outfalls", sa.Column("hj1312_class", sa.Text(), nullable=True))
    op.add_column("outfalls", sa.Column("hj1312_subclass", sa.Text(), nullable=True))
    op.add_column("outfalls", sa.Column("plan_note", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("outfalls", "plan_note")
    op.drop_column("outfalls", "hj1312_subclass")
    op.drop_column("outfalls", "hj1312_class")
    op.drop_index("ix_outfall_events_code_date", table_name="outfall_events")
    op.drop_table("outfall_events")
