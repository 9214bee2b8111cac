"""The rule and policy library: GET /rules, /rules/{id}, /documents, /documents/{key}."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.screening.rulesets import DEFAULT_RULES_DIR, load_rule_set

#: A Jiangxi-only rule (and its document), added to a copy of the repository's rules.
JIANGXI = """
documents:
  JX-TEST:
    title: 江西省测试文件（赣测〔2024〕1号）
    issuer: 江西省生态环境厅
    number: 赣测〔2024〕1号
    issued: 2024-01-01
    level: province
    jurisdiction: ["36"]
rules:
  - id: JX-TEST-1
    title: 江西测试规则：水源保护区内禁止新建项目
    document: JX-TEST
    layer: {collection: drinking_water_zones, filter: "grade = '一级'"}
    predicate: {op: intersects}
    outcome: DENY
    citation:
      article: 第一条
      text: 测试条文原文。
      status: UNVERIFIED
      verified: false
    measures: [不予通过]
"""


@pytest.fixture
def with_jiangxi(db_session: Session, tmp_path: Path) -> None:
    """The repository's rules plus a Jiangxi rule, as the rule set in force (rolled back)."""
    for path in DEFAULT_RULES_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "90_jiangxi_test.yaml").write_text(JIANGXI, encoding="utf-8")
    load_rule_set(db_session, tmp_path)


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {r["id"] for r in response.json()["rules"]}


def test_jurisdiction_keeps_jiangsu_and_national_rules_and_drops_jiangxi(client, with_jiangxi):
    jiangyin = _ids(client.get("/rules", params={"jurisdiction": "320281"}))
    assert {"JS-B3", "JS-B10-UPSTREAM"} <= jiangyin  # Jiangsu (32)
    assert {"R-WPPL-65", "R-RL-NEAR"} <= jiangyin  # national, no regions
    assert "R-CJBHF-26-2" in jiangyin  # 长江流域 lists 3202 (无锡), a prefix of 320281
    assert "JX-TEST-1" not in jiangyin
    jiangxi = _ids(client.get("/rules", params={"jurisdiction": "36"}))
    assert "JX-TEST-1" in jiangxi
    assert "R-CJBHF-26-2" in jiangxi  # 长江流域 lists all of Jiangxi
    assert not any(i.startswith("JS-") for i in jiangxi)
    lianyungang = _ids(client.get("/rules", params={"jurisdiction": "3207"}))
    assert "R-CJBHF-26-2" not in lianyungang  # 淮河流域: outside the conservative list
    assert "JS-B3" in lianyungang


