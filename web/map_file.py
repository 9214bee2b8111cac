"""The shareable map file of a screening: one self-contained HTML page built with folium.

``GET /screenings/{id}/map.html`` sends it as an attachment: the reviewer mails it to a
colleague, who opens it offline. Everything it needs is inside the file: the vendored
Leaflet (``static/vendor/leaflet``, its images as ``data:`` URIs) is inlined, folium's CDN
links (Leaflet, jQuery, Bootstrap, awesome-markers) are dropped, and there is no remote
tile layer: the background is drawn from our own layers (the catalogue's
``report_context`` collections, clipped to the frame). A ``<meta>`` Content-Security-Policy
in the file forbids any request to another place, so a copy opened from disk fetches nothing.

:func:`map_file_inputs` reads what the stored screening does not hold (evidence and
context geometries, whether a release is synthetic, the releases' sources and licences,
shown as 数据来源与许可); :func:`render_map_file` is a pure
function of the screening and those inputs. Every text from data is HTML-escaped before
it reaches the page (folium's popups and tooltips insert it as markup).
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from pyproj import CRS
from shapely.geometry import mapping, shape
from shapely.ops import nearest_points
from sqlalchemy.orm import Session

from gis.civil_time import today
from gis.crs import transformer
from layers.store.catalog import COLLECTIONS
from web.conformity_report import SYNTHETIC_NOTE
from web.places import context_geometries, feature_geometries, releases_by_id
from web.protection_report import bearing_text
from web.report import VERDICTS, map_frame, project_buffer

LEAFLET = Path(__file__).parent / "static" / "vendor" / "leaflet"
#: The file's own policy: inline script and style, images from ``data:`` only, no request
#: to any other place (also sent as the HTTP header of ``GET /screenings/{id}/map.html``).
FILE_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
CREDITS = (
    "由 ecozone 根据所存筛查结果生成；地图库 Leaflet 1.9.4（BSD-2-Clause）、folium；"
    "无在线底图，背景为筛查所用图层。"
)
PROJECT_STYLE: dict[str, Any] = {
    "color": "#0d47a1",
    "fillColor": "#42a5f5",
    "weight": 3,
    "fillOpacity": 0.35,
}
BUFFER_STYLE: dict[str, Any] = {
    "color": "#1565c0",
    "weight": 1.5,
    "dashArray": "6 4",
    "fillOpacity": 0.03,
}
EVIDENCE_STYLE: dict[str, Any] = {
    "color": "#d81b60",
    "fillColor": "#f48fb1",
    "weight": 2,
    "fillOpacity": 0.15,
}
DISTANCE_STYLE: dict[str, Any] = {"color": "#d81b60", "weight": 2, "dashArray": "6 4"}
TARGET_STYLE: dict[str, Any] = {
    "color": "#6a1b9a",
    "fillColor": "#ce93d8",
    "weight": 2,
    "fillOpacity": 0.6,
}
_LONLAT = CRS.from_epsg(4326)


@dataclass
class Evidence:
    """One evidence feature of a screening (deduplicated over the rules that cite it)."""

    collection: str
    feature_id: int
    name: str
    geometry: dict[str, Any] | None
    rules: list[str] = field(default_factory=list)
    distance_m: float | None = None
    via: str | None = None
    from_outfall: bool = False
    path: dict[str, Any] | None = None


@dataclass
class ContextLayer:
    """Background geometries of one collection inside the map's frame."""

    label: str
    geometries: list[dict[str, Any]]
    style: dict[str, Any]


@dataclass
class MapFileInputs:
    """What the map file needs beyond the stored screening."""

    evidence: list[Evidence]
    context: list[ContextLayer]
    target_geometries: dict[int, dict[str, Any]]
    synthetic: bool
    #: (source, licence) of each release the screening read, for 数据来源与许可.
    sources: list[tuple[str, str]] = field(default_factory=list)


