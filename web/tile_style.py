"""Mapbox GL style documents of the vector tiles, in the web map's colours, for desktop GIS.

QGIS (vector tile layer, "style URL"), MapLibre and other GL clients draw the tiles with
these documents. The colours, widths and dashes are the catalogue's :class:`MapStyle`,
the same the web map reads from ``/collections``; labels are the features' Chinese
``name`` and never overlap (``text-allow-overlap: false``). The expressions are the
forms QGIS 3.22's style converter understands: one layer per class with a legacy
filter, and ``{name}`` text tokens.
"""

from __future__ import annotations

from typing import Any

from layers.store.catalog import Collection, MapStyle

#: The font of the labels (Debian's fonts-noto-cjk; clients substitute when it is missing).
LABEL_FONT = ["Noto Sans CJK SC Regular"]
SOURCE = "ecozone"


def _dashes(pattern: str | None, width: float) -> list[float] | None:
    """An SVG dash pattern in pixels as a GL ``line-dasharray`` (in line widths)."""
    if not pattern:
        return None
    return [round(float(p) / max(width, 0.1), 2) for p in pattern.split()]


def _classes(style: MapStyle, default: str) -> list[tuple[str, list[Any] | None, str]]:
    """(suffix, filter, colour) per class of a classed style, and the rest in ``default``.

    One GL layer per class with a legacy ``==`` filter: QGIS 3.22's converter draws
    every feature in the fallback colour when the colour is a ``match`` expression.
    """
    if not (style.class_field and style.classes):
        return [("", None, default)]
    field = style.class_field
    rest: list[Any] = ["!in", field, *style.classes]
    out: list[tuple[str, list[Any] | None, str]] = [("-other", rest, default)]
    out += [(f"-{value}", ["==", field, value], colour) for value, colour in style.classes.items()]
    return out


def _base(collection: Collection, kind: str, suffix: str) -> dict[str, Any]:
    layer: dict[str, Any] = {
        "id": f"{collection.id}-{suffix}",
        "type": kind,
        "source": SOURCE,
        "source-layer": collection.id,
    }
    if collection.min_zoom:
        layer["minzoom"] = collection.min_zoom
    return layer


def _filtered(layer: dict[str, Any], *conditions: list[Any] | None) -> dict[str, Any]:
    kept = [c for c in conditions if c]
    if len(kept) == 1:
        layer["filter"] = kept[0]
    elif kept:
        layer["filter"] = ["all", *kept]
    return layer


def _of_type(geometry: str, mixed: bool) -> list[Any] | None:
    return ["==", "$type", geometry] if mixed else None


def _area_layers(collection: Collection, mixed: bool) -> list[dict[str, Any]]:
    style = collection.style
    classed = bool(style.class_field and style.classes)
    dashes = _dashes(style.dash_array, style.weight)
    layers = []
    for suffix, condition, colour in _classes(style, style.fill or style.color):
        fill = _base(collection, "fill", "fill" + suffix)
        fill["paint"] = {"fill-color": colour, "fill-opacity": style.fill_opacity}
        layers.append(_filtered(fill, _of_type("Polygon", mixed), condition))
    for suffix, condition, colour in (
        _classes(style, style.color) if classed else [("", None, style.color)]
    ):
        outline = _base(collection, "line", "outline" + suffix)
        outline["paint"] = {"line-color": colour, "line-width": style.weight}
        if dashes:
            outline["paint"]["line-dasharray"] = dashes
        layers.append(_filtered(outline, _of_type("Polygon", mixed), condition))
    return layers


def _line_layers(collection: Collection, mixed: bool) -> list[dict[str, Any]]:
    style = collection.style
    layers = []
    for suffix, condition, colour in _classes(style, style.color):
        value = condition[2] if condition and condition[0] == "==" else None
        width = style.weights.get(value, style.weight) if value else style.weight
        line = _base(collection, "line", "line" + suffix)
        line["paint"] = {"line-color": colour, "line-width": width}
        dashes = _dashes(style.dashes.get(value) if value else style.dash_array, width)
        if dashes:
            line["paint"]["line-dasharray"] = dashes
        layers.append(_filtered(line, _of_type("LineString", mixed), condition))
    return layers


def _point_layers(collection: Collection) -> list[dict[str, Any]]:
    layers = []
    for suffix, condition, colour in _classes(collection.style, collection.style.color):
        circle = _base(collection, "circle", "point" + suffix)
        circle["paint"] = {
            "circle-color": colour,
            "circle-radius": 4,
            "circle-stroke-color": "#ffffff",
            "circle-stroke-width": 1,
        }
        layers.append(_filtered(circle, condition))
    return layers


def _label_layer(collection: Collection) -> dict[str, Any]:
    label = _base(collection, "symbol", "label")
    placement = "line" if collection.geometry == "MULTILINESTRING" else "point"
    label["layout"] = {
        "text-field": "{name}",
        "text-font": LABEL_FONT,
        "text-size": 12,
        "symbol-placement": placement,
        "text-allow-overlap": False,
        "text-ignore-placement": False,
        "symbol-avoid-edges": True,
    }
    if collection.geometry == "POINT":
        label["layout"]["text-offset"] = [0, 1.2]
        label["layout"]["text-anchor"] = "top"
    label["paint"] = {
        "text-color": "#333333",
        "text-halo-color": "#ffffff",
        "text-halo-width": 1.2,
    }
    return label


def collection_layers(collection: Collection) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The drawing layers of a collection's MVT layer and its label layer."""
    style, geometry = collection.style, collection.geometry
    mixed = geometry == "GEOMETRY"
    drawn: list[dict[str, Any]] = []
    if geometry == "POINT":
        drawn = _point_layers(collection)
    elif style.line:  # outlines only (boundaries)
        drawn = _line_layers(collection, mixed=False)
    else:
        if geometry in ("MULTIPOLYGON", "GEOMETRY"):
            drawn += _area_layers(collection, mixed)
        if geometry in ("MULTILINESTRING", "GEOMETRY"):
            drawn += _line_layers(collection, mixed)
    return drawn, _label_layer(collection)


def _draw_order(collection: Collection) -> int:
    if collection.style.base:
        return 0
    return {"MULTIPOLYGON": 1, "GEOMETRY": 1, "MULTILINESTRING": 2, "POINT": 3}[collection.geometry]


def gl_style(
    name: str,
    collections: list[Collection],
    tiles_url: str,
    tilejson_url: str | None = None,
    bounds: list[float] | None = None,
    max_zoom: int = 22,
) -> dict[str, Any]:
    """A Mapbox GL style (version 8) drawing ``collections`` from one vector tile source.

    Basemap-like layers (admin boundaries, water) first, then areas, lines and points;
    every label layer on top, so labels are placed over all the drawing.
    """
    ordered = sorted(collections, key=_draw_order)  # stable: catalogue order within a rank
    drawn: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    for collection in ordered:
        layers, label = collection_layers(collection)
        drawn += layers
        labels.append(label)
    source: dict[str, Any] = {
        "type": "vector",
        "tiles": [tiles_url],
        "minzoom": 0,
        "maxzoom": max_zoom,
        "attribution": "ecozone 生态环境分区管控",
    }
    if bounds:
        source["bounds"] = bounds
    style: dict[str, Any] = {
        "version": 8,
        "name": name,
        "metadata": {"ecozone:collections": [c.id for c in collections]},
        "sources": {SOURCE: source},
        # no background layer: the tiles are drawn over the user's other layers
        "layers": [*drawn, *labels],
    }
    if tilejson_url:
        style["metadata"]["ecozone:tilejson"] = tilejson_url
    return style
