"""Feature edits (POST/PUT/PATCH/DELETE), new releases, screening deletion and key revocation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import shapely.geometry
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import ApiSettings
from layers.ingest.importer import ImportOptions, import_file
from layers.store import schema
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from layers.store.models import Release, RuleSet, Screening
from tests.conftest import create_database, drop_database

TILE = "/collections/outfalls/tiles/WebMercatorQuad/8/212/105"


def _outfall(i: int) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": f"PWK{i}", "name": f"排污口{i}", "type": "入河"},
        "geometry": {"type": "Point", "coordinates": [119.0 + i * 0.01, 31.0]},
    }


@pytest.fixture(scope="module")
def edit_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = create_database("ecozone_edit")
    schema.upgrade(url)
    path = tmp_path_factory.mktemp("edit") / "o.geojson"
    doc = {"type": "FeatureCollection", "features": [_outfall(i) for i in range(10)]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    engine = create_engine(url)
    with Session(engine) as session:
        import_file(session, Path(path), ImportOptions("outfalls", "2024", date(2024, 1, 1)))
        rules = RuleSet(version="t", valid_from=date(2024, 1, 1), source_hash="x", industries={})
        session.add(rules)
        session.flush()
        session.add(
            Screening(
                name="s",
                rule_set_id=rules.id,
                verdict="ok",
                geom="SRID=4326;POINT(119 31)",
                request={},
                result={},
            )
        )
        session.commit()
    engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def keys(edit_db: str) -> dict[str, str]:
    engine = create_engine(edit_db)
    with Session(engine) as session:
        out = {r: create_key(session, r, f"test {r}")[1] for r in ("viewer", "editor", "admin")}
        out["spare"] = create_key(session, "editor", "spare")[1]
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def client(edit_db: str) -> Iterator[TestClient]:
    app = create_app(ApiSettings(_env_file=None), DatabaseSettings(url=edit_db, _env_file=None))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _release(db: str, name: str = "2024") -> tuple[int, int]:
    engine = create_engine(db)
    with Session(engine) as session:
        r = session.scalars(select(Release).where(Release.name == name)).one()
        out = (r.feature_count, r.revision)
    engine.dispose()
    return out


def _audit(client: TestClient, keys: dict[str, str]) -> list[dict]:
    return client.get("/audit", headers=_auth(keys["admin"])).json()["entries"]


def test_post_feature_creates_normalises_counts_and_audits(client, keys, edit_db):
    body = {
        "type": "Feature",
        "properties": {"编码": "NEW1", "name": "新排污口", "type": "入河排污口", "extra": 7},
        "geometry": {"type": "Point", "coordinates": [119.5, 31.02]},
    }
    assert client.post("/collections/outfalls/items", json=body).status_code == 401
    r = client.post("/collections/outfalls/items", json=body, headers=_auth(keys["viewer"]))
    assert r.status_code == 403
    count, revision = _release(edit_db)
    etag = client.get(TILE).headers["etag"]
    r = client.post("/collections/outfalls/items", json=body, headers=_auth(keys["editor"]))
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    assert r.headers["location"].endswith(f"/collections/outfalls/items/{fid}")
    assert r.headers["etag"].startswith('"')
    got = client.get(f"/collections/outfalls/items/{fid}").json()
    assert got["properties"]["code"] == "NEW1"
    assert got["properties"]["type"] == "入河"  # code-list synonym normalised
    assert got["geometry"]["coordinates"] == [119.5, 31.02]
    assert _release(edit_db) == (count + 1, revision + 1)
    assert client.get(TILE).headers["etag"] != etag
    entry = _audit(client, keys)[0]
    assert (entry["action"], entry["after_ids"]) == ("create-feature", [fid])


def test_post_feature_in_content_crs_with_lat_first_axes(client, keys):
    body = {
        "type": "Feature",
        "properties": {"code": "LATLON"},
        "geometry": {"type": "Point", "coordinates": [31.05, 119.25]},
    }
    r = client.post(
        "/collections/outfalls/items",
        json=body,
        headers={
            **_auth(keys["editor"]),
            "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/4326>",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["geometry"]["coordinates"] == [119.25, 31.05]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "type": "Feature",
                "properties": {"type": "入洋"},
                "geometry": {"type": "Point", "coordinates": [119, 31]},
            },
            "properties.type",
        ),
        (
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
            },
            "crs",
        ),
        (
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "LineString", "coordinates": [[119, 31], [119.1, 31]]},
            },
            "geometry",
        ),
        ({"type": "FeatureCollection", "features": []}, "type"),
        ({"type": "Feature", "properties": {}, "geometry": {"type": "Point"}}, "geometry"),
        (  # GEOS refuses a line of one position (was a 500)
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "LineString", "coordinates": [[119, 31]]},
            },
            "geometry",
        ),
    ],
)
def test_bad_feature_is_422_and_nothing_is_written(client, keys, edit_db, body, field):
    before = _release(edit_db)
    n_audit = len(_audit(client, keys))
    r = client.post("/collections/outfalls/items", json=body, headers=_auth(keys["editor"]))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field
    assert _release(edit_db) == before
    assert len(_audit(client, keys)) == n_audit


def test_post_to_unknown_release_or_collection_is_404(client, keys):
    r = client.post(
        "/collections/outfalls/items",
        params={"release": "nope"},
        json=_outfall(1),
        headers=_auth(keys["editor"]),
    )
    assert r.status_code == 404
    r = client.post("/collections/nope/items", json=_outfall(1), headers=_auth(keys["editor"]))
    assert r.status_code == 404


def test_put_replaces_and_patch_merges_with_if_match(client, keys, edit_db):
    fid = client.get("/collections/outfalls/items", params={"limit": 1}).json()["features"][0]["id"]
    url = f"/collections/outfalls/items/{fid}"
    editor = _auth(keys["editor"])
    _, revision = _release(edit_db)
    put = {
        "type": "Feature",
        "properties": {"code": "PUT1", "receiving_water": "太湖"},
        "geometry": {"type": "Point", "coordinates": [119.3, 31.1]},
    }
    r = client.put(url, json=put, headers=editor)
    assert r.status_code == 200, r.text
    etag = r.headers["etag"]
    props = r.json()["properties"]
    assert props["code"] == "PUT1"
    assert props["name"] is None  # a replacement clears what it does not give
    assert _release(edit_db)[1] == revision + 1
    stale = {**editor, "If-Match": '"0000"'}
    r = client.patch(url, json={"properties": {"name": "改名"}}, headers=stale)
    assert r.status_code == 412
    assert client.get(url).json()["properties"]["name"] is None
    r = client.patch(
        url,
        json={"properties": {"name": "改名", "receiving_water": None}},
        headers={**editor, "If-Match": etag},
    )
    assert r.status_code == 200, r.text
    props = r.json()["properties"]
    assert (props["code"], props["name"], props["receiving_water"]) == ("PUT1", "改名", None)
    assert r.json()["geometry"]["coordinates"] == [119.3, 31.1]
    assert r.headers["etag"] != etag
    r = client.patch(
        url, json={"geometry": {"type": "Point", "coordinates": [119.4, 31.1]}}, headers=editor
    )
    assert r.json()["geometry"]["coordinates"] == [119.4, 31.1]
    entries = _audit(client, keys)
    assert [e["action"] for e in entries[:3]] == [
        "patch-feature",
        "patch-feature",
        "replace-feature",
    ]
    assert entries[2]["before_ids"] == entries[2]["after_ids"] == [fid]
    assert entries[2]["detail"]["before"]["code"] != "PUT1"
    assert (
        client.put("/collections/outfalls/items/999999", json=put, headers=editor).status_code
        == 404
    )
    assert client.patch(url, json={"properties": {"name": "x"}}).status_code == 401


def test_delete_with_stale_if_match_is_412_and_keeps_the_feature(client, keys, edit_db):
    fid = client.get("/collections/outfalls/items", params={"limit": 1}).json()["features"][0]["id"]
    url = f"/collections/outfalls/items/{fid}"
    count, _ = _release(edit_db)
    r = client.delete(url, headers={**_auth(keys["editor"]), "If-Match": '"stale"'})
    assert r.status_code == 412
    assert client.get(url).status_code == 200
    assert client.delete(url, headers=_auth(keys["editor"])).status_code == 204
    assert _release(edit_db)[0] == count - 1
    assert client.delete(url, headers=_auth(keys["editor"])).status_code == 404


def test_create_release_empty_or_copied_then_post_into_it(client, keys, edit_db):
    editor = _auth(keys["editor"])
    body = {"name": "2030", "valid_from": "2030-01-01", "source": "省厅", "note": "draft"}
    assert (
        client.post(
            "/collections/outfalls/releases", json=body, headers=_auth(keys["viewer"])
        ).status_code
        == 403
    )
    r = client.post("/collections/outfalls/releases", json=body, headers=editor)
    assert r.status_code == 201, r.text
    assert r.json()["feature_count"] == 0
    assert (
        client.post("/collections/outfalls/releases", json=body, headers=editor).status_code == 409
    )
    assert (
        client.post(
            "/collections/outfalls/releases", json={"name": "x"}, headers=editor
        ).status_code
        == 422
    )
    r = client.post(
        "/collections/outfalls/items", params={"release": "2030"}, json=_outfall(3), headers=editor
    )
    assert r.status_code == 201
    assert r.json()["properties"]["release"] == "2030"
    assert _release(edit_db, "2030")[0] == 1
    count = _release(edit_db)[0]
    copy = {"name": "2031", "valid_from": "2031-01-01", "copy_from": "2024"}
    r = client.post("/collections/outfalls/releases", json=copy, headers=editor)
    assert r.status_code == 201, r.text
    assert r.json()["feature_count"] == count
    items = client.get("/collections/outfalls/items", params={"datetime": "2031-06-01"}).json()
    assert items["numberMatched"] == count
    bad = {"name": "2032", "valid_from": "2032-01-01", "copy_from": "nope"}
    assert (
        client.post("/collections/outfalls/releases", json=bad, headers=editor).status_code == 404
    )
    entry = _audit(client, keys)[0]
    assert entry["action"] == "create-release"
    assert entry["after_ids"] and entry["before_ids"]


def test_delete_screening_is_an_audited_editor_write(client, keys):
    assert client.delete("/screenings/1").status_code == 401
    assert client.delete("/screenings/1", headers=_auth(keys["viewer"])).status_code == 403
    assert client.delete("/screenings/1", headers=_auth(keys["editor"])).status_code == 204
    assert client.delete("/screenings/1", headers=_auth(keys["editor"])).status_code == 404
    entry = _audit(client, keys)[0]
    assert (entry["action"], entry["before_ids"]) == ("delete-screening", [1])


def test_admin_lists_and_revokes_keys(client, keys):
    assert client.get("/keys", headers=_auth(keys["editor"])).status_code == 403
    listed = client.get("/keys", headers=_auth(keys["admin"])).json()["keys"]
    assert all("key_hash" not in k for k in listed)
    spare = next(k for k in listed if k["name"] == "spare")
    assert client.get("/jobs/1", headers=_auth(keys["spare"])).status_code == 404  # key works
    assert client.delete(f"/keys/{spare['id']}", headers=_auth(keys["editor"])).status_code == 403
    assert client.delete(f"/keys/{spare['id']}", headers=_auth(keys["admin"])).status_code == 204
    assert client.get("/jobs/1", headers=_auth(keys["spare"])).status_code == 401
    assert client.delete("/keys/99999", headers=_auth(keys["admin"])).status_code == 404
    entry = _audit(client, keys)[0]
    assert (entry["action"], entry["before_ids"]) == ("revoke-key", [spare["id"]])
    again = client.get("/keys", headers=_auth(keys["admin"])).json()["keys"]
    assert next(k for k in again if k["id"] == spare["id"])["revoked_at"]


def test_edited_polygon_gets_its_geodesic_area(client, keys, edit_db):
    from pyproj import Geod

    editor = _auth(keys["editor"])
    body = {"name": "edit-areas", "valid_from": "2020-01-01", "source": "测试", "licence": "CC0"}
    assert (
        client.post("/collections/farmland_zones/releases", json=body, headers=editor).status_code
        == 201
    )
    square = {
        "type": "Polygon",
        "coordinates": [[[120, 32], [120.01, 32], [120.01, 32.01], [120, 32.01], [120, 32]]],
    }
    r = client.post(
        "/collections/farmland_zones/items?release=edit-areas",
        json={"type": "Feature", "properties": {"name": "田"}, "geometry": square},
        headers=editor,
    )
    assert r.status_code == 201, r.text
    url = r.headers["location"]
    geod = Geod(ellps="WGS84")
    expected = abs(geod.geometry_area_perimeter(shapely.geometry.shape(square))[0])
    assert abs(client.get(url).json()["properties"]["area_m2"] - expected) / expected < 1e-4
    bigger = {
        "type": "Polygon",
        "coordinates": [[[120, 32], [120.02, 32], [120.02, 32.02], [120, 32.02], [120, 32]]],
    }
    client.patch(url, json={"geometry": bigger}, headers=editor)
    expected = abs(geod.geometry_area_perimeter(shapely.geometry.shape(bigger))[0])
    assert abs(client.get(url).json()["properties"]["area_m2"] - expected) / expected < 1e-4


# --- ETags of the single-feature read and If-Match on writes -----------------------------


def _posted(client: TestClient, keys: dict[str, str], code: str) -> str:
    body = {**_outfall(5), "properties": {"code": code, "name": code, "type": "入河"}}
    r = client.post("/collections/outfalls/items", json=body, headers=_auth(keys["editor"]))
    assert r.status_code == 201, r.text
    return r.headers["location"]


def test_get_item_sends_a_strong_etag_and_304_on_if_none_match(client, keys):
    url = _posted(client, keys, "ETAG-304")
    r = client.get(url)
    assert r.status_code == 200
    etag = r.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 34
    assert r.headers["vary"] == "Accept"
    for if_none_match in (etag, f"W/{etag}", "*", f'"other", {etag}'):
        r = client.get(url, headers={"If-None-Match": if_none_match})
        assert r.status_code == 304, if_none_match
        assert r.content == b""
        assert r.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url).headers["etag"] == etag  # stable while the row is unchanged


def test_get_item_etag_is_the_one_the_write_returned(client, keys):
    body = {**_outfall(6), "properties": {"code": "ETAG-POST"}}
    r = client.post("/collections/outfalls/items", json=body, headers=_auth(keys["editor"]))
    assert client.get(r.headers["location"]).headers["etag"] == r.headers["etag"]


def test_get_then_patch_with_its_etag_then_the_old_etag_is_412(client, keys):
    url = _posted(client, keys, "ETAG-PATCH")
    editor = _auth(keys["editor"])
    etag = client.get(url).headers["etag"]
    r = client.patch(url, json={"properties": {"name": "改"}}, headers={**editor, "If-Match": etag})
    assert r.status_code == 200, r.text
    new = client.get(url).headers["etag"]
    assert new != etag
    assert r.headers["etag"] == new
    stale = {**editor, "If-Match": etag}
    assert client.patch(url, json={"properties": {"name": "x"}}, headers=stale).status_code == 412
    assert client.put(url, json=_outfall(5), headers=stale).status_code == 412
    assert client.delete(url, headers=stale).status_code == 412
    assert client.get(url).json()["properties"]["name"] == "改"
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    assert client.get(url, headers={"If-None-Match": new}).status_code == 304
    assert client.delete(url, headers={**editor, "If-Match": new}).status_code == 204


@pytest.mark.parametrize(
    "params",
    [
        {"crs": "http://www.opengis.net/def/crs/EPSG/0/4490"},
        {"crs": "http://www.opengis.net/def/crs/EPSG/0/4527"},
        {"properties": "code,name"},
    ],
)
def test_other_representations_get_a_weak_etag_that_cannot_write(client, keys, params):
    url = _posted(client, keys, "ETAG-WEAK")
    strong = client.get(url).headers["etag"]
    r = client.get(url, params=params)
    assert r.headers["etag"] == f"W/{strong}"
    assert client.get(url, params=params, headers={"If-None-Match": strong}).status_code == 304
    weak = {**_auth(keys["editor"]), "If-Match": r.headers["etag"]}
    r = client.patch(url, json={"properties": {"name": "弱"}}, headers=weak)
    assert r.status_code == 412
    assert r.json()["field"] == "If-Match"
    assert client.get(url).headers["etag"] == strong  # nothing was written


def test_explicit_crs84_is_the_default_representation(client, keys):
    url = _posted(client, keys, "ETAG-CRS84")
    strong = client.get(url).headers["etag"]
    crs84 = {"crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
    assert client.get(url, params=crs84).headers["etag"] == strong


def test_item_html_page_has_no_etag_and_ignores_if_none_match(client, keys):
    url = _posted(client, keys, "ETAG-HTML")
    etag = client.get(url).headers["etag"]
    r = client.get(url, headers={"Accept": "text/html", "If-None-Match": etag})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "etag" not in r.headers
    assert r.headers["vary"] == "Accept"


# --- the collection's extent follows the edits ---------------------------------------------

FAR = [87.6, 43.8]  # Ürümqi, far west of every test outfall


def _extent(client: TestClient, as_of: str | None = None) -> list[float]:
    params = {"datetime": as_of} if as_of else {}
    return client.get("/collections/outfalls", params=params).json()["extent"]["spatial"]["bbox"][0]


def test_extent_grows_when_a_feature_moves_far_away_and_shrinks_back(client, keys):
    url = _posted(client, keys, "EXTENT-MOVE")
    editor = _auth(keys["editor"])
    before = _extent(client)
    assert before[0] > FAR[0]
    r = client.patch(url, json={"geometry": {"type": "Point", "coordinates": FAR}}, headers=editor)
    assert r.status_code == 200, r.text
    moved = _extent(client)
    assert moved[0] <= FAR[0] <= moved[2]
    assert moved[1] <= FAR[1] <= moved[3]
    assert moved[1:3] == [before[1], before[2]]  # the other edges stay where they were
    home = {"type": "Point", "coordinates": [119.05, 31.0]}
    assert client.patch(url, json={"geometry": home}, headers=editor).status_code == 200
    assert _extent(client) == before  # the box shrinks again, recomputed


def test_extent_is_unchanged_by_a_properties_only_patch(client, keys):
    url = _posted(client, keys, "EXTENT-PROPS")
    before = _extent(client)
    r = client.patch(url, json={"properties": {"name": "只改属性"}}, headers=_auth(keys["editor"]))
    assert r.status_code == 200
    assert _extent(client) == before


def test_extent_shrinks_when_the_feature_on_its_edge_is_deleted(client, keys):
    before = _extent(client)
    editor = _auth(keys["editor"])
    body = {**_outfall(0), "geometry": {"type": "Point", "coordinates": FAR}}
    r = client.post("/collections/outfalls/items", json=body, headers=editor)
    assert r.status_code == 201
    grown = _extent(client)
    assert (grown[0], grown[3]) == (FAR[0], FAR[1])  # the west and north edges
    assert client.delete(r.headers["location"], headers=editor).status_code == 204
    assert _extent(client) == before


def test_extent_of_an_empty_release_comes_from_its_features(client, keys):
    editor = _auth(keys["editor"])
    body = {"name": "2040", "valid_from": "2040-01-01"}
    assert (
        client.post("/collections/outfalls/releases", json=body, headers=editor).status_code == 201
    )
    assert _extent(client, "2040-06-01") == [-180, -90, 180, 90]  # no features, no extent
    r = client.post(
        "/collections/outfalls/items",
        params={"release": "2040"},
        json={**_outfall(0), "geometry": {"type": "Point", "coordinates": FAR}},
        headers=editor,
    )
    assert r.status_code == 201, r.text
    assert _extent(client, "2040-06-01") == [*FAR, *FAR]
    assert client.delete(r.headers["location"], headers=editor).status_code == 204
    assert _extent(client, "2040-06-01") == [-180, -90, 180, 90]


def test_concurrent_edits_of_one_release_both_count(edit_db):
    """An edit that runs while another transaction holds the release row adds to its result.

    Another writer bumps the release's count and revision and keeps its transaction open;
    a feature created meanwhile waits for it and then counts on top of it (a
    read-modify-write in Python would write the count it read before, losing one).
    """
    import time
    from threading import Thread

    from sqlalchemy import text

    from layers.ingest.edits import create_feature

    count, revision = _release(edit_db)
    engine = create_engine(edit_db)
    errors: list[BaseException] = []

    def edit() -> None:
        try:
            with Session(engine) as session:
                create_feature(session, None, "outfalls", _outfall(90))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with engine.connect() as other:
        other.execute(
            text(
                "UPDATE releases SET feature_count = feature_count + 1, revision = revision + 1 "
                "WHERE name = '2024' AND collection = 'outfalls'"
            )
        )
        thread = Thread(target=edit)
        thread.start()
        time.sleep(0.5)  # the edit has read the release and now waits for the row lock
        other.commit()
    thread.join(timeout=30)
    engine.dispose()
    assert not errors
    assert _release(edit_db) == (count + 2, revision + 2)


def test_concurrent_creators_and_deleters_on_one_release(edit_db, keys):
    """40 clients creating and 10 deleting in one release at once: no 5xx, nothing lost.

    Before the release row was locked first (FOR NO KEY UPDATE), the insert's foreign
    key took KEY SHARE on it and the extent bookkeeping then asked for FOR UPDATE: the
    creators deadlocked each other (65 of 75 creates failed with five clients).
    """
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from tests.conftest import serve_in_thread

    editor = _auth(keys["editor"])
    app = create_app(ApiSettings(_env_file=None), DatabaseSettings(url=edit_db, _env_file=None))
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=60) as http:
        victims = []
        for i in range(10):
            r = http.post("/collections/outfalls/items", json=_outfall(200 + i), headers=editor)
            assert r.status_code == 201, r.text
            victims.append(r.headers["location"])
        count, _ = _release(edit_db)
        extent_before = _extent(http)

        def create(i: int) -> httpx.Response:
            body = _outfall(300 + i)
            # the new points spread the extent east and north, one step each
            body["geometry"]["coordinates"] = [121.0 + i * 0.01, 32.0 + i * 0.01]
            return http.post("/collections/outfalls/items", json=body, headers=editor)

        def remove(url: str) -> httpx.Response:
            return http.delete(url, headers=editor)

        with ThreadPoolExecutor(max_workers=50) as pool:
            # all 50 submitted before any answer comes back: deletes run among the creates
            creating = [pool.submit(create, i) for i in range(40)]
            deleting = [pool.submit(remove, url) for url in victims]
            created = [f.result() for f in creating]
            deleted = [f.result() for f in deleting]
        statuses = [r.status_code for r in created + deleted]
        assert all(s < 500 for s in statuses), statuses
        assert [r.status_code for r in created] == [201] * 40
        assert [r.status_code for r in deleted] == [204] * 10
        for r in created:
            assert http.get(r.headers["location"]).status_code == 200
        assert _release(edit_db)[0] == count + 40 - 10
        extent = _extent(http)
        assert extent[:2] == extent_before[:2]
        assert extent[2:] == [max(extent_before[2], 121.39), max(extent_before[3], 32.39)]


# --- bounded input (README, "Limits") --------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"name": "n" * 201}, "name"),
        ({"source": "s" * 1001}, "source"),
        ({"licence": "l" * 1001}, "licence"),
        ({"note": "n" * 4001}, "note"),
        ({"name": "a\x00b"}, "name"),
        ({"copy_from": "2024\x00"}, "copy_from"),
        ({"note": "x\x1bq"}, "note"),
    ],
)
def test_release_strings_are_capped_and_clean(client, keys, extra, field):
    body = {"name": "limits", "valid_from": "2031-01-01", **extra}
    r = client.post("/collections/outfalls/releases", json=body, headers=_auth(keys["editor"]))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"name": "x" * 10_001}, "properties.name"),
        ({"name": "a\x00b"}, "properties.name"),
        ({"remark": {"nested": ["ok", "a\x00"]}}, "properties.remark.nested"),
        (
            {"permitted_flow_m3d": 1, "code": "P", "source_note": "y" * 10_001},
            "properties.source_note",
        ),
    ],
)
def test_feature_property_strings_are_capped_and_clean(client, keys, edit_db, properties, field):
    before = _release(edit_db)
    body = {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [119.2, 31.2]},
    }
    r = client.post("/collections/outfalls/items", json=body, headers=_auth(keys["editor"]))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert _release(edit_db) == before


def test_an_integer_property_beyond_its_column_is_422(client, keys):
    editor = _auth(keys["editor"])
    release = {"name": "int-range", "valid_from": "2099-01-01"}
    assert (
        client.post("/collections/water_bodies/releases", json=release, headers=editor).status_code
        == 201
    )

    def post(rank: int):
        body = {
            "type": "Feature",
            "properties": {"name": "河", "rank": rank},
            "geometry": {"type": "LineString", "coordinates": [[119, 31], [119.1, 31]]},
        }
        return client.post(
            "/collections/water_bodies/items",
            params={"release": "int-range"},
            json=body,
            headers=editor,
        )

    r = post(2**40)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "properties.rank"
    assert post(2**31 - 1).status_code == 201


@pytest.mark.parametrize(
    "path",
    [
        f"/collections/outfalls/items/{2**63}",
        f"/jobs/{2**63}",
        f"/screenings/{2**63}",
        f"/keys/{2**63}",
    ],
)
def test_ids_beyond_bigint_in_write_paths_are_400(client, keys, path):
    headers = _auth(keys["admin"])
    method = client.get if path.startswith("/jobs") else client.delete
    r = method(path, headers=headers)
    assert r.status_code == 400, r.text
    assert r.json()["field"].endswith("_id")


def test_audit_offset_beyond_bigint_is_400(client, keys):
    r = client.get("/audit", params={"offset": 2**63}, headers=_auth(keys["admin"]))
    assert r.status_code == 400
    assert r.json()["field"] == "offset"


def test_a_read_view_is_not_written_and_says_where_to_write(client, keys):
    feature = {
        "type": "Feature",
        "properties": {"name": "某湖", "kind": "lake"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[120.3, 31.9], [120.31, 31.9], [120.31, 31.91], [120.3, 31.9]]],
        },
    }
    r = client.post("/collections/water_areas/items", json=feature, headers=_auth(keys["editor"]))
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "read-only view of 'water_bodies'" in r.json()["detail"]
    assert r.json()["field"] == "collection"
