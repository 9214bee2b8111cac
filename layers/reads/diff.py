"""What changed between two releases of a collection: added, removed and changed features.

Features are matched by the collection's code field (``code``; ``adcode`` for the
divisions): a FULL JOIN of the two releases' rows on the code (a code used twice in a
release pairs its n-th row with the other release's n-th). Features without a code are
matched by geometry: an equal geometry (``ST_Equals``), else for polygons the other
release's feature of highest overlap (intersection over union ≥ :data:`MIN_IOU`); the
others are added or removed. A matched pair is *changed* when an attribute differs or the
geometry is not the same (equal, or within :data:`SAME_WITHIN_DEG` everywhere); its moved distance is the geodesic distance between the two
centroids, its area difference the geodesic one (``geography``, m²).

Area gained and lost are those of the layer's footprint, not sums over features:
gained = ⋃ new − ⋃ old, lost = ⋃ old − ⋃ new (a feature renamed or split over the same
ground gains and loses nothing). Only the features that are added, removed or whose
geometry changed can contribute: each is cut by the union of the other release's features
it touches, and the pieces are unioned. They are split by the administrative divisions (of
``level``) of the ``admin_divisions`` release in force on the newer release's ``valid_from``.

The red-line rule 只增不减 (生态保护红线 and 生态空间管控区域 may grow, never shrink) is this
diff read from the older release to the newer: it holds when the newer release loses no
area (beyond :data:`TOLERANCE_M2` of numerical slivers) anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson
from psycopg import sql
from sqlalchemy.orm import Session

from layers.errors import InvalidDiffError
from layers.store.catalog import Collection
from layers.store.models import Release, feature_table
from layers.store.releases import (
    ADMIN_COLLECTION,
    get_release,
    release_as_of,
    release_public,
)

#: Two features without a code are the same feature when their polygons overlap at least
#: this much (intersection over union).
MIN_IOU = 0.5
#: Lost area below this (m²) is numerical sliver, not a loss (只增不减 holds).
TOLERANCE_M2 = 1.0
#: Two geometries no vertex of which lies further than this from the other are the same:
#: the 7th decimal of lon/lat (about 1 cm), the precision GeoJSON is served at. The same
#: survey imported from a Gauss-Krüger zone and from lon/lat differs in the 9th decimal.
SAME_WITHIN_DEG = 1e-7
#: The collections the red-line rule 只增不减 applies to.
ONLY_GROWS_COLLECTIONS = ("red_lines", "ecological_spaces")

DivisionLevel = Literal["province", "city", "county"]
Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class _Tables:
    table: sql.Identifier
    code: str
    fields: tuple[str, ...]
    only_dim: sql.Composable  # an extra WHERE term restricting a view to its geometry type


def _tables(collection: Collection) -> _Tables:
    code = collection.code_field if collection.code_field in collection.field_names else ""
    dim = (
        sql.SQL(" AND ST_Dimension(geom) = {}").format(sql.Literal(collection.dimension))
        if collection.stored_in
        else sql.SQL("")
    )
    return _Tables(
        table=sql.Identifier(feature_table(collection.storage).name),
        code=code,
        fields=tuple(f for f in collection.field_names if f != code),
        only_dim=dim,
    )


def _props(alias: str, fields: tuple[str, ...]) -> sql.Composable:
    pairs = sql.SQL(", ").join(
        sql.SQL("{}, {}").format(sql.Literal(f), sql.Identifier(alias, f)) for f in fields
    )
    return sql.SQL("CASE WHEN {} IS NULL THEN NULL ELSE jsonb_build_object({}) END").format(
        sql.Identifier(alias, "id"), pairs
    )


def _pairs_sql(t: _Tables) -> str:
    if t.code:
        code: sql.Composable = sql.Identifier(t.code)
        pair_code: sql.Composable = sql.SQL("COALESCE({}, {})").format(
            sql.Identifier("tb", t.code), sql.Identifier("ta", t.code)
        )
    else:
        code = pair_code = sql.SQL("NULL::text")
    template = """
WITH a AS (SELECT id, {code} AS code, geom FROM {table} WHERE release_id = %(a)s{only_dim}),
b AS (SELECT id, {code} AS code, geom FROM {table} WHERE release_id = %(b)s{only_dim}),
ac AS (SELECT id, code, row_number() OVER (PARTITION BY code ORDER BY id) AS n
       FROM a WHERE btrim(code) <> ''),
