"""环境保护目标: the protection targets of a screened project, per environmental medium.

Every screening lists, in ``protection_targets``, the sensitive receptors
(``sensitive_receptors``) inside the assessment range of each medium (环境空气, 声环境,
地下水环境, 地表水环境), as the 环境保护目标 table of an EIA report lays them out:
name, type, medium, 方位 (16-point, from the project site's centre, :mod:`gis.bearing`),
distance in metres (geodesic, from the project's edge) and scale (population, grade,
area). The ranges and the receptor kinds of each medium are configured in
``assessment_ranges.yaml`` next to this module (defaults, per-industry overrides, and the
standards they come from).

One statement (:func:`statement`) finds every target of every medium: the receptors
release in force on ``as_of``, a GiST ``&&`` box per medium, then ``ST_DWithin`` and
``ST_Distance`` on geography. Its first row names the release (none: no layer in force).

Surface water: the range is measured from the outfall (the project when the request gives
none). A river network's downstream reach (branch ``network``) is to replace this circle:
:func:`attach` is where its list of downstream features would be merged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import shapely
import yaml
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    Float,
    Integer,
    LargeBinary,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.sql.compiler import SQLCompiler

from gis.bearing import azimuth, compass
from gis.crs import degrees_per_metre
from layers.screening.evaluate import Prepared, ScreeningResult
from layers.store.models import Release, feature_table
from layers.store.releases import select_in_force

RECEPTORS = "sensitive_receptors"
#: The media in the order the table lists them.
MEDIA = ("air", "noise", "groundwater", "surface_water")
#: The query's columns (a first row of kind ``release`` carries only ``release_id``).
COLUMNS = (
    "kind", "medium", "feature_id", "release_id", "code", "name", "type", "population",
    "grade", "area_m2", "synthetic", "distance_m", "lon", "lat",
)  # fmt: skip


@dataclass(frozen=True)
class MediumRange:
    """The assessment range of one medium for one project.

    Attributes:
        medium: ``air``, ``noise``, ``groundwater`` or ``surface_water``.
        label: its Chinese name (环境空气 …).
        radius_m: the range, geodesic metres from the project's edge (or the outfall).
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

    def public(self) -> dict[str, Any]:
        """The range as the screening's JSON reports it."""
        return {
            "medium": self.medium,
            "label": self.label,
            "radius_m": self.radius_m,
            "measured_from": "outfall" if self.from_outfall else "project",
            "types": list(self.types),
            "basis": self.basis,
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
    config = config or _config()
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
            )
        )
    return tuple(out)


def _none(type_: Any) -> Any:
    return cast(null(), type_)


@lru_cache(maxsize=1)
def statement() -> tuple[bytes, tuple[str, ...], dict[str, Any]]:
    """The protection-target query as ``$n`` SQL, its parameter names and constant values.

    Parameters: ``ewkb`` (project), ``outfall_ewkb`` (outfall, else the project),
    ``as_of``, and one array element per (medium, receptor type): ``media``, ``types``,
    ``radii`` (metres), ``from_outfall``, ``dx``/``dy`` (the index box's half widths in
    degrees of longitude and latitude).
    """
    t = feature_table(RECEPTORS)
    project = func.ST_GeomFromEWKB(bindparam("ewkb", type_=LargeBinary()))
    outfall = func.ST_GeomFromEWKB(bindparam("outfall_ewkb", type_=LargeBinary()))
    m = (
        func.unnest(
            bindparam("media", type_=ARRAY(Text())),
            bindparam("types", type_=ARRAY(Text())),
            bindparam("radii", type_=ARRAY(Float())),
            bindparam("from_outfall", type_=ARRAY(Boolean())),
            bindparam("dx", type_=ARRAY(Float())),
            bindparam("dy", type_=ARRAY(Float())),
        )
        .table_valued("medium", "type", "radius_m", "from_outfall", "dx", "dy")
        .render_derived(name="m")
    )
    release = select_in_force(
        literal(RECEPTORS, Text()), bindparam("as_of", type_=Date()), Release.id
    ).scalar_subquery()
    source = case((m.c.from_outfall, outfall), else_=project)
    centre = func.ST_PointOnSurface(t.c.geom)
    targets = (
        select(
            literal("target", Text()),
            m.c.medium,
            t.c.id,
            t.c.release_id,
            t.c.code,
            t.c.name,
            t.c.type,
            t.c.population,
            t.c.grade,
            t.c.area_m2,
            t.c.synthetic,
            func.ST_Distance(func.geography(t.c.geom), func.geography(source)),
            func.ST_X(centre),
            func.ST_Y(centre),
        )
        .select_from(m)
        .join(
            t,
            and_(
                t.c.release_id == release,
                t.c.type == m.c.type,
                t.c.geom.op("&&")(func.ST_Expand(source, m.c.dx, m.c.dy)),
                func.ST_DWithin(func.geography(t.c.geom), func.geography(source), m.c.radius_m),
            ),
        )
    )
    head = select(
        literal("release", Text()), _none(Text()), _none(BigInteger()), release,
        _none(Text()), _none(Text()), _none(Text()), _none(Integer()), _none(Text()),
        _none(Float()), _none(Boolean()), _none(Float()), _none(Float()), _none(Float()),
    )  # fmt: skip
    stmt = union_all(head, targets)
    dialect = PGDialect_psycopg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
    compiled = stmt.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler):  # pragma: no cover - a select compiles so
        raise TypeError("a statement compiles with the SQL compiler")
    names = tuple(compiled.positiontup or ())
    constants = {k: v for k, v in compiled.params.items() if v is not None}
    return str(compiled).encode(), names, constants


