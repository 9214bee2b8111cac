"""Raster releases: one ``raster_files`` row per release of a raster layer

A raster layer's releases are ``releases`` rows whose collection is ``raster.<layer>``
(``raster.dem``, ``raster.land_cover``), so validity, "as of", source, licence and
coverage (the raster's footprint) work as for vector layers. ``raster_files`` says where
the release's Cloud-Optimized GeoTIFF is (relative to the rasters data folder) and what
it is: CRS, grid, resolution, nodata, data type and, for a categorical raster, its class
table.

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "raster_files",
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("layer", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("crs", sa.Text(), nullable=False),
        sa.Column("crs_wkt", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("transform", postgresql.ARRAY(sa.Float()), nullable=False),
        sa.Column("resolution_m", sa.Float(), nullable=False),
        sa.Column("nodata", sa.Float(), nullable=True),
        sa.Column("dtype", sa.Text(), nullable=False),
        sa.Column("classes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('continuous', 'categorical')", name=op.f("ck_raster_files_kind")
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_raster_files_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("release_id", name=op.f("pk_raster_files")),
    )
    op.create_index(op.f("ix_raster_files_layer"), "raster_files", ["layer"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_raster_files_layer"), table_name="raster_files")
    op.drop_table("raster_files")