bc AS (SELECT id, code, row_number() OVER (PARTITION BY code ORDER BY id) AS n
       FROM b WHERE btrim(code) <> ''),
by_code AS (SELECT ac.id AS a_id, bc.id AS b_id, 'code' AS matched_by
            FROM ac FULL JOIN bc ON ac.code = bc.code AND ac.n = bc.n),
an AS (SELECT id, geom FROM a WHERE code IS NULL OR btrim(code) = ''),
bn AS (SELECT id, geom FROM b WHERE code IS NULL OR btrim(code) = ''),
candidates AS (
  SELECT an.id AS a_id, m.b_id, m.score FROM an CROSS JOIN LATERAL (
    SELECT bn.id AS b_id,
           CASE WHEN ST_Equals(an.geom, bn.geom) THEN 1.0
                WHEN ST_Dimension(an.geom) = 2 AND ST_Dimension(bn.geom) = 2
                THEN ST_Area(ST_Intersection(an.geom, bn.geom))
                     / NULLIF(ST_Area(ST_Union(an.geom, bn.geom)), 0)
                ELSE 0 END AS score
    FROM bn WHERE bn.geom && an.geom ORDER BY score DESC, bn.id LIMIT 1) m
  WHERE m.score >= %(min_iou)s),
by_geom AS (SELECT DISTINCT ON (b_id) a_id, b_id, 'geometry' AS matched_by
            FROM candidates ORDER BY b_id, score DESC, a_id),
pairs AS (
  SELECT * FROM by_code
  UNION ALL SELECT * FROM by_geom
  UNION ALL SELECT an.id, NULL, NULL FROM an
            WHERE NOT EXISTS (SELECT 1 FROM by_geom g WHERE g.a_id = an.id)
  UNION ALL SELECT NULL, bn.id, NULL FROM bn
            WHERE NOT EXISTS (SELECT 1 FROM by_geom g WHERE g.b_id = bn.id)
),
compared AS (
  SELECT p.a_id, p.b_id, p.matched_by, {pair_code} AS code,
         {a_props} AS a_props, {b_props} AS b_props,
         (ST_Equals(ta.geom, tb.geom)
          OR ST_HausdorffDistance(ta.geom, tb.geom) < {same_within}) AS same_geom,
         COALESCE(ST_Dimension(tb.geom), ST_Dimension(ta.geom)) AS dim,
         ta.geom AS a_geom, tb.geom AS b_geom
  FROM pairs p LEFT JOIN {table} ta ON ta.id = p.a_id LEFT JOIN {table} tb ON tb.id = p.b_id
)
SELECT a_id, b_id, matched_by, code, a_props, b_props, same_geom, dim,
       ST_Distance(geography(ST_Centroid(a_geom)), geography(ST_Centroid(b_geom))) AS moved_m,
       ST_Area(geography(a_geom)) AS area_a, ST_Area(geography(b_geom)) AS area_b,
       ST_AsGeoJSON(COALESCE(b_geom, a_geom), 7) AS geometry
FROM compared
WHERE a_id IS NULL OR b_id IS NULL OR NOT same_geom OR a_props <> b_props
ORDER BY code NULLS LAST, a_id NULLS LAST, b_id
"""
    return _text(
        sql.SQL(template).format(
            table=t.table,
            code=code,
            pair_code=pair_code,
            same_within=sql.Literal(SAME_WITHIN_DEG),
            only_dim=t.only_dim,
            a_props=_props("ta", t.fields),
            b_props=_props("tb", t.fields),
        )
    )


def _areas_sql(t: _Tables) -> str:
    template = """
WITH gain_pieces AS (
  SELECT CASE WHEN n.g IS NULL THEN x.geom ELSE ST_Difference(x.geom, n.g) END AS g
  FROM {table} x CROSS JOIN LATERAL (
    SELECT ST_Union(y.geom) AS g FROM {table} y
    WHERE y.release_id = %(a)s AND ST_Dimension(y.geom) = 2 AND ST_Intersects(y.geom, x.geom)) n
  WHERE x.id = ANY(CAST(%(b_ids)s AS bigint[])) AND {poly}),
