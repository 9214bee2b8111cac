"""The catalogue of regulatory collections: their fields, labels, value lists and aliases.

This is the one place that says what a collection is. The table definitions, the
importer's column mapping and validation, the API's collection metadata, the map's
styles, visibility and zoom limits, and the place search are all derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from layers.errors import CollectionNotFoundError

FieldType = Literal["text", "int", "float", "date", "text[]"]
GeometryKind = Literal["MULTIPOLYGON", "MULTILINESTRING", "POINT", "GEOMETRY"]
_DIMENSIONS: dict[str, int] = {"POINT": 0, "MULTILINESTRING": 1, "MULTIPOLYGON": 2}


#: HJ 1312-2023 《入河入海排污口监督管理技术指南 排污口分类》: the four first-level classes
#: (secondary source, see the domain digest data-standards.md §3).
HJ1312_CLASSES = ("工业排污口", "城镇污水处理厂排污口", "农业排口", "其他排口")


@dataclass(frozen=True)
class Field:
    """One typed attribute of a collection.

    Attributes:
        name: column name (snake_case English).
        type: storage type.
        label: Chinese label shown to reviewers.
        choices: allowed values, when the field is a code list.
        aliases: source field names (official codes, Chinese names) that map here.
        synonyms: source values that normalise to one of ``choices``.
        value_labels: Chinese display labels of stored values (English codes), for
            popups and legends.
        minimum: the smallest value a number field accepts (an import rejects the row).
    """

    name: str
    type: FieldType
    label: str
    choices: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, str] = field(default_factory=dict)
    minimum: float | None = None


@dataclass(frozen=True)
class MapStyle:
    """How the map draws a collection: Leaflet path options, coloured by class when classed.

    Points are drawn as circle markers filled with the class colour (or ``color``).

    Attributes:
        color: stroke colour, and the colour of a feature whose class has none.
        fill: fill colour of an unclassed style (default: ``color``).
        fill_opacity: fill opacity of areas.
        weight: stroke width in pixels (of a ``line`` style: when its class has none).
        dash_array: SVG dash pattern of the stroke.
        class_field: the field whose value picks the colour in ``classes``.
        classes: class value -> colour, in legend order.
        labels: class value -> legend label (default: the field's value label, or the value).
        line: outlines only, no fill (boundaries).
        weights: class value -> stroke width, for a ``line`` style.
        dashes: class value -> dash pattern, for a ``line`` style.
        base: drawn under the regulatory layers, as part of the offline basemap.
    """

    color: str
    fill: str | None = None
    fill_opacity: float = 0.3
    weight: float = 1.5
    dash_array: str | None = None
    class_field: str | None = None
    classes: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    line: bool = False
    weights: dict[str, float] = field(default_factory=dict)
    dashes: dict[str, str] = field(default_factory=dict)
    base: bool = False


@dataclass(frozen=True)
class ReportContext:
    """How the printed screening report's map draws a collection as background context.

    Attributes:
        label: the layer's name in the map (Chinese).
        stroke: outline colour.
        fill: fill colour (``"none"``: outlines only).
        fill_opacity: fill opacity.
        width: outline width.
        dash: SVG dash pattern of the outline (``""``: solid).
    """

    label: str
    stroke: str = "#333"
    fill: str = "none"
    fill_opacity: float = 0.3
    width: float = 1.0
    dash: str = ""


@dataclass(frozen=True)
class Parent:
    """Features of a collection that name a parent feature of the same file and lie inside it.

    A protected area's zones name the area they belong to; the importer refuses, per row
    with the reason, a zone whose parent is not in the file, lies outside it, or whose
    zone value does not belong to its zoning regime.

    Attributes:
        field: the child's field naming the parent's code.
        parent_field: the parent's field the child names.
        regime_field: the field holding the zoning regime (child's own, else its parent's).
        zone_field: the child's zone; its value must be one of the regime's zones.
        outside_zones: zones that lie around their parent, not inside it (a reserve's
            外围保护地带, Art. 18 of the 1994/2017 regulation).
        inherit: fields a child takes from its parent when the file leaves them empty.
    """

    field: str
    parent_field: str
    regime_field: str
    zone_field: str
    outside_zones: tuple[str, ...] = ()
    inherit: tuple[str, ...] = ()


@dataclass(frozen=True)
class Collection:
    """A regulatory layer: one PostGIS table, versioned by releases.

    Attributes:
        style: how the map draws it.
        min_zoom: the map loads it only from this zoom level on (heavy layers).
        default_visible: the map shows it when the page opens.
        entry_list: fields the map's popup shows as the 生态环境准入清单 section, in order,
            rather than in the attribute table.
        clauses_path: the API path of a feature's 准入清单 clause by clause (``{code}``
            stands for its code); the map's popup shows those clauses by level and
            dimension when the lists are loaded, and the ``entry_list`` fields otherwise.
        search_rank: position of its hits in the map's place search (lower first);
            ``None``: not searched.
        code_field: the field holding a feature's official code (place search by prefix).
        report_context: when set, the screening report's map draws this collection under
            the evidence, as context (in catalogue order).
        description: what it holds, in Chinese.
        description_en: the same in English.
        lifecycle: the path under which a feature's status history
            (``{lifecycle}/{code}/history``) and the deadline view (``{lifecycle}/deadlines``)
            are served; the map's popup shows the history and offers the progress view.
        stored_in: set on a read view (:data:`VIEWS`): the storage collection whose
            features of this collection's geometry type it publishes. A view has no table
            and no releases of its own; it is read-only.
        parent: set when features name a parent feature they must lie inside (zones).
        unit_codes: its codes are 环境管控单元编码 (ZH + county adcode + class digit +
            serial): an import fills ``unit_class`` and ``admin_code`` from them where the
            file has none, and notes the codes of another shape (kept as given).
        dimensions: for a ``GEOMETRY`` collection, the topological dimensions it holds
            (0 points, 1 lines, 2 polygons); features of another are rejected. None: any.
        readings_path: the API path of a feature's readings (``{code}`` stands for its
            code); the map's popup draws them as a time-series chart.
        indicators_path: the API path of the plans' indicators of a feature (a division,
            by its ``code_field``); the map's 指标 tab offers the features at its centre.
    """

    id: str
    title: str
    title_en: str
    group: str
    geometry: GeometryKind
    fields: tuple[Field, ...]
    style: MapStyle
    has_area: bool = True
    description: str = ""
    description_en: str = ""
    min_zoom: int = 0
    default_visible: bool = False
    entry_list: tuple[str, ...] = ()
    clauses_path: str | None = None
    search_rank: int | None = None
    code_field: str = "code"
    report_context: ReportContext | None = None
    stored_in: str | None = None
    parent: Parent | None = None
    unit_codes: bool = False
    lifecycle: str | None = None
    dimensions: tuple[int, ...] | None = None
    readings_path: str | None = None
    indicators_path: str | None = None

    @property
    def dimension(self) -> int | None:
        """The topological dimension of its geometries (``ST_Dimension``); None when mixed."""
        return _DIMENSIONS.get(self.geometry)

    @property
    def multi_view(self) -> bool:
        """A read view of a multi-part type: its single parts are read as multi-parts."""
        return self.stored_in is not None and self.geometry.startswith("MULTI")

    @property
    def storage(self) -> str:
        """The id of the collection that stores the features (its own, unless a view)."""
        return self.stored_in or self.id

    def field(self, name: str) -> Field:
        """Return the field called ``name``.

        Raises:
            KeyError: the collection has no such field.
        """
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the typed fields, in declaration order."""
        return tuple(f.name for f in self.fields)


