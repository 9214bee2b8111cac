"""The demo releases' coverage end to end: a layer drawn in a few windows is not a PASS elsewhere.

Only the admin divisions, the water and the shoreline releases of the built demo are
loaded (through :func:`layers.demo.load.load_demo`, with the manifest's coverage), then
a chemical plant is screened beside the 长江 at 九江, where the demo draws no 岸线, and at
南京, where it does.
"""

import json
from pathlib import Path

import orjson
import pytest

from layers.demo.load import load_demo

LOADED = ("admin_divisions", "water_bodies", "shoreline_segments")


@pytest.fixture
def shoreline_client(client, db_session, built: Path, tmp_path: Path):
    manifest = orjson.loads((built / "manifest.json").read_bytes())
    subset = {
        "seed": manifest["seed"],
        "collections": {c: manifest["collections"][c] for c in LOADED},
    }
    for cid in LOADED:
        (tmp_path / f"{cid}.geojson").symlink_to(built / f"{cid}.geojson")
    (tmp_path / "manifest.json").write_text(json.dumps(subset), encoding="utf-8")
    assert len(load_demo(db_session, tmp_path)) == len(LOADED)
    return client


def _chemical_plant_at(client, lon: float, lat: float) -> dict[str, dict]:
    response = client.post(
        "/screenings",
        json={
            "name": "沿江新建有机化工项目",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "industry": "化工",
            "industry_code": "C2614",
            "kind": "新建",
            "buffer_m": 0,
        },
    )
    assert response.status_code == 201, response.text
    return {r["rule_id"]: r for r in response.json()["results"]}


def test_shoreline_rule_is_not_checked_by_the_changjiang_at_jiujiang(shoreline_client):
    results = _chemical_plant_at(shoreline_client, 116.0, 29.733)
    # the water layer holds the 长江 there: under 1 km away
    by_water = results["R-CJBHF-26-2"]
    assert by_water["outcome"] == "DENY"
    assert by_water["evidence"][0]["distance_m"] < 1000
    # the shoreline layer is drawn only at 南京, 江阴, 太湖 and 连云港: not a PASS at 九江
    by_shore = results["R-CJBHF-26-2-SHORELINE"]
    assert by_shore["outcome"] == "NOT_CHECKED"
    assert by_shore["reason"]["code"] == "outside_coverage"
    assert by_shore["reason"]["collections"] == ["shoreline_segments"]


def test_shoreline_rule_is_checked_inside_its_nanjing_window(shoreline_client):
    results = _chemical_plant_at(shoreline_client, 118.90, 32.192)
    assert results["R-CJBHF-26-2-SHORELINE"]["outcome"] == "DENY"
