"""The demo's entry lists: province clauses with citations, unit lists split and conditioned."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import box

from layers.demo.entry_lists import csv_bytes, province_rows, unit_rows
from layers.demo.sources import DemoFeature
from layers.ingest.entry_lists import parse_entry_list


def _parse(tmp_path, rows, level):
    path = tmp_path / f"{level}.csv"
    path.write_bytes(csv_bytes(rows))
    return parse_entry_list(path, level)


def test_province_lists_of_jiangsu_and_jiangxi_cite_their_documents(tmp_path):
    clauses = _parse(tmp_path, province_rows(), "province")
    assert {c.scope for c in clauses} == {"320000", "360000"}
    assert {c.dimension for c in clauses if c.scope == "320000"} == {
        "spatial_constraints",
        "emission_controls",
        "risk_controls",
        "resource_efficiency",
    }
    assert all(c.source.startswith("《") for c in clauses)
    ban = next(c for c in clauses if "严禁新增钢铁" in c.text)
    assert ban.source == "《江苏省减污降碳协同增效实施方案》（五）加强生态环境准入管理"
    assert ban.conditions == [
        {
            "kind": "banned_industries",
            "industries": ["钢铁", "焦化", "炼油", "电解铝", "水泥", "平板玻璃"],
            "project_kinds": ["扩建", "新建"],
            "params": {"except_tags": ["光伏玻璃"]},  # （不含光伏玻璃）
        }
    ]


def test_unit_lists_split_the_texts_and_add_ban_and_restriction_clauses(tmp_path):
    unit = DemoFeature(
        {
            "code": "ZH32028120001",
            "spatial_constraints": "1. 执行《某规划》「禁止A」；2. 严格控制B。",
            "emission_controls": "1. 减量置换。",
            "risk_controls": "",
            "resource_efficiency": "1. 节水。",
            "banned_industries": ["化工", "钢铁"],
            "restricted_industries": ["印染"],
        },
        box(0, 0, 1, 1),
        True,
    )
    clauses = _parse(tmp_path, unit_rows([unit]), "unit")
    spatial = [c for c in clauses if c.dimension == "spatial_constraints"]
    assert [c.text for c in spatial] == [
        "执行《某规划》「禁止A」",
        "严格控制B。",
        "禁止新建、扩建化工、钢铁项目。",
        "限制印染项目准入，须符合园区规划和产业政策要求。",
    ]
    assert [c.clause_no for c in spatial] == [1, 2, 3, 4]
    # the ban says 新建、扩建: a 改建 is not concerned (适用建设性质)
    assert spatial[2].conditions[0] == {
        "kind": "banned_industries",
        "industries": ["化工", "钢铁"],
        "project_kinds": ["新建", "扩建"],
    }
    assert spatial[3].conditions[0] == {
        "kind": "restricted_industries",
        "industries": ["印染"],
        "project_kinds": [],
    }
    assert not [c for c in clauses if c.dimension == "risk_controls"]


DOMAIN = Path(__file__).resolve().parents[3] / "shared" / "domain"


def test_province_clauses_are_verbatim_quotations_of_the_plan_digests():
    if not DOMAIN.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: the plan digests are not at {DOMAIN}")
    digests = {
        "320000": (DOMAIN / "jiangsu.md").read_text(encoding="utf-8"),
        "360000": (DOMAIN / "jiangxi.md").read_text(encoding="utf-8"),
    }
    rows = province_rows()
    assert len(rows) == 15
    for row in rows:
        adcode, text = row[1], row[6]
        assert text in digests[adcode], text