def test_filters_by_document_and_collection(client, with_jiangxi):
    response = client.get("/rules", params={"document": "JS-JWJT"})
    by_document = _ids(response)
    assert "JS-B3" in by_document
    assert "JS-B1" not in by_document  # the 十四五 plan's
    assert {r["document"] for r in response.json()["rules"]} == {"JS-JWJT"}
    by_river = _ids(client.get("/rules", params={"collection": "water_bodies"}))
    assert "JS-B10-UPSTREAM" in by_river  # reads water_bodies as the river it follows (via)
    assert "R-CJBHF-26-2" in by_river
    assert "R-WPPL-65" not in by_river
    unknown = client.get("/rules", params={"collection": "nope"})
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "collection"
    assert client.get("/rules", params={"document": "NOPE"}).status_code == 400
    bad = client.get("/rules", params={"jurisdiction": "99"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_as_of_before_valid_from_leaves_a_rule_out(client, with_jiangxi):
    assert "R-MEPL-39" in _ids(client.get("/rules", params={"as_of": "2024-01-01"}))
    before = client.get("/rules", params={"as_of": "2023-12-31"})
    assert "R-MEPL-39" not in _ids(before)  # 海洋环境保护法 in force 2024-01-01
    assert "JX-TEST-1" not in _ids(before)
    assert "JS-B3" in _ids(before)
    assert before.json()["as_of"] == "2023-12-31"


def test_rule_json_has_its_version_citation_and_words(client, with_jiangxi):
    response = client.get("/rules/R-CJBHF-26-2", params={"as_of": "2025-06-30"})
    assert response.status_code == 200, response.text
    rule = response.json()
    assert rule["id"] == "R-CJBHF-26-2"
    assert rule["in_force"] is True
    assert rule["document"] == "CJBHF"
    assert rule["valid_from"] == "2021-03-01"
    assert rule["jurisdiction"] == "长江流域（江苏、江西部分）"
    assert (
        rule["citation"]["text"] == "禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。"
    )
    assert (
        rule["predicate_text"]
        == "距 水体与岸线（长江保护法分类为干流、重要支流或支流） 1000 米以内"
    )
    assert rule["applies_text"] == ["行业：化工、化工园区", "建设性质：新建、扩建"]
    assert [v["key"] for v in rule["versions"]] == ["R-CJBHF-26-2@2021-03-01"]
    assert rule["versions"][0]["in_force"] is True


def test_jurisdictions_name_their_divisions_not_codes(client):
    """Rules and documents scoped by adcode read as the divisions' names (GB/T 2260)."""
    as_of = {"as_of": "2025-06-30"}
    js_b28 = client.get("/rules/JS-B28", params=as_of).json()["jurisdiction"]
    assert js_b28 == "南京市、无锡市、常州市、苏州市、南通市、扬州市、镇江市、泰州市"
    assert client.get("/rules/JY-B1-DOCK", params=as_of).json()["jurisdiction"] == "江阴市"
    assert client.get("/rules/LYG-B34", params=as_of).json()["jurisdiction"] == "灌南县"
    documents = {d["key"]: d for d in client.get("/documents", params=as_of).json()["documents"]}
    assert documents["JY-14-ECO"]["jurisdiction"] == "江阴市"


def test_unknown_rule_or_document_is_a_404_problem(client):
    for path in ("/rules/NO-SUCH-RULE", "/documents/NO-SUCH-DOC"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "NO-SUCH" in response.json()["detail"]


def test_rule_page_quotes_the_clause_and_says_the_predicate(client, with_jiangxi):
    response = client.get(
        "/rules/R-CJBHF-26-2", params={"as_of": "2025-06-30"}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = response.text
    assert "禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。" in page
    assert "距 水体与岸线（长江保护法分类为干流、重要支流或支流） 1000 米以内" in page
    assert "法条原文" in page  # V-STAT
    assert "全国人民代表大会常务委员会" in page and "中华人民共和国主席令第六十五号" in page
    assert 'href="/documents/CJBHF?f=html' in page
    upstream = client.get("/rules/JS-B10-UPSTREAM", params={"f": "html"}).text
    assert "位于 饮用水水源保护区 上游（沿 水体与岸线（水体类型为河流） 1000 米以内）" in upstream


def test_list_pages_link_rules_and_documents(client, with_jiangxi):
    rules = client.get("/rules", params={"f": "html", "jurisdiction": "36"})
    assert rules.status_code == 200
    assert 'href="/rules/JX-TEST-1?f=html' in rules.text
    assert 'href="/documents/JX-TEST?f=html' in rules.text
    documents = client.get("/documents")
    assert documents.status_code == 200
    by_key = {d["key"]: d for d in documents.json()["documents"]}
    assert by_key["JX-TEST"]["rule_count"] == 1
    assert by_key["JX-TEST"]["jurisdiction"] == "江西省"
    assert by_key["CJBHF"]["jurisdiction"] == "长江流域（江苏、江西部分）"
    assert by_key["CJBHF"]["issuer"] == "全国人民代表大会常务委员会"
    page = client.get("/documents", params={"f": "html"}).text
    assert 'href="/documents/JX-TEST?f=html' in page
    one = client.get("/documents/JX-TEST")
    assert one.status_code == 200
    assert [r["id"] for r in one.json()["rules"]] == ["JX-TEST-1"]
    assert 'href="/rules/JX-TEST-1?f=html' in client.get("/documents/JX-TEST?f=html").text


@pytest.fixture
def source_zone(db_session: Session) -> None:
    """A first-grade drinking-water zone (R-WPPL-65: DENY inside it)."""
    frame = gpd.GeoDataFrame(
        [{"name": "某水源地一级保护区", "grade": "一级"}],
        geometry=[Polygon([(119.0, 32.0), (119.02, 32.0), (119.02, 32.02), (119.0, 32.02)])],
        crs="EPSG:4326",
    )
    import_source(
        db_session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(
            collection="drinking_water_zones", release="library-test", valid_from=date(2020, 1, 1)
        ),
        label="test",
    )


def _screen(client, lon: float, name: str) -> int:
    response = client.post(
        "/screenings",
        json={
            "name": name,
            "geometry": {"type": "Point", "coordinates": [lon, 32.01]},
            "industry": "化工",
            "kind": "新建",
            "as_of": "2025-06-30",
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_rule_page_lists_the_screenings_that_hit_it(client, source_zone):
    hit = _screen(client, 119.01, "水源地内项目")
    miss = _screen(client, 119.025, "保护区外项目")  # ~470 m east: PASS, in the coverage
    unchecked = _screen(client, 119.5, "远处项目")  # outside the layer's coverage
    rule = client.get("/rules/R-WPPL-65", params={"as_of": "2025-06-30"}).json()
    listed = {s["id"]: s for s in rule["screenings"]}
    assert hit in listed
    assert listed[hit]["outcome"] == "DENY"
    assert listed[hit]["report"] == f"/screenings/{hit}/report"
    assert miss not in listed  # PASS there: not cited
    assert listed[unchecked]["outcome"] == "NOT_CHECKED"
    assert list(listed) == sorted(listed, reverse=True)  # newest first
    page = client.get("/rules/R-WPPL-65", params={"f": "html", "as_of": "2025-06-30"}).text
    assert f'href="/screenings/{hit}/report"' in page
    assert "水源地内项目" in page
    assert f'href="/screenings/{miss}/report"' not in page
