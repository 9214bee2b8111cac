"""Sensitive receptors (环境敏感目标): residential areas, villages, schools, hospitals …

``sensitive_receptors`` is a collection like the others (catalogue entry in
``layers/store/catalog.py``): points or polygons (geometry type GEOMETRY), with
``type`` (居民区, 村庄, 学校, 医院, 疗养院, 养老院, 饮用水取水口, 文物保护单位),
``population`` (≥ 0, checked by the importer), ``grade`` and ``area_m2`` (0 for a
point). The screening's 环境保护目标 table and the receptor-distance rules read it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table(
        "sensitive_receptors",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("grade", sa.Text(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
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
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_sensitive_receptors_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensitive_receptors")),
    )
    op.create_geospatial_index(
        "idx_sensitive_receptors_geom",
        "sensitive_receptors",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_sensitive_receptors_release_id", "sensitive_receptors", ["release_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sensitive_receptors_release_id", table_name="sensitive_receptors")
    op.drop_geospatial_index(
        "idx_sensitive_receptors_geom",
        table_name="sensitive_receptors",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("sensitive_receptors")
