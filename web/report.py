"""The printable screening report: HTML from a stored screening, and its PDF (WeasyPrint).

``render_report`` is a pure function of the screening dict (the ``POST /screenings``
response) and the releases it used; ``report_inputs`` gathers those releases and the
map image from the store.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from jinja2 import Environment, FileSystemLoader, select_autoescape
from shapely.geometry import mapping, shape
from sqlalchemy.orm import Session

from gis.civil_time import LOCAL_ZONE, local_time, today
from gis.crs import transformer, wgs84_crs
from layers.screening.attainment import stations_text
from layers.screening.rules import (
    OTHER_INDUSTRY,
    VERDICT_LABELS,
    fact_label,
    pollutant_name,
)
from layers.store.catalog import COLLECTIONS, collection_title
from layers.store.releases import release_public
from web import location_report, protection_report
from web.conformity_report import (
    CHAPTER_TITLE,
    COLUMNS,
    JUDGEMENT_CLASSES,
    SYNTHETIC_LIST_NOTE,
    SYNTHETIC_NOTE,
    conformity_chapter,
)
from web.places import context_geometries, feature_geometries, releases_by_id
from web.staticmap import MapLayer, Style, bounds_of, render_svg

TEMPLATES = Path(__file__).parent / "templates"
#: The report's stylesheet: linked from the HTML page, handed to WeasyPrint for the PDF.
REPORT_CSS = Path(__file__).parent / "static" / "css" / "report.css"

#: A verdict -> (its words, CSS class).
VERDICTS: dict[str, tuple[str, str]] = {
    v: (label, v.lower()) for v, label in VERDICT_LABELS.items()
}
#: A rule's outcome -> (badge text, CSS class): a reviewer's words (符合 / 不符合 / 需人工核实);
#: the code stays in the badge's title and in the JSON.
OUTCOMES: dict[str, tuple[str, str]] = {
    "DENY": ("不符合", "deny"),
    "REQUIRE": ("须落实要求", "require"),
    "FLAG": ("需人工核实", "flag"),
    "NOT_CHECKED": ("未核查", "not-checked"),
    "PASS": ("符合", "pass"),
    "NOT_APPLICABLE": ("不适用", "na"),
}
INCOMPLETE_NOTE = "本次筛查不完整：以下图层在项目所在地无数据或不覆盖项目："

DISCLAIMER = (
    "本报告由 ecozone 根据所列图层版本自动生成，仅供项目选址的前期筛查参考，"
    "不替代生态环境主管部门的审查意见和法定环评程序。"
)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of the pages (built on first use, not at import)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["collection_titles"] = {c.id: c.title for c in COLLECTIONS}
    env.globals["verdicts"] = VERDICTS
    env.globals["outcomes"] = OUTCOMES
    env.globals["geometry_types"] = GEOMETRY_TYPES
    env.filters["local_time"] = local_time
    env.globals["local_zone"] = LOCAL_ZONE  # the pages' scripts print times in it too
    return env


def sources(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Distinct (source, licence) pairs with the collections that use them."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for r in releases:
        key = (r.get("source") or "未注明", r.get("licence") or "未注明")
        entry = seen.setdefault(key, {"source": key[0], "licence": key[1], "collections": []})
        title = collection_title(r["collection"])
        if title not in entry["collections"]:
            entry["collections"].append(title)
    return list(seen.values())


def evidence_rows(screening: dict[str, Any]) -> list[dict[str, Any]]:
    """Every feature a rule found, with its rule: the report's 证据要素 table.

    Raster statistics and attainment have their own tables (:func:`raster_rows`,
    :func:`quality_rows`).
    """
    return [
        {"rule_id": result.get("rule_id"), **item}
        for result in screening.get("results") or []
        for item in result.get("evidence") or []
        if "raster" not in item and "medium" not in item
    ]


def evidence_cells(e: dict[str, Any]) -> list[str]:
    """An evidence row's 距离, 重叠面积 and 重叠比例 as the reports print them."""
    distance = "—"
    if e.get("distance_m") is not None:
        via = e.get("via") or {}
        distance = f"{float(e['distance_m']):.0f} m"
        if via:
            distance = f"沿河上游 {distance}（经 {via.get('name') or via.get('feature_id')}）"
    overlap = f"{float(e['overlap_m2']) / 10000:.2f} 公顷" if e.get("overlap_m2") else "—"
    ratio = e.get("overlap_ratio")
    return [distance, overlap, f"{float(ratio) * 100:.1f}%" if ratio else "—"]