def _evidence(screening: dict[str, Any]) -> list[Evidence]:
    """The screening's evidence features, one per (collection, id), closest distance kept."""
    seen: dict[tuple[str, int], Evidence] = {}
    for result in screening.get("results") or []:
        for ev in result.get("evidence") or []:
            if ev.get("feature_id") is None:
                continue
            key = (str(ev.get("collection")), int(ev["feature_id"]))
            item = seen.get(key)
            if item is None:
                item = seen[key] = Evidence(
                    key[0], key[1], str(ev.get("name") or f"#{key[1]}"), None
                )
            rule = str(result.get("rule_id") or "")
            if rule and rule not in item.rules:
                item.rules.append(rule)
            d = ev.get("distance_m")
            if d is not None and (item.distance_m is None or float(d) < item.distance_m):
                via = ev.get("via")
                item.distance_m = float(d)
                item.via = str(via.get("name") or "") if isinstance(via, dict) else None
                item.from_outfall = result.get("measured_from") == "outfall"
                item.path = ev.get("path") if isinstance(ev.get("path"), dict) else None
    return list(seen.values())


def protection_targets(screening: dict[str, Any]) -> list[dict[str, Any]]:
    """The screening's 环境保护目标 (``protection_targets``), or [] when it has none."""
    targets = screening.get("protection_targets")
    return [t for t in targets if isinstance(t, dict)] if isinstance(targets, list) else []


def map_file_inputs(session: Session, screening: dict[str, Any]) -> MapFileInputs:
    """Evidence and protection-target geometries, the context layers, the synthetic flag."""
    evidence = _evidence(screening)
    targets = protection_targets(screening)
    refs = [(e.collection, e.feature_id) for e in evidence]
    target_refs = {
        i: (str(t["collection"]), int(t["feature_id"]))
        for i, t in enumerate(targets)
        if not isinstance(t.get("geometry"), dict)
        and t.get("collection")
        and isinstance(t.get("feature_id"), int)
    }
    found = feature_geometries(session, refs + list(target_refs.values()))
    for e in evidence:
        e.geometry = found.get((e.collection, e.feature_id))
    target_geometries = {
        i: t["geometry"] for i, t in enumerate(targets) if isinstance(t.get("geometry"), dict)
    }
    target_geometries |= {i: found[ref] for i, ref in target_refs.items() if ref in found}
    ids = [int(x["release_id"]) for x in screening.get("layers") or [] if x.get("release_id")]
    conformity = screening.get("conformity")
    releases = releases_by_id(session, ids)
    sources = [(r.source or "", r.licence or "") for r in releases]
    synthetic = any(r.synthetic for r in releases) or bool(
        isinstance(conformity, dict) and conformity.get("synthetic")
    )
    context: list[ContextLayer] = []
    geometry = screening.get("geometry")
    if isinstance(geometry, dict):
        buffer = project_buffer(geometry, float(screening.get("buffer_m") or 0))
        bbox = map_frame(screening, buffer or geometry)
        try:
            as_of = date.fromisoformat(str(screening.get("as_of"))[:10])
        except ValueError:
            as_of = today()
        if bbox is not None:
            # the background reaches a frame's width beyond it, for the reader who pans out
            w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
            bbox = (bbox[0] - w, bbox[1] - h, bbox[2] + w, bbox[3] + h)
            for c in COLLECTIONS:
                if (ctx := c.report_context) is None:
                    continue
                style = {
                    "color": ctx.stroke,
                    "weight": ctx.width,
                    "fillColor": ctx.fill or ctx.stroke,
                    "fillOpacity": ctx.fill_opacity if ctx.fill else 0,
                    "dashArray": ctx.dash or None,
                }
                geoms = context_geometries(session, c.id, bbox, as_of=as_of)
                context.append(ContextLayer(f"背景：{ctx.label}", geoms, style))
    return MapFileInputs(evidence, context, target_geometries, synthetic, sources)


def _short_form(text: str) -> str:
    """A source's or licence's short form: its words before the first comma or parenthesis."""
    return re.split(r"[,，(（]", text, maxsplit=1)[0].strip()


