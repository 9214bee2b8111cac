"""A static SVG map for reports: Web Mercator, our own layers, a scale bar and a north arrow.

It needs no tiles and no browser, so the HTML report and its PDF show the same image
offline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

_R = 6378137.0


@dataclass(frozen=True)
class Style:
    """SVG paint of one map layer."""

    stroke: str = "#333"
    fill: str = "none"
    width: float = 1.0
    fill_opacity: float = 0.3
    dash: str = ""
    radius: float = 4.0


@dataclass(frozen=True)
class MapLayer:
    """GeoJSON geometries (lon/lat) drawn with one style, with a legend label."""

    label: str
    geometries: Sequence[dict[str, Any]]
    style: Style


def _merc(lon: float, lat: float) -> tuple[float, float]:
    lat = max(min(lat, 85.0), -85.0)
    return (
        _R * math.radians(lon),
        _R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)),
    )


def _coords(geometry: dict[str, Any]) -> Iterable[tuple[float, float]]:
    kind = geometry.get("type")
    c: Any = geometry.get("coordinates")
    if kind == "Point":
        yield c[0], c[1]
    elif kind in ("MultiPoint", "LineString"):
        for p in c:
            yield p[0], p[1]
    elif kind in ("MultiLineString", "Polygon"):
        for line in c:
            for p in line:
                yield p[0], p[1]
    elif kind == "MultiPolygon":
        for poly in c:
            for line in poly:
                for p in line:
                    yield p[0], p[1]
    elif kind == "GeometryCollection":
        for g in geometry.get("geometries", []):
            yield from _coords(g)


def bounds_of(geometries: Iterable[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    """Lon/lat bounds of some GeoJSON geometries, or None when they have no coordinates."""
    xs: list[float] = []
    ys: list[float] = []
    for g in geometries:
        for x, y in _coords(g):
            xs.append(x)
            ys.append(y)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _nice(length: float) -> float:
    exp = 10.0 ** math.floor(math.log10(length))
    for step in (5, 2, 1):
        if step * exp <= length:
            return step * exp
    return exp


class _Frame:
    def __init__(
        self, bbox: tuple[float, float, float, float], width: int, height: int, pad: float
    ) -> None:
        x0, y0 = _merc(bbox[0], bbox[1])
        x1, y1 = _merc(bbox[2], bbox[3])
        w, h = max(x1 - x0, 50.0), max(y1 - y0, 50.0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        scale = min(width / (w * (1 + 2 * pad)), height / (h * (1 + 2 * pad)))
        self.scale, self.cx, self.cy, self.width, self.height = scale, cx, cy, width, height
        # metres on the ground per map metre at this latitude (Mercator stretch)
        self.ground = math.cos(math.radians((bbox[1] + bbox[3]) / 2))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        mx, my = _merc(lon, lat)
        return (
            self.width / 2 + (mx - self.cx) * self.scale,
            self.height / 2 - (my - self.cy) * self.scale,
        )

    def path(self, rings: Iterable[Sequence[Sequence[float]]], close: bool) -> str:
        parts = []
        for ring in rings:
            pts = [self.xy(p[0], p[1]) for p in ring]
            if not pts:
                continue
            d = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(d + ("Z" if close else ""))
        return "".join(parts)


def _svg_geometry(frame: _Frame, geometry: dict[str, Any], style: Style) -> str:
    kind = geometry.get("type")
    c: Any = geometry.get("coordinates")
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    # lines are never filled; one fill-opacity attribute each (a repeated attribute is not
    # XML: cairosvg, which draws the Word report's map, refuses it)
    lines = kind in ("LineString", "MultiLineString")
    paint = (
        f'stroke="{style.stroke}" stroke-width="{style.width}" fill="{style.fill}" '
        f'fill-opacity="{0 if lines else style.fill_opacity}"{dash}'
    )
    if kind in ("Point", "MultiPoint"):
        pts = [c] if kind == "Point" else c
        return "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{style.radius}" {paint}/>'
            for x, y in (frame.xy(p[0], p[1]) for p in pts)
        )
    if kind == "LineString":
        return f'<path d="{frame.path([c], False)}" {paint}/>'
    if kind == "MultiLineString":
        return f'<path d="{frame.path(c, False)}" {paint}/>'
    if kind == "Polygon":
        return f'<path d="{frame.path(c, True)}" fill-rule="evenodd" {paint}/>'
    if kind == "MultiPolygon":
        d = "".join(frame.path(poly, True) for poly in c)
        return f'<path d="{d}" fill-rule="evenodd" {paint}/>'
    if kind == "GeometryCollection":
        return "".join(_svg_geometry(frame, g, style) for g in geometry.get("geometries", []))
    return ""


def render_svg(
    layers: Sequence[MapLayer],
    bbox: tuple[float, float, float, float],
    *,
    width: int = 720,
    height: int = 460,
    pad: float = 0.08,
    title: str = "",
) -> str:
    """Draw ``layers`` (first at the bottom) framed on ``bbox`` as an SVG document."""
    frame = _Frame(bbox, width, height, pad)
    body = [
        f'<defs><clipPath id="frame"><rect x="0" y="0" width="{width}" height="{height}"/>'
        "</clipPath></defs>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f1ea"/>',
    ]
    for layer in layers:
        body.append(f'<g class="layer" clip-path="url(#frame)" data-label="{escape(layer.label)}">')
        body.extend(_svg_geometry(frame, g, layer.style) for g in layer.geometries)
        body.append("</g>")
    # scale bar: ~1/4 of the width, rounded to 1/2/5 × 10^n metres on the ground
    metres_per_px = 1 / (frame.scale) * frame.ground
    bar_m = _nice(width / 4 * metres_per_px)
    bar_px = bar_m / metres_per_px
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    y = height - 18
    body.append(
        f'<g class="scale"><rect x="12" y="{y - 16}" width="{bar_px + 16}" height="28" '
        'fill="#fff" fill-opacity="0.8"/>'
        f'<path d="M20,{y - 4}V{y + 4}H{20 + bar_px:.1f}V{y - 4}" stroke="#222" '
        'stroke-width="1.5" fill="none"/>'
        f'<text x="20" y="{y - 6}" font-size="11" fill="#222">{label}</text></g>'
    )
    nx = width - 24
    body.append(
        f'<g class="north"><path d="M{nx},14 L{nx + 8},36 L{nx},31 L{nx - 8},36 Z" fill="#222"/>'
        f'<text x="{nx}" y="50" font-size="12" text-anchor="middle" fill="#222">N</text></g>'
    )
    body.append(
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" '
        'stroke="#999"/>'
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
    )
    return head + "".join(body) + "</svg>"