loss_pieces AS (
  SELECT CASE WHEN n.g IS NULL THEN x.geom ELSE ST_Difference(x.geom, n.g) END AS g
  FROM {table} x CROSS JOIN LATERAL (
    SELECT ST_Union(y.geom) AS g FROM {table} y
    WHERE y.release_id = %(b)s AND ST_Dimension(y.geom) = 2 AND ST_Intersects(y.geom, x.geom)) n
  WHERE x.id = ANY(CAST(%(a_ids)s AS bigint[])) AND {poly}),
gained AS (SELECT ST_CollectionExtract(ST_Union(g), 3) AS g FROM gain_pieces WHERE NOT ST_IsEmpty(g)),
lost AS (SELECT ST_CollectionExtract(ST_Union(g), 3) AS g FROM loss_pieces WHERE NOT ST_IsEmpty(g)),
d AS (SELECT adcode, name, geom FROM {admin}
      WHERE release_id = %(admin)s AND level = %(level)s),
pieces AS (
  SELECT d.adcode, d.name,
         ST_CollectionExtract(ST_Intersection(d.geom, gained.g), 3) AS gained,
         ST_CollectionExtract(ST_Intersection(d.geom, lost.g), 3) AS lost
  FROM d, gained, lost
  WHERE ST_Intersects(d.geom, gained.g) OR ST_Intersects(d.geom, lost.g)
)
SELECT NULL AS adcode, NULL AS name,
       COALESCE(ST_Area(geography(gained.g)), 0) AS gained_m2,
       COALESCE(ST_Area(geography(lost.g)), 0) AS lost_m2,
       ST_AsGeoJSON(gained.g, 7) AS gained_geom, ST_AsGeoJSON(lost.g, 7) AS lost_geom
FROM gained, lost
UNION ALL
SELECT adcode, name, COALESCE(ST_Area(geography(gained)), 0), COALESCE(ST_Area(geography(lost)), 0),
       ST_AsGeoJSON(gained, 7), ST_AsGeoJSON(lost, 7)
