"""The element control zones (要素管控分区) a screened project touches, for its conformity block.

The plan looks up every collection, so the element zones a project intersects are among
its hits (with their overlap in m²). The conformity query reads their codes, names and
要素细类 (:func:`zones_cte`, one select per collection by feature id) and the clauses of
level ``element`` scoped to those codes; :func:`zone_entries` lists them in the block
with the share of the project that lies in each.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, CTE, BigInteger, Text, any_, bindparam, literal, select, union_all

from layers.store.catalog import ELEMENT_ZONES
from layers.store.models import feature_table

#: The element zone collections, by id, with their titles.
ZONE_TITLES: dict[str, str] = {z.id: z.title for z in ELEMENT_ZONES}


def param(collection: str) -> str:
    """The conformity query's parameter of the touched zones' ids of a collection."""
    return f"zones_{collection}"


def zones_cte() -> CTE:
    """The touched element zones: ``collection``, ``id``, ``code``, ``name``, ``element_subtype``."""
    selects = []
    for collection in ZONE_TITLES:
        table = feature_table(collection)
        selects.append(
            select(
                literal(collection, Text()).label("collection"),
                table.c.id,
                table.c.code,
                table.c.name,
                table.c.element_subtype,
            ).where(table.c.id == any_(bindparam(param(collection), type_=ARRAY(BigInteger()))))
        )
    return union_all(*selects).cte("zones")


def touched_zones(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The element zone hits a project intersects, largest overlap first."""
    zones = [
        h for h in body.get("hits", []) if h["collection"] in ZONE_TITLES and h["distance_m"] == 0.0
    ]
    return sorted(
        zones, key=lambda h: (-(h.get("overlap_m2") or 0.0), h["collection"], h["feature_id"])
    )


def params(body: dict[str, Any]) -> dict[str, list[int]]:
    """The query's ``zones_<collection>`` parameters for a screened project."""
    out: dict[str, list[int]] = {param(c): [] for c in ZONE_TITLES}
    for hit in touched_zones(body):
        out[param(hit["collection"])].append(hit["feature_id"])
    return out


def zone_entries(body: dict[str, Any], found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The block's ``zones``: each touched zone with its code, 要素细类, overlap and share.

    ``found`` are the conformity query's rows as dicts (:data:`COLUMNS` of
    :mod:`layers.screening.conformity`); a zone's row has ``kind`` ``zone``.
    """
    info = {(r["level"], r["unit_id"]): r for r in found if r["kind"] == "zone"}
    area = body["project"].get("area_m2") or 0.0
    out = []
    for hit in touched_zones(body):
        row = info.get((hit["collection"], hit["feature_id"]), {})
        overlap = hit.get("overlap_m2")
        out.append(
            {
                "collection": hit["collection"],
                "collection_title": ZONE_TITLES[hit["collection"]],
                "feature_id": hit["feature_id"],
                "code": row.get("scope"),
                "name": row.get("scope_name") or hit.get("name"),
                "element_subtype": row.get("unit_class"),
                "overlap_m2": overlap,
                "share": round(overlap / area, 6) if overlap is not None and area > 0 else None,
            }
        )
    return out
