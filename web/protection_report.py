"""The 环境保护目标 table of a screening, as EIA reports lay it out.

:func:`protection_table` turns a screening's ``protection_targets`` and
``protection_ranges`` (:mod:`layers.screening.protection`) into the rows the HTML/PDF
report (``report.html``) and the Word report (:mod:`web.word_report`) print:
序号 | 名称 | 类型 | 环境要素 | 方位 | 距离(m) | 规模 | 坐标, then how each medium's range was set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TITLE = "环境保护目标"
CAPTION = "环境保护目标一览表"
COLUMNS = ("序号", "名称", "类型", "环境要素", "方位", "距离(m)", "规模", "坐标（经度, 纬度）")
NO_LAYER = "环境敏感目标图层在现状日期无有效版本，未能列出环境保护目标，须人工调查。"
NONE_FOUND = "各环境要素评价范围内未发现图层所载的环境敏感目标（图层之外的目标须现场调查补充）。"
OUTSIDE = (
    "环境敏感目标图层的当前版本不覆盖项目所在地，未能列出环境保护目标（表中所列如有，亦不完整），"
    "须人工调查。"
)
DISTANCE_NOTE = (
    "方位为自项目中心（地表水为排污口）至目标的 16 方位；距离为自项目边界（地表水为排污口）的"
    "大地距离，标“沿河”者为沿河道的距离；位于项目用地范围内的目标方位记为“项目范围内”、距离为 0。"
)
#: 方位 of a target on or inside the project itself (``within_project``).
WITHIN_PROJECT = "项目范围内"
SYNTHETIC_TARGETS_NOTE = (
    "注意：以下部分环境保护目标为演示用合成数据（synthetic），位置取自 GeoNames 城镇点或随机加密，"
    "人口、级别为虚构，不得用于实际环评。"
)


@dataclass
class ProtectionTable:
    """The table's rows (strings, in :data:`COLUMNS` order) and its notes."""

    rows: list[list[str]]
    ranges: list[str] = field(default_factory=list)
    synthetic: bool = False
    empty_note: str | None = None


def bearing_text(t: dict[str, Any]) -> str:
    """方位 of a target as the table prints it: 北东北（NNE）, or 项目范围内."""
    if t.get("within_project"):
        return WITHIN_PROJECT
    bearing = str(t.get("bearing_zh") or "—")
    if t.get("bearing") and t.get("bearing") != "—":
        bearing = f"{bearing}（{t['bearing']}）"
    return bearing


def _row(i: int, t: dict[str, Any]) -> list[str]:
    bearing = bearing_text(t)
    distance = t.get("distance_m")
    return [
        str(i),
        str(t.get("name") or "—") + ("（合成）" if t.get("synthetic") else ""),
        str(t.get("type") or "—"),
        str(t.get("medium_label") or t.get("medium") or "—"),
        bearing,
        "—"
        if distance is None
        else f"{float(distance):.0f}" + ("（沿河）" if t.get("along_river") else ""),
        str(t.get("scale") or "—"),
        # where it is, as EIA tables locate each target (WGS84/CGCS2000 lon/lat, ~1 m)
        "—"
        if t.get("lon") is None or t.get("lat") is None
        else f"{float(t['lon']):.5f}, {float(t['lat']):.5f}",
    ]


def _range_note(m: dict[str, Any]) -> str:
    """How a medium's range was set: the circle, or down the receiving river."""
    origin = "排污口" if m.get("measured_from") == "outfall" else "项目边界"
    basis = m.get("basis") or "本系统默认"
    if m.get("measured_along") == "river":
        along = float(m.get("along_river_m") or 0)
        return f"{m['label']}：自{origin}沿受纳水体（河网）向下游 {along:.0f} m（{basis}）"
    return f"{m['label']}：{origin}外 {float(m['radius_m']):.0f} m（{basis}）"


def protection_table(screening: dict[str, Any]) -> ProtectionTable | None:
    """The table of a screening; ``None`` when it was screened before the table existed."""
    if "protection_targets" not in screening:
        return None
    targets = screening.get("protection_targets") or []
    ranges = screening.get("protection_ranges") or {}
    notes = [_range_note(m) for m in ranges.get("media") or []]
    empty = None
    if ranges.get("release_id") is None and not targets:
        empty = NO_LAYER
    elif not ranges.get("covers_project", True):  # stored before coverage was recorded: True
        empty = OUTSIDE
    elif not targets:
        empty = NONE_FOUND
    return ProtectionTable(
        rows=[_row(i, t) for i, t in enumerate(targets, start=1)],
        ranges=notes,
        synthetic=any(t.get("synthetic") for t in targets),
        empty_note=empty,
    )
