"""Releases carry the area they cover; rule sets carry their documents, regions and tags

``releases.coverage`` (MultiPolygon, EPSG:4326) is the area a release's data covers: a
screening outside it cannot rely on the layer (its rules are NOT_CHECKED there).
``coverage_source`` says how it was set (``adcodes``, ``file``, ``auto``) and
``coverage_adcodes`` the adcodes given. Existing releases get the default: the
county-level administrative divisions (in force at the release's start) their features
touch, and for features no county touches, their convex hull buffered by 1 km.

``rule_sets`` gain ``documents``, ``regions`` and ``tags`` (the rule files' sections
of the same names); a rule id may occur once per version in a rule set (unique by
position instead of by id).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The default coverage of release :rid in its collection's table (a snapshot of
#: layers.store.releases.AUTO_COVERAGE_SQL at this revision).
_AUTO = """
WITH rel AS (SELECT id, valid_from FROM releases WHERE id = :rid),
admin AS (
    SELECT a.geom FROM admin_divisions a
    WHERE a.level = 'county' AND a.release_id = (
        SELECT r.id FROM releases r, rel
        WHERE r.collection = 'admin_divisions' AND r.valid_from <= rel.valid_from
          AND (r.valid_to IS NULL OR r.valid_to > rel.valid_from)
        ORDER BY r.valid_from DESC, r.imported_at DESC, r.id DESC LIMIT 1)
),
f AS (SELECT geom FROM {table} WHERE release_id = :rid),
touched AS (
    SELECT a.geom FROM admin a WHERE EXISTS (SELECT 1 FROM f WHERE ST_Intersects(a.geom, f.geom))
),
orphans AS (
    SELECT f.geom FROM f WHERE NOT EXISTS (SELECT 1 FROM admin a WHERE ST_Intersects(a.geom, f.geom))
),
parts AS (
    SELECT geom FROM touched
    UNION ALL
    SELECT ST_Buffer(ST_ConvexHull(ST_Collect(geom))::geography, 1000)::geometry
    FROM orphans HAVING count(*) > 0
)
UPDATE releases SET
    coverage = (SELECT ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) FROM parts),
    coverage_source = 'auto'
WHERE id = :rid
"""


def upgrade() -> None:
    op.add_column(
        "releases",
        sa.Column(
            "coverage",
            geoalchemy2.Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=True,
        ),
    )
    op.add_column(
        "releases", sa.Column("coverage_source", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "releases",
        sa.Column("coverage_adcodes", postgresql.ARRAY(sa.Text()), nullable=True),
    )
    for name in ("documents", "regions", "tags"):
        op.add_column(
            "rule_sets",
            sa.Column(name, postgresql.JSONB(), nullable=False, server_default="{}"),
        )
    # a rule id may have several versions (by date) in one rule set
    op.drop_constraint("uq_rules_rule_set_id_rule_id", "rules", type_="unique")
    op.create_unique_constraint(
        "uq_rules_rule_set_id_position", "rules", ["rule_set_id", "position"]
    )
    bind = op.get_bind()
    releases = bind.execute(sa.text("SELECT id, collection FROM releases ORDER BY id")).all()
    for rid, collection in releases:
        if not collection.isidentifier():  # pragma: no cover - catalogue ids are identifiers
            continue
        bind.execute(sa.text(_AUTO.format(table=collection)), {"rid": rid})


def downgrade() -> None:
    op.drop_constraint("uq_rules_rule_set_id_position", "rules", type_="unique")
    op.create_unique_constraint("uq_rules_rule_set_id_rule_id", "rules", ["rule_set_id", "rule_id"])
    for name in ("tags", "regions", "documents"):
        op.drop_column("rule_sets", name)
    op.drop_column("releases", "coverage_adcodes")
    op.drop_column("releases", "coverage_source")
    op.drop_column("releases", "coverage")