def _code(*aliases: str) -> Field:
    return Field("code", "text", "编码", aliases=("编码", "代码", "BM", "BSM", *aliases))


def _name(*aliases: str) -> Field:
    return Field("name", "text", "名称", aliases=("名称", "NAME", "MC", *aliases))


_ADMIN_CODE = Field(
    "admin_code",
    "text",
    "行政区代码",
    aliases=("行政区代码", "行政区划代码", "XZQDM", "SZXJXZQDM", "adcode", "county_code"),
)

_INDUSTRY = (
    Field(
        "industry_category",
        "text",
        "行业类别",
        aliases=("行业类别", "行业", "industry", "HYLB"),
    ),
    Field(
        "industry_code",
        "text",
        "国民经济行业代码(GB/T 4754)",
        aliases=("行业代码", "industry_code", "HYDM"),
    ),
    Field(
        "risk_grade",
        "text",
        "环境风险等级",
        choices=("一般", "较大", "重大"),
        aliases=("风险等级", "环境风险等级", "FXDJ"),
        synonyms={"一般环境风险": "一般", "较大环境风险": "较大", "重大环境风险": "重大"},
    ),
)

#: The water layers' colours (the map's, the tiles' styles).
_WATER_STYLE = MapStyle(color="#5b9bd5", fill="#a9cfee", fill_opacity=0.9, weight=1, base=True)

_WATER_FIELDS = (
    _code("水体编码"),
    _name("河流名称", "湖泊名称", "水体名称"),
    Field(
        "kind",
        "text",
        "水体类型",
        choices=("river", "lake", "canal", "reservoir", "coast"),
        aliases=("水体类型",),
        synonyms={
            "河流": "river",
            "湖泊": "lake",
            "运河": "canal",
            "水库": "reservoir",
            "海岸线": "coast",
            "coastline": "coast",
        },
    ),
    Field(
        "yangtze_class",
        "text",
        "长江保护法分类",
        choices=("mainstem", "important_tributary", "tributary", "none"),
        aliases=("长江分类",),
        synonyms={
            "干流": "mainstem",
            "重要支流": "important_tributary",
            "支流": "tributary",
        },
    ),
    Field("rank", "int", "等级", aliases=("等级", "level_river")),
)

UNIT_CLASSES = ("优先保护单元", "重点管控单元", "一般管控单元")

#: The group of the element control zones (the element layers behind the composite units).
ELEMENT_GROUP = "要素管控分区"


def _element_zone(
    id: str,
    title: str,
    title_en: str,
    code_aliases: tuple[str, ...],
    name_aliases: tuple[str, ...],
    subtypes: dict[str, str],
    description: str,
    description_en: str,
) -> Collection:
    """An element control zone layer (要素管控分区): its 要素细类 coloured on the map.

    Its 准入 clauses are entry-list clauses of level ``element`` scoped to the zone's code
    (:mod:`layers.store.entry_lists`).
    """
    return Collection(
        id=id,
        title=title,
        title_en=title_en,
        group=ELEMENT_GROUP,
        geometry="MULTIPOLYGON",
        style=MapStyle(
            color="#8d6e63",
            fill_opacity=0.25,
            weight=1,
            dash_array="4 2",
            class_field="element_subtype",
            classes=subtypes,
        ),
        min_zoom=8,
        search_rank=None,
        fields=(
            _code(*code_aliases, "管控分区编码", "要素管控分区编码"),
            _name(*name_aliases, "管控分区名称", "要素管控分区名称"),
            Field(
                "element_subtype",
                "text",
                "要素细类",
                choices=tuple(subtypes),
                aliases=("YSXL", "要素细类", "细类"),
                # 水环境/大气环境 subtypes are often written without the element's prefix
                synonyms={
                    v.removeprefix(p): v
                    for v in subtypes
                    for p in ("水环境", "大气环境")
                    if v.startswith(p)
                },
            ),
            Field(
                "unit_class",
                "text",
                "管控分类",
                aliases=("ZHGKDYFL", "管控分类", "管控单元分类", "管控类别"),
            ),
            _ADMIN_CODE,
        ),
        description=description,
        description_en=description_en,
    )


#: The element control zone collections, in the order EIA reports list the elements.
#: Official field codes are known for the 生态/水/大气 layers only
#: (``../shared/domain/data-standards.md`` §1.3 b); the others map by Chinese names.
ELEMENT_ZONES: tuple[Collection, ...] = (
    _element_zone(
        "ecological_control_zones",
        "生态环境管控分区",
        "Ecological control zones (element layer)",
        ("STHJYSGKFQBM", "生态环境管控单元编码"),
        ("STHJZHGKFQMC", "生态环境管控单元名称"),
        {"生态保护红线": "#c62828", "一般生态空间": "#7cb342"},
        "“三线一单”生态要素管控分区（生态保护红线、一般生态空间）。",
        "Ecological element zones of the 三线一单 (red lines, general ecological space).",
    ),
    _element_zone(
        "water_control_zones",
        "水环境管控分区",
        "Water environment control zones (element layer)",
        ("SHJGKFQBM", "水环境管控分区编码"),
        ("SHJGKFQMC", "水环境管控分区名称"),
        {
            "水环境优先保护区": "#1565c0",
            "水环境工业污染重点管控区": "#e65100",
            "水环境城镇生活污染重点管控区": "#f9a825",
            "水环境农业污染重点管控区": "#9e9d24",
            "水环境一般管控区": "#90caf9",
        },
        "“三线一单”水环境管控分区（优先保护区，工业污染、城镇生活污染、农业污染重点管控区，一般管控区）。",
        "Water element zones of the 三线一单 (priority, industrial / urban / agricultural key control, general).",
    ),
    _element_zone(
        "air_control_zones",
        "大气环境管控分区",
        "Air environment control zones (element layer)",
        ("DQHJGKFQBM", "大气环境管控分区编码"),
        ("DQHJGKFQMC", "大气环境管控分区名称"),
        {
            "大气环境优先保护区": "#2e7d32",
            "大气环境受体敏感区": "#ad1457",
            "大气环境高排放重点管控区": "#d84315",
            "大气环境布局敏感区": "#6a1b9a",
            "大气环境弱扩散区": "#546e7a",
            "大气环境一般管控区": "#b0bec5",
        },
        "“三线一单”大气环境管控分区（优先保护区，受体敏感区、高排放、布局敏感、弱扩散重点管控区，一般管控区）。",
        "Air element zones of the 三线一单 (priority; receptor-sensitive, high-emission, layout-sensitive, weak-dispersion key control; general).",
    ),
    _element_zone(
        "soil_risk_zones",
        "土壤污染风险重点管控区",
        "Soil pollution risk key control zones",
        ("土壤污染风险重点管控区编码",),
        ("土壤污染风险重点管控区名称",),
        {"农用地污染风险重点管控区": "#8d6e63", "建设用地污染风险重点管控区": "#5d4037"},
        "土壤污染风险重点管控区（农用地、建设用地）。",
        "Key control zones of soil pollution risk (farmland, construction land).",
    ),
    _element_zone(
        "fuel_ban_zones",
        "高污染燃料禁燃区",
        "High-pollution fuel ban zones",
        ("禁燃区编码",),
        ("禁燃区名称",),
        {"Ⅰ类（一般）": "#ffb74d", "Ⅱ类（较严）": "#fb8c00", "Ⅲ类（严格）": "#e65100"},
        "高污染燃料禁燃区，按《高污染燃料目录》管控类别（资源利用上线）。",
        "High-pollution fuel ban zones by the control class of the High-Pollution Fuel Catalogue (resource ceiling).",
    ),
    _element_zone(
        "groundwater_zones",
        "地下水开采管控区",
        "Groundwater extraction zones",
        ("地下水分区编码", "禁采区编码"),
        ("地下水分区名称", "禁采区名称"),
        {"地下水禁采区": "#0d47a1", "地下水限采区": "#42a5f5"},
        "地下水禁采区、限采区（资源利用上线）。",
        "Groundwater no-extraction and restricted-extraction zones (resource ceiling).",
    ),
)

