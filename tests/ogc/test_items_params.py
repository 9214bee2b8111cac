"""The items route reads its query parameters itself: same 400 problems, same OpenAPI."""

from __future__ import annotations

import pytest

from api.items_query import ITEMS_PARAMS

ITEMS = "/collections/outfalls/items"


@pytest.mark.parametrize(
    ("query", "loc", "msg"),
    [
        ("limit=abc", ["query", "limit"], "Input should be a valid integer"),
        ("limit=0", ["query", "limit"], "Input should be greater than or equal to 1"),
        ("limit=10001", ["query", "limit"], "Input should be less than or equal to 10000"),
        ("offset=-1", ["query", "offset"], "Input should be greater than or equal to 0"),
        ("filter-lang=x", ["query", "filter-lang"], "String should match pattern"),
        ("f=xml", ["query", "f"], "String should match pattern"),
    ],
)
def test_bad_parameter_is_the_fastapi_400_problem(ogc, query, loc, msg):
    r = ogc.get(f"{ITEMS}?{query}")
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "/problems/invalid-parameter"
    assert body["errors"][0]["loc"] == loc
    assert body["errors"][0]["msg"].startswith(msg)
    assert body["detail"].startswith(f"Invalid {'.'.join(loc)}: {msg}")


def test_every_error_is_listed_and_defaults_apply(ogc):
    body = ogc.get(f"{ITEMS}?limit=x&offset=-2").json()
    assert [e["loc"][1] for e in body["errors"]] == ["limit", "offset"]
    assert ogc.get(ITEMS).json()["numberReturned"] == 100
    assert ogc.get(f"{ITEMS}?limit=2&limit=3").json()["numberReturned"] == 3  # the last wins


def test_items_parameters_are_documented(ogc):
    spec = ogc.get("/api").json()
    params = spec["paths"]["/collections/{collection_id}/items"]["get"]["parameters"]
    # references resolved (limit is a component: where QGIS and GDAL look for the maximum)
    components = spec["components"]["parameters"]
    params = [components[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in params]
    names = [p["name"] for p in params]
    assert names[0] == "collection_id"
    assert set(names) >= ITEMS_PARAMS  # every parameter the parser reads is documented
    limit = next(p for p in params if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 100}
