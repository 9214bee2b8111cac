"""Sensitive-area collections: 自然保护地, 岸线, 河湖管理范围, 生态缓冲带, 海洋生态红线, 围填海

One feature table per new catalogue collection (``protected_areas``, ``shoreline_segments``,
``river_management_areas``, ``ecological_buffers``, ``marine_red_lines``, ``reclamation``),
each with ``release_id`` (releases, cascade), its typed fields, ``synthetic``, ``props``,
``geom`` (SRID 4326) under a GiST index (every screening looks them up by location) and,
for the polygon layers, ``area_m2`` written by the importer.

Revision ID: 0013
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table(
        "ecological_buffers",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("water_name", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("width_m", sa.Float(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
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
            name=op.f("fk_ecological_buffers_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecological_buffers")),
    )
    op.create_geospatial_index(
        "idx_ecological_buffers_geom",
        "ecological_buffers",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_ecological_buffers_release_id", "ecological_buffers", ["release_id"], unique=False
    )
    op.create_geospatial_table(
        "marine_red_lines",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("designation", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("control", sa.Text(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
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
            name=op.f("fk_marine_red_lines_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marine_red_lines")),
    )
    op.create_geospatial_index(
        "idx_marine_red_lines_geom",
        "marine_red_lines",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_marine_red_lines_release_id", "marine_red_lines", ["release_id"], unique=False
    )
    op.create_geospatial_table(
        "protected_areas",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("zoning_regime", sa.Text(), nullable=True),
        sa.Column("zone", sa.Text(), nullable=True),
        sa.Column("reserve_code", sa.Text(), nullable=True),
        sa.Column("established", sa.Date(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
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
            name=op.f("fk_protected_areas_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protected_areas")),
    )
    op.create_geospatial_index(
        "idx_protected_areas_geom",
        "protected_areas",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_protected_areas_release_id", "protected_areas", ["release_id"], unique=False
    )
    op.create_geospatial_table(
        "reclamation",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("approved", sa.Date(), nullable=True),
        sa.Column("completed", sa.Date(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
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
            name=op.f("fk_reclamation_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reclamation")),
    )
    op.create_geospatial_index(
        "idx_reclamation_geom",
        "reclamation",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_reclamation_release_id", "reclamation", ["release_id"], unique=False)
    op.create_geospatial_table(
        "river_management_areas",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("water_name", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
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
            name=op.f("fk_river_management_areas_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_river_management_areas")),
    )
    op.create_geospatial_index(
        "idx_river_management_areas_geom",
        "river_management_areas",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_river_management_areas_release_id",
        "river_management_areas",
        ["release_id"],
        unique=False,
    )
    op.create_geospatial_table(
        "shoreline_segments",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("water_name", sa.Text(), nullable=True),
        sa.Column("water_kind", sa.Text(), nullable=True),
        sa.Column("yangtze_class", sa.Text(), nullable=True),
        sa.Column("bank", sa.Text(), nullable=True),
        sa.Column("function_zone", sa.Text(), nullable=True),
        sa.Column("shore_type", sa.Text(), nullable=True),
        sa.Column("protection", sa.Text(), nullable=True),
        sa.Column("use", sa.Text(), nullable=True),
        sa.Column("reference_line", sa.Text(), nullable=True),
        sa.Column("length_m", sa.Float(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTILINESTRING",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_shoreline_segments_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shoreline_segments")),
    )
    op.create_geospatial_index(
        "idx_shoreline_segments_geom",
        "shoreline_segments",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_shoreline_segments_release_id", "shoreline_segments", ["release_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_shoreline_segments_release_id", table_name="shoreline_segments")
    op.drop_geospatial_index(
        "idx_shoreline_segments_geom",
        table_name="shoreline_segments",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("shoreline_segments")
    op.drop_index("ix_river_management_areas_release_id", table_name="river_management_areas")
    op.drop_geospatial_index(
        "idx_river_management_areas_geom",
        table_name="river_management_areas",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("river_management_areas")
    op.drop_index("ix_reclamation_release_id", table_name="reclamation")
    op.drop_geospatial_index(
        "idx_reclamation_geom",
        table_name="reclamation",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("reclamation")
    op.drop_index("ix_protected_areas_release_id", table_name="protected_areas")
    op.drop_geospatial_index(
        "idx_protected_areas_geom",
        table_name="protected_areas",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("protected_areas")
    op.drop_index("ix_marine_red_lines_release_id", table_name="marine_red_lines")
    op.drop_geospatial_index(
        "idx_marine_red_lines_geom",
        table_name="marine_red_lines",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("marine_red_lines")
    op.drop_index("ix_ecological_buffers_release_id", table_name="ecological_buffers")
    op.drop_geospatial_index(
        "idx_ecological_buffers_geom",
        table_name="ecological_buffers",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("ecological_buffers")
