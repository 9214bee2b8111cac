"""The demo's 生态环境准入清单 as clause files: province 总体准入要求 and every unit's list.

Two long-layout CSV files (:mod:`layers.ingest.entry_lists` reads them) are written next
to the GeoJSON files and listed in the manifest under ``entry_lists``:

* ``entry_list_province.csv``: Jiangsu's and Jiangxi's province-level requirements,
  clauses quoted verbatim from the provincial plans with their citations
  (``clauses/province_lists.yaml``). Real quotations, but ecozone's compilation, not
  the provinces' published 总体准入要求: the release note says so.
* ``entry_list_unit.csv``: every synthetic control unit's list, its four texts split
  into clauses, plus one clause naming its banned and one its restricted industries with
  those as machine conditions. Labelled synthetic, as the units are.
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
UNIT_FILE = "entry_list_unit.csv"
HEADERS = (
    "单元编码", "行政区划代码", "名称", "管控层级", "管控维度", "条款序号", "管控要求", "出处",
    "禁止类行业", "限制类行业", "适用建设性质",
)  # fmt: skip
PROVINCE_NOTE = (
    "省级总体准入要求（演示）：条款逐字摘自《江苏省“十四五”生态环境保护规划》《江苏省减污降碳协同增效"
    "实施方案》《江西省“十四五”生态环境保护规划》（见各条出处），由 ecozone 汇编，非两省正式发布的"
    "省级总体准入要求。"
)
UNIT_NOTE = (
    "synthetic demo data（合成演示数据）: 演示管控单元的准入清单，由单元的四项清单文本拆分为条款，"
    "并附禁止类、限制类行业条款（机器判定条件）；不是任何正式发布的准入清单。"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """A machine condition of a province clause."""

    kind: ConditionKind
    industries: tuple[str, ...]
    project_kinds: tuple[str, ...] = ()


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


def _row(**values: str) -> list[str]:
    keys = ("unit", "adcode", "name", "level", "dimension", "no", "text", "source", "banned",
            "restricted", "kinds")  # fmt: skip
    return [values.get(k, "") for k in keys]


def province_rows() -> list[list[str]]:
    """The province lists as long-layout rows.

    Raises:
        ValueError: a clause cites a document ``documents.yaml`` does not name, or a
            dimension is unknown.
    """
    titles = documents()
    rows = []
    for province in read_packaged("clauses/province_lists.yaml", ProvinceLists).provinces:
        for dimension, clauses in province.dimensions.items():
            if dimension not in DIMENSIONS:
                raise ValueError(f"province_lists.yaml: unknown dimension {dimension!r}")
            for no, clause in enumerate(clauses, start=1):
                if clause.document not in titles:
                    raise ValueError(f"province_lists.yaml cites unknown {clause.document!r}")
                by_kind = {c.kind: c for c in clause.conditions}
                kinds = {k for c in clause.conditions for k in c.project_kinds}
                rows.append(
                    _row(
                        adcode=province.adcode,
                        name=province.name,
                        level="省级",
                        dimension=DIMENSIONS[dimension],
                        no=str(no),
                        text=clause.text,
                        source=f"{titles[clause.document]}{clause.article}",
                        banned="、".join(by_kind["banned_industries"].industries)
                        if "banned_industries" in by_kind
                        else "",
                        restricted="、".join(by_kind["restricted_industries"].industries)
                        if "restricted_industries" in by_kind
                        else "",
                        kinds="、".join(sorted(kinds)),
                    )
                )
    return rows


def unit_rows(units: Iterable[DemoFeature]) -> list[list[str]]:
    """Every unit's list as long-layout rows, ordered by unit code."""
    rows = []
    for unit in sorted(units, key=lambda f: str(f.props["code"])):
        p: dict[str, Any] = unit.props
        for dimension, title in DIMENSIONS.items():
            clauses = split_clauses(str(p.get(dimension) or ""))
            extra: list[tuple[str, str, str]] = []
            if dimension == "spatial_constraints":
                banned, restricted = (
                    p.get("banned_industries") or [],
                    p.get("restricted_industries") or [],
                )
                if banned:
                    extra.append(
                        ("禁止新建、扩建" + "、".join(banned) + "项目。", "、".join(banned), "")
                    )
                if restricted:
                    extra.append(
                        ("限制" + "、".join(restricted) + "项目准入，须符合园区规划和产业政策要求。", "",
                         "、".join(restricted))
                    )  # fmt: skip
            texts = [(t, "", "") for t in clauses] + extra
            for no, (text, banned_text, restricted_text) in enumerate(texts, start=1):
                rows.append(
                    _row(unit=str(p["code"]), level="单元", dimension=title, no=str(no),
                         text=text, banned=banned_text, restricted=restricted_text)
                )  # fmt: skip
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Rows under :data:`HEADERS` as UTF-8 CSV (Unix line ends: byte-identical builds)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