#: 自然保护地 types (data-standards.md §2.3; 自然公园 other than the named ones: 其他自然公园).
PROTECTED_AREA_TYPES = (
    "国家公园",
    "自然保护区",
    "风景名胜区",
    "森林公园",
    "地质公园",
    "湿地公园",
    "海洋公园",
    "水产种质资源保护区",
    "其他自然公园",
)

#: The zones each zoning regime knows: 三区 (自然保护区条例 1994/2017 Art. 18), 两区 (the
#: 2026 regulation and national parks), and 风景名胜区's 核心景区 (风景名胜区条例), which
#: fits any regime. A zone outside its area's regime is refused at import.
ZONES_BY_REGIME: dict[str, tuple[str, ...]] = {
    "三区": ("核心区", "缓冲区", "实验区", "外围保护地带", "核心景区"),
    "两区": ("核心保护区", "一般控制区", "核心景区"),
}
PROTECTED_AREA_ZONES = (
    "核心区",
    "缓冲区",
    "实验区",
    "外围保护地带",
    "核心保护区",
    "一般控制区",
    "核心景区",
)

SHORELINE_FUNCTION_ZONES = ("岸线保护区", "岸线保留区", "岸线控制利用区", "岸线开发利用区")

#: Which legal line a shoreline segment was digitised on (rules.md U-2): the distance rules
#: measure from the segment as stored, and report this.
SHORELINE_REFERENCE_LINES = (
    "临水线",
    "外缘边界线",
    "河道管理范围线",
    "堤防线",
    "大潮平均高潮线",
)

MARINE_RED_LINE_TYPES = (
    "重要河口",
    "重要滨海湿地",
    "特别保护海岛",
    "海洋保护区",
    "自然景观",
    "重要渔业水域",
    "砂质岸线",
    "滨海旅游区",
    "海水浴场",
)
#: Kinds of 禁养区 (``farming_type`` of ``farming_ban_zones``) with their map colours: the
#: 畜禽养殖禁养区 of 畜禽规模养殖污染防治条例 Art. 11 and the 禁止养殖区 of the 养殖水域滩涂规划,
#: inland (水产) or at sea (海水). The rules pick a kind by this field.
FARMING_BAN_TYPES = {
    "畜禽养殖禁养区": "#bf360c",
    "水产养殖禁养区": "#1e88e5",
    "海水养殖禁养区": "#283593",
}

#: Kinds of sensitive receptor (环境敏感目标), the ``type`` of ``sensitive_receptors``.
RECEPTOR_TYPES = (
    "居民区",
    "村庄",
    "学校",
    "医院",
    "疗养院",
    "养老院",
    "饮用水取水口",
    "饮用水水源井",
    "文物保护单位",
)
#: Their map colours, in legend order.
RECEPTOR_COLOURS = {
    "居民区": "#ad1457",
    "村庄": "#d81b60",
    "学校": "#f9a825",
    "医院": "#c62828",
    "疗养院": "#8e24aa",
    "养老院": "#6a1b9a",
    "饮用水取水口": "#0277bd",
    "饮用水水源井": "#00838f",
    "文物保护单位": "#5d4037",
}

#: The fields of 环境敏感目标 (the collection and its point and area views).
_RECEPTOR_FIELDS: tuple[Field, ...] = (
    _code("敏感目标编码", "保护目标编码"),
    _name("敏感目标名称", "保护目标名称", "村庄名称", "学校名称", "医院名称"),
    Field(
        "type",
        "text",
        "敏感目标类型",
        choices=RECEPTOR_TYPES,
        aliases=("类型", "敏感目标类型", "保护目标类型", "保护对象", "MGMBLX"),
        synonyms={
            "居住区": "居民区",
            "居民点": "居民区",
            "小区": "居民区",
            "住宅区": "居民区",
            "自然村": "村庄",
            "行政村": "村庄",
            "村": "村庄",
            "中学": "学校",
            "小学": "学校",
            "幼儿园": "学校",
            "大学": "学校",
            "卫生院": "医院",
            "社区卫生服务中心": "医院",
            "敬老院": "养老院",
            "养老机构": "养老院",
            "福利院": "养老院",
            "取水口": "饮用水取水口",
            "水源井": "饮用水水源井",
            "取水井": "饮用水水源井",
            "集中式供水井": "饮用水水源井",
            "饮用水源取水口": "饮用水取水口",
            "文物": "文物保护单位",
            "文物古迹": "文物保护单位",
            "residential": "居民区",
            "village": "村庄",
            "school": "学校",
            "hospital": "医院",
            "sanatorium": "疗养院",
            "elderly_care": "养老院",
            "water_intake": "饮用水取水口",
            "cultural_relic": "文物保护单位",
        },
    ),
    Field(
        "population",
        "int",
        "人口(人)",
        aliases=("人口", "人口数", "常住人口", "户籍人口", "规模人口", "RK", "population"),
        minimum=0,
    ),
    Field(
        "grade",
        "text",
        "级别",
        aliases=("级别", "等级", "文物级别", "医院等级", "学校类别", "JB"),
    ),
    _ADMIN_CODE,
)
_RECEPTOR_STYLE = MapStyle(
    color="#ad1457",
    fill="#f48fb1",
    fill_opacity=0.35,
    class_field="type",
    classes=RECEPTOR_COLOURS,
)

