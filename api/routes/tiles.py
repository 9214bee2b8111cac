"""Vector tiles (OGC API Tiles, WebMercatorQuad, Mapbox Vector Tiles) and TileJSON."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import AsOfDep, SessionDep
from api.ogc import JSON, MVT, base_url, link
from api.responses import ORJSONResponse
from layers.catalog import COLLECTIONS, Collection, get_collection
from layers.items import parse_properties
from layers.releases import release_as_of
from layers.tiles import MAX_ZOOM, TileCache, TileKey, check_tile, render_tile, tile_properties

router = APIRouter(tags=["tiles"])

_CACHE_CONTROL = "public, max-age=300"


def _cache(request: Request) -> TileCache:
    cache: TileCache = request.app.state.tile_cache
    return cache


def _one_layer(
    request: Request,
    session: SessionDep,
    collection: Collection,
    as_of: date,
    z: int,
    x: int,
    y: int,
    properties: tuple[str, ...],
) -> tuple[TileKey | None, bytes]:
    release = release_as_of(session, collection.id, as_of)
    if release is None:
        return None, b""
    key = TileKey(collection.id, release.id, release.revision, z, x, y, properties)
    cache = _cache(request)
    data = cache.get(key)
    if data is None:
        data = render_tile(session, collection, release, key)
        cache.put(key, data)
    return key, data


def _tile_response(request: Request, etag: str, data: bytes | None) -> Response:
    headers = {"ETag": etag, "Cache-Control": _CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(content=data or b"", media_type=MVT, headers=headers)


@router.get(
    "/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{x}/{y}",
    operation_id="tiles-get_collection_tile",
    response_class=Response,
    responses={200: {"content": {MVT: {}}, "description": "Mapbox vector tile"}},
)
def get_collection_tile(
    request: Request,
    collection_id: str,
    z: int,
    x: int,
    y: int,
    session: SessionDep,
    as_of: AsOfDep,
    properties: Annotated[
        str | None, Query(description="properties to carry (default code, name, class fields)")
    ] = None,
) -> Response:
    """One vector tile of the release in force at ``datetime`` (layer named after the collection)."""
    collection = get_collection(collection_id)
    check_tile(z, x, y)
    props = parse_properties(collection, properties) or tile_properties(collection)
    props = tuple(p for p in props if p in collection.field_names)
    key, data = _one_layer(request, session, collection, as_of, z, x, y, props)
    etag = key.etag if key else f'"empty-{collection_id}-{as_of}-{z}-{x}-{y}"'
    return _tile_response(request, etag, data)


@router.get(
    "/tiles/WebMercatorQuad/{z}/{x}/{y}",
    operation_id="tiles-get_combined_tile",
    response_class=Response,
    responses={200: {"content": {MVT: {}}, "description": "Mapbox vector tile"}},
)
def get_combined_tile(
    request: Request,
    z: int,
    x: int,
    y: int,
    session: SessionDep,
    as_of: AsOfDep,
    collections: Annotated[
        str | None,
        Query(description="comma-separated collection ids (default: all), one layer each"),
    ] = None,
) -> Response:
    """Several collections in one tile, one MVT layer per collection."""
    check_tile(z, x, y)
    chosen = (
        [get_collection(c.strip()) for c in collections.split(",") if c.strip()]
        if collections
        else list(COLLECTIONS)
    )
    parts: list[bytes] = []
    etags: list[str] = []
    for collection in chosen:
        key, data = _one_layer(
            request, session, collection, as_of, z, x, y, tile_properties(collection)
        )
        if key is not None:
            etags.append(key.etag.strip('"'))
            parts.append(data)
    etag = '"' + hashlib.blake2s("|".join(etags).encode(), digest_size=12).hexdigest() + '"'
    # MVT layers are independent protobuf messages: concatenating tiles merges them.
    return _tile_response(request, etag, b"".join(parts))


def _tilejson(request: Request, collection: Collection, release: Any) -> dict[str, Any]:
    base = base_url(request)
    bbox = (release.import_report or {}).get("bbox") if release else None
    fields = {name: collection.field(name).label for name in tile_properties(collection)}
    return {
        "tilejson": "3.0.0",
        "name": collection.id,
        "description": collection.title,
        "scheme": "xyz",
        "tiles": [f"{base}/collections/{collection.id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": bbox or [-180, -85.0511, 180, 85.0511],
        "vector_layers": [
            {"id": collection.id, "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM}
        ],
        "tileMatrixSetURI": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "links": [
            link(f"{base}/collections/{collection.id}/tiles/WebMercatorQuad", "self", JSON),
            link(
                f"{base}/collections/{collection.id}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileCol}}/{{tileRow}}",
                "item",
                MVT,
            ),
        ],
    }


@router.get(
    "/collections/{collection_id}/tiles/WebMercatorQuad",
    operation_id="tiles-get_tilejson",
    response_class=ORJSONResponse,
)
def get_tilejson(
    request: Request, collection_id: str, session: SessionDep, as_of: AsOfDep
) -> ORJSONResponse:
    """TileJSON 3 (also the OGC tileset metadata) of a collection's vector tiles."""
    collection = get_collection(collection_id)
    return ORJSONResponse(
        _tilejson(request, collection, release_as_of(session, collection_id, as_of))
    )


@router.get(
    "/collections/{collection_id}/tiles",
    operation_id="tiles-list_tilesets",
    response_class=ORJSONResponse,
)
def list_tilesets(request: Request, collection_id: str) -> ORJSONResponse:
    """The tilesets of a collection (one: WebMercatorQuad vector tiles)."""
    get_collection(collection_id)
    base = base_url(request)
    href = f"{base}/collections/{collection_id}/tiles/WebMercatorQuad"
    return ORJSONResponse(
        {
            "tilesets": [
                {
                    "title": f"{collection_id} vector tiles",
                    "dataType": "vector",
                    "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                    "tileMatrixSetURI": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
                    "links": [link(href, "self", JSON, "TileJSON")],
                }
            ]
        }
    )
