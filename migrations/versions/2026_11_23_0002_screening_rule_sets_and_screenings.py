"""screening rule sets and screenings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:31:08.591764
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rule_sets",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("source_hash", sa.Text(), nullable=False),
        sa.Column("industries", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_sets")),
        sa.UniqueConstraint("source_hash", name="uq_rule_sets_source_hash"),
    )
    op.create_index(op.f("ix_rule_sets_valid_from"), "rule_sets", ["valid_from"], unique=False)
    op.create_table(
        "rules",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("rule_set_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_set_id"],
            ["rule_sets.id"],
            name=op.f("fk_rules_rule_set_id_rule_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules")),
        sa.UniqueConstraint("rule_set_id", "rule_id", name="uq_rules_rule_set_id_rule_id"),
    )
    op.create_index(op.f("ix_rules_rule_set_id"), "rules", ["rule_set_id"], unique=False)
    op.create_geospatial_table(
        "screenings",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("rule_set_id", sa.BigInteger(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("request", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_set_id"],
            ["rule_sets.id"],
            name=op.f("fk_screenings_rule_set_id_rule_sets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    op.create_geospatial_index(
        "idx_screenings_geom",
        "screenings",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_screenings_created_at"), "screenings", ["created_at"], unique=False)
    op.create_index(op.f("ix_screenings_rule_set_id"), "screenings", ["rule_set_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_screenings_rule_set_id"), table_name="screenings")
    op.drop_index(op.f("ix_screenings_created_at"), table_name="screenings")
    op.drop_geospatial_index(
        "idx_screenings_geom", table_name="screenings", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("screenings")
    op.drop_index(op.f("ix_rules_rule_set_id"), table_name="rules")
    op.drop_table("rules")
    op.drop_index(op.f("ix_rule_sets_valid_from"), table_name="rule_sets")
    op.drop_table("rule_sets")