COLLECTIONS: tuple[Collection, ...] = (
    Collection(
        id="red_lines",
        title="生态保护红线",
        title_en="Ecological protection red lines",
        group="生态保护红线",
        geometry="MULTIPOLYGON",
        style=MapStyle(color="#b71c1c", fill="#e53935", fill_opacity=0.35),
        default_visible=True,
        search_rank=3,
        fields=(
            _code("HXBM", "红线编码"),
            _name("HXMC", "红线名称"),
            Field(
                "type",
                "text",
                "红线类型",
                aliases=("HXLX", "红线类型", "类型"),
            ),
            Field("level", "text", "级别", aliases=("级别", "JB")),
            _ADMIN_CODE,
        ),
        description="三区三线划定成果中的生态保护红线（水源涵养、生物多样性维护、水土保持等）。",
        description_en="Ecological protection red lines of the 三区三线 delimitation (water conservation, biodiversity, soil and water conservation …).",
    ),
    Collection(
        id="ecological_spaces",
        title="生态空间管控区域",
        title_en="Ecological space control areas (Jiangsu provincial tier)",
        group="生态空间",
        geometry="MULTIPOLYGON",
        style=MapStyle(
            color="#7cb342",
            class_field="control_level",
            classes={"国家级生态保护红线": "#c2185b", "生态空间管控区域": "#7cb342"},
        ),
        min_zoom=7,
        default_visible=True,
        search_rank=4,
        fields=(
            _code(),
            _name(),
            Field("type", "text", "类型", aliases=("类型", "zone_type", "主导生态功能")),
            Field(
                "control_level",
                "text",
                "管控级别",
                choices=("国家级生态保护红线", "生态空间管控区域"),
                aliases=("管控级别", "zone_level", "级别"),
            ),
            _ADMIN_CODE,
        ),
        description="《江苏省生态空间管控区域规划》划定的省级生态空间管控区域。",
        description_en="Provincial ecological space control areas of the Jiangsu Ecological Space Control Area Plan.",
    ),
    Collection(
        id="control_units",
        title="环境管控单元",
        title_en="Environmental control units (三线一单)",
        group="管控单元",
        geometry="MULTIPOLYGON",
        style=MapStyle(
            color="#999",
            fill_opacity=0.35,
            weight=1,
            class_field="unit_class",
            classes={
                "优先保护单元": "#2e7d32",
                "重点管控单元": "#ef6c00",
                "一般管控单元": "#5c9bd6",
            },
        ),
        min_zoom=9,
        default_visible=True,
        entry_list=(
            "spatial_constraints",
            "emission_controls",
            "risk_controls",
            "resource_efficiency",
            "banned_industries",
            "restricted_industries",
        ),
        clauses_path="/control-units/{code}/entry-list",
        search_rank=2,
        unit_codes=True,
        fields=(
            _code(
                "HJZHGKDYBM", "环境综合管控单元编码", "单元编码", "环境管控单元编码", "unit_code"
            ),
            _name(
                "HJZHGKDYMC", "环境综合管控单元名称", "单元名称", "环境管控单元名称", "unit_name"
            ),
            Field(
                "unit_class",
                "text",
                "管控单元分类",
                choices=UNIT_CLASSES,
                aliases=("ZHGKDYFL", "管控单元分类", "综合管控单元分类", "管控类别", "单元类别"),
                synonyms={
                    "1": "优先保护单元",
                    "2": "重点管控单元",
                    "3": "一般管控单元",
                    "优先": "优先保护单元",
                    "重点": "重点管控单元",
                    "一般": "一般管控单元",
                    "优先保护": "优先保护单元",
                    "重点管控": "重点管控单元",
                    "一般管控": "一般管控单元",
                    "priority": "优先保护单元",
                    "key": "重点管控单元",
                    "general": "一般管控单元",
                },
            ),
            _ADMIN_CODE,
            Field(
                "spatial_constraints", "text", "空间布局约束", aliases=("KJBJYS", "空间布局约束")
            ),
            Field(
                "emission_controls", "text", "污染物排放管控", aliases=("PWWPFGK", "污染物排放管控")
            ),
            Field("risk_controls", "text", "环境风险防控", aliases=("HJFXFK", "环境风险防控")),
            Field(
                "resource_efficiency",
                "text",
                "资源开发效率要求",
                aliases=("ZYKFXLYQ", "资源开发效率要求", "资源利用效率", "资源利用效率要求"),
            ),
            Field("banned_industries", "text[]", "禁止类行业", aliases=("禁止类行业", "禁止行业")),
            Field(
                "restricted_industries", "text[]", "限制类行业", aliases=("限制类行业", "限制行业")
            ),
        ),
        description="“三线一单”生态环境分区管控的环境管控单元及其生态环境准入清单。",
        description_en="Environmental control units of the 三线一单 zoning, with their environmental access lists.",
    ),
    *ELEMENT_ZONES,
    Collection(
        id="monitoring_stations",
        title="监测站点",
        title_en="Monitoring stations",
        group="监测站点",
        description="生态环境监测站点与断面（环境空气、地表水、地下水、土壤、噪声、海洋）。",
        description_en="Environmental monitoring stations and sections (air, surface water, groundwater, soil, noise, marine).",
        geometry="POINT",
        style=MapStyle(
            color="#8e24aa",
            class_field="medium",
            classes={
                "air": "#8e24aa",
                "surface_water": "#0288d1",
                "groundwater": "#5d4037",
                "soil": "#795548",
                "noise": "#fbc02d",
                "marine": "#006064",
            },
        ),
        min_zoom=6,
        search_rank=9,
        has_area=False,
        readings_path="/stations/{code}/readings",
        fields=(
            _code("监测点编码", "站点编码", "断面编码"),
            _name("监测点名称", "站点名称", "断面名称"),
            Field(
                "medium",
                "text",
                "监测要素",
                choices=("air", "surface_water", "groundwater", "soil", "noise", "marine"),
                aliases=("要素", "监测要素", "介质"),
                synonyms={
                    "大气": "air",
                    "空气": "air",
                    "环境空气": "air",
                    "地表水": "surface_water",
                    "地下水": "groundwater",
                    "土壤": "soil",
                    "噪声": "noise",
                    "海洋": "marine",
                    "近岸海域": "marine",
                    "aqi_station": "air",
                },
                value_labels={
                    "air": "环境空气",
                    "surface_water": "地表水",
                    "groundwater": "地下水",
                    "soil": "土壤",
                    "noise": "噪声",
                    "marine": "海洋",
                },
            ),
            Field(
                "level",
                "text",
                "级别",
                choices=("国控", "省控", "市控", "其他"),
                aliases=("级别", "站点级别"),
            ),
            Field("operator", "text", "运维单位", aliases=("运维单位", "管理单位")),
            Field(
                "status",
                "text",
                "状态",
                choices=("active", "retired"),
                aliases=("状态", "运行状态"),
                synonyms={"运行": "active", "在用": "active", "停运": "retired", "撤销": "retired"},
            ),
            _ADMIN_CODE,
            Field(
                "target_class",
                "text",
                "水质目标",
                choices=("I", "II", "III", "IV", "V"),
                aliases=("水质目标", "目标水质", "考核目标", "target_class"),
                synonyms={
                    "Ⅰ": "I",
                    "Ⅱ": "II",
                    "Ⅲ": "III",
                    "Ⅳ": "IV",
                    "Ⅴ": "V",
                    "Ⅰ类": "I",
                    "Ⅱ类": "II",
                    "Ⅲ类": "III",
                    "Ⅳ类": "IV",
                    "Ⅴ类": "V",
                },
            ),
            Field(
                "water_type",
                "text",
                "水体类型",
                choices=("river", "lake"),
                aliases=("水体类型", "断面类型", "water_type"),
                synonyms={"河流": "river", "湖库": "lake", "湖泊": "lake", "水库": "lake"},
                value_labels={"river": "河流", "lake": "湖库"},
            ),
        ),
    ),
    Collection(
        id="outfalls",
        title="入河入海排污口",
        title_en="Sewage outfalls",
        group="排污口",
        description="入河、入湖、入江、入海排污口及其排查、监测、溯源、整治进展。",
        description_en="Sewage outfalls into rivers, lakes and the sea, with their survey/monitor/trace/remediate stage.",
        geometry="POINT",
        style=MapStyle(color="#6d4c41"),
        min_zoom=9,
        search_rank=10,
        has_area=False,
        lifecycle="/outfalls",
        fields=(
            _code("排污口编码", "outfall_code"),
            _name("排污口名称", "outfall_name"),
            Field(
                "type",
                "text",
                "排污口类型",
                choices=("入河", "入湖", "入江", "入海"),
                aliases=("排污口类型", "入河方式", "类型"),
                synonyms={
                    "入河排污口": "入河",
                    "入湖排污口": "入湖",
                    "入江排污口": "入江",
                    "入海排污口": "入海",
                },
            ),
            Field("receiving_water", "text", "受纳水体", aliases=("受纳水体", "受纳水体名称")),
            Field(
                "discharger",
                "text",
                "责任主体",
                aliases=("责任主体", "排污单位", "responsible_unit"),
            ),
            Field(
                "permitted_flow_m3d",
                "float",
                "许可排放量(m³/d)",
                aliases=("许可排放量", "设计排放量", "permitted_flow"),
            ),
            Field(
                "status",
                "text",
                "查测溯治阶段",
                choices=("排查", "监测", "溯源", "整治", "销号"),
                aliases=("整治状态", "阶段", "survey_stage"),
            ),
            Field("deadline", "date", "整治时限", aliases=("整治时限", "完成时限")),
            Field(
                "hj1312_class",
                "text",
                "排污口分类(HJ 1312)",
                choices=HJ1312_CLASSES,
                aliases=("排污口分类", "一级分类", "HJ1312分类", "class_l1"),
                synonyms={
                    "工业": "工业排污口",
                    "城镇污水处理厂": "城镇污水处理厂排污口",
                    "农业": "农业排口",
                    "农业排污口": "农业排口",
                    "其他": "其他排口",
                    "其他排污口": "其他排口",
                },
            ),
            Field("hj1312_subclass", "text", "二级分类", aliases=("二级分类", "class_l2")),
            Field(
                "plan_note",
                "text",
                "一口一策",
                aliases=("一口一策", "整治方案", "一口一策整治方案", "plan"),
            ),
            _ADMIN_CODE,
        ),
    ),
    Collection(
        id="wetlands",
        title="湿地",
        title_en="Wetlands",
        group="湿地",
        description="湿地及其类别与保护级别。",
        description_en="Wetlands with their category and protection status.",
        geometry="MULTIPOLYGON",
        style=MapStyle(color="#00897b", fill="#4db6ac", fill_opacity=0.35),
        min_zoom=7,
        search_rank=6,
        fields=(
            _code(),
            _name("湿地名称"),
            Field(
                "category",
                "text",
                "湿地类别",
                choices=("湖泊", "河流", "沼泽", "近海与海岸", "人工"),
                aliases=("湿地类", "湿地类别", "wetland_l2"),
                synonyms={
                    "湖泊湿地": "湖泊",
                    "河流湿地": "河流",
                    "沼泽湿地": "沼泽",
                    "近海与海岸湿地": "近海与海岸",
                    "人工湿地": "人工",
                    "库塘湿地": "人工",
                },
            ),
            Field(
                "protection_status",
                "text",
                "保护级别",
                choices=("国际重要", "国家重要", "省级重要", "湿地公园", "一般"),
                aliases=("保护级别", "重要性", "wetland_grade"),
                synonyms={
                    "国际重要湿地": "国际重要",
                    "国家重要湿地": "国家重要",
                    "省级重要湿地": "省级重要",
                    "一般湿地": "一般",
                },
            ),
            _ADMIN_CODE,
        ),
    ),
    Collection(
        id="water_bodies",
        title="水体与岸线",
        title_en="Water bodies and shorelines (polygons and lines)",
        group="水体",
        geometry="GEOMETRY",
        style=_WATER_STYLE,
        default_visible=True,
        search_rank=1,
        has_area=False,
        report_context=ReportContext(
            "水体", stroke="#6fa8dc", fill="#cfe2f3", fill_opacity=1, width=0.8
        ),
        fields=_WATER_FIELDS,
        description="河流、湖泊、运河、水库与海岸线（面与线混合）；yangtze_class 为《长江保护法》意义上的干流/支流属性。",
        description_en="Rivers, lakes, canals, reservoirs and coastlines (polygons and lines mixed); yangtze_class is the main stem/tributary class of the Yangtze River Protection Law.",
    ),
    Collection(
        id="drinking_water_zones",
        title="饮用水水源保护区",
        title_en="Drinking-water source protection zones",
        group="水源保护区",
        description="饮用水水源一级、二级保护区与准保护区。",
        description_en="Drinking-water source protection zones (grade 1, grade 2, quasi-protection).",
        geometry="MULTIPOLYGON",
        style=MapStyle(
            color="#1e88e5",
            fill_opacity=0.4,
            class_field="grade",
            classes={"一级": "#0d47a1", "二级": "#1e88e5", "准保护区": "#90caf9"},
        ),
        default_visible=True,
        search_rank=5,
        fields=(
            _code("水源地编码"),
            _name("保护区名称"),
            Field(
                "grade",
                "text",
                "保护区级别",
                choices=("一级", "二级", "准保护区"),
                aliases=("级别", "保护区级别"),
                synonyms={"一级保护区": "一级", "二级保护区": "二级"},
            ),
            Field("water_source", "text", "水源地", aliases=("水源地", "水源地名称")),
            _ADMIN_CODE,
        ),
    ),
    Collection(
        id="industrial_parks",
        title="工业园区",
        title_en="Industrial parks",
        group="园区与企业",
        description="工业园区及其级别、主导行业与环境风险等级。",
        description_en="Industrial parks with their level, industries and environmental risk grade.",
        geometry="MULTIPOLYGON",
        style=MapStyle(color="#6a1b9a", fill="#ba68c8", fill_opacity=0.25, dash_array="5 3"),
        min_zoom=8,
        search_rank=7,
        fields=(
            _code("园区编码"),
            _name("园区名称"),
            Field("level", "text", "园区级别", aliases=("级别", "园区级别")),
            *_INDUSTRY,
            _ADMIN_CODE,
        ),
    ),
    Collection(
        id="enterprises",
        title="重点排污企业",
        title_en="Enterprises (pollution sources)",
        group="园区与企业",
        description="重点排污单位及其行业、环境风险等级与所在园区。",
        description_en="Key pollutant-discharging enterprises with industry, risk grade and park.",
        geometry="POINT",
        style=MapStyle(
            color="#616161",
            class_field="risk_grade",
            classes={"一般": "#9e9d24", "较大": "#f57f17", "重大": "#b71c1c"},
        ),
        min_zoom=10,
        search_rank=8,
        has_area=False,
        fields=(
            _code("统一社会信用代码", "uscc"),
            _name("企业名称", "单位名称"),
            *_INDUSTRY,
            Field("park_code", "text", "所在园区编码", aliases=("园区编码",)),
            _ADMIN_CODE,
        ),
    ),
    Collection(
        id="sensitive_receptors",
        title="环境敏感目标",
        title_en="Sensitive receptors",
        group="环境敏感目标",
        description="居民区、村庄、学校、医院、疗养院、养老院、饮用水取水口、文物保护单位等环境敏感目标（点或面）；人口、级别为环评“环境保护目标”表的规模。",
        description_en="Sensitive receptors (residential areas, villages, schools, hospitals, sanatoria, elderly-care homes, drinking-water intakes, cultural relics) as points or polygons; population and grade give the scale in an EIA's protection-target table.",
        geometry="GEOMETRY",
        dimensions=(0, 2),  # points or polygons: a receptor is never a line
        style=_RECEPTOR_STYLE,
        min_zoom=10,
        search_rank=17,
        fields=_RECEPTOR_FIELDS,
    ),
    Collection(
        id="farmland_zones",
        title="优先保护类耕地集中区",
        title_en="Priority-protection farmland concentrations",
        group="生态空间",
        geometry="MULTIPOLYGON",
        style=MapStyle(color="#9e7c0c", fill="#e6c84f", fill_opacity=0.3),
        min_zoom=9,
        fields=(_code(), _name(), _ADMIN_CODE),
        description="土壤环境优先保护类耕地集中区域。",
        description_en="Concentrations of farmland in the soil-environment priority-protection class.",
    ),
    Collection(
        # Not a 要素管控分区 (ELEMENT_ZONES): counties delineate 禁养区 under the livestock
        # regulation and the aquaculture water-area plans, outside the 三线一单 and its codes.
        id="farming_ban_zones",
        title="养殖禁养区",
        title_en="Livestock and aquaculture no-farming zones",
        group="农业农村",
        geometry="MULTIPOLYGON",
        style=MapStyle(
            color="#6d4c41",
            fill_opacity=0.25,
            weight=1.5,
            dash_array="6 3",
            class_field="farming_type",
            classes=FARMING_BAN_TYPES,
        ),
        min_zoom=7,
        search_rank=18,
        fields=(
            _code("禁养区编码", "禁养区代码"),
            _name("禁养区名称"),
            Field(
                "farming_type",
                "text",
                "禁养类型",
                choices=tuple(FARMING_BAN_TYPES),
                aliases=("禁养类型", "禁养区类型", "禁养类别", "养殖类型", "养殖类别", "类型"),
                synonyms={
                    "畜禽": "畜禽养殖禁养区",
                    "畜禽养殖": "畜禽养殖禁养区",
                    "畜禽禁养区": "畜禽养殖禁养区",
                    "水产": "水产养殖禁养区",
                    "水产养殖": "水产养殖禁养区",
                    "水产禁养区": "水产养殖禁养区",
                    "淡水养殖": "水产养殖禁养区",
                    "淡水养殖禁养区": "水产养殖禁养区",
                    "海水": "海水养殖禁养区",
                    "海水养殖": "海水养殖禁养区",
                    "海水禁养区": "海水养殖禁养区",
                },
            ),
            Field(
                "basis", "text", "划定依据", aliases=("划定依据", "依据", "划定文件", "划定方案")
            ),
            _ADMIN_CODE,
        ),
        description="县级人民政府依法划定的畜禽养殖禁养区与水产、海水养殖禁养区（禁止养殖区），"
        "禁养区内不得新建养殖场，已有养殖依法清理退出。",
        description_en="Zones where counties ban livestock farming or (inland or marine) aquaculture; "
        "farms inside are not approved and existing ones are cleared out.",
    ),
    Collection(
        id="protected_areas",
        title="自然保护地",
        title_en="Protected areas (nature reserves, national parks, natural parks)",
        group="自然保护地",
        geometry="MULTIPOLYGON",
        style=MapStyle(
            color="#33691e",
            fill="#9ccc65",
            fill_opacity=0.3,
            class_field="zone",
            classes={
                "核心区": "#1b5e20",
                "核心保护区": "#1b5e20",
                "缓冲区": "#558b2f",
                "实验区": "#9ccc65",
                "一般控制区": "#9ccc65",
                "核心景区": "#827717",
            },
        ),
        min_zoom=6,
        default_visible=True,
        search_rank=16,
        parent=Parent(
            field="reserve_code",
            parent_field="code",
            regime_field="zoning_regime",
            zone_field="zone",
            outside_zones=("外围保护地带",),
            inherit=("type", "level", "zoning_regime", "admin_code"),
        ),
        fields=(
            _code("ZRBHDBM", "自然保护地编码", "保护地编码", "pa_code"),
            _name("ZRBHDMC", "自然保护地名称", "保护地名称", "pa_name"),
            Field(
                "type",
                "text",
                "保护地类型",
                choices=PROTECTED_AREA_TYPES,
                aliases=("ZRBHDLX", "自然保护地类型", "保护地类型", "类型", "pa_type"),
                synonyms={
                    "自然保护区（国家级）": "自然保护区",
                    "风景名胜区（国家级）": "风景名胜区",
                    "海洋特别保护区": "海洋公园",
                    "国家海洋公园": "海洋公园",
                    "自然公园": "其他自然公园",
                    "沙漠公园": "其他自然公园",
                    "草原公园": "其他自然公园",
                },
            ),
            Field(
                "level",
                "text",
                "级别",
                choices=("国家级", "省级", "市县级"),
                aliases=("ZRBHDJB", "自然保护地级别", "保护地级别", "级别", "pa_level"),
                synonyms={
                    "国家": "国家级",
                    "省": "省级",
                    "市级": "市县级",
                    "县级": "市县级",
                    "市": "市县级",
                    "县": "市县级",
                    "地方级": "市县级",
                },
            ),
            Field(
                "zoning_regime",
                "text",
                "分区制度",
                choices=tuple(ZONES_BY_REGIME),
                aliases=("分区制度", "分区方案", "zoning_regime"),
                synonyms={
                    "三区制": "三区",
                    "两区制": "两区",
                    "二区": "两区",
                    "二区制": "两区",
                },
            ),
            Field(
                "zone",
                "text",
                "功能分区",
                choices=PROTECTED_AREA_ZONES,
                aliases=("ZRBHDFQ", "自然保护地分区", "功能分区", "分区", "pa_zone"),
                synonyms={"试验区": "实验区", "核心景区（特级保护区）": "核心景区"},
            ),
            Field(
                "reserve_code",
                "text",
                "所属保护地编码",
                aliases=("所属保护地编码", "所属保护地", "SSBHDBM", "reserve_code"),
            ),
            Field("established", "date", "设立时间", aliases=("设立时间", "批建时间", "建立时间")),
            _ADMIN_CODE,
        ),
        description="自然保护地（国家公园、自然保护区、风景名胜区与各类自然公园）及其功能分区："
        "分区要素以 reserve_code 指向所属保护地，须位于其范围内；zone 为空者为保护地整体边界。",
        description_en="Protected areas (national parks, nature reserves, scenic areas, natural parks) "
        "and their zones: a zone feature names its area (reserve_code) and must lie inside it; "
        "a feature without zone is the area's outline.",
    ),
    Collection(
        id="shoreline_segments",
        title="岸线",
        title_en="Shoreline segments (rivers, lakes, sea coast)",
        group="岸线与河湖管理",
        geometry="MULTILINESTRING",
        style=MapStyle(
            color="#5d4037",
            weight=3,
            line=True,
            class_field="function_zone",
            classes={
                "岸线保护区": "#2e7d32",
                "岸线保留区": "#9e9d24",
                "岸线控制利用区": "#ef6c00",
                "岸线开发利用区": "#c62828",
            },
            weights={"岸线保护区": 4, "岸线保留区": 3.5},
        ),
        min_zoom=8,
        default_visible=True,
        search_rank=11,
        has_area=False,
        fields=(
            _code("岸线编码", "岸段编码", "AXBM"),
            _name("岸线名称", "岸段名称", "AXMC"),
            Field("water_name", "text", "所在河湖", aliases=("所在河湖", "河湖名称", "水体名称")),
            Field(
                "water_kind",
                "text",
                "岸线类别",
                choices=("河流", "湖泊", "海岸"),
                aliases=("岸线类别", "水体类型"),
                synonyms={
                    "河道": "河流",
                    "江": "河流",
                    "湖": "湖泊",
                    "海岸线": "海岸",
                    "海": "海岸",
                },
            ),
            Field(
                "yangtze_class",
                "text",
                "长江保护法分类",
                choices=("mainstem", "important_tributary", "tributary", "none"),
                aliases=("长江分类",),
                synonyms={
                    "干流": "mainstem",
                    "重要支流": "important_tributary",
                    "支流": "tributary",
                },
                value_labels={
                    "mainstem": "干流",
                    "important_tributary": "重要支流",
                    "tributary": "支流",
                    "none": "不适用",
                },
            ),
            Field(
                "bank",
                "text",
                "岸别",
                choices=("左岸", "右岸", "湖岸", "海岸", "岛岸"),
                aliases=("岸别", "左右岸"),
                synonyms={"左": "左岸", "右": "右岸"},
            ),
            Field(
                "function_zone",
                "text",
                "岸线功能区",
                choices=SHORELINE_FUNCTION_ZONES,
                aliases=("岸线功能区", "功能区", "功能区类型", "AXGNQ"),
                synonyms={
                    "保护区": "岸线保护区",
                    "保留区": "岸线保留区",
                    "控制利用区": "岸线控制利用区",
                    "开发利用区": "岸线开发利用区",
                },
            ),
            Field(
                "shore_type",
                "text",
                "岸线性质",
                choices=("自然岸线", "生态岸线", "人工岸线"),
                aliases=("岸线性质", "岸线类型", "shore_type"),
                synonyms={
                    "自然": "自然岸线",
                    "生态": "生态岸线",
                    "生态型": "生态岸线",
                    "人工": "人工岸线",
                },
            ),
            Field(
                "protection",
                "text",
                "海岸线保护级别",
                choices=("严格保护", "限制开发", "优化利用"),
                aliases=("保护级别", "海岸线分类", "管控类别"),
                synonyms={
                    "严格保护岸线": "严格保护",
                    "受保护": "严格保护",
                    "受保护岸线": "严格保护",
                },
            ),
            Field("use", "text", "岸线用途", aliases=("岸线用途", "利用方式", "用途")),
            Field(
                "reference_line",
                "text",
                "岸线参考线",
                choices=SHORELINE_REFERENCE_LINES,
                aliases=("参考线", "基准线", "岸线参考线", "reference_line"),
            ),
            Field("length_m", "float", "长度(m)", aliases=("长度", "岸线长度", "length_m")),
            _ADMIN_CODE,
        ),
        description="长江、主要河流、湖泊与海岸的岸段：岸别、岸线功能区、自然/生态/人工、用途、长度；"
        "reference_line 记录所数字化的法定参考线（一公里等距离规则自该线量算）。",
        description_en="Shoreline segments of the Yangtze, major rivers, lakes and the sea coast: bank side, "
        "function zone, natural/ecological/artificial, use, length; reference_line names the legal line "
        "digitised (the 1 km rules measure from it).",
    ),
    Collection(
        id="river_management_areas",
        title="河湖管理范围",
        title_en="River and lake management areas",
        group="岸线与河湖管理",
        geometry="MULTIPOLYGON",
        style=MapStyle(color="#0277bd", fill="#81d4fa", fill_opacity=0.2, dash_array="6 3"),
        min_zoom=8,
        search_rank=12,
        fields=(
            _code("管理范围编码"),
            _name("管理范围名称"),
            Field("water_name", "text", "所在河湖", aliases=("所在河湖", "河湖名称", "河流名称")),
            Field(
                "kind",
                "text",
                "范围类型",
                choices=("河道管理范围", "湖泊管理范围", "水库管理范围"),
                aliases=("范围类型", "管理范围类型"),
                synonyms={"河道": "河道管理范围", "湖泊": "湖泊管理范围", "水库": "水库管理范围"},
            ),
            Field("basis", "text", "划定依据", aliases=("划定依据", "公告文号", "批复文号")),
            _ADMIN_CODE,
        ),
        description="县级以上人民政府划定并公告的河道、湖泊管理范围（长江保护法第二十五条）。",
        description_en="River and lake management areas delimited and announced by county-level "
        "governments (Yangtze River Protection Law Art. 25).",
    ),
    Collection(
        id="ecological_buffers",
        title="生态缓冲带",
        title_en="Ecological buffer strips and lakeside zones",
        group="岸线与河湖管理",
        geometry="MULTIPOLYGON",
        style=MapStyle(color="#689f38", fill="#c5e1a5", fill_opacity=0.3, dash_array="2 3"),
        min_zoom=8,
        search_rank=13,
        fields=(
            _code(),
            _name("缓冲带名称"),
            Field("water_name", "text", "所在河湖", aliases=("所在河湖", "河湖名称")),
            Field(
                "kind",
                "text",
                "类型",
                choices=("生态缓冲带", "滨湖区"),
                aliases=("类型", "缓冲带类型"),
                synonyms={
                    "河湖生态缓冲带": "生态缓冲带",
                    "缓冲带": "生态缓冲带",
                    "滨湖地区": "滨湖区",
                },
            ),
            Field("width_m", "float", "宽度(m)", aliases=("宽度", "缓冲带宽度", "width_m")),
            Field("basis", "text", "划定依据", aliases=("划定依据", "依据")),
            _ADMIN_CODE,
        ),
        description="规划划定的河湖生态缓冲带与滨湖区（如江西“五河”及鄱阳湖周边）。",
        description_en="Ecological buffer strips along rivers and lakes and lakeside zones named by the plans.",
    ),
    Collection(
        id="marine_red_lines",
        title="海洋生态红线与特别保护海域",
        title_en="Marine ecological red lines, bathing beaches and important fishery waters",
        group="海洋",
        geometry="MULTIPOLYGON",
        style=MapStyle(
            color="#004d40",
            fill="#4db6ac",
            fill_opacity=0.3,
            class_field="designation",
            classes={
                "海洋生态红线区": "#00695c",
                "重要渔业水域": "#0097a7",
                "海水浴场": "#ffb300",
            },
        ),
        min_zoom=6,
        default_visible=True,
        search_rank=14,
        fields=(
            _code("红线区编码", "HYHXBM"),
            _name("红线区名称", "HYHXMC"),
            Field(
                "designation",
                "text",
                "区域类别",
                choices=("海洋生态红线区", "重要渔业水域", "海水浴场"),
                aliases=("区域类别", "designation"),
                synonyms={
                    "海洋红线区": "海洋生态红线区",
                    "渔业水域": "重要渔业水域",
                    "浴场": "海水浴场",
                },
            ),
            Field(
                "type",
                "text",
                "红线区类型",
                choices=MARINE_RED_LINE_TYPES,
                aliases=("红线区类型", "类型", "HYHXLX"),
                synonyms={
                    "重要滨海湿地区": "重要滨海湿地",
                    "特殊保护海岛": "特别保护海岛",
                    "海洋特别保护区": "海洋保护区",
                    "自然景观与历史文化遗迹": "自然景观",
                    "重要渔业海域": "重要渔业水域",
                    "砂质岸线及邻近海域": "砂质岸线",
                    "重要滨海旅游区": "滨海旅游区",
                },
            ),
            Field(
                "control",
                "text",
                "管控类别",
                choices=("禁止类", "限制类"),
                aliases=("管控类别", "管控要求类别"),
                synonyms={
                    "禁止开发": "禁止类",
                    "限制开发": "限制类",
                    "禁止开发区": "禁止类",
                    "限制开发区": "限制类",
                },
            ),
            _ADMIN_CODE,
        ),
        description="海洋生态红线区（重要河口、重要滨海湿地、特别保护海岛、海洋保护区、自然景观、"
        "重要渔业水域、砂质岸线等）以及规划点名的海水浴场与重要渔业水域。",
        description_en="Marine ecological red-line areas (estuaries, coastal wetlands, special islands, marine "
        "protected areas, landscapes, fishery waters, sandy shores …) and the bathing beaches and fishery "
        "waters the plans name.",
    ),
    Collection(
        id="reclamation",
        title="围填海",
        title_en="Sea reclamation (approved and historical)",
        group="海洋",
        geometry="MULTIPOLYGON",
        style=MapStyle(color="#6d4c41", fill="#bcaaa4", fill_opacity=0.4, dash_array="4 2"),
        min_zoom=8,
        search_rank=15,
        fields=(
            _code("围填海编码", "项目编码"),
            _name("围填海项目名称", "项目名称"),
            Field(
                "status",
                "text",
                "状态",
                choices=("已批准", "历史遗留", "已批未填"),
                aliases=("状态", "围填海状态", "类型"),
                synonyms={"历史围填海": "历史遗留", "批准": "已批准", "已批": "已批准"},
            ),
            Field("approved", "date", "批准日期", aliases=("批准日期", "批准时间", "确权时间")),
            Field("completed", "date", "完成日期", aliases=("完成日期", "填成时间")),
            Field("purpose", "text", "用途", aliases=("用途", "用海类型")),
            _ADMIN_CODE,
        ),
        description="已批准与历史遗留的围填海区域（批准、完成日期与用途）。",
        description_en="Approved and historical sea reclamation areas with approval and completion dates.",
    ),
    Collection(
        id="admin_divisions",
        title="行政区划",
        title_en="Administrative divisions",
        group="行政区",
        description="省、市、县三级行政区划。",
        description_en="Administrative divisions: provinces, cities and counties.",
        geometry="MULTIPOLYGON",
        style=MapStyle(
            color="#888",
            weight=1,
            class_field="level",
            classes={"province": "#444", "city": "#777", "county": "#aaa"},
            labels={"province": "省界", "city": "市界", "county": "县界"},
            line=True,
            weights={"province": 2.2, "city": 1.4, "county": 0.8},
            dashes={"county": "3 3"},
            base=True,
        ),
        default_visible=True,
        search_rank=0,
        indicators_path="/indicators",
        code_field="adcode",
        report_context=ReportContext("行政区", stroke="#888", width=0.8, dash="4 3"),
        fields=(
            Field("adcode", "text", "行政区划代码", aliases=("行政区划代码", "XZQDM", "code")),
            _name("XZQMC", "行政区名称"),
            Field(
                "level",
                "text",
                "级别",
                choices=("province", "city", "county"),
                aliases=("级别",),
                synonyms={
                    "省": "province",
                    "市": "city",
                    "县": "county",
                    "区县": "county",
                    "district": "county",
                },
            ),
            Field("parent_adcode", "text", "上级行政区划代码", aliases=("上级代码", "city_adcode")),
        ),
    ),
)