def source_credits(sources: list[tuple[str, str]]) -> list[str]:
    """「来源（许可）」 for each "；"-separated part of the releases' sources, deduplicated.

    The same reading as the web map's attribution (``showSources`` in
    ``static/js/map/layers.js``): a source part's short name, with the short form of the
    licence part in the same place (or of the last one). The short forms carry no URL.
    """
    credits: dict[str, None] = {}
    for source, licence in sources:
        licences = re.split(r"[;；]", licence)
        for i, part in enumerate(re.split(r"[;；]", source)):
            name = _short_form(part)
            if not name:
                continue
            short = _short_form(licences[min(i, len(licences) - 1)])
            credits.setdefault(f"{name}（{short}）" if short else name, None)
    return list(credits)


@lru_cache(maxsize=1)
def leaflet_inline() -> tuple[str, str]:
    """The vendored Leaflet's stylesheet (images as ``data:`` URIs, comments dropped) and script."""
    css = re.sub(
        r"/\*.*?\*/", "", (LEAFLET / "leaflet.css").read_text(encoding="utf-8"), flags=re.S
    )

    def data_uri(match: re.Match[str]) -> str:
        png = (LEAFLET / "images" / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)
    js = (LEAFLET / "leaflet.js").read_text(encoding="utf-8")
    if "</script" in js.lower() or "</style" in css.lower():  # pragma: no cover - vendored
        raise RuntimeError("the vendored Leaflet cannot be inlined as is")
    return css, js


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _metres(m: float | None) -> str:
    if m is None:
        return "—"
    return f"{m / 1000:.2f} km" if m >= 1000 else f"{m:.0f} m"


class _Utm:
    """Lon/lat ↔ the local UTM zone of a point (metres, for nearest points)."""

    def __init__(self, lon: float, lat: float) -> None:
        utm = CRS.from_epsg((32600 if lat >= 0 else 32700) + int((lon + 180) // 6) + 1)
        self.fwd, self.back = transformer(_LONLAT, utm), transformer(utm, _LONLAT)

    def to(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda xy: self._apply(self.fwd, xy))

    def back_to_lonlat(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda xy: self._apply(self.back, xy))

    @staticmethod
    def _apply(t: Any, xy: Any) -> Any:
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])


