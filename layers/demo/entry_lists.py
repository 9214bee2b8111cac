"""The demo's 生态环境准入清单 as clause files: province 总体准入要求 and every unit's list.

Two long-layout CSV files (:mod:`layers.ingest.entry_lists` reads them) are written next
to the GeoJSON files and listed in the manifest under ``entry_lists``:

* ``entry_list_province.csv``: Jiangsu's and Jiangxi's province-level requirements,
  clauses quoted verbatim from the provincial plans with their citations
  (``clauses/province_lists.yaml``). Real quotations, but ecozone's compilation, not
  the provinces' published 总体准入要求: the release note says so.
* ``entry_list_city.csv``: city-level requirements of 无锡, 连云港 and Jiangxi's
  nonferrous cities, quoted verbatim from the city plans (``clauses/city_lists.yaml``),
  likewise ecozone's compilation;
* ``entry_list_unit.csv``: every synthetic control unit's list, its four texts split
  into clauses, plus one clause naming its banned and one its restricted industries with
  those as machine conditions. Labelled synthetic, as the units are;
* ``entry_list_element.csv``: every synthetic element control zone's own clauses, by its
  要素细类 (:data:`ELEMENT_CLAUSES`). Labelled synthetic.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from layers.demo.clauses import documents
from layers.demo.packaged import read_packaged
from layers.demo.sources import DemoFeature
from layers.ingest.entry_lists import split_clauses
from layers.store.entry_lists import DIMENSIONS, ConditionKind

PROVINCE_FILE = "entry_list_province.csv"
CITY_FILE = "entry_list_city.csv"
UNIT_FILE = "entry_list_unit.csv"
ELEMENT_FILE = "entry_list_element.csv"
HEADERS = (
    "单元编码", "行政区划代码", "名称", "管控层级", "管控维度", "条款序号", "管控要求", "出处",
    "禁止类行业", "限制类行业", "适用建设性质", "须入园行业", "除外情形",
)  # fmt: skip
PROVINCE_NOTE = (
    "省级总体准入要求（演示）：条款逐字摘自《江苏省“十四五”生态环境保护规划》《江苏省减污降碳协同增效"
    "实施方案》《江西省“十四五”生态环境保护规划》（见各条出处），由 ecozone 汇编，非两省正式发布的"
    "省级总体准入要求。"
)
CITY_NOTE = (
    "市级准入要求（演示）：条款逐字摘自《江阴市“十四五”生态环境保护规划》（作为无锡市的市级条款）、"
    "《连云港市“十四五”生态环境保护规划》和《江西省“十四五”生态环境保护规划》中点名赣州、鹰潭、上饶的"
    "条款（见各条出处），由 ecozone 汇编，非各市正式发布的准入清单。"
)
ELEMENT_NOTE = (
    "合成演示数据（synthetic demo data）：演示要素管控分区（生态、水、大气、土壤、高污染燃料禁燃区、"
    "地下水开采管控区）的准入条款，按要素细类套用示意条款；不是任何正式发布的准入清单。"
)
UNIT_NOTE = (
    "合成演示数据（synthetic demo data）：演示管控单元的准入清单，由单元的四项清单文本拆分为条款，"
    "并附禁止类、限制类行业条款（机器判定条件）；不是任何正式发布的准入清单。"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """A machine condition of a province clause."""

    kind: ConditionKind
    industries: tuple[str, ...]
    project_kinds: tuple[str, ...] = ()
    #: project tags the clause excepts (平板玻璃（不含光伏玻璃）: 光伏玻璃)
    except_tags: tuple[str, ...] = ()


class ProvinceClause(_Strict):
    """One clause: verbatim text, the document (key of ``documents.yaml``) and article."""

    text: str
    document: str
    article: str = ""
    conditions: tuple[Condition, ...] = ()


class Province(_Strict):
    """A province's list by dimension (keys of :data:`layers.store.entry_lists.DIMENSIONS`)."""

    adcode: str
    name: str
    dimensions: dict[str, tuple[ProvinceClause, ...]]


class ProvinceLists(_Strict):
    """The contents of ``clauses/province_lists.yaml``."""

    provinces: tuple[Province, ...]


class CityLists(_Strict):
    """The contents of ``clauses/city_lists.yaml`` (each city as a :class:`Province`)."""

    cities: tuple[Province, ...]


def _row(**values: str) -> list[str]:
    keys = ("unit", "adcode", "name", "level", "dimension", "no", "text", "source", "banned",
            "restricted", "kinds", "park_only", "except_tags")  # fmt: skip
    return [values.get(k, "") for k in keys]


def _industries(conditions: tuple[Condition, ...], kind: str) -> str:
    return "、".join(i for c in conditions if c.kind == kind for i in c.industries)


def _quoted_rows(file: str, lists: tuple[Province, ...], level: str) -> list[list[str]]:
    """Quoted lists (province or city) as long-layout rows.

    Raises:
        ValueError: a clause cites a document ``documents.yaml`` does not name, or a
            dimension is unknown.
    """
    titles = documents()
    rows = []
    for scope in lists:
        for dimension, clauses in scope.dimensions.items():
            if dimension not in DIMENSIONS:
                raise ValueError(f"{file}: unknown dimension {dimension!r}")
            for no, clause in enumerate(clauses, start=1):
                if clause.document not in titles:
                    raise ValueError(f"{file} cites unknown {clause.document!r}")
                kinds = {k for c in clause.conditions for k in c.project_kinds}
                rows.append(
                    _row(
                        adcode=scope.adcode,
                        name=scope.name,
                        level=level,
                        dimension=DIMENSIONS[dimension],
                        no=str(no),
                        text=clause.text,
                        source=f"{titles[clause.document]}{clause.article}",
                        banned=_industries(clause.conditions, "banned_industries"),
                        restricted=_industries(clause.conditions, "restricted_industries"),
                        park_only=_industries(clause.conditions, "park_only"),
                        kinds="、".join(sorted(kinds)),
                        except_tags="、".join(
                            sorted({t for c in clause.conditions for t in c.except_tags})
                        ),
                    )
                )
    return rows


