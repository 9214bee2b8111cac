"""The project's location as EIA reports give it: centre, extent, and the 拐点坐标 table.

:func:`location_table` turns a screening's geometry (lon/lat) into what the HTML/PDF report
(``report.html``) and the Word report (:mod:`web.word_report`) print: the centre in lon/lat
and in CGCS2000 3-degree Gauss-Krüger X/Y (the zone ``report_crs`` asks for, else the zone of
the request's CRS when it names one, else the centre's), the area (m², 公顷, 亩) or length, the outfall (排污口) when the
project has one, and every
vertex numbered J1, J2, … with its X (north) and Y (east, with the zone number).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gis.coords import GKZone, corner_points, gk3_zone, gk3_zone_of_crs
from gis.offsets import web_map_datum

TITLE = "项目位置与拐点坐标"
COLUMNS = ("点号", "X（m）", "Y（m）", "经度（°）", "纬度（°）")
#: At most this many vertices are printed; the rest are in the screening's GeoJSON.
MAX_CORNERS = 300
SQ_M_PER_MU = 10_000 / 15  # 1 亩 = 1/15 公顷
NOTE = (
    "X 为北坐标、Y 为东坐标（{y}），按项目几何的顶点顺序编号；经纬度按 CGCS2000 地理坐标"
    "（与 WGS84 相差厘米级）。面积、长度为椭球面上的量算值。"
)


@dataclass
class LocationTable:
    """The summary rows (label, value) and the vertex rows (strings, in :data:`COLUMNS` order)."""

    summary: list[tuple[str, str]]
    corners: list[list[str]]
    caption: str
    notes: list[str] = field(default_factory=list)


def _heading(kind: str, part: int, ring: int, parts: int) -> str | None:
    """The heading row before a part's or a ring's vertices (None: no heading needed)."""
    if kind == "Polygon":
        if parts == 1 and ring == 0:
            return None
        return (f"地块 {part} " if parts > 1 else "") + (f"内环 {ring}" if ring else "外边界")
    if kind == "LineString" and parts > 1:
        return f"线段 {part}"
    return None


def _outfall_row(screening: dict[str, Any], zone: GKZone) -> tuple[str, str] | None:
    """排污口 in lon/lat and the table's X/Y, as 废水排放口 tables give its location.

    None without an outfall, or for a screening stored before its top-level outfall was
    WGS84 lon/lat (it was the request's own: metres of a zone, or GCJ-02/BD-09 lon/lat).
    """
    outfall = screening.get("outfall")
    if not isinstance(outfall, dict) or outfall.get("type") != "Point":
        return None
    project = screening.get("project") or {}
    if outfall == project.get("outfall") and web_map_datum(project.get("crs")):
        return None
    point = shape(outfall)
    if point.is_empty or not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
        return None
    [at] = corner_points(point, zone)
    return "排污口", f"经度 {at.lon:.6f}°，纬度 {at.lat:.6f}°；X = {at.x:.3f}，Y = {at.y:.3f}"


def _centre(geom: BaseGeometry) -> BaseGeometry:
    """The centroid of an area when it lies inside it, else a point on the geometry."""
    if geom.geom_type == "Point":
        return geom
    centroid = geom.centroid
    if geom.area > 0 and centroid.within(geom):
        return centroid
    return geom.point_on_surface()


def location_table(screening: dict[str, Any]) -> LocationTable | None:
    """The chapter of a screening; ``None`` without a geometry in China's zones."""
    geometry = screening.get("geometry")
    if not geometry:
        return None
    geom = shape(geometry)
    if geom.is_empty:
        return None
    centre = _centre(geom)
    project = screening.get("project") or {}
    # the zone asked for, else the one the request was drawn in (a county's fixed
    # zone), else the centre's
    zone = gk3_zone_of_crs(project.get("report_crs")) or gk3_zone_of_crs(project.get("crs"))
    if zone is None:
        try:
            zone = gk3_zone(centre.x)
        except ValueError:
            return None
    corners = corner_points(geom, zone)
    [middle] = corner_points(centre, zone)
    summary = [
        ("坐标系", zone.label),
        ("中心点", f"经度 {middle.lon:.6f}°，纬度 {middle.lat:.6f}°"),
        ("中心点 X / Y", f"X = {middle.x:.3f}，Y = {middle.y:.3f}"),
    ]
    area = float(project.get("area_m2") or 0)
    length = float(project.get("length_m") or 0)
    if area > 0:
        summary.append(
            (
                "用地面积",
                f"{area:,.1f} m²（{area / 10_000:,.4f} 公顷，{area / SQ_M_PER_MU:,.2f} 亩）",
            )
        )
    elif length > 0:
        summary.append(("线路长度", f"{length:,.1f} m"))
    parts = shapely.get_num_geometries(geom)
    kind = geom.geom_type.removeprefix("Multi")
    noun = "点位" if kind == "Point" else "拐点"
    summary.append((f"{noun}数", f"{len(corners)} 个"))
    outfall = _outfall_row(screening, zone)
    if outfall is not None:
        summary.append(outfall)
    shown = corners[:MAX_CORNERS]
    rows = []
    previous: tuple[int, int] | None = None
    for c in shown:
        heading = _heading(kind, c.part, c.ring, parts)
        if (c.part, c.ring) != previous and heading is not None:
            rows.append([heading, "", "", "", ""])
        previous = (c.part, c.ring)
        rows.append([c.label, f"{c.x:.3f}", f"{c.y:.3f}", f"{c.lon:.6f}", f"{c.lat:.6f}"])
    notes = [NOTE.format(y="含带号" if zone.prefixed else "不含带号")]
    if len(corners) > len(shown):
        notes.append(
            f"共 {len(corners)} 个{noun}，表中列出前 {len(shown)} 个；完整坐标见筛查的 GeoJSON"
            f"（GET /screenings/{screening.get('id', '{id}')} 的 geometry）。"
        )
    return LocationTable(summary, rows, f"{noun}坐标一览表", notes)