def distance_lines(screening: dict[str, Any], evidence: list[Evidence]) -> list[dict[str, Any]]:
    """GeoJSON features: the shortest line from the project (or its outfall) to each hit.

    A hit measured along a river gets its ``path`` as the screening stored it; a hit that
    touches the project gets none. Nearest points are found in the local UTM zone.
    """
    geometry = screening.get("geometry")
    if not isinstance(geometry, dict):
        return []
    project = shape(geometry)
    outfall = shape(screening["outfall"]) if isinstance(screening.get("outfall"), dict) else None
    c = project.centroid
    utm = _Utm(c.x, c.y)
    features = []
    for e in evidence:
        if e.distance_m is None or e.distance_m <= 0:
            continue
        label = ("沿河 " if e.via or e.path else "") + f"{_metres(e.distance_m)} · {e.name}"
        line: Any = None
        if e.path is not None and e.path.get("type") == "LineString":
            line = e.path
        elif e.geometry is not None:
            start = outfall if e.from_outfall and outfall is not None else project
            a, b = nearest_points(utm.to(start), utm.to(shape(e.geometry)))
            line = mapping(utm.back_to_lonlat(shapely.LineString([a, b])))
        if line is not None:
            props = {"label": _esc(label), "feature_id": e.feature_id}
            features.append({"type": "Feature", "geometry": line, "properties": props})
    return features


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _panel(
    screening: dict[str, Any],
    synthetic: bool,
    targets: list[dict[str, Any]],
    sources: list[tuple[str, str]],
) -> str:
    """The fixed box over the map: project, verdict, synthetic notice, 环境保护目标, credits."""
    verdict = str(screening.get("verdict") or "")
    label = VERDICTS.get(verdict, (verdict or "—", "unknown"))[0]
    colour = {"DENY": "#c62828", "REQUIRE": "#ef6c00", "FLAG": "#f9a825", "PASS": "#2e7d32"}
    parts = [
        '<div id="ecozone-panel" style="position:absolute;z-index:1000;top:10px;left:54px;'
        "max-width:420px;max-height:85%;overflow:auto;background:#fff;padding:8px 10px;"
        'border-radius:4px;box-shadow:0 1px 5px rgba(0,0,0,.4);font:13px/1.5 sans-serif">',
        f"<b>{_esc(screening.get('name') or '拟建项目')}</b>",
        f'<div id="ecozone-verdict" data-verdict="{_esc(verdict)}" style="color:#fff;'
        f"background:{colour.get(verdict, '#616161')};padding:2px 6px;margin:4px 0;"
        f'border-radius:3px">筛查结论：{_esc(verdict)} · {_esc(label)}</div>',
        f"<div>筛查编号 {_esc(screening.get('id'))} ｜ 现状日期 {_esc(screening.get('as_of'))}"
        f" ｜ {_esc(screening.get('industry'))} · {_esc(screening.get('kind'))}"
        f" ｜ 缓冲 {float(screening.get('buffer_m') or 0):g} m</div>",
    ]
    if synthetic:
        parts.append(
            '<div id="ecozone-synthetic" style="background:#fff3cd;border:1px solid #e0a800;'
            f'padding:3px 6px;margin:4px 0"><b>{_esc(SYNTHETIC_NOTE)}</b></div>'
        )
    if targets:
        rows = "".join(
            f"<tr><td>{i}</td><td>{_esc(t.get('name'))}</td><td>{_esc(t.get('type'))}</td>"
            f"<td>{_esc(t.get('medium_label') or t.get('medium'))}</td>"
            f"<td>{_esc(bearing_text(t))}</td>"
            f"<td>{_esc(_metres(t.get('distance_m')))}</td></tr>"
            for i, t in enumerate(targets, 1)
        )
        parts.append(
            '<details id="ecozone-targets"><summary>环境保护目标（'
            f"{len(targets)}）</summary><table><tr><th>序号</th><th>名称</th><th>类型</th>"
            f"<th>环境要素</th><th>方位</th><th>距离</th></tr>{rows}</table></details>"
        )
    credits = source_credits(sources)
    if credits:
        parts.append(
            '<div id="ecozone-sources" style="color:#666;font-size:11px">'
            f"数据来源与许可：{_esc('；'.join(credits))}</div>"
        )
    parts.append(f'<div style="color:#666;font-size:11px">{_esc(CREDITS)}</div></div>')
    return "".join(parts)


class _MetricScale(MacroElement):
    """A scale bar in metres only."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


def _strip_cdn(element: Any) -> None:
    """Drop the CDN links folium's elements add (we inline the vendored Leaflet instead)."""
    if hasattr(element, "default_js"):
        element.default_js = []
    if hasattr(element, "default_css"):
        element.default_css = []
    for child in element._children.values():
        _strip_cdn(child)


