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
pgRouting (``pgr_drivingDistance``) traverses it: ``river_reaches(g, network, downstream,
distance_m, snap_m)`` returns the reaches a trace from ``g`` covers (one home for the
traversal: the trace queries and the screening's ``upstream`` rules both call it).

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0014"
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
    op.create_index("ix_river_edges_source", "river_edges", ["network_id", "source"])
    op.create_index("ix_river_edges_target", "river_edges", ["network_id", "target"])

    op.execute(RIVER_REACHES)


#: The reaches covered by a trace of ``distance_m`` metres along the network from the
#: point of it nearest ``g`` (within ``snap_m``, geodesic), with the flow (``downstream``)
#: or against it. One row per edge entered: ``entry_m`` = metres from the start to where
#: the trace enters the edge, ``seed`` = that place as a fraction of the edge (0 or 1; the
#: start's fraction on the start edge), ``lo``/``hi`` = the covered part (fractions, flow
#: order), ``path`` = the rivers from the start to the entry (flow order; null on the
#: start edge). Only the edges within ``distance_m`` of the start edge are given to
#: pgRouting (a path is never shorter than the straight line).
RIVER_REACHES = r"""
CREATE FUNCTION river_reaches(
    g geometry, network bigint, downstream boolean, distance_m double precision,
    snap_m double precision
) RETURNS TABLE (
    edge bigint, entry_m double precision, seed double precision, lo double precision,
    hi double precision, path geometry, rivers text[]
) LANGUAGE plpgsql STABLE AS $fn$
#variable_conflict use_column
DECLARE
    s record;
    measure double precision;
    seed_node bigint;
    offset_m double precision;
    dx double precision;
    dy double precision;
    edges_sql text;
BEGIN
    SELECT e.id, e.source, e.target, e.cost, e.geom, e.name,
           ST_LineLocatePoint(e.geom, ST_ClosestPoint(e.geom, g)) AS f
      INTO s
      FROM river_edges e
     WHERE e.network_id = network
       AND e.geom && ST_Expand(g, snap_m / 60000.0)
       AND ST_DWithin(e.geom::geography, g::geography, snap_m)
     ORDER BY ST_Distance(e.geom::geography, g::geography), e.id
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    measure := ST_Length(ST_LineSubstring(s.geom, 0, s.f)::geography);
    IF downstream THEN
        seed_node := s.target;
        offset_m := s.cost - measure;
        RETURN QUERY SELECT s.id, 0.0::float8, s.f, s.f,
            CASE WHEN s.cost > 0 THEN least(1.0, s.f + distance_m / s.cost) ELSE 1.0 END,
            NULL::geometry, ARRAY[s.name];
    ELSE
        seed_node := s.source;
        offset_m := measure;
        RETURN QUERY SELECT s.id, 0.0::float8, s.f,
            CASE WHEN s.cost > 0 THEN greatest(0.0, s.f - distance_m / s.cost) ELSE 0.0 END,
            s.f, NULL::geometry, ARRAY[s.name];
    END IF;
    IF offset_m >= distance_m THEN
        RETURN;
    END IF;
    dy := distance_m / 110000.0;
    dx := distance_m / (111000.0 * cos(radians(least(89.0, abs(ST_Y(ST_StartPoint(s.geom)))
                                                     + 2.0 + dy))));
    edges_sql := format(
        CASE WHEN downstream
            THEN 'SELECT id, source, target, cost, reverse_cost FROM river_edges '
            ELSE 'SELECT id, target AS source, source AS target, cost, reverse_cost '
                 'FROM river_edges '
        END
        || 'WHERE network_id = %s AND geom && '
        || '(SELECT ST_Expand(geom, %s, %s) FROM river_edges WHERE id = %s)',
        network, dx, dy, s.id);
    RETURN QUERY
    WITH RECURSIVE dd AS (
        SELECT d.node, d.edge, offset_m + d.agg_cost AS at_m
          FROM pgr_drivingDistance(edges_sql, seed_node, distance_m - offset_m, true) d
    ), tree AS (
        SELECT seed_node AS node,
               CASE WHEN downstream THEN ST_LineSubstring(s.geom, s.f, 1)
                    ELSE ST_LineSubstring(s.geom, 0, s.f) END AS path,
               ARRAY[s.name] AS rivers
        UNION ALL
        SELECT dd.node,
               CASE WHEN downstream THEN ST_MakeLine(tree.path, e.geom)
                    ELSE ST_MakeLine(e.geom, tree.path) END,
               CASE WHEN e.name = ANY(tree.rivers) THEN tree.rivers
                    WHEN downstream THEN tree.rivers || e.name
                    ELSE e.name || tree.rivers END
          FROM tree
          JOIN river_edges e
            ON (CASE WHEN downstream THEN e.source ELSE e.target END) = tree.node
          JOIN dd ON dd.edge = e.id
                 AND dd.node = (CASE WHEN downstream THEN e.target ELSE e.source END)
    )
    SELECT e.id, dd.at_m,
           CASE WHEN downstream THEN 0.0 ELSE 1.0 END::float8,
           CASE WHEN downstream OR e.cost = 0 THEN 0.0
                ELSE greatest(0.0, 1.0 - (distance_m - dd.at_m) / e.cost) END,
           CASE WHEN NOT downstream OR e.cost = 0 THEN 1.0
                ELSE least(1.0, (distance_m - dd.at_m) / e.cost) END,
           tree.path,
           CASE WHEN e.name = ANY(tree.rivers) THEN tree.rivers
                WHEN downstream THEN tree.rivers || e.name
                ELSE e.name || tree.rivers END
      FROM dd
      JOIN tree ON tree.node = dd.node
      JOIN river_edges e
        ON e.network_id = network
       AND (CASE WHEN downstream THEN e.source ELSE e.target END) = dd.node
     WHERE e.id <> s.id AND dd.at_m < distance_m;
END
$fn$;
"""


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION IF EXISTS river_reaches(geometry, bigint, boolean, double precision, "
        "double precision)"
    )
    op.drop_table("river_edges")
    op.drop_table("river_networks")
    op.execute("DROP EXTENSION IF EXISTS pgrouting")
