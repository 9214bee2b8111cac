"""Livestock and aquaculture no-farming zones (养殖禁养区)

One feature table for the catalogue collection ``farming_ban_zones``: the 畜禽养殖禁养区,
水产养殖禁养区 and 海水养殖禁养区 counties delineate, with ``release_id`` (releases,
cascade), its typed fields, ``synthetic``, ``props``, ``geom`` (SRID 4326) under a GiST
index (the screening looks it up by location) and ``area_m2`` written by the importer.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: migrations never import models.
TABLE = "farming_ban_zones"
TEXT_FIELDS = ("code", "name", "farming_type", "basis", "admin_code")


def upgrade() -> None:
    op.create_geospatial_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        *(sa.Column(f, sa.Text(), nullable=True) for f in TEXT_FIELDS),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "props", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
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
            name=op.f(f"fk_{TABLE}_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_geospatial_index(
        f"idx_{TABLE}_geom",
        TABLE,
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(f"ix_{TABLE}_release_id", TABLE, ["release_id"], unique=False)


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_release_id", table_name=TABLE)
    op.drop_geospatial_index(
        f"idx_{TABLE}_geom", table_name=TABLE, postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table(TABLE)
    op.execute(sa.text("DELETE FROM releases WHERE collection = :table").bindparams(table=TABLE))
