"""Element control zones (要素管控分区) and their entry-list clauses

Six collection tables for the element layers behind the composite control units
(生态/水环境/大气环境 管控分区, 土壤污染风险重点管控区, 高污染燃料禁燃区, 地下水开采管控区),
and the entry-list level ``element`` (a zone's own 准入 clauses, scoped by its code).

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: migrations never import models.
TABLES = (
    "ecological_control_zones",
    "water_control_zones",
    "air_control_zones",
    "soil_risk_zones",
    "fuel_ban_zones",
    "groundwater_zones",
)
TEXT_FIELDS = ("code", "name", "element_subtype", "unit_class", "admin_code")


def upgrade() -> None:
    for table in TABLES:
        op.create_geospatial_table(
            table,
            sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
            sa.Column("release_id", sa.BigInteger(), nullable=False),
            *(sa.Column(f, sa.Text(), nullable=True) for f in TEXT_FIELDS),
            sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
            sa.Column(
                "props",
                postgresql.JSONB(astext_type=sa.Text()),
                server_default="{}",
                nullable=False,
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
                name=op.f(f"fk_{table}_release_id_releases"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        op.create_geospatial_index(
            f"idx_{table}_geom",
            table,
            ["geom"],
            unique=False,
            postgresql_using="gist",
            postgresql_ops={},
        )
        op.create_index(f"ix_{table}_release_id", table, ["release_id"], unique=False)
    op.drop_constraint("ck_entry_list_level", "entry_list", type_="check")
    op.create_check_constraint(
        "ck_entry_list_level", "entry_list", "level IN ('province', 'city', 'unit', 'element')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM entry_list WHERE level = 'element'")
    op.execute("DELETE FROM releases WHERE collection = 'entry_list.element'")
    op.drop_constraint("ck_entry_list_level", "entry_list", type_="check")
    op.create_check_constraint(
        "ck_entry_list_level", "entry_list", "level IN ('province', 'city', 'unit')"
    )
    for table in reversed(TABLES):
        op.drop_index(f"ix_{table}_release_id", table_name=table)
        op.drop_geospatial_index(
            f"idx_{table}_geom", table_name=table, postgresql_using="gist", column_name="geom"
        )
        op.drop_geospatial_table(table)
    op.execute(
        sa.text("DELETE FROM releases WHERE collection = ANY(:tables)").bindparams(
            tables=list(TABLES)
        )
    )
