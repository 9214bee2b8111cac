"""Station readings (time series), partitioned by year; a section's target water class

``readings`` holds one value per (station, parameter, time): the station is a
``monitoring_stations`` code, ``time`` the end of the averaging period (CNEMC labels an
hour by its end), ``value`` in the parameter's canonical unit (``unit``), ``flag`` the
source's data flag. The table is partitioned by RANGE (time), one partition per calendar
year in China Standard Time (``readings_y2024`` …), created on demand by the importer
(``layers.ingest.readings``); there is no default partition, so a new
year's partition never has to move rows out of it. The primary key (station, parameter,
time) refuses duplicates and is the index the series and attainment queries use.

``monitoring_stations`` gains ``target_class`` (the 国考/省考 section's GB 3838-2002
target class, Ⅰ–Ⅴ) and ``water_type`` (``river`` or ``lake``: TN counts for lakes only).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "readings",
        sa.Column("station", sa.Text(), nullable=False),
        sa.Column("parameter", sa.Text(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("flag", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("station", "parameter", "time", name="pk_readings"),
        postgresql_partition_by="RANGE (time)",
    )
    op.add_column("monitoring_stations", sa.Column("target_class", sa.Text(), nullable=True))
    op.add_column("monitoring_stations", sa.Column("water_type", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("monitoring_stations", "water_type")
    op.drop_column("monitoring_stations", "target_class")
    op.drop_table("readings")  # its partitions go with it
