"""store: releases and collection tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 01:21:54.953541
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "releases",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("collection", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source_crs", sa.Text(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("feature_count", sa.Integer(), nullable=False),
        sa.Column("import_report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_releases")),
        sa.UniqueConstraint("collection", "name", name="uq_releases_collection_name"),
    )
    op.create_index(op.f("ix_releases_collection"), "releases", ["collection"], unique=False)
    op.create_geospatial_table(
        "admin_divisions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("adcode", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("parent_adcode", sa.Text(), nullable=True),
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
        sa.Column(
            "area_m2",
            sa.Float(),
            sa.Computed("ST_Area(CAST(geom AS geography))", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_admin_divisions_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_divisions")),
    )
    op.create_geospatial_index(
        "idx_admin_divisions_geom",
        "admin_divisions",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_admin_divisions_release_id", "admin_divisions", ["release_id"], unique=False
    )
    op.create_geospatial_table(
        "control_units",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("unit_class", sa.Text(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("spatial_constraints", sa.Text(), nullable=True),
        sa.Column("emission_controls", sa.Text(), nullable=True),
        sa.Column("risk_controls", sa.Text(), nullable=True),
        sa.Column("resource_efficiency", sa.Text(), nullable=True),
        sa.Column("banned_industries", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("restricted_industries", sa.ARRAY(sa.Text()), nullable=True),
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
        sa.Column(
            "area_m2",
            sa.Float(),
            sa.Computed("ST_Area(CAST(geom AS geography))", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_control_units_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_units")),
    )
    op.create_geospatial_index(
        "idx_control_units_geom",
        "control_units",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_control_units_release_id", "control_units", ["release_id"], unique=False)
    op.create_geospatial_table(
        "drinking_water_zones",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("grade", sa.Text(), nullable=True),
        sa.Column("water_source", sa.Text(), nullable=True),
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
        sa.Column(
            "area_m2",
            sa.Float(),
            sa.Computed("ST_Area(CAST(geom AS geography))", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_drinking_water_zones_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drinking_water_zones")),
    )
    op.create_geospatial_index(
        "idx_drinking_water_zones_geom",
        "drinking_water_zones",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_drinking_water_zones_release_id", "drinking_water_zones", ["release_id"], unique=False
    )
    op.create_geospatial_table(
        "ecological_spaces",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("control_level", sa.Text(), nullable=True),
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
        sa.Column(
            "area_m2",
            sa.Float(),
            sa.Computed("ST_Area(CAST(geom AS geography))", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_ecological_spaces_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecological_spaces")),
    )
    op.create_geospatial_index(
        "idx_ecological_spaces_geom",
        "ecological_spaces",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_ecological_spaces_release_id", "ecological_spaces", ["release_id"], unique=False
    )
    op.create_geospatial_table(
        "enterprises",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("industry_category", sa.Text(), nullable=True),
        sa.Column("industry_code", sa.Text(), nullable=True),
        sa.Column("risk_grade", sa.Text(), nullable=True),
        sa.Column("park_code", sa.Text(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
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
            name=op.f("fk_enterprises_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
    )
    op.create_geospatial_index(
        "idx_enterprises_geom",
        "enterprises",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_enterprises_release_id", "enterprises", ["release_id"], unique=False)
    op.create_geospatial_table(
        "farmland_zones",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
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
        sa.Column(
            "area_m2",
            sa.Float(),
            sa.Computed("ST_Area(CAST(geom AS geography))", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_farmland_zones_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_farmland_zones")),
    )
    op.create_geospatial_index(
        "idx_farmland_zones_geom",
        "farmland_zones",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_farmland_zones_release_id", "farmland_zones", ["release_id"], unique=False)
    op.create_geospatial_table(
        "industrial_parks",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("industry_category", sa.Text(), nullable=True),
        sa.Column("industry_code", sa.Text(), nullable=True),
        sa.Column("risk_grade", sa.Text(), nullable=True),
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
        sa.Column(
            "area_m2",
            sa.Float(),
            sa.Computed("ST_Area(CAST(geom AS geography))", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_industrial_parks_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industrial_parks")),
    )
    op.create_geospatial_index(
        "idx_industrial_parks_geom",
        "industrial_parks",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_industrial_parks_release_id", "industrial_parks", ["release_id"], unique=False
    )
    op.create_geospatial_table(
        "monitoring_stations",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("medium", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
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
            name=op.f("fk_monitoring_stations_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_stations")),
    )
    op.create_geospatial_index(
        "idx_monitoring_stations_geom",
        "monitoring_stations",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_monitoring_stations_release_id", "monitoring_stations", ["release_id"], unique=False
    )
    op.create_geospatial_table(
        "outfalls",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("receiving_water", sa.Text(), nullable=True),
        sa.Column("discharger", sa.Text(), nullable=True),
        sa.Column("permitted_flow_m3d", sa.Float(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("admin_code", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
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
            name=op.f("fk_outfalls_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outfalls")),
    )
    op.create_geospatial_index(
        "idx_outfalls_geom",
        "outfalls",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_outfalls_release_id", "outfalls", ["release_id"], unique=False)
    op.create_geospatial_table(
        "red_lines",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=True),
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
        sa.Column(
            "area_m2",
            sa.Float(),
            sa.Computed("ST_Area(CAST(geom AS geography))", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_red_lines_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_lines")),
    )
    op.create_geospatial_index(
        "idx_red_lines_geom",
        "red_lines",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_red_lines_release_id", "red_lines", ["release_id"], unique=False)
    op.create_geospatial_table(
        "water_bodies",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("yangtze_class", sa.Text(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_water_bodies_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_bodies")),
    )
    op.create_geospatial_index(
        "idx_water_bodies_geom",
        "water_bodies",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_water_bodies_release_id", "water_bodies", ["release_id"], unique=False)
    op.create_geospatial_table(
        "wetlands",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("protection_status", sa.Text(), nullable=True),
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
        sa.Column(
            "area_m2",
            sa.Float(),
            sa.Computed("ST_Area(CAST(geom AS geography))", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_wetlands_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wetlands")),
    )
    op.create_geospatial_index(
        "idx_wetlands_geom",
        "wetlands",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_wetlands_release_id", "wetlands", ["release_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_wetlands_release_id", table_name="wetlands")
    op.drop_geospatial_index(
        "idx_wetlands_geom", table_name="wetlands", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("wetlands")
    op.drop_index("ix_water_bodies_release_id", table_name="water_bodies")
    op.drop_geospatial_index(
        "idx_water_bodies_geom",
        table_name="water_bodies",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("water_bodies")
    op.drop_index("ix_red_lines_release_id", table_name="red_lines")
    op.drop_geospatial_index(
        "idx_red_lines_geom", table_name="red_lines", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("red_lines")
    op.drop_index("ix_outfalls_release_id", table_name="outfalls")
    op.drop_geospatial_index(
        "idx_outfalls_geom", table_name="outfalls", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("outfalls")
    op.drop_index("ix_monitoring_stations_release_id", table_name="monitoring_stations")
    op.drop_geospatial_index(
        "idx_monitoring_stations_geom",
        table_name="monitoring_stations",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("monitoring_stations")
    op.drop_index("ix_industrial_parks_release_id", table_name="industrial_parks")
    op.drop_geospatial_index(
        "idx_industrial_parks_geom",
        table_name="industrial_parks",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("industrial_parks")
    op.drop_index("ix_farmland_zones_release_id", table_name="farmland_zones")
    op.drop_geospatial_index(
        "idx_farmland_zones_geom",
        table_name="farmland_zones",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("farmland_zones")
    op.drop_index("ix_enterprises_release_id", table_name="enterprises")
    op.drop_geospatial_index(
        "idx_enterprises_geom",
        table_name="enterprises",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("enterprises")
    op.drop_index("ix_ecological_spaces_release_id", table_name="ecological_spaces")
    op.drop_geospatial_index(
        "idx_ecological_spaces_geom",
        table_name="ecological_spaces",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("ecological_spaces")
    op.drop_index("ix_drinking_water_zones_release_id", table_name="drinking_water_zones")
    op.drop_geospatial_index(
        "idx_drinking_water_zones_geom",
        table_name="drinking_water_zones",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("drinking_water_zones")
    op.drop_index("ix_control_units_release_id", table_name="control_units")
    op.drop_geospatial_index(
        "idx_control_units_geom",
        table_name="control_units",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("control_units")
    op.drop_index("ix_admin_divisions_release_id", table_name="admin_divisions")
    op.drop_geospatial_index(
        "idx_admin_divisions_geom",
        table_name="admin_divisions",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("admin_divisions")
    op.drop_index(op.f("ix_releases_collection"), table_name="releases")
    op.drop_table("releases")
