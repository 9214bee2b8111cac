"""Feature rows as GeoJSON: the column list and the Feature builder shared by SQLAlchemy-side readers.

The hot read paths (items, tiles) build their JSON in PostgreSQL (:mod:`layers.reads.fastread`);
these helpers serve the readers that post-process rows in Python (proximity queries).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from sqlalchemy import ColumnElement, func

from layers.store.catalog import Collection
from layers.store.models import feature_table


def feature_columns(collection: Collection) -> list[ColumnElement[Any]]:
    """The typed columns of a feature table plus its geometry as GeoJSON text."""
    table = feature_table(collection.storage)
    cols: list[ColumnElement[Any]] = [table.c.id, table.c.release_id]
    cols += [table.c[name] for name in collection.field_names]
    cols.append(table.c.synthetic)
    if collection.has_area:
        cols.append(table.c.area_m2)
    geom = func.ST_Multi(table.c.geom) if collection.multi_view else table.c.geom
    cols.append(func.ST_AsGeoJSON(geom, 7).label("geometry"))
    return cols


def feature_json(
    mapping: dict[str, Any], release_name: str | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A GeoJSON Feature from a row of :func:`feature_columns` (the geometry passes through)."""
    geometry = mapping.pop("geometry")
    fid = mapping.pop("id")
    for key, value in mapping.items():
        if isinstance(value, date):
            mapping[key] = value.isoformat()
    if release_name is not None:
        mapping["release"] = release_name
    if extra:
        mapping["source_properties"] = extra
    return {
        "type": "Feature",
        "id": fid,
        "geometry": orjson.Fragment(geometry),
        "properties": mapping,
    }