def query(p: Prepared) -> tuple[bytes, list[Any]]:
    """:func:`statement` and its parameters for a prepared screening."""
    sql, names, constants = statement()
    ranges = ranges_for(p.labels)
    project = p.geom.geom
    source = p.outfall.geom if p.outfall is not None else project
    pairs = [(r, kind) for r in ranges for kind in r.types]
    lat = max(abs(y) for g in (project, source) for y in (g.bounds[1], g.bounds[3]))
    boxes = [degrees_per_metre(lat, r.radius_m) for r, _ in pairs]
    values = {
        **constants,
        "ewkb": shapely.to_wkb(shapely.set_srid(project, 4326), include_srid=True),
        "outfall_ewkb": shapely.to_wkb(shapely.set_srid(source, 4326), include_srid=True),
        "as_of": p.as_of,
        "media": [r.medium for r, _ in pairs],
        "types": [kind for _, kind in pairs],
        "radii": [r.radius_m for r, _ in pairs],
        "from_outfall": [r.from_outfall for r, _ in pairs],
        "dx": [r.radius_m * b.lon for (r, _), b in zip(pairs, boxes, strict=True)],
        "dy": [r.radius_m * b.lat for (r, _), b in zip(pairs, boxes, strict=True)],
    }
    return sql, [values[n] for n in names]


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
) -> tuple[int | None, list[dict[str, Any]]]:
    """The release read and the table's rows: by medium, then distance, then name."""
    found = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    release = next((r["release_id"] for r in found if r["kind"] == "release"), None)
    by_medium = {r.medium: r for r in ranges}
    centre = shapely.centroid(p.geom.geom)
    outfall = p.outfall.geom if p.outfall is not None else None
    out = []
    for r in found:
        if r["kind"] != "target":
            continue
        spec = by_medium[r["medium"]]
        origin = outfall if spec.from_outfall and outfall is not None else centre
        origin = shapely.centroid(origin)
        az = azimuth(origin.x, origin.y, r["lon"], r["lat"])
        en, zh = compass(az)
        area = r["area_m2"] or None
        out.append(
            {
                "medium": r["medium"],
                "medium_label": spec.label,
                "name": r["name"],
                "type": r["type"],
                "bearing": en,
                "bearing_zh": zh,
                "azimuth_deg": None if az is None else round(az, 1),
                "distance_m": round(float(r["distance_m"]), 1),
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
            }
        )
    rank = {m: i for i, m in enumerate(MEDIA)}
    out.sort(key=lambda t: (rank[t["medium"]], t["distance_m"], t["name"] or "", t["feature_id"]))
    return release, out


def attach(result: ScreeningResult, p: Prepared, rows: list[tuple[Any, ...]]) -> None:
    """Add ``protection_targets`` (the table) and ``protection_ranges`` to the result.

    The place where a river network's downstream features (surface water along the
    receiving river) would be merged into the table.
    """
    ranges = ranges_for(p.labels)
    release, table = targets(rows, p, ranges)
    body = result.body
    body["protection_targets"] = table
    body["protection_ranges"] = {
        "release_id": release,
        "synthetic": any(t["synthetic"] for t in table),
        "media": [r.public() for r in ranges],
    }
    if release is None:
        body["warnings"].append(
            f"环境敏感目标图层在 {body['as_of']} 无有效版本：环境保护目标表未能列出，须人工调查。"
        )
