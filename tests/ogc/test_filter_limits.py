"""Bounded CQL2 filters: length, depth, IN lists, geometry literals and integer ranges → 400."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient

from layers.errors import FilterError
from layers.reads.cql import (
    MAX_FILTER_CHARS,
    MAX_IN_VALUES,
    MAX_LITERAL_VERTICES,
    FilterContext,
    compile_filter,
    parse_filter,
)
from layers.store.catalog import get_collection

ITEMS = "/collections/water_bodies/items"


def _bad_filter(response, *words: str) -> None:
    assert response.status_code == 400, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["field"] == "filter"
    for word in words:
        assert word in problem["detail"]


def test_a_chain_of_3000_and_terms_is_400_not_a_recursion_error(ogc: TestClient) -> None:
    chain = " AND ".join(["rank=1"] * 3000)  # 26,995 characters
    _bad_filter(ogc.get(ITEMS, params={"filter": chain}), "20,000")


def test_a_deep_chain_under_the_length_cap_is_400_naming_depth(ogc: TestClient) -> None:
    chain = " AND ".join(["rank=1"] * 1500)  # 13,495 characters, nests 1,500 deep
    _bad_filter(ogc.get(ITEMS, params={"filter": chain}), "nests more than 100")


def test_a_deep_cql2_json_document_is_400(ogc: TestClient) -> None:
    doc: dict = {"op": "=", "args": [{"property": "rank"}, 1]}
    for _ in range(400):
        doc = {"op": "not", "args": [doc]}
    response = ogc.get(ITEMS, params={"filter": json.dumps(doc), "filter-lang": "cql2-json"})
    _bad_filter(response, "nests more than 100")


def test_a_short_and_chain_still_filters(ogc: TestClient) -> None:
    chain = " AND ".join(["rank=1"] * 40)
    response = ogc.get(ITEMS, params={"filter": chain, "limit": 1000})
    assert response.status_code == 200
    assert response.json()["numberReturned"] > 0
    assert {f["properties"]["rank"] for f in response.json()["features"]} == {1}


@pytest.mark.parametrize("n", [MAX_IN_VALUES + 1, 9_000])
def test_an_in_list_over_the_limit_is_400(ogc: TestClient, n: int) -> None:
    values = ",".join("1" for _ in range(n))
    _bad_filter(ogc.get(ITEMS, params={"filter": f"rank IN ({values})"}), "at most 1,000")


def test_an_in_list_of_65536_values_in_a_body_filter_is_422(ogc: TestClient) -> None:
    values = ",".join("1" for _ in range(65_536))
    body = {
        "features": {"collection": "water_bodies", "filter": f"rank IN ({values})"},
        "near": {"collection": "control_units"},
        "distance_m": 100,
    }
    response = ogc.post("/queries/proximity", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "filter"


def test_an_in_list_at_the_limit_is_served(ogc: TestClient) -> None:
    values = ",".join(str(i) for i in range(MAX_IN_VALUES))
    assert ogc.get(ITEMS, params={"filter": f"rank IN ({values})"}).status_code == 200


def test_a_geometry_literal_over_the_vertex_limit_is_refused() -> None:
    ring = [[119 + i * 1e-5, 31.0] for i in range(MAX_LITERAL_VERTICES)]
    ring += [[119.1, 31.1], ring[0]]
    doc = {
        "op": "s_intersects",
        "args": [{"property": "geom"}, {"type": "Polygon", "coordinates": [ring]}],
    }
    # a document (a rule file's filter) has no text to cap: the vertices are counted
    ctx = FilterContext(get_collection("water_bodies"), date.today())
    with pytest.raises(FilterError, match="10,000 are accepted"):
        compile_filter(parse_filter(doc, "cql2-json"), ctx)
    ring[MAX_LITERAL_VERTICES - 10 :] = [[119.1, 31.1], ring[0]]
    assert compile_filter(parse_filter(doc, "cql2-json"), ctx) is not None


def test_a_200k_vertex_polygon_in_a_proximity_filter_is_refused_fast(ogc: TestClient) -> None:
    ring = ", ".join(f"{119 + i * 1e-6:.6f} 31" for i in range(200_000))
    text = f"S_INTERSECTS(geom, POLYGON(({ring}, 119.1 31.1, 119 31)))"
    body = {
        "features": {"collection": "control_units", "filter": text},
        "near": {"collection": "water_bodies"},
        "distance_m": 100,
    }
    response = ogc.post("/queries/proximity", json=body)
    assert response.status_code == 422
    assert f"{MAX_FILTER_CHARS:,}" in response.json()["detail"]
    assert response.elapsed.total_seconds() < 2


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**63, 10**30])
def test_an_integer_beyond_the_column_range_is_400(ogc: TestClient, value: int) -> None:
    _bad_filter(ogc.get(ITEMS, params={"filter": f"rank = {value}"}), "out of range")


def test_an_id_beyond_bigint_in_a_filter_is_400(ogc: TestClient) -> None:
    _bad_filter(ogc.get(ITEMS, params={"filter": f"id = {2**63}"}), "out of range")
    assert ogc.get(ITEMS, params={"filter": f"id = {2**63 - 1}"}).status_code == 200


def test_an_integer_property_parameter_beyond_the_range_is_400_naming_it(ogc: TestClient) -> None:
    response = ogc.get(ITEMS, params={"rank": str(2**40)})
    assert response.status_code == 400
    assert response.json()["field"] == "rank"
