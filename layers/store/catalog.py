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
    """

    name: str
    type: FieldType
    label: str
    choices: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, str] = field(default_factory=dict)


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
class Collection:
    """A regulatory layer: one PostGIS table, versioned by releases.

    Attributes:
        style: how the map draws it.
        min_zoom: the map loads it only from this zoom level on (heavy layers).
        default_visible: the map shows it when the page opens.
        entry_list: fields the map's popup shows as the 生态环境准入清单 section, in order,
            rather than in the attribute table.
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
    search_rank: int | None = None
    code_field: str = "code"
    report_context: ReportContext | None = None
    stored_in: str | None = None
    lifecycle: str | None = None

    @property
    def dimension(self) -> int | None:
        """The topological dimension of its geometries (``ST_Dimension``); None when mixed."""
        return _DIMENSIONS.get(self.geometry)

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
        search_rank=2,
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


def views_of(collection_id: str) -> tuple[Collection, ...]:
    """The read views over a storage collection (none for a collection of one type)."""
    return tuple(v for v in VIEWS if v.stored_in == collection_id)