def render_map_file(screening: dict[str, Any], inputs: MapFileInputs) -> str:
    """The self-contained interactive map (HTML) of a stored screening."""
    m = folium.Map(tiles=None, attribution_control=False, zoom_start=13)
    titles = {c.id: c.title for c in COLLECTIONS}
    for ctx in inputs.context:
        if not ctx.geometries:
            continue
        group = folium.FeatureGroup(name=ctx.label)
        style = dict(ctx.style)
        folium.GeoJson(
            _collection([_feature(g) for g in ctx.geometries]),
            style_function=lambda _f, s=style: s,
            interactive=False,
        ).add_to(group)
        group.add_to(m)
    geometry = screening.get("geometry")
    buffer_m = float(screening.get("buffer_m") or 0)
    if isinstance(geometry, dict):
        buffer = project_buffer(geometry, buffer_m)
        if buffer is not None:
            folium.GeoJson(
                _collection([_feature(buffer, label=f"缓冲区 {buffer_m:g} m")]),
                name=f"缓冲区（{buffer_m:g} 米）",
                style_function=lambda _f: BUFFER_STYLE,
                tooltip=folium.GeoJsonTooltip(["label"], labels=False),
            ).add_to(m)
    by_collection: dict[str, list[dict[str, Any]]] = {}
    for e in inputs.evidence:
        if e.geometry is None:
            continue
        by_collection.setdefault(e.collection, []).append(
            _feature(
                e.geometry,
                name=_esc(e.name),
                layer=_esc(titles.get(e.collection, e.collection)),
                feature_id=e.feature_id,
                rules=_esc("、".join(e.rules) or "—"),
                distance=_esc(("沿河 " if e.via else "") + _metres(e.distance_m)),
            )
        )
    for collection_id, features in by_collection.items():
        folium.GeoJson(
            _collection(features),
            name=f"证据：{titles.get(collection_id, collection_id)}",
            style_function=lambda _f: EVIDENCE_STYLE,
            marker=folium.CircleMarker(radius=6, **EVIDENCE_STYLE),
            popup=folium.GeoJsonPopup(
                ["name", "layer", "feature_id", "rules", "distance"],
                aliases=["名称", "图层", "要素编号", "相关规则", "距离"],
                localize=False,
            ),
            tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        ).add_to(m)
    lines = distance_lines(screening, inputs.evidence)
    if lines:
        folium.GeoJson(
            _collection(lines),
            name="距离线",
            style_function=lambda _f: DISTANCE_STYLE,
            tooltip=folium.GeoJsonTooltip(
                ["label"], labels=False, permanent=True, direction="center", sticky=False
            ),
        ).add_to(m)
    targets = protection_targets(screening)
    target_features = [
        _feature(
            g,
            name=_esc(targets[i].get("name")),
            type=_esc(targets[i].get("type")),
            bearing=_esc(bearing_text(targets[i])),
            distance=_esc(_metres(targets[i].get("distance_m"))),
        )
        for i, g in sorted(inputs.target_geometries.items())
    ]
    if target_features:
        folium.GeoJson(
            _collection(target_features),
            name="环境保护目标",
            style_function=lambda _f: TARGET_STYLE,
            marker=folium.CircleMarker(radius=5, **TARGET_STYLE),
            popup=folium.GeoJsonPopup(
                ["name", "type", "bearing", "distance"],
                aliases=["名称", "类型", "方位", "距离"],
                localize=False,
            ),
            tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        ).add_to(m)
    if isinstance(geometry, dict):
        folium.GeoJson(
            _collection([_feature(geometry, name=_esc(screening.get("name") or "拟建项目"))]),
            name="项目",
            style_function=lambda _f: PROJECT_STYLE,
            marker=folium.CircleMarker(radius=7, **PROJECT_STYLE),
            tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        ).add_to(m)
        buffer = project_buffer(geometry, buffer_m)
        bbox = map_frame(screening, buffer or geometry)
        if bbox is not None:
            m.fit_bounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]])
    folium.LayerControl(collapsed=False).add_to(m)
    _MetricScale().add_to(m)
    _strip_cdn(m.get_root())
    css, js = leaflet_inline()
    root = m.get_root()
    if not isinstance(root, Figure):  # pragma: no cover - folium's maps live in a Figure
        raise TypeError("folium map without a figure")
    title = _esc(f"{screening.get('name') or '拟建项目'} · 筛查 {screening.get('id')} · ecozone")
    root.header.add_child(
        Element(
            f'<meta http-equiv="Content-Security-Policy" content="{FILE_POLICY}">'
            f'<meta charset="utf-8"><title>{title}</title>'
            f"<style>{css}</style><script>{js}</script>"
        ),
        name="ecozone_leaflet",
        index=0,
    )
    root.html.add_child(Element(_panel(screening, inputs.synthetic, targets, inputs.sources)))

    page: str = root.render()
    return page.replace("<html>", '<html lang="zh-CN">', 1)