def completeness_of(screening: dict[str, Any]) -> dict[str, Any] | None:
    """What the screening could not check, for the report's banner; None when complete.

    A screening stored before completeness was recorded counts as complete (it has no
    ``completeness``); one whose verdict is INCOMPLETE always gets the banner.
    """
    raw = screening.get("completeness")
    c: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if c.get("complete") is not False and screening.get("verdict") != "INCOMPLETE":
        return None
    return {
        "layers": [
            {"title": n.get("title") or n.get("collection") or "—", "text": n.get("text") or ""}
            for n in c.get("not_checked") or []
            if isinstance(n, dict)
        ],
        "facts": [fact_label(str(f)) for f in c.get("missing_facts") or []],
    }


def declared_facts(screening: dict[str, Any]) -> list[str]:
    """The project facts the request gave (in_park, emissions, …), as report lines."""
    lines: list[str] = []
    if isinstance(screening.get("in_park"), bool):
        lines.append("位于园区" if screening["in_park"] else "不在园区")
    emissions = screening.get("emissions")
    if isinstance(emissions, dict) and emissions:
        parts = (f"{pollutant_name(f'emissions.{k}')} {v:g}" for k, v in emissions.items())
        lines.append("排放量（t/a）：" + "，".join(parts))
    capacity = screening.get("capacity")
    if isinstance(capacity, dict) and capacity.get("value") is not None:
        lines.append(f"产能：{capacity['value']:g} {capacity.get('unit') or ''}".rstrip())
    if screening.get("energy_tce") is not None:
        lines.append(f"能耗：{screening['energy_tce']:g} tce")
    if screening.get("water_m3d") is not None:
        lines.append(f"用水：{screening['water_m3d']:g} m³/d")
    if screening.get("outfall"):
        lines.append("已提供排污口位置")
    return lines


def site_text(screening: dict[str, Any]) -> str:
    """建设地点: the divisions under the project, province, city, county (江苏省南京市玄武区).

    A project across a border names each division of a level (江苏省南京市玄武区、鼓楼区);
    without divisions (outside the admin layer's coverage) the report says so.
    """
    divisions = (screening.get("jurisdiction") or {}).get("divisions") or []
    levels: dict[int, list[str]] = {0: [], 1: [], 2: []}
    for d in sorted(divisions, key=lambda d: str(d.get("adcode"))):
        code = str(d.get("adcode") or "")
        level = 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
        levels[level].append(str(d.get("name") or code))
    text = "".join("、".join(names) for names in levels.values() if names)
    return text or "未能确定（行政区划图层在现状日期未覆盖项目位置）"


#: GeoJSON geometry types in a reviewer's words.
GEOMETRY_TYPES = {
    "Point": "点", "MultiPoint": "多点", "LineString": "线", "MultiLineString": "多线",
    "Polygon": "面", "MultiPolygon": "多面", "GeometryCollection": "几何集合",
}  # fmt: skip


def industry_text(screening: dict[str, Any]) -> str:
    """The project's industry as the reports print it: category, code, and what the code matched.

    A project known by its GB/T 4754 code alone is screened as 其他 with the categories its
    code matches (``project.industry_labels``); the reports name them, e.g.
    ``其他（C2614，按代码归入：化工）``, so the reviewer sees why 化工 rules applied.
    """
    industry = str(screening.get("industry") or "—")
    code = screening.get("industry_code")
    project = screening.get("project")
    labels = project.get("industry_labels") if isinstance(project, dict) else None
    matched = [
        str(label)
        for label in labels or []
        if label != industry and label != OTHER_INDUSTRY and not _GBT4754_CODE.match(str(label))
    ]
    notes = [str(code)] if code else []
    if matched:
        notes.append("按代码归入：" + "、".join(matched))
    return f"{industry}（{'，'.join(notes)}）" if notes else industry


#: A GB/T 4754 code or code prefix (``C``, ``C26``, ``C2614``), as industry labels hold them.
_GBT4754_CODE = re.compile(r"^[A-T]\d*$")


