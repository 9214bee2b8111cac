"""Screenings' request and result are compressed with lz4 instead of pglz

A screening's result (~20 KB of JSON: every rule's citation and measures, the evidence
and the hit list) is stored on every POST /screenings; compressing it with pglz was
about half of the INSERT's server time, lz4 a quarter of it at the same size
(bench/RESULTS.md). Rows already stored keep their compression. A server built without
lz4 keeps pglz (a notice, not an error).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        DO $$ BEGIN
          ALTER TABLE screenings ALTER COLUMN result SET COMPRESSION lz4,
                                 ALTER COLUMN request SET COMPRESSION lz4;
        EXCEPTION WHEN feature_not_supported THEN
          RAISE NOTICE 'lz4 is not available on this server: screenings stay pglz-compressed';
        END $$
        """
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE screenings ALTER COLUMN result SET COMPRESSION default, "
        "ALTER COLUMN request SET COMPRESSION default"
    )
