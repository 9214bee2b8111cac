"""QGIS 3.22 (Debian's python3-qgis), headless, against a real uvicorn: what an analyst gets.

Every listed collection opens through QGIS's OAPIF provider with one geometry type and
all its features; a water-area polygon draws; control_units loads in few requests; the
vector tiles draw with the served style; a private server takes QGIS's Basic auth
config with the key as password. The rendered maps are in ``test-output/qgis``.
"""

from __future__ import annotations

import math
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest

from layers.store.catalog import PUBLISHED
from tests.ogc.conftest import N_RIVERS
from tests.qgis.conftest import N_OTHER, N_UNITS, run_qgis

pytestmark = pytest.mark.usefixtures("qgis")

#: QGIS's name of each catalogue geometry type.
QGIS_TYPES = {
    "MULTIPOLYGON": "MultiPolygon",
    "MULTILINESTRING": "MultiLineString",
    "POINT": "Point",
}
#: Every fifth feature of the OGC seed's water_bodies is a lake polygon.
N_WATER_AREAS = len([i for i in range(N_RIVERS) if i % 5 == 0])
EXPECTED = {
    "water_areas": N_WATER_AREAS,
    "water_lines": N_RIVERS - N_WATER_AREAS,
    "outfalls": 120,
    "control_units": N_UNITS,
    # the seed's mixed receptors alternate squares (i even) and points (i odd)
    "receptor_points": N_OTHER // 2,
    "receptor_areas": N_OTHER - N_OTHER // 2,
}
#: The demo's control_units: QGIS must load it in at most this many items requests.
DEMO_UNITS, BUDGET = 21_520, 25


def test_every_listed_collection_opens_with_one_geometry_type_and_every_feature(qgis_server):
    steps = [{"do": "oapif", "collection": c.id, "full": True} for c in PUBLISHED]
    results = run_qgis(qgis_server.base, steps)
    for collection, seen in zip(PUBLISHED, results, strict=True):
        assert seen["valid"], (collection.id, seen)
        expected_type = QGIS_TYPES[collection.geometry]
        assert seen["geometry_type"] == expected_type, (collection.id, seen["geometry_type"])
        assert seen["feature_geometry_types"] == [expected_type], collection.id
        n = EXPECTED.get(collection.id, N_OTHER)
        assert seen["features"] == n, (collection.id, seen["features"])
        assert seen["feature_count"] == n, collection.id
        assert seen["title"] == collection.title
    units = results[[c.id for c in PUBLISHED].index("control_units")]
    # the two industry lists arrive with one type (an empty list is null, not [])
    assert units["fields"]["banned_industries"] == units["fields"]["restricted_industries"]
    assert units["fields"]["banned_industries"] == "StringList"


def test_a_water_area_polygon_draws_with_the_default_symbol(qgis_server):
    [drawn] = run_qgis(
        qgis_server.base,
        [{"do": "render_oapif", "collection": "water_areas", "name": "water_areas.png"}],
    )
    assert drawn["valid"] and not drawn["errors"]
    # 46 lakes of 0.02° in a ~1.1° × 0.5° extent: a good share of the picture is water
    assert drawn["painted"] > 1_000, drawn


def test_control_units_load_within_the_request_budget(qgis_server):
    before = len(qgis_server.requests())
    [seen] = run_qgis(
        qgis_server.base, [{"do": "oapif", "collection": "control_units", "full": True}]
    )
    assert seen["features"] == N_UNITS
    made = qgis_server.requests()[before:]
    items = [r for r in made if "/collections/control_units/items" in r]
    pages = [r for r in items if "limit=10 " not in r and "limit=10&" not in r]
    limits = {int(parse_qs(urlsplit(r.split()[1]).query)["limit"][0]) for r in pages}
    # QGIS pages at min(max(1000, default), maximum) of components/parameters/limit
    assert limits == {1_000}, items
    assert len(pages) == math.ceil(N_UNITS / 1_000)
    # the same pages on the demo: its schema probe (limit=10) and 22 pages of 1,000
    assert 1 + math.ceil(DEMO_UNITS / min(limits)) <= BUDGET


@pytest.mark.parametrize(
    ("tiles", "style", "layers"),
    [
        (
            "/collections/control_units/tiles/WebMercatorQuad/{z}/{x}/{y}",
            "/collections/control_units/tiles/WebMercatorQuad/style.json",
            {"control_units-fill-优先保护单元", "control_units-outline-重点管控单元"},
        ),
        (
            "/tiles/WebMercatorQuad/{z}/{x}/{y}",
            "/tiles/WebMercatorQuad/style.json",
            {"water_areas-fill", "water_lines-line", "outfalls-point", "control_units-fill-other"},
        ),
    ],
    ids=["control_units", "combined"],
)
def test_the_vector_tile_layer_with_the_style_url_draws(qgis_server, tiles, style, layers):
    base = qgis_server.base
    name = "tiles-" + ("combined" if tiles.startswith("/tiles") else "control_units") + ".png"
    [seen] = run_qgis(
        base,
        [
            {
                "do": "vector_tiles",
                "url": base + tiles,
                "style": base + style,
                "name": name,
                "extent": [119.2, 31.2, 119.6, 31.6],
            }
        ],
    )
    assert seen["valid"] and seen["style_loaded"], seen
    assert layers <= set(seen["styles"]), seen["styles"]
    assert seen["label_styles"], "the style's Chinese labels did not reach QGIS"
    assert not seen["errors"]
    assert seen["painted"] > 5_000, seen


def test_a_private_server_takes_qgis_basic_auth_with_the_key_as_password(
    private_server, viewer_key
):
    base = private_server.base
    key = {"user": "分析员", "password": viewer_key}
    wrong = {"user": "分析员", "password": viewer_key + "x"}
    # without a key and with a wrong one first: QGIS caches what it downloaded
    results = run_qgis(
        base,
        [
            {"do": "oapif", "collection": "outfalls"},
            {"do": "oapif", "collection": "outfalls", "authcfg": wrong},
            {"do": "oapif", "collection": "outfalls", "full": True, "authcfg": key},
        ],
    )
    without, with_wrong, with_key = results
    assert not without["valid"]
    assert not with_wrong["valid"]
    assert with_key["valid"] and with_key["features"] == 120, with_key
    logged = private_server.requests()
    assert any(r.startswith("GET /collections/outfalls/items") for r in logged)


def test_gdal_takes_the_key_as_its_userpwd(private_server, viewer_key):
    url = f"OAPIF:{private_server.base}/collections/outfalls"
    args = ["ogrinfo", "-ro", "-so", url, "outfalls"]
    with_key = subprocess.run(
        [*args, "-oo", f"USERPWD=gdal:{viewer_key}"], capture_output=True, text=True, timeout=120
    )
    assert "Feature Count: 120" in with_key.stdout, with_key.stderr
    without = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert without.returncode != 0
    assert "401" in without.stderr