def province_rows() -> list[list[str]]:
    """The province lists as long-layout rows (``clauses/province_lists.yaml``).

    Raises:
        ValueError: a clause cites an unknown document, or a dimension is unknown.
    """
    name = "clauses/province_lists.yaml"
    return _quoted_rows(name, read_packaged(name, ProvinceLists).provinces, "省级")


def city_rows() -> list[list[str]]:
    """The city lists as long-layout rows (``clauses/city_lists.yaml``).

    Raises:
        ValueError: a clause cites an unknown document, or a dimension is unknown.
    """
    name = "clauses/city_lists.yaml"
    return _quoted_rows(name, read_packaged(name, CityLists).cities, "市级")


#: The synthetic clauses of an element zone by its 要素细类: (dimension, text, banned,
#: restricted). Only the air receptor zone bans outright; the others restrict or need a
#: reviewer (需人工核实), so the worked examples keep their verdicts.
ELEMENT_CLAUSES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "生态保护红线": (
        ("spatial_constraints", "按生态保护红线管控要求，原则上禁止开发性、生产性建设活动，仅允许对生态功能不造成破坏的有限人为活动。", "", ""),
    ),
    "大气环境受体敏感区": (
        ("spatial_constraints", "禁止新建钢铁、焦化、水泥、平板玻璃等大气污染物排放量大的项目。", "钢铁、焦化、水泥、平板玻璃", ""),
        ("emission_controls", "新建项目执行大气污染物特别排放限值。", "", ""),
    ),
    "大气环境高排放重点管控区": (
        ("spatial_constraints", "限制新建化工、石化、涂装等涉挥发性有机物排放项目，须落实区域削减。", "", "化工、石化"),
        ("emission_controls", "实施大气污染物排放总量控制，新增排放量实行倍量削减替代。", "", ""),
    ),
    "水环境工业污染重点管控区": (
        ("emission_controls", "工业废水须接管集中处理，新建项目落实水污染物排放总量平衡。", "", ""),
        ("risk_controls", "涉水风险企业须设置事故应急池，防止事故废水进入外环境。", "", ""),
    ),
    "水环境城镇生活污染重点管控区": (
        ("emission_controls", "完善城镇污水收集管网，新建项目生活污水须接入城镇污水处理厂。", "", ""),
    ),
    "建设用地污染风险重点管控区": (
        ("risk_controls", "新（改、扩）建涉有毒有害物质项目须开展土壤和地下水污染状况调查，落实防渗措施。", "", ""),
    ),
    "Ⅲ类（严格）": (
        ("resource_efficiency", "禁止新建、扩建燃用高污染燃料的设施，已建的应改用清洁能源。", "", ""),
    ),
    "地下水禁采区": (
        ("resource_efficiency", "禁止新增地下水取水，已有取水井限期封填。", "", ""),
    ),
    "地下水限采区": (
        ("resource_efficiency", "严格控制地下水开采量，新增取水须经取水许可审批并实行总量控制。", "", ""),
    ),
}  # fmt: skip


def element_rows(zones: Iterable[DemoFeature]) -> list[list[str]]:
    """Every element zone's own clauses as long-layout rows, ordered by zone code."""
    rows = []
    for zone in sorted(zones, key=lambda f: str(f.props["code"])):
        numbering: dict[str, int] = {}
        for dimension, text, banned, restricted in ELEMENT_CLAUSES.get(
            str(zone.props.get("element_subtype")), ()
        ):
            numbering[dimension] = numbering.get(dimension, 0) + 1
            rows.append(
                _row(unit=str(zone.props["code"]), level="要素管控分区",
                     dimension=DIMENSIONS[dimension], no=str(numbering[dimension]), text=text,
                     banned=banned, restricted=restricted)
            )  # fmt: skip
    return rows


def unit_rows(units: Iterable[DemoFeature]) -> list[list[str]]:
    """Every unit's list as long-layout rows, ordered by unit code."""
    rows = []
    for unit in sorted(units, key=lambda f: str(f.props["code"])):
        p: dict[str, Any] = unit.props
        for dimension, title in DIMENSIONS.items():
            clauses = split_clauses(str(p.get(dimension) or ""))
            extra: list[tuple[str, str, str, str]] = []
            if dimension == "spatial_constraints":
                banned, restricted = (
                    p.get("banned_industries") or [],
                    p.get("restricted_industries") or [],
                )
                if banned:
                    extra.append(  # the clause says which kinds it bans: 适用建设性质
                        ("禁止新建、扩建" + "、".join(banned) + "项目。", "、".join(banned), "",
                         "新建、扩建")
                    )  # fmt: skip
                if restricted:
                    extra.append(
                        ("限制" + "、".join(restricted) + "项目准入，须符合园区规划和产业政策要求。", "",
                         "、".join(restricted), "")
                    )  # fmt: skip
            texts = [(t, "", "", "") for t in clauses] + extra
            for no, (text, banned_text, restricted_text, kinds) in enumerate(texts, start=1):
                rows.append(
                    _row(unit=str(p["code"]), level="单元", dimension=title, no=str(no),
                         text=text, banned=banned_text, restricted=restricted_text, kinds=kinds)
                )  # fmt: skip
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Rows under :data:`HEADERS` as UTF-8 CSV (Unix line ends: byte-identical builds)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
