"""环境保护目标: the protection targets of a screened project, per environmental medium.

Every screening lists, in ``protection_targets``, the sensitive receptors
(``sensitive_receptors``) inside the assessment range of each medium (环境空气, 声环境,
地下水环境, 地表水环境), as the 环境保护目标 table of an EIA report lays them out:
name, type, medium, 方位 (16-point, from the project site's centre, :mod:`gis.bearing`),
distance in metres (geodesic, from the project's edge) and scale (population, grade,
area). The ranges and the receptor kinds of each medium are configured in
``assessment_ranges.yaml`` next to this module (defaults, per-industry overrides, and the
standards they come from).

The plan's one statement finds every target of every medium
(:func:`layers.screening.lookups.targets_select`, with :func:`target_params`): the
receptors release in force on ``as_of``, a GiST ``&&`` box per medium, then
``ST_DWithin`` and ``ST_Distance`` on geography; the plan's release row of the receptors
names the release read (none: no layer in force).

Surface water: for a discharging project (tag 排放污染物 or 排污口, or an outfall given), when
a river network is built from the water release in force, the targets are those within
500 m of the rivers downstream of the outfall (the project when the request gives none)
for ``along_river_m`` metres, with the distance along the rivers and the rivers on the way
(:func:`layers.screening.river_network.network_targets_select`); otherwise, or when the
outfall lies more than 500 m from the network, a circle of ``radius_m`` round it.
``protection_ranges`` says which was used (``measured_along``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import shapely
import yaml
from shapely.geometry.base import BaseGeometry

from gis.bearing import azimuth, compass
from gis.crs import degrees_per_metre
from layers.screening.evaluate import Prepared, ScreeningResult
from layers.screening.lookups import (
    RECEPTORS,
    SURFACE_WATER,
    TARGET_PARAMS,
    TARGET_ROW,
    TRACE_PARAMS,
    TRACE_ROW,
)
from layers.screening.rules import DISCHARGES

#: The media in the order the table lists them.
MEDIA = ("air", "noise", "groundwater", "surface_water")


@dataclass(frozen=True)
class MediumRange:
    """The assessment range of one medium for one project.

    Attributes:
        medium: ``air``, ``noise``, ``groundwater`` or ``surface_water``.
        label: its Chinese name (环境空气 …).
        radius_m: the range, geodesic metres from the project's edge (or the outfall).
        along_river_m: surface water: metres down the receiving river (with a network).
        types: the receptor kinds that are protection targets of this medium.
        from_outfall: measured from the outfall when the request gives one.
        basis: where the range comes from (standard and clause), in Chinese.
    """

    medium: str
    label: str
    radius_m: float
    types: tuple[str, ...]
    from_outfall: bool
    basis: str
    along_river_m: float | None = None

    def public(self, has_outfall: bool) -> dict[str, Any]:
        """The range as the screening's JSON reports it (``has_outfall``: the request's)."""
        return {
            "medium": self.medium,
            "label": self.label,
            "radius_m": self.radius_m,
            # where this screening measured it: a range from the outfall is measured from
            # the project when the request gives none
            "measured_from": "outfall" if self.from_outfall and has_outfall else "project",
            "types": list(self.types),
            "basis": self.basis,
            **({"along_river_m": self.along_river_m} if self.along_river_m else {}),
        }


@cache
def _config() -> dict[str, Any]:
    text = resources.files("layers.screening").joinpath("assessment_ranges.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _radius(spec: dict[str, Any]) -> float:
    if "radius_m" in spec:
        return float(spec["radius_m"])
    return round(math.sqrt(float(spec["area_km2"]) * 1e6 / math.pi), 1)


def ranges_for(
    labels: frozenset[str], config: dict[str, Any] | None = None
) -> tuple[MediumRange, ...]:
    """The assessment range of each medium for a project of these industry categories.

    An industry override replaces a medium's radius (``radius_m`` or ``area_km2``) or
    types; of several categories the widest radius wins.
    """
    if config is None:
        return _default_ranges(labels)
    industries = config.get("industries") or {}
    out = []
    for medium in MEDIA:
        spec = dict(config["defaults"][medium])
        overrides = [o for label in sorted(labels) if (o := industries.get(label, {}).get(medium))]
        radii = [_radius(o) for o in overrides if "radius_m" in o or "area_km2" in o]
        radius = max(radii) if radii else _radius(spec)
        types = tuple(spec["types"])
        for o in overrides:
            types = tuple(o.get("types", types))
        out.append(
            MediumRange(
                medium=medium,
                label=str(spec["label"]),
                radius_m=radius,
                types=types,
                from_outfall=spec.get("from") == "outfall",
                basis="".join(line.strip() for line in str(spec.get("basis", "")).splitlines()),
                along_river_m=float(spec["along_river_m"]) if "along_river_m" in spec else None,
            )
        )
    return tuple(out)


@lru_cache(maxsize=512)
def _default_ranges(labels: frozenset[str]) -> tuple[MediumRange, ...]:
    """:func:`ranges_for` of the shipped configuration, kept per set of categories."""
    return ranges_for(labels, _config())


#: The tags of a project that discharges into water (its surface-water targets are traced).
DISCHARGING = frozenset({DISCHARGES, "排污口"})


def target_params(
    labels: frozenset[str],
    project: BaseGeometry,
    outfall: BaseGeometry | None,
    tags: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The plan's parameters of the 环境保护目标 lookup for a project (and its outfall).

    One element per (medium, receptor type) of the project's ranges
    (:data:`layers.screening.lookups.TARGET_PARAMS`): medium, type, radius (metres),
    whether it is measured from the outfall, and the index box's half widths in degrees;
    and the trace of the receiving river (:data:`layers.screening.lookups.TRACE_PARAMS`):
    on for a discharging project, how far, which receptor types.
    """
    source = outfall if outfall is not None else project
    ranges = ranges_for(labels)
    pairs = [(r, kind) for r in ranges for kind in r.types]
    lat = max(abs(y) for g in (project, source) for y in (g.bounds[1], g.bounds[3]))
    boxes = [degrees_per_metre(lat, r.radius_m) for r, _ in pairs]
    values = (
        [r.medium for r, _ in pairs],
        [kind for _, kind in pairs],
        [r.radius_m for r, _ in pairs],
        [r.from_outfall for r, _ in pairs],
        [r.radius_m * b.lon for (r, _), b in zip(pairs, boxes, strict=True)],
        [r.radius_m * b.lat for (r, _), b in zip(pairs, boxes, strict=True)],
    )
    water = next(r for r in ranges if r.medium == SURFACE_WATER)
    trace = (outfall is not None or bool(tags & DISCHARGING)) and water.along_river_m is not None
    traced = (trace, float(water.along_river_m or 0.0), list(water.types))
    return dict(zip(TARGET_PARAMS, values, strict=True)) | dict(
        zip(TRACE_PARAMS, traced, strict=True)
    )