#: Read views: one geometry type each, over a storage collection that mixes types. GIS
#: clients (QGIS, GDAL) fix a layer's geometry type from its first features, so a mixed
#: collection loses the features of the other type; the views are what they open.
VIEWS: tuple[Collection, ...] = (
    Collection(
        id="water_areas",
        title="水域（面）",
        title_en="Water areas (polygons)",
        group="水体",
        geometry="MULTIPOLYGON",
        style=_WATER_STYLE,
        default_visible=True,
        has_area=False,
        fields=_WATER_FIELDS,
        description="湖泊、水库、宽阔河段（如江阴段长江）等水域面；水体与岸线（water_bodies）中的面要素。",
        description_en="Lakes, reservoirs and wide river reaches as polygons: the polygon features of water_bodies.",
        stored_in="water_bodies",
    ),
    Collection(
        id="water_lines",
        title="河流与岸线（线）",
        title_en="Rivers, canals and shorelines (lines)",
        group="水体",
        geometry="MULTILINESTRING",
        style=MapStyle(color="#5b9bd5", weight=1, line=True, base=True),
        default_visible=True,
        has_area=False,
        fields=_WATER_FIELDS,
        description="河流、运河中心线与海岸线；水体与岸线（water_bodies）中的线要素。",
        description_en="River and canal centre lines and coastlines: the line features of water_bodies.",
        stored_in="water_bodies",
    ),
    Collection(
        id="receptor_points",
        title="环境敏感目标（点）",
        title_en="Sensitive receptors (points)",
        group="环境敏感目标",
        geometry="POINT",
        style=_RECEPTOR_STYLE,
        min_zoom=10,
        fields=_RECEPTOR_FIELDS,
        description="学校、医院、村庄、取水口等以点表示的环境敏感目标；环境敏感目标（sensitive_receptors）中的点要素。",
        description_en="Sensitive receptors mapped as points: the point features of sensitive_receptors.",
        stored_in="sensitive_receptors",
    ),
    Collection(
        id="receptor_areas",
        title="环境敏感目标（面）",
        title_en="Sensitive receptors (areas)",
        group="环境敏感目标",
        geometry="MULTIPOLYGON",
        style=_RECEPTOR_STYLE,
        min_zoom=10,
        fields=_RECEPTOR_FIELDS,
        description="居民区、村庄等以面表示的环境敏感目标；环境敏感目标（sensitive_receptors）中的面要素。",
        description_en="Sensitive receptors mapped as areas: the polygon features of sensitive_receptors.",
        stored_in="sensitive_receptors",
    ),
)

