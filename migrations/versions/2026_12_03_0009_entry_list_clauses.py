"""Entry lists (生态环境准入清单) one row per clause, with machine-readable conditions

``entry_list``: one clause of a province's, city's or control unit's list (``level``,
``scope`` = adcode or unit code, ``dimension`` one of the four, ``clause_no``, the text
verbatim, its source), in a release of the level's own line (``releases.collection`` =
``entry_list.<level>``). ``entry_list_conditions``: what a screening can judge of a
clause (banned / restricted industries, park-only, an emission cap).

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entry_list",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("scope_name", sa.Text(), server_default="", nullable=False),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("clause_no", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.CheckConstraint("level IN ('province', 'city', 'unit')", name="ck_entry_list_level"),
        sa.CheckConstraint(
            "dimension IN ('spatial_constraints', 'emission_controls', 'risk_controls', "
            "'resource_efficiency')",
            name="ck_entry_list_dimension",
        ),
        sa.CheckConstraint("clause_no >= 1", name="ck_entry_list_clause_no"),
        sa.CheckConstraint("char_length(text) BETWEEN 1 AND 5000", name="ck_entry_list_text"),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name="fk_entry_list_release_id_releases",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_entry_list"),
        sa.UniqueConstraint(
            "release_id", "scope", "dimension", "clause_no", name="uq_entry_list_release_id"
        ),
    )
    op.create_index("ix_entry_list_scope_release", "entry_list", ["scope", "release_id"])
    op.create_table(
        "entry_list_conditions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("clause_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("industries", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "project_kinds", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("params", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.CheckConstraint(
            "kind IN ('banned_industries', 'restricted_industries', 'park_only', 'emission_cap')",
            name="ck_entry_list_conditions_kind",
        ),
        sa.ForeignKeyConstraint(
            ["clause_id"],
            ["entry_list.id"],
            name="fk_entry_list_conditions_clause_id_entry_list",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_entry_list_conditions"),
    )
    op.create_index("ix_entry_list_conditions_clause_id", "entry_list_conditions", ["clause_id"])


def downgrade() -> None:
    op.drop_index("ix_entry_list_conditions_clause_id", table_name="entry_list_conditions")
    op.drop_table("entry_list_conditions")
    op.drop_index("ix_entry_list_scope_release", table_name="entry_list")
    op.drop_table("entry_list")
    op.execute("DELETE FROM releases WHERE collection LIKE 'entry\\_list.%'")
