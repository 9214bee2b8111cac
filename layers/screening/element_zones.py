"""The element control zones (要素管控分区) a screened project touches, for its conformity block.

The plan looks up every collection, so the element zones a project intersects are among
its hits (with their overlap in m², their code and 要素细类: the plan always reports
them, :data:`REPORTED`), and its statement returns the clauses of level ``element``
scoped to their codes; :func:`zone_entries` lists them in the block with the share of
the project that lies in each.
"""

from __future__ import annotations

from typing import Any

from layers.store.catalog import ELEMENT_ZONES

#: The element zone collections, by id, with their titles.
ZONE_TITLES: dict[str, str] = {z.id: z.title for z in ELEMENT_ZONES}
#: What an element zone's lookup always reports.
REPORTED = ("code", "element_subtype")


def touched_zones(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The element zone hits a project intersects, largest overlap first."""
    zones = [
        h for h in body.get("hits", []) if h["collection"] in ZONE_TITLES and h["distance_m"] == 0.0
    ]
    return sorted(
        zones, key=lambda h: (-(h.get("overlap_m2") or 0.0), h["collection"], h["feature_id"])
    )


def zone_entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The block's ``zones``: each touched zone with its code, 要素细类, overlap and share."""
    area = body["project"].get("area_m2") or 0.0
    out = []
    for hit in touched_zones(body):
        attributes = hit.get("attributes") or {}
        overlap = hit.get("overlap_m2")
        out.append(
            {
                "collection": hit["collection"],
                "collection_title": ZONE_TITLES[hit["collection"]],
                "feature_id": hit["feature_id"],
                "code": attributes.get("code"),
                "name": hit.get("name"),
                "element_subtype": attributes.get("element_subtype"),
                "overlap_m2": overlap,
                "share": round(overlap / area, 6) if overlap is not None and area > 0 else None,
            }
        )
    return out