#: What ``/collections`` lists, in catalogue order: every collection of one geometry type,
#: a mixed one replaced by its views (which stays readable under its own id).
PUBLISHED: tuple[Collection, ...] = tuple(
    member for c in COLLECTIONS for member in ([v for v in VIEWS if v.stored_in == c.id] or [c])
)

_BY_ID = {c.id: c for c in COLLECTIONS}
_READABLE = {**_BY_ID, **{v.id: v for v in VIEWS}}


def get_collection(collection_id: str) -> Collection:
    """Return the storage collection with this id (imports, edits, screening; not a view).

    Raises:
        CollectionNotFoundError: no such collection.
    """
    try:
        return _BY_ID[collection_id]
    except KeyError:
        view = _READABLE.get(collection_id)
        raise CollectionNotFoundError(collection_id, view.stored_in if view else None) from None


def read_collection(collection_id: str) -> Collection:
    """Return the collection or read view with this id (the read routes take both).

    Raises:
        CollectionNotFoundError: no such collection or view.
    """
    try:
        return _READABLE[collection_id]
    except KeyError:
        raise CollectionNotFoundError(collection_id) from None


def collection_title(collection_id: str) -> str:
    """The Chinese title of a collection or read view, or the id itself when unknown."""
    found = _READABLE.get(collection_id)
    return found.title if found else collection_id


def views_of(collection_id: str) -> tuple[Collection, ...]:
    """The read views over a storage collection (none for a collection of one type)."""
    return tuple(v for v in VIEWS if v.stored_in == collection_id)
