"""The clients reviewers use, against a real uvicorn server: GDAL's OAPIF driver, OWSLib."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from layers.store.catalog import COLLECTIONS
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
    for c in COLLECTIONS:
        assert c.id in out, out


@needs_gdal
def test_ogr2ogr_copies_every_feature(live_server, tmp_path):
    target = tmp_path / "out.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live_server}/collections/water_bodies"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    info = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert f"Feature Count: {N_RIVERS}" in info, info


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
    assert ids == [c.id for c in COLLECTIONS]
    assert w.collection("outfalls")["id"] == "outfalls"
    page = w.collection_items("outfalls", limit=7)
    assert page["numberReturned"] == 7
    fid = page["features"][0]["id"]
    assert w.collection_item("outfalls", fid)["id"] == fid
    q = w.collection_queryables("outfalls")
    assert "permitted_flow_m3d" in q["properties"]
