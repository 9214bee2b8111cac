"""Zones inside their parent: the cross-row check of a collection whose features name a parent.

A protected area's zones (核心区, 实验区, 一般控制区 …) name the area they belong to by its
code and must lie inside it, with a zone value of the area's zoning regime (三区 or 两区).
The check runs on the whole file before any row is written; each refused row gets its
reason, like every other per-row refusal of the importer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely

from gis.geometry import ellipsoidal_areas_m2
from layers.store.catalog import ZONES_BY_REGIME, Parent

#: A zone may leave its parent by digitising slivers: at most this many m², or this share
#: of its own area, whichever is larger (the two outlines are rarely drawn from one source).
OUTSIDE_TOLERANCE_M2 = 10.0
OUTSIDE_TOLERANCE_SHARE = 1e-3


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def check_parents(
    parent: Parent,
    values: Mapping[str, Sequence[Any]],
    geoms: Sequence[Any],
) -> tuple[dict[int, str], dict[int, int]]:
    """Rows whose parent link is wrong, with the reason; and each good child's parent row.

    Args:
        parent: the collection's parent declaration.
        values: normalised values per field name (``code``, the link, regime, zone), one per
            row; a field the file does not carry is absent.
        geoms: the rows' geometries in EPSG:4326 (``None`` where unusable).

    Returns:
        For each refused row (index → reason): a zone without a link, a link to no feature
        of the file, a zone value outside its regime, or a zone lying outside its parent.
        Then, for each accepted child row, the index of its parent row.
    """
    n = len(geoms)
    none: list[Any] = [None] * n
    links = [_text(v) for v in values.get(parent.field, none)]
    codes = [_text(v) for v in values.get(parent.parent_field, none)]
    regimes = [_text(v) for v in values.get(parent.regime_field, none)]
    zones = [_text(v) for v in values.get(parent.zone_field, none)]
    parents = {codes[i]: i for i in range(n) if links[i] is None and codes[i] is not None}
    bad: dict[int, str] = {}
    checks: list[tuple[int, int]] = []
    linked: dict[int, int] = {}
    for i in range(n):
        link, zone = links[i], zones[i]
        if link is None:
            if zone is not None:
                bad[i] = (
                    f"zone '{zone}' without {parent.field}: a zone must name the protected "
                    "area it belongs to"
                )
            continue
        p = parents.get(link)
        if p is None:
            bad[i] = (
                f"{parent.field} '{link}': no feature of the file has {parent.parent_field} "
                f"'{link}' (import a zone together with its protected area)"
            )
            continue
        regime = regimes[i] or regimes[p]
        allowed = ZONES_BY_REGIME.get(regime or "")
        if zone is not None and allowed is not None and zone not in allowed:
            bad[i] = (
                f"zone '{zone}' is not a zone of the {regime} regime of '{link}' "
                f"({', '.join(allowed)})"
            )
            continue
        if geoms[i] is None or geoms[p] is None:
            bad[i] = f"the geometry of zone or protected area '{link}' is unusable"
            continue
        linked[i] = p
        if zone not in parent.outside_zones:
            checks.append((i, p))
    if checks:
        child = np.array([shapely.make_valid(geoms[i]) for i, _ in checks], dtype=object)
        outer = np.array([shapely.make_valid(geoms[p]) for _, p in checks], dtype=object)
        outside = ellipsoidal_areas_m2(shapely.difference(child, outer))
        own = ellipsoidal_areas_m2(child)
        for (i, _p), out_m2, own_m2 in zip(checks, outside, own, strict=True):
            if out_m2 > max(OUTSIDE_TOLERANCE_M2, OUTSIDE_TOLERANCE_SHARE * own_m2):
                bad[i] = (
                    f"zone '{zones[i] or ''}' lies outside its protected area '{links[i]}' "
                    f"({out_m2:,.0f} m² of {own_m2:,.0f} m² outside)"
                )
    return bad, {i: p for i, p in linked.items() if i not in bad}