def scale(population: int | None, grade: str | None, area_m2: float | None) -> str:
    """规模 as an EIA table writes it: population, grade, area (what is known)."""
    parts = []
    if population is not None:
        parts.append(f"约{population:,}人")
    if grade:
        parts.append(grade)
    if area_m2:
        parts.append(f"{area_m2 / 10_000:.1f} hm²")
    return "；".join(parts) or "—"


def targets(
    rows: list[tuple[Any, ...]], p: Prepared, ranges: tuple[MediumRange, ...]
) -> list[dict[str, Any]]:
    """The table's rows: by medium, then distance, then name.

    ``rows`` are the plan's :data:`layers.screening.lookups.TARGET_ROW` rows among others.
    """
    found = [
        {**r[9], "feature_id": r[1], "name": r[2], "release_id": r[3], "distance_m": r[4]}
        for r in rows
        if r[0] == TARGET_ROW
    ]
    by_medium = {r.medium: r for r in ranges}
    centre = shapely.centroid(p.geom.geom)
    outfall = p.outfall.geom if p.outfall is not None else None
    out = []
    for r in found:
        spec = by_medium[r["medium"]]
        from_outfall = spec.from_outfall and outfall is not None
        origin = shapely.centroid(outfall) if from_outfall else centre
        az = azimuth(origin.x, origin.y, r["lon"], r["lat"])
        en, zh = compass(az)
        area = r["area_m2"] or None
        distance = round(float(r["distance_m"]), 1)
        out.append(
            {
                "medium": r["medium"],
                "medium_label": spec.label,
                "name": r["name"],
                "type": r["type"],
                "bearing": en,
                "bearing_zh": zh,
                "azimuth_deg": None if az is None else round(az, 1),
                "distance_m": distance,
                # on or inside the project itself: an EIA table's 方位 reads 项目范围内
                "within_project": distance == 0 and not from_outfall,
                "population": r["population"],
                "grade": r["grade"],
                "area_m2": area,
                "scale": scale(r["population"], r["grade"], area),
                "code": r["code"],
                "feature_id": r["feature_id"],
                "release_id": r["release_id"],
                "synthetic": bool(r["synthetic"]),
                "lon": round(float(r["lon"]), 7),
                "lat": round(float(r["lat"]), 7),
                **(
                    {"along_river": True, "rivers": r["via"]["rivers"]}
                    if r.get("via") is not None
                    else {}
                ),
            }
        )
    rank = {m: i for i, m in enumerate(MEDIA)}
    out.sort(key=lambda t: (rank[t["medium"]], t["distance_m"], t["name"] or "", t["feature_id"]))
    return out


def attach(result: ScreeningResult, p: Prepared, rows: list[tuple[Any, ...]]) -> None:
    """Add ``protection_targets`` (the table) and ``protection_ranges`` to the result.

    ``protection_ranges``' surface-water medium says whether its targets were found down
    the receiving river (``measured_along: river``) or in the circle, and whether a river
    network is built (``network``).
    """
    ranges = ranges_for(p.labels)
    # the plan's release row of the receptors (none when no release is in force): its id
    # and whether its coverage takes the project in
    row = next((r for r in rows if r[0] == RECEPTORS and r[1] is None), None)
    release, covers = (row[3], bool(row[6])) if row is not None else (None, False)
    table = targets(rows, p, ranges)
    trace = next((r[9] for r in rows if r[0] == TRACE_ROW), None) or {}
    body = result.body
    body["protection_targets"] = table
    media = [r.public(p.outfall is not None) for r in ranges]
    for medium in media:
        if medium["medium"] == SURFACE_WATER:
            medium["measured_along"] = "river" if trace.get("traced") else "circle"
            medium["network"] = bool(trace.get("network"))
    # a table of a layer that does not cover the project lists nothing because nothing was
    # drawn there, not because nothing is
    body["protection_ranges"] = {
        "release_id": release,
        "covers_project": covers,
        "synthetic": any(t["synthetic"] for t in table),
        "media": media,
    }
    if release is None:
        body["warnings"].append(
            f"环境敏感目标图层在 {body['as_of']} 无有效版本：环境保护目标表未能列出，须人工调查。"
        )
    elif not covers:
        body["warnings"].append(
            "环境敏感目标图层的当前版本不覆盖项目所在地：环境保护目标表不完整，须人工调查。"
        )