def applicable_results(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules that apply, as the reports list them: DENY, REQUIRE, FLAG, 未核查, PASS.

    Within an outcome the rule set's order stays (a stable sort).
    """
    rank = {o: i for i, o in enumerate(OUTCOMES)}
    shown = [r for r in results if r.get("outcome") != "NOT_APPLICABLE"]
    return sorted(shown, key=lambda r: rank.get(str(r.get("outcome")), len(rank)))


def not_applicable_by_jurisdiction(results: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The ids of the rules that do not apply, by jurisdiction (the report lists them, not rows).

    Most of a rule set does not apply to one project (another province's rules, another
    industry's); a row each would be most of the report's pages.
    """
    groups: dict[str, list[str]] = {}
    for r in results:
        if r.get("outcome") == "NOT_APPLICABLE":
            groups.setdefault(str(r.get("jurisdiction") or "—"), []).append(str(r.get("rule_id")))
    return list(groups.items())


def _root_of(static_href: str | None) -> str:
    """The site's root path, from where its static files are served ("" at the top)."""
    if static_href and static_href.endswith("/static"):
        return static_href[: -len("/static")]
    return ""


def render_report(
    screening: dict[str, Any],
    releases: list[dict[str, Any]],
    *,
    map_svg: str | None = None,
    pdf_href: str | None = None,
    word_href: str | None = None,
    excel_href: str | None = None,
    static_href: str | None = None,
    map_href: str | None = None,
    review_href: str | None = None,
    recheck_href: str | None = None,
) -> str:
    """The report page of a screening.

    Args:
        screening: the stored screening, as ``GET /screenings/{id}`` returns it.
        releases: the releases it used (``layers.store.releases.release_public`` form).
        map_svg: an SVG image of the project and its evidence, when one was drawn.
        pdf_href: link to the PDF version (left out in the PDF itself).
        word_href: link to the Word version (HTML only).
        excel_href: link to the Excel workbook of its tables (HTML only).
        static_href: where ``web/static`` is served; the page links its stylesheet and
            script from there (left out in the PDF, which gets the stylesheet directly).
        map_href: link to the screening's interactive map file (``map.html``); the PDF
            gets it as a full URL.
        review_href: link to the screening reopened on the reviewer's map (HTML only).
        recheck_href: ``GET /screenings/{id}/recheck``, which the page's 复核 button calls
            (HTML only).
    """
    verdict = str(screening.get("verdict") or "")
    conformity = conformity_chapter(screening)
    synthetic = any(r.get("synthetic") for r in releases) or bool(
        conformity and conformity.synthetic
    )
    return (
        environment()
        .get_template("report.html")
        .render(
            s=screening,
            verdict=verdict,
            verdict_label=VERDICTS.get(verdict, (verdict or "—", "unknown"))[0],
            verdict_class=VERDICTS.get(verdict, ("", "unknown"))[1],
            results=screening.get("results") or [],
            applicable=applicable_results(screening.get("results") or []),
            not_applicable=not_applicable_by_jurisdiction(screening.get("results") or []),
            evidence_rows=evidence_rows(screening),
            releases=releases,
            sources=sources(releases),
            synthetic=synthetic,
            synthetic_note=SYNTHETIC_NOTE,
            disclaimer=DISCLAIMER,
            map_svg=map_svg,
            pdf_href=pdf_href,
            word_href=word_href,
            excel_href=excel_href,
            static_href=static_href,
            map_href=map_href,
            review_href=review_href,
            recheck_href=recheck_href,
            rules_href=_root_of(static_href) + "/rules/",
            completeness=completeness_of(screening),
            declared=declared_facts(screening),
            industry=industry_text(screening),
            site=site_text(screening),
            incomplete_note=INCOMPLETE_NOTE,
            generated=today().isoformat(),
            conformity=conformity,
            conformity_title=CHAPTER_TITLE,
            conformity_columns=COLUMNS,
            judgement_classes=JUDGEMENT_CLASSES,
            synthetic_list_note=SYNTHETIC_LIST_NOTE,
            location=location_report.location_table(screening),
            location_title=location_report.TITLE,
            location_columns=location_report.COLUMNS,
            protection=protection_report.protection_table(screening),
            protection_title=protection_report.TITLE,
            protection_caption=protection_report.CAPTION,
            protection_columns=protection_report.COLUMNS,
            protection_distance_note=protection_report.DISTANCE_NOTE,
            protection_synthetic_note=protection_report.SYNTHETIC_TARGETS_NOTE,
            raster_rows=raster_rows(screening),
            quality_rows=quality_rows(screening),
        )
    )


def map_frame(
    screening: dict[str, Any], extent: dict[str, Any]
) -> tuple[float, float, float, float] | None:
    """The lon/lat frame of a screening's map: ``extent`` (its project or buffer) widened.

    Widened to show the nearest hits (up to 5 km away); large hits (a river, a unit) are
    clipped by the frame rather than zooming out to them. The report's picture and the
    map file (:mod:`web.map_file`) share it.
    """
    bounds = bounds_of([extent])
    if bounds is None:
        return None
    distances = [
        float(e["distance_m"])
        for r in screening.get("results") or []
        for e in r.get("evidence") or []
        if e.get("distance_m") is not None
    ]
    reach_m = max(600.0, min(max(distances, default=0.0), 5000.0) * 1.4)
    x0, y0, x1, y1 = bounds
    dy = reach_m / 111_320
    dx = dy / max(math.cos(math.radians((y0 + y1) / 2)), 0.1)
    return (x0 - dx, y0 - dy, x1 + dx, y1 + dy)


#: What the report's raster table says of a part without statistics.
NO_DATA = "无数据"


def _raster_values(layer: dict[str, Any], stats: dict[str, Any]) -> str:
    """One part's statistics in words (elevation and slope, or the largest classes)."""
    if stats.get("status") != "ok":
        return f"{NO_DATA}（{stats.get('text') or stats.get('reason') or '原因未注明'}）"
    if layer.get("kind") == "categorical":
        classes = stats.get("classes") or []
        parts = [
            f"{c['name']} {c['share_pct']:.1f}%（{c['area_m2'] / 10000:.2f} 公顷）"
            for c in classes[:4]
        ]
        return "；".join(parts) + ("；…" if len(classes) > 4 else "")
    text = (
        f"高程 {stats['min']:.0f} / {stats['mean']:.0f} / {stats['max']:.0f} 米（最低/平均/最高）"
    )
    if "slope_mean" in stats:
        text += f"；坡度平均 {stats['slope_mean']:.1f}°，最大 {stats['slope_max']:.1f}°"
    return text


def raster_rows(screening: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's raster table: per layer and part (项目 / 缓冲区), values and the release."""
    rows: list[dict[str, Any]] = []
    for layer in screening.get("rasters") or []:
        raster = layer.get("raster") or {}
        release = raster.get("release")
        cite = (
            f"{release}（{raster.get('source') or '来源未注明'}；{raster.get('licence') or '许可未注明'}"
            f"{'；合成数据' if raster.get('synthetic') else ''}）"
            if release
            else "—"
        )
        parts = [("项目范围", layer.get("geometry") or {})]
        if layer.get("buffer"):
            parts.append((f"缓冲区 {layer.get('buffer_m', 0):.0f} 米", layer["buffer"]))
        for where, stats in parts:
            rows.append(
                {
                    "title": layer.get("title"),
                    "where": where,
                    "values": _raster_values(layer, stats),
                    "release": cite,
                    "note": layer.get("note") or "",
                }
            )
    return rows


def quality_rows(screening: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's attainment table: the figures the ``attainment`` rules judged on.

    One row per city, year and pollutant (or the city's sections), with the rules that
    cite it.
    """
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for result in screening.get("results") or []:
        for e in result.get("evidence") or []:
            if "medium" not in e:
                continue
            if e["medium"] == "air":
                key: tuple[Any, ...] = ("air", e["city"], e["year"], e["parameter"])
                value = "—" if e.get("value") is None else f"{e['value']:g} {e['unit']}"
                row = {
                    "what": f"环境空气 {e['parameter']}（{e['statistic']}）",
                    "value": value,
                    "limit": f"{e['limit']:g} {e['unit']}",
                    "status": e["status"],
                    "basis": f"{stations_text(e)}，{e['standard']}",
                }
            else:
                key = ("surface_water", e["city"], e["year"])
                met, targeted = e["target_met"], e["with_target"]
                row = {
                    "what": "地表水考核断面",
                    "value": f"{met}/{targeted} 个断面达到目标",
                    "limit": "全部达到目标类别",
                    "status": "达标" if met == targeted else "未达标",
                    "basis": f"{e['sections']} 个断面，{e['standard']}",
                }
            if e.get("synthetic"):
                row["basis"] += "（演示合成监测数据，非实测）"
            found = rows.setdefault(key, {"city": e["city"], "year": e["year"], **row, "rules": []})
            if result.get("rule_id") not in found["rules"]:
                found["rules"].append(result.get("rule_id"))
    return list(rows.values())


def project_buffer(geometry: dict[str, Any], metres: float) -> dict[str, Any] | None:
    """The project's buffer in lon/lat, built in the local UTM zone."""
    if metres <= 0:
        return None
    geom = shape(geometry)
    c = geom.centroid
    from pyproj import CRS  # lazy: pyproj (~27 MB) only when a report draws a buffer (issue 12)

    utm = CRS.from_epsg((32600 if c.y >= 0 else 32700) + int((c.x + 180) // 6) + 1)
    lonlat = wgs84_crs()
    fwd, back = transformer(lonlat, utm), transformer(utm, lonlat)
    projected = shapely.transform(geom, lambda xy: _apply(fwd, xy))
    buffered = projected.buffer(metres)
    return dict(mapping(shapely.transform(buffered, lambda xy: _apply(back, xy))))


def _apply(t: Any, xy: Any) -> Any:
    x, y = t.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def report_map(session: Session, screening: dict[str, Any], as_of: date) -> str | None:
    """SVG map of the project, its buffer, its evidence features and the catalogue's context layers."""
    geometry = screening.get("geometry")
    if not isinstance(geometry, dict):
        return None
    refs = [
        (str(e.get("collection")), int(e["feature_id"]))
        for r in screening.get("results") or []
        for e in r.get("evidence") or []
        if e.get("feature_id") is not None
    ]
    evidence = list(feature_geometries(session, refs).values())
    buffer = project_buffer(geometry, float(screening.get("buffer_m") or 0))
    bbox = map_frame(screening, buffer or geometry)
    if bbox is None:
        return None
    layers = [
        MapLayer(
            ctx.label,
            context_geometries(session, c.id, bbox, as_of=as_of),
            Style(
                stroke=ctx.stroke,
                fill=ctx.fill,
                width=ctx.width,
                fill_opacity=ctx.fill_opacity,
                dash=ctx.dash,
            ),
        )
        for c in COLLECTIONS
        if (ctx := c.report_context) is not None
    ]
    layers.append(
        MapLayer(
            "证据要素",
            evidence,
            Style(stroke="#d81b60", fill="#f48fb1", width=2, fill_opacity=0.12, radius=5),
        )
    )
    if buffer:
        layers.append(MapLayer("缓冲区", [buffer], Style(stroke="#1565c0", width=1.2, dash="6 4")))
    layers.append(
        MapLayer("项目", [geometry], Style(stroke="#0d47a1", fill="#42a5f5", width=2.5, radius=6))
    )
    return render_svg(layers, bbox, title=str(screening.get("name") or "项目"))


def screening_releases(session: Session, screening: dict[str, Any]) -> list[dict[str, Any]]:
    """The releases a screening used (``release_public`` form), read from the store."""
    ids = [
        int(layer["release_id"])
        for layer in screening.get("layers") or []
        if layer.get("release_id")
    ]
    return [release_public(r) for r in releases_by_id(session, ids)]


def report_inputs(
    session: Session, screening: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """The releases a screening used and its map image, read from the store."""
    releases = screening_releases(session, screening)
    try:
        as_of = date.fromisoformat(str(screening.get("as_of"))[:10])
    except ValueError:
        as_of = today()
    return releases, report_map(session, screening, as_of)


def render_pdf(html: str, base_url: str) -> bytes:
    """Print the report HTML to PDF with WeasyPrint (fonts from fonts-noto-cjk)."""
    from weasyprint import CSS, HTML  # imported here: pango is loaded only when a PDF is asked for

    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=[CSS(filename=str(REPORT_CSS))]
    )
    return pdf
