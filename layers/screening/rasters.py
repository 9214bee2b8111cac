"""Raster statistics in the screening: computed once per screening, judged per rule.

When a rule in force on the screening's ``as_of`` tests a raster (``op: raster_stat``),
the plan's one statement also returns the raster releases in force with their files
(:func:`stored_in_plan`), and the screening computes every layer's zonal statistics over the project and its
buffer (:func:`layers.reads.rasters.zonal`); a rule set without such a rule reads no
raster at all. A ``raster_stat`` rule is ``NOT_CHECKED`` (never PASS, never judged on
zeros) when its layer has no release in force or no valid pixel under the project.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from gis.errors import GisError
from gis.project_geometry import ProjectGeometry
from layers.reads.rasters import no_release, zonal
from layers.screening.lookups import RASTER_ROW
from layers.screening.rules import LoadedRuleSet, RasterCondition, Rule
from layers.store.rasters import IN_FORCE_COLUMNS, RASTER_LAYERS, stored_from_row

#: The statistics of one screening: layer → :func:`layers.reads.rasters.zonal`'s answer.
RasterFacts = dict[str, dict[str, Any]]


def needs_rasters(rules: LoadedRuleSet, as_of: date) -> bool:
    """Whether a rule of ``rules`` in force on ``as_of`` tests a raster."""
    return any(r.in_force(as_of) for r in rules.with_op("raster_stat"))


def stored_in_plan(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The plan's raster rows as :data:`layers.store.rasters.IN_FORCE_COLUMNS` tuples."""
    out = []
    for row in rows:
        if row[0] != RASTER_ROW:
            continue
        values = dict(row[9])
        values["valid_from"] = date.fromisoformat(values["valid_from"])
        out.append(tuple(values[c] for c in IN_FORCE_COLUMNS))
    return out


def compute(
    rows: list[tuple[Any, ...]], geom: ProjectGeometry, buffer_m: float, as_of: date, data_dir: Path
) -> RasterFacts:
    """Every raster layer's statistics for the project (blocking: reads the files)."""
    stored = {s.layer: s for s in (stored_from_row(r, data_dir) for r in rows)}
    out: RasterFacts = {}
    for layer in RASTER_LAYERS:
        found = stored.get(layer)
        if found is None:
            out[layer] = no_release(layer, as_of)
            continue
        try:
            out[layer] = zonal(found, geom.geom, buffer_m)
        except GisError as exc:  # a project too large for the raster's window
            out[layer] = {
                **zonal_failed(layer),
                "geometry": {"status": "no_data", "reason": exc.code, "text": exc.detail},
            }
    return out


def zonal_failed(layer: str) -> dict[str, Any]:
    """The head of a layer's answer whose statistics could not be computed."""
    found = RASTER_LAYERS[layer]
    return {"layer": found.id, "title": found.title, "kind": found.kind}


def value_of(condition: RasterCondition, stats: dict[str, Any]) -> float | None:
    """The statistic a condition tests, from one geometry's statistics (None: not there)."""
    if stats.get("status") != "ok":
        return None
    if condition.classes:
        wanted = set(condition.classes)
        return float(
            sum(c[condition.stat] for c in stats.get("classes", []) if c["value"] in wanted)
        )
    value = stats.get(condition.stat)
    return None if value is None else float(value)


def judge(
    rule: Rule, facts: RasterFacts | None, as_of: date
) -> tuple[str, list[dict[str, Any]], bool, dict[str, Any] | None]:
    """A ``raster_stat`` rule's outcome, evidence, whether checked, and why not.

    Evidence: the layer, the statistic, its value, and the raster release it came from.
    """
    condition = rule.predicate.raster
    if condition is None:  # pragma: no cover - the rule schema requires it
        return "NOT_CHECKED", [], False, None
    layer = (facts or {}).get(condition.layer) or no_release(condition.layer, as_of)
    part = "buffer" if condition.of == "buffer" else "geometry"
    stats = layer.get(part) or {"status": "no_data", "reason": "no_buffer", "text": "未给出缓冲区"}
    value = value_of(condition, stats)
    if value is None:
        text = stats.get("text") or f"栅格 {layer['title']} 没有统计值 {condition.stat}"
        reason = {
            "code": "raster_no_data",
            "layers": [condition.layer],
            "text": f"{layer['title']}：{text}（无数据）",
        }
        return "NOT_CHECKED", [], False, reason
    evidence = [
        {
            "raster": layer.get("raster"),
            "layer": condition.layer,
            "stat": condition.stat,
            "of": condition.of,
            "classes": list(condition.classes) or None,
            "value": round(value, 3),
            "threshold": {"op": condition.op, "value": condition.value},
            "pixel_rule": stats.get("pixel_rule"),
            "pixels": stats.get("pixels"),
        }
    ]
    outcome = rule.outcome if condition.holds(value) else "PASS"
    return outcome, evidence, True, None