FROM (SELECT * FROM pieces ORDER BY adcode) p
"""
    poly = sql.SQL("ST_Dimension(geom) = 2{}").format(t.only_dim)
    admin = sql.Identifier(feature_table(ADMIN_COLLECTION).name)
    return _text(sql.SQL(template).format(table=t.table, poly=poly, admin=admin))


def _text(statement: sql.Composable) -> str:
    return statement.as_string(None)


def _is_newer(a: Release, b: Release) -> bool:
    """Whether ``b`` is the newer release (later validity, then later import)."""
    return (b.valid_from, b.imported_at, b.id) > (a.valid_from, a.imported_at, a.id)


def _attribute_changes(a: dict[str, Any], b: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [a[name], b[name]] for name in a if a[name] != b.get(name)}


def _feature(row: Any, has_area: bool) -> dict[str, Any]:
    change: Change = "added" if row.a_id is None else "removed" if row.b_id is None else "changed"
    props: dict[str, Any] = {
        "change": change,
        "code": row.code,
        "id_from": row.a_id,
        "id_to": row.b_id,
        "name": (row.b_props or row.a_props or {}).get("name"),
    }
    polygon = has_area and row.dim == 2
    if change == "changed":
        props["matched_by"] = row.matched_by
        props["changed_attributes"] = _attribute_changes(row.a_props, row.b_props)
        props["geometry_changed"] = not row.same_geom
        props["moved_m"] = round(row.moved_m, 3)
        if polygon:
            props["area_from_m2"] = round(row.area_a, 3)
            props["area_to_m2"] = round(row.area_b, 3)
            props["area_difference_m2"] = round(row.area_b - row.area_a, 3)
    elif polygon:
        props["area_m2"] = round(row.area_b if change == "added" else row.area_a, 3)
    return {
        "type": "Feature",
        "id": row.b_id or row.a_id,
        "geometry": orjson.loads(row.geometry),
        "properties": props,
    }


def _piece(geojson: str | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": orjson.loads(geojson or "null"), "properties": props}


def release_diff(
    session: Session,
    collection: Collection,
    name_a: str,
    name_b: str,
    level: DivisionLevel = "county",
) -> dict[str, Any]:
    """The diff from release ``name_a`` to ``name_b`` of ``collection`` (see the module).

    Raises:
        ReleaseNotFoundError: a release name is not one of the collection's.
        InvalidDiffError: the two names are the same release.
    """
    if name_a == name_b:
        raise InvalidDiffError(
            f"Both sides name release '{name_a}': compare two different releases of "
            f"'{collection.id}' (GET /collections/{collection.id}/releases lists them).",
            field="release",
        )
    a = get_release(session, collection.storage, name_a)
    b = get_release(session, collection.storage, name_b)
    t = _tables(collection)
    rows = (
        session.connection()
        .exec_driver_sql(_pairs_sql(t), {"a": a.id, "b": b.id, "min_iou": MIN_IOU})
        .all()
    )
    features = [_feature(r, collection.has_area) for r in rows]
    counts = {
        c: sum(f["properties"]["change"] == c for f in features)
        for c in ("added", "removed", "changed")
    }
    moved = [r for r in rows if r.a_id is not None and r.b_id is not None and not r.same_geom]
    body: dict[str, Any] = {
        "collection": collection.id,
        "from": release_public(a),
        "to": release_public(b),
        "matched_by": {"code_field": t.code or None, "else": f"geometry (IoU ≥ {MIN_IOU})"},
        "summary": {
            **counts,
            "geometry_changed": len(moved),
            "features_from": a.feature_count,
            "features_to": b.feature_count,
        },
    }
    newer, older = (b, a) if _is_newer(a, b) else (a, b)
    admin = release_as_of(session, ADMIN_COLLECTION, newer.valid_from)
    if collection.has_area and collection.dimension in (2, None):
        a_ids = [r.a_id for r in rows if r.a_id is not None and (r.b_id is None or not r.same_geom)]
        b_ids = [r.b_id for r in rows if r.b_id is not None and (r.a_id is None or not r.same_geom)]
        area_rows = (
            session.connection()
            .exec_driver_sql(
                _areas_sql(t),
                {
                    "a": a.id,
                    "b": b.id,
                    "a_ids": a_ids,
                    "b_ids": b_ids,
                    "admin": admin.id if admin else None,
                    "level": level,
                },
            )
            .all()
        )
        total, divisions = area_rows[0], area_rows[1:]
        body["area"] = {
            "gained_m2": round(total.gained_m2, 3),
            "lost_m2": round(total.lost_m2, 3),
            "net_m2": round(total.gained_m2 - total.lost_m2, 3),
            "divisions": {
                "collection": ADMIN_COLLECTION,
                "release": admin.name if admin else None,
                "level": level,
            },
            "by_division": [
                {
                    "adcode": d.adcode,
                    "name": d.name,
                    "gained_m2": round(d.gained_m2, 3),
                    "lost_m2": round(d.lost_m2, 3),
                }
                for d in divisions
            ],
        }
        if collection.storage in ONLY_GROWS_COLLECTIONS:
            # lost from the older release to the newer: the diff's own direction or its reverse
            lost_of = "lost" if newer is b else "gained"
            lost_m2 = getattr(total, f"{lost_of}_m2")
            body["only_grows"] = {
                "rule": "只增不减",
                "older": older.name,
                "newer": newer.name,
                "only_grows": lost_m2 < TOLERANCE_M2,
                "lost_m2": round(lost_m2, 3),
                "tolerance_m2": TOLERANCE_M2,
                "by_division": [
                    {
                        "adcode": d.adcode,
                        "name": d.name,
                        "lost_m2": round(getattr(d, f"{lost_of}_m2"), 3),
                    }
                    for d in divisions
                    if getattr(d, f"{lost_of}_m2") >= TOLERANCE_M2
                ],
                "lost_pieces": {
                    "type": "FeatureCollection",
                    "features": [
                        _piece(
                            getattr(d, f"{lost_of}_geom"),
                            adcode=d.adcode,
                            name=d.name,
                            lost_m2=round(getattr(d, f"{lost_of}_m2"), 3),
                        )
                        for d in (divisions or [total])
                        if getattr(d, f"{lost_of}_m2") >= TOLERANCE_M2
                    ],
                },
            }
    body["features"] = {"type": "FeatureCollection", "features": features}
    return body
