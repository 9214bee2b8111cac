"""The one-statement read paths (layers.reads.fastread) answer exactly as the SQLAlchemy ones did."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import orjson
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from gis.crs import CRS84_API, api_crs
from layers.reads.cql import FilterContext, build_filter
from layers.reads.fastread import (
    ItemsRequest,
    SessionReader,
    expression_fragment,
    feature_by_id,
    filter_fragment,
    items_page,
    point_filter,
)
from layers.store.catalog import get_collection
from tests.ogc.reference_reader import ItemsQuery
from tests.ogc.reference_reader import feature_by_id as old_feature_by_id
from tests.ogc.reference_reader import items_page as old_items_page

AS_OF = date(2025, 1, 1)


@pytest.fixture(scope="module")
def session(seeded_url):
    engine = create_engine(seeded_url)
    with Session(engine) as s:
        yield s
    engine.dispose()


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ("S_INTERSECTS(geom,POINT(119.05 31.05))", True),
        ("s_intersects( geom , point ( 119.05  31.05 ) )", True),
        ("S_DWITHIN_M(geom, POINT(119.0 31.003), 100)", True),
        ("S_DWITHIN_M(geom, POINT(119.0 31.003), 2000000)", False),  # the compiler's error
        ("S_INTERSECTS(GEOM,POINT(119.05 31.05))", False),  # not a queryable: the compiler says so
        ("S_INTERSECTS(geom,POINT(1e2 31))", False),
        ("S_INTERSECTS(geom,POINT(119 31)) AND code = 'x'", False),
    ],
)
def test_point_forms_are_recognised_only_when_plain(text, fast):
    assert (point_filter(get_collection("outfalls"), text) is not None) is fast


CASES = [
    ("control_units", {"filter": "S_INTERSECTS(geom,POINT(119.05 31.05))"}),
    ("control_units", {"filter": "S_INTERSECTS(geom,POINT(119.25 31.15))", "limit": 1}),
    ("water_bodies", {"filter": "S_DWITHIN_M(geom,POINT(119.2 31.01),1000)"}),
    ("water_bodies", {"filter": "S_DWITHIN_M(geom,POINT(119.2 31.01),5000)", "limit": 3}),
    ("outfalls", {"filter": "S_DWITHIN_M(geom, POINT(119.0 31.003), 100)"}),
    ("outfalls", {"bbox": (119.0, 31.0, 119.3, 31.2), "limit": 7, "offset": 2}),
    ("outfalls", {"sortby": (("permitted_flow_m3d", False),), "limit": 5}),
    ("outfalls", {"properties": ("code", "release"), "crs": 4549, "limit": 4}),
    ("outfalls", {"filter": "type = '入河' AND permitted_flow_m3d >= 500"}),
    ("water_bodies", {"filter": "S_DWITHIN_M(geom, COLLECTION('outfalls'), 500)"}),
    ("water_bodies", {"as_of": date(2021, 1, 1)}),
    ("water_bodies", {"as_of": date(2019, 1, 1)}),
    # numberMatched from the page itself (partial page, offset) or counted (full page,
    # past the end, empty first page)
    ("outfalls", {"bbox": (119.0, 31.0, 119.3, 31.2), "limit": 2, "offset": 1}),
    ("outfalls", {"bbox": (119.0, 31.0, 119.3, 31.2), "limit": 10_000, "offset": 3}),
    ("outfalls", {"bbox": (119.0, 31.0, 119.3, 31.2), "limit": 5, "offset": 100_000}),
    ("outfalls", {"bbox": (0.0, 0.0, 0.1, 0.1)}),
]


@pytest.mark.parametrize(("collection_id", "args"), CASES)
def test_items_page_matches_the_sqlalchemy_path(session, collection_id, args):
    collection = get_collection(collection_id)
    as_of = args.get("as_of", AS_OF)
    crs = (
        api_crs(f"http://www.opengis.net/def/crs/EPSG/0/{args['crs']}")
        if "crs" in args
        else CRS84_API
    )
    common = {
        "collection_id": collection_id,
        "as_of": as_of,
        "bbox": args.get("bbox"),
        "properties": args.get("properties"),
        "sortby": args.get("sortby", ()),
        "crs": crs,
        "limit": args.get("limit", 100),
        "offset": args.get("offset", 0),
    }
    ctx = FilterContext(collection, as_of)
    old = old_items_page(
        session,
        ItemsQuery(
            **common,
            where=[build_filter(args["filter"], "cql2-text", ctx)] if "filter" in args else [],
        ),
    )
    new = asyncio.run(
        items_page(
            SessionReader(session),
            ItemsRequest(
                **common,
                where=[filter_fragment(args["filter"], "cql2-text", ctx)]
                if "filter" in args
                else [],
            ),
        )
    )
    assert new.features == old.features
    assert (new.number_returned, new.number_matched, new.has_more) == (
        old.number_returned,
        old.number_matched,
        old.has_more,
    )
    assert (new.release or {}).get("id") == (old.release.id if old.release else None)


def test_fast_and_compiled_point_filters_agree(session):
    collection = get_collection("water_bodies")
    ctx = FilterContext(collection, AS_OF)
    for x, y, d in [(119.2, 31.01, 1000), (119.5, 31.2, 3000), (119.9, 31.4, 50)]:
        fast = filter_fragment(f"S_DWITHIN_M(geom,POINT({x} {y}),{d})", "cql2-text", ctx)
        doc = {
            "op": "s_dwithin_m",
            "args": [{"property": "geom"}, {"type": "Point", "coordinates": [x, y]}, d],
        }
        slow = expression_fragment(collection, build_filter(json.dumps(doc), "cql2-json", ctx))
        reader = SessionReader(session)
        pages = [
            asyncio.run(
                items_page(reader, ItemsRequest("water_bodies", AS_OF, where=[w], limit=1000))
            )
            for w in (fast, slow)
        ]
        assert pages[0].features == pages[1].features


def test_conditions_of_one_statement_have_their_own_parameters(session):
    # two point filters and two compiled ones of the same shape: the page is their AND
    collection = get_collection("water_bodies")
    ctx = FilterContext(collection, AS_OF)
    near = "S_DWITHIN_M(geom,POINT({} {}),{})"
    where = [
        filter_fragment(near.format(119.2, 31.01, 3000), "cql2-text", ctx, 0),
        filter_fragment(near.format(119.5, 31.2, 200000), "cql2-text", ctx, 1),
        filter_fragment("id >= 1", "cql2-text", ctx, 2),
        filter_fragment("id <= 1000000", "cql2-text", ctx, 3),
    ]
    names = [set(w.params) for w in where]
    assert all(a.isdisjoint(b) for i, a in enumerate(names) for b in names[i + 1 :])
    reader = SessionReader(session)
    both = asyncio.run(items_page(reader, ItemsRequest("water_bodies", AS_OF, where=where)))
    first = asyncio.run(items_page(reader, ItemsRequest("water_bodies", AS_OF, where=where[:1])))
    assert both.number_returned > 0
    assert both.features == first.features


@pytest.mark.parametrize(
    ("as_of", "properties"),
    [(None, None), (AS_OF, None), (AS_OF, ("code", "release")), (AS_OF, ("name",))],
)
def test_feature_by_id_matches_the_sqlalchemy_path(session, as_of, properties):
    reader = SessionReader(session)
    read = asyncio.run(feature_by_id(reader, "outfalls", 3, as_of=as_of, properties=properties))
    new = read.body
    old = old_feature_by_id(session, "outfalls", 3, as_of=as_of, properties=properties)
    assert orjson.loads(new) == orjson.loads(old)
    assert list(orjson.loads(new)["properties"]) == list(orjson.loads(old)["properties"])


@pytest.mark.parametrize(
    ("crs", "properties"),
    [
        (CRS84_API, None),
        (api_crs("http://www.opengis.net/def/crs/EPSG/0/4490"), None),
        (CRS84_API, ("name",)),
    ],
)
def test_feature_by_id_etag_is_the_edits_etag_whatever_the_representation(session, crs, properties):
    from layers.ingest.edits import feature_etag

    reader = SessionReader(session)
    read = asyncio.run(feature_by_id(reader, "outfalls", 3, crs=crs, properties=properties))
    assert read.etag == feature_etag(session, "outfalls", 3)
    assert read.etag.startswith('"') and len(read.etag) == 34


def _tile_at(lon, lat, z):
    import math

    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


@pytest.mark.parametrize(("z", "x", "y"), [_tile_at(119.05, 31.05, z) for z in (8, 10, 12, 14)])
def test_tiles_match_the_sqlalchemy_path(session, z, x, y):
    from layers.reads.fastread import render_tiles
    from layers.reads.tiles import TileKey, tile_properties
    from layers.store.releases import release_as_of
    from tests.ogc.reference_reader import render_tile

    layers = [
        (get_collection(c), tile_properties(get_collection(c)))
        for c in ("control_units", "water_bodies", "outfalls")
    ]
    new = asyncio.run(render_tiles(SessionReader(session), layers, AS_OF, z, x, y))
    assert [t.collection for t in new] == [c.id for c, _ in layers]
    for (collection, props), tile in zip(layers, new, strict=True):
        release = release_as_of(session, collection.id, AS_OF)
        key = TileKey(collection.id, release.id, release.revision, z, x, y, props)
        assert tile.data == render_tile(session, collection, release, key)
    assert any(t.data for t in new)
