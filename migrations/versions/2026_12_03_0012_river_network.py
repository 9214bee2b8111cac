"""A directed river network (pgRouting) built from a water release's lines

``river_networks``: one network per release of the water collection it was built from
(``release_id``; re-building replaces it), whether its direction is ``derived`` (from
elevation, the 长江 centreline, overrides and vertex order) or imported with the data, and
the build's counts. ``river_edges``: one directed edge per reach between two nodes, its
geometry digitised in the flow direction (``source`` → ``target``), ``cost`` = its
geodesic length in metres (``ST_Length(geom::geography)``), ``reverse_cost`` = -1 (one
way) or ``cost`` (a canal flowing both ways), the feature and release it came from, its
river name, ``derived`` and ``direction`` (how its flow direction was decided:
``elevation``, ``centreline``, ``override``, ``imported`` or ``vertex_order``).
pgRouting (``pgr_drivingDistance``) traverses it.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")
    op.create_table(
        "river_networks",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("collection", sa.Text(), nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("release_revision", sa.Integer(), nullable=False),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.Column("report", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column(
            "built_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name="fk_river_networks_release_id_releases",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_river_networks"),
        sa.UniqueConstraint("release_id", name="uq_river_networks_release_id"),
    )
    op.create_table(
        "river_edges",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("network_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("reverse_cost", sa.Float(), nullable=False),
        sa.Column("feature_id", sa.BigInteger(), nullable=False),
        sa.Column("release_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry("LINESTRING", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint(
            "direction IN ('elevation', 'centreline', 'override', 'imported', 'vertex_order')",
            name="ck_river_edges_direction",
        ),
        sa.CheckConstraint("cost >= 0", name="ck_river_edges_cost"),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["river_networks.id"],
            name="fk_river_edges_network_id_river_networks",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_river_edges"),
    )
    op.create_index("ix_river_edges_geom", "river_edges", ["geom"], postgresql_using="gist")
    op.create_index("ix_river_edges_network_id", "river_edges", ["network_id"])


def downgrade() -> None:
    op.drop_table("river_edges")
    op.drop_table("river_networks")
    op.execute("DROP EXTENSION IF EXISTS pgrouting")
