"""The clients reviewers use, against a real uvicorn server: GDAL's OAPIF and MVT drivers, OWSLib.

QGIS has its own suite (``tests/qgis``).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from layers.store.catalog import PUBLISHED
from tests.ogc.conftest import N_OUTFALLS, N_RIVERS

needs_gdal = pytest.mark.skipif(
    shutil.which("ogrinfo") is None, reason="GDAL (gdal-bin) is not installed"
)


@needs_gdal
def test_ogrinfo_lists_every_collection(live_server):
    out = subprocess.run(
        ["ogrinfo", "-ro", "-q", f"OAPIF:{live_server}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    for c in PUBLISHED:
        assert c.id in out, out
    # the mixed collection is listed as its two views, one geometry type each
    assert "water_areas (title: 水域（面）) (Multi Polygon)" in out, out
    assert "water_lines (title: 河流与岸线（线）) (Multi Line String)" in out, out


def _ogrinfo(*args: str) -> str:
    return subprocess.run(
        ["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120, check=True
    ).stdout


N_AREAS = len([i for i in range(N_RIVERS) if i % 5 == 0])
#: Features in force per listed collection of the seed (the others are empty).
SEEDED = {"water_areas": N_AREAS, "water_lines": N_RIVERS - N_AREAS, "outfalls": N_OUTFALLS}


@needs_gdal
@pytest.mark.parametrize("collection", [c.id for c in PUBLISHED])
def test_ogr2ogr_copies_every_listed_collection(live_server, tmp_path, collection):
    target = tmp_path / "out.gpkg"
    subprocess.run(
        # GDAL 3.6 pages at its PAGE_SIZE open option (default 10): it does not read the
        # server's maximum (QGIS does); the README's recipe sets it
        [
            "ogr2ogr",
            "-f",
            "GPKG",
            str(target),
            f"OAPIF:{live_server}/collections/{collection}",
            "-oo",
            "PAGE_SIZE=1000",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    info = _ogrinfo("-so", "-al", str(target))
    if collection in SEEDED:
        assert f"Feature Count: {SEEDED[collection]}" in info, info
    if collection == "water_areas":
        assert "Geometry: Multi Polygon" in info, info
    if collection == "water_lines":
        assert "Geometry: Multi Line String" in info, info


@needs_gdal
def test_the_mixed_collection_keeps_answering_under_its_id(live_server, tmp_path):
    target = tmp_path / "out.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live_server}/collections/water_bodies"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert f"Feature Count: {N_RIVERS}" in _ogrinfo("-so", "-al", str(target))


@needs_gdal
def test_gdal_mvt_driver_reads_the_tilejson_and_the_tiles(live_server):
    tiles = f"{live_server}/collections/water_areas/tiles/WebMercatorQuad"
    # a zoom level of the tileset, described by the TileJSON (layers, fields, geometry, bounds)
    out = _ogrinfo("-so", "-al", f"MVT:{tiles}/9", "-oo", f"METADATA_FILE={tiles}")
    assert "Layer name: water_areas" in out, out
    assert "Geometry: Multi Polygon" in out, out
    assert "name: String" in out, out
    count = int(out.split("Feature Count: ")[1].split()[0])
    assert count >= N_AREAS  # a lake cut by a tile edge is in both tiles
    # one tile through /vsicurl/, which asks HEAD first
    one = _ogrinfo("-so", "-al", f"/vsicurl/{tiles}/9/425/209.pbf")
    assert "Feature Count:" in one, one


@needs_gdal
def test_ogrinfo_reads_features_with_attribute_filter(live_server):
    out = subprocess.run(
        ["ogrinfo", "-ro", "-so", f"OAPIF:{live_server}/collections/outfalls", "outfalls"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert f"Feature Count: {N_OUTFALLS}" in out, out


def test_owslib_features(live_server):
    from owslib.ogcapi.features import Features

    w = Features(live_server)
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in w.conformance()["conformsTo"]
    )
    ids = [c["id"] for c in w.collections()["collections"]]
    assert ids == [c.id for c in PUBLISHED]
    assert w.collection("outfalls")["id"] == "outfalls"
    page = w.collection_items("outfalls", limit=7)
    assert page["numberReturned"] == 7
    fid = page["features"][0]["id"]
    assert w.collection_item("outfalls", fid)["id"] == fid
    q = w.collection_queryables("outfalls")
    assert "permitted_flow_m3d" in q["properties"]
