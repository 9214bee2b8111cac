"""Daily values of the readings, kept by the importer, so attainment reads days, not hours

``readings_daily`` holds, per (station, parameter, CST day), the day's value and how many
values made it: the daily mean and its hour count for the parameters judged on daily
means (PM2.5, PM10, NO₂, SO₂, CO), and for ``O3_8h`` the day's maximum 8-hour mean of O₃
and the number of valid 8-hour means (HJ 663-2013; ``gis.quality.daily_max_8h``).
Validity thresholds are applied when the values are read, not here. The importer
recomputes the days an import touches (``layers.ingest.readings``).

Readings already stored are backfilled here (a snapshot of that computation in SQL).

Revision ID: 0018
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: An air reading's time is the end of its hour: epoch − 3600 + 28800 is its start in CST.
_BACKFILL_MEANS = """
INSERT INTO readings_daily (station, parameter, day, value, n)
SELECT station, parameter, DATE '1970-01-01' + ((extract(epoch FROM time)::bigint + 25200) / 86400)::int,
       avg(value), count(*)
FROM readings WHERE parameter IN ('PM2.5', 'PM10', 'NO2', 'SO2', 'CO')
GROUP BY 1, 2, 3
"""
#: 8-hour means ending at hours 8 … 24 of a day (hour k = 1 … 24 ends at k:00), each
#: valid with at least 6 values; the day's maximum of the valid ones and their count.
_BACKFILL_O3 = """
WITH h AS (
    SELECT station, (extract(epoch FROM time)::bigint + 25200) / 86400 AS d,
           ((extract(epoch FROM time)::bigint + 25200) / 3600) % 24 + 1 AS k, value
    FROM readings WHERE parameter = 'O3'
), w AS (
    SELECT station, d, e, avg(value) AS m, count(*) AS c
    FROM h JOIN generate_series(8, 24) AS e ON h.k BETWEEN e - 7 AND e
    GROUP BY 1, 2, 3
)
INSERT INTO readings_daily (station, parameter, day, value, n)
SELECT station, 'O3_8h', DATE '1970-01-01' + d::int, max(m) FILTER (WHERE c >= 6),
       count(*) FILTER (WHERE c >= 6)
FROM w GROUP BY station, d
"""


def upgrade() -> None:
    op.create_table(
        "readings_daily",
        sa.Column("station", sa.Text(), nullable=False),
        sa.Column("parameter", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station", "parameter", "day", name="pk_readings_daily"),
    )
    op.execute(_BACKFILL_MEANS)
    op.execute(_BACKFILL_O3)


def downgrade() -> None:
    op.drop_table("readings_daily")
