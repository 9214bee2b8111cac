"""Vector tiles (OGC API Tiles, WebMercatorQuad, Mapbox Vector Tiles) and TileJSON."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import AsOfDep, CollectionReleaseDep, DatetimeQuery, ReaderDep
from api.items_query import TILE_PARAMS, ItemsQuery
from api.ogc import JSON, MVT, base_url, link
from api.responses import ORJSONResponse
from api.settings import ApiSettings
from layers.reads.fastread import Reader, releases_in_force, render_layer, render_tiles
from layers.reads.tiles import MAX_ZOOM, TileCache, TileKey, check_tile, tile_properties
from layers.store.catalog import PUBLISHED, Collection, read_collection
from layers.store.etags import etag_matches
from web.tile_style import gl_style

router = APIRouter(tags=["tiles"])

_TILE_PATH = "/collections/{collection_id}/tiles/WebMercatorQuad"
_COMBINED_PATH = "/tiles/WebMercatorQuad"
_TILE_TEMPLATE = "/{z}/{x}/{y}"
_TMS_PATH = "/tileMatrixSets/WebMercatorQuad"

_TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
_CRS_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
#: Link relations of OGC API Tiles (OGC link relation register).
_REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
#: WGS 84 semi-major axis (m): Web Mercator's sphere.
_EARTH_RADIUS_M = 6378137.0
#: The standardized rendering pixel size (0.28 mm) of OGC 2D-TMS, which relates
#: ``scaleDenominator`` to ``cellSize``.
_PIXEL_SIZE_M = 0.28e-3
_TILE_SIZE = 256

#: The tile row, with an optional ``.pbf``/``.mvt`` suffix: GDAL's MVT driver reads a
#: tileset as ``{z}/{x}/{y}.pbf`` (its ``TILE_EXTENSION``).
TileRow = Annotated[
    str,
    Path(
        pattern=r"^[0-9]{1,10}(\.(pbf|mvt))?$",
        description="tile row (y); a .pbf or .mvt suffix is accepted",
    ),
]


def _row(y: str) -> int:
    return int(y.partition(".")[0])


def _tile_route(path: str, operation_id: str) -> Callable[[Any], Any]:
    """Declare a tile endpoint for ``GET`` (documented) and ``HEAD`` (the same endpoint).

    GDAL's /vsicurl/ (the MVT driver) asks ``HEAD`` first, and FastAPI routes answer only
    the methods they declare. The ``HEAD`` answer is the ``GET`` one, whose body the
    server drops; it stays out of the OpenAPI document (one operation per path).
    """

    def declare(endpoint: Any) -> Any:
        router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            operation_id=operation_id,
            response_class=Response,
            responses={200: {"content": {MVT: {}}, "description": "Mapbox vector tile"}},
        )
        router.add_api_route(
            path, endpoint, methods=["HEAD"], response_class=Response, include_in_schema=False
        )
        return endpoint

    return declare


_CACHE_CONTROL = "public, max-age=300"


def _cache(request: Request) -> TileCache:
    cache: TileCache = request.app.state.tile_cache
    return cache


async def _layers(
    request: Request,
    reader: Reader,
    layers: list[tuple[Collection, tuple[str, ...]]],
    as_of: date,
    z: int,
    x: int,
    y: int,
    etag_of: Callable[[list[TileKey]], str],
) -> list[tuple[TileKey, bytes]]:
    """The tile's layers with a release in force, each with its key.

    With the cache off and no ``If-None-Match``, one statement finds the releases and
    builds every layer. Otherwise the releases are looked up first (one small statement),
    so a 304 or a cache hit costs no geometry work, and only missing layers are built.
    """
    cache = _cache(request)
    if cache.max_bytes == 0 and "if-none-match" not in request.headers:
        built = await render_tiles(reader, layers, as_of, z, x, y)
        wanted = {c.id: p for c, p in layers}
        return [
            (TileKey(t.collection, t.release_id, t.revision, z, x, y, wanted[t.collection]), t.data)
            for t in built
        ]
    releases = await releases_in_force(reader, [c for c, _ in layers], as_of)
    out: list[tuple[TileKey, bytes]] = []
    for collection, props in layers:
        if collection.id not in releases:
            continue
        release_id, revision = releases[collection.id]
        key = TileKey(collection.id, release_id, revision, z, x, y, props)
        out.append((key, b""))
    if _not_modified(request, etag_of([key for key, _ in out])):
        return out  # a 304: the bytes are not needed
    for i, (key, _) in enumerate(out):
        data = cache.get(key)
        if data is None:
            data = await render_layer(reader, read_collection(key.collection), key.release_id, key)
            cache.put(key, data)
        out[i] = (key, data)
    return out


def _not_modified(request: Request, etag: str) -> bool:
    """``If-None-Match`` names this tile (weak comparison, ``*`` and lists: RFC 9110 §13.1.2)."""
    value = request.headers.get("if-none-match")
    return value is not None and etag_matches(value, etag, weak=True)


def _combined_etag(keys: list[TileKey]) -> str:
    joined = "|".join(key.etag.strip('"') for key in keys)
    return '"' + hashlib.blake2s(joined.encode(), digest_size=12).hexdigest() + '"'


def _tile_response(request: Request, etag: str, data: bytes | None) -> Response:
    headers = {"ETag": etag, "Cache-Control": _CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=data or b"", media_type=MVT, headers=headers)


@_tile_route(_TILE_PATH + _TILE_TEMPLATE, "tiles-get_collection_tile")
async def get_collection_tile(
    request: Request,
    collection_id: str,
    z: int,
    x: int,
    y: TileRow,
    reader: ReaderDep,
    # the query parameters are in the OpenAPI and validated here; ItemsQuery reads them
    datetime_: DatetimeQuery = None,  # noqa: ARG001
    properties: Annotated[  # noqa: ARG001
        str | None, Query(description="properties to carry (default code, name, class fields)")
    ] = None,
) -> Response:
    """One vector tile of the release in force at ``datetime`` (layer named after the collection)."""
    settings: ApiSettings = request.app.state.api_settings
    query = ItemsQuery.parse(request.query_params, settings, collection_id, TILE_PARAMS)
    collection, as_of = query.collection, query.page.as_of
    row = _row(y)
    check_tile(z, x, row)
    props = query.page.properties or tile_properties(collection)
    props = tuple(p for p in props if p in collection.field_names)
    empty = f'"empty-{collection_id}-{as_of}-{z}-{x}-{row}"'

    def etag_of(keys: list[TileKey]) -> str:
        return keys[0].etag if keys else empty

    built = await _layers(request, reader, [(collection, props)], as_of, z, x, row, etag_of)
    etag = etag_of([key for key, _ in built])
    return _tile_response(request, etag, built[0][1] if built else b"")


@_tile_route(_COMBINED_PATH + _TILE_TEMPLATE, "tiles-get_combined_tile")
async def get_combined_tile(
    request: Request,
    z: int,
    x: int,
    y: TileRow,
    reader: ReaderDep,
    as_of: AsOfDep,
    collections: Annotated[
        str | None,
        Query(description="comma-separated collection ids (default: all), one layer each"),
    ] = None,
) -> Response:
    """Several collections in one tile, one MVT layer per collection."""
    row = _row(y)
    check_tile(z, x, row)
    chosen = _chosen(collections)
    layers = [(c, tile_properties(c)) for c in chosen]
    built = await _layers(request, reader, layers, as_of, z, x, row, _combined_etag)
    etag = _combined_etag([key for key, _ in built])
    # MVT layers are independent protobuf messages: concatenating tiles merges them.
    return _tile_response(request, etag, b"".join(data for _, data in built))


def _chosen(collections: str | None) -> list[Collection]:
    """The collections of a combined tile or style (default: every listed collection)."""
    if not collections:
        return list(PUBLISHED)
    return [read_collection(c.strip()) for c in collections.split(",") if c.strip()]


#: TileJSON ``fields`` types as tippecanoe writes them (GDAL's MVT driver reads them).
_FIELD_TYPES = {"int": "Number", "float": "Number"}
#: ``tilestats`` geometry names (GDAL's MVT driver sets the layer's geometry type from them).
_TILESTATS_GEOMETRY = {"MULTIPOLYGON": "Polygon", "MULTILINESTRING": "LineString", "POINT": "Point"}


def _vector_layer(collection: Collection) -> dict[str, Any]:
    names = tile_properties(collection)
    return {
        "id": collection.id,
        "description": collection.title,
        "fields": {name: _FIELD_TYPES.get(collection.field(name).type, "String") for name in names},
        "field_titles": {name: collection.field(name).label for name in names},
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
    }


def _tilestats(collection: Collection) -> dict[str, Any]:
    names = tile_properties(collection)
    stats: dict[str, Any] = {
        "layer": collection.id,
        "attributeCount": len(names),
        "attributes": [
            {
                "attribute": name,
                "type": _FIELD_TYPES.get(collection.field(name).type, "String").lower(),
            }
            for name in names
        ],
    }
    if collection.geometry in _TILESTATS_GEOMETRY:
        stats["geometry"] = _TILESTATS_GEOMETRY[collection.geometry]
    return stats


def _tilejson(request: Request, collection: Collection, release: Any) -> dict[str, Any]:
    base = base_url(request)
    bbox = (release.import_report or {}).get("bbox") if release else None
    here = f"{base}{_TILE_PATH.format(collection_id=collection.id)}"
    return {
        "tilejson": "3.0.0",
        "title": f"{collection.title} vector tiles",
        "name": collection.title,
        "description": collection.description,
        "attribution": "ecozone 生态环境分区管控",
        "scheme": "xyz",
        "format": "pbf",
        "tiles": [here + _TILE_TEMPLATE],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": bbox or [-180, -85.0511, 180, 85.0511],
        "vector_layers": [_vector_layer(collection)],
        "tilestats": {"layerCount": 1, "layers": [_tilestats(collection)]},
        # OGC API Tiles tileset metadata (the same document serves both)
        "tileMatrixSetURI": _TMS_URI,
        "dataType": "vector",
        "crs": _CRS_3857,
        "links": [
            link(here, "self", JSON, "Tileset (OGC tileset metadata and TileJSON 3)"),
            link(f"{base}{_TMS_PATH}", _REL_TILING_SCHEME, JSON, "WebMercatorQuad"),
            # our path is z/x/y: the column comes before the row
            link(
                f"{here}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}", "item", MVT, "Mapbox vector tile"
            ),
            link(f"{here}/style.json", "stylesheet", JSON, "Mapbox GL style 样式"),
        ],
    }


@router.get(
    "/collections/{collection_id}/tiles/WebMercatorQuad",
    operation_id="tiles-get_tilejson",
    response_class=ORJSONResponse,
)
def get_tilejson(request: Request, release: CollectionReleaseDep) -> ORJSONResponse:
    """The collection's vector tileset: TileJSON 3 and OGC API Tiles tileset metadata in one.

    MapLibre and Leaflet read ``tiles``/``vector_layers``; OGC clients (GDAL's OGCAPI
    driver) read ``links``: ``tiling-scheme`` (the tile matrix set) and ``item`` (the
    tile URL template).
    """
    return ORJSONResponse(_tilejson(request, *release))


@router.get(
    "/collections/{collection_id}/tiles",
    operation_id="tiles-list_tilesets",
    response_class=ORJSONResponse,
)
def list_tilesets(request: Request, collection_id: str) -> ORJSONResponse:
    """The tilesets of a collection (one: WebMercatorQuad vector tiles)."""
    collection = read_collection(collection_id)
    base = base_url(request)
    href = f"{base}{_TILE_PATH.format(collection_id=collection.id)}"
    return ORJSONResponse(
        {
            "tilesets": [
                {
                    "title": f"{collection.title} vector tiles",
                    "dataType": "vector",
                    "crs": _CRS_3857,
                    "tileMatrixSetURI": _TMS_URI,
                    "links": [
                        link(href, "self", JSON, "Tileset (OGC tileset metadata and TileJSON 3)"),
                        link(f"{base}{_TMS_PATH}", _REL_TILING_SCHEME, JSON, "WebMercatorQuad"),
                    ],
                }
            ],
            "links": [link(f"{base}/collections/{collection.id}/tiles", "self", JSON)],
        }
    )


@router.get(
    _TILE_PATH + "/style.json",
    operation_id="tiles-get_collection_style",
    response_class=ORJSONResponse,
)
def get_collection_style(request: Request, release: CollectionReleaseDep) -> ORJSONResponse:
    """A Mapbox GL style of the collection's tiles, in the web map's colours, with Chinese labels.

    In QGIS: Layer ▸ Add Layer ▸ Vector Tile Layer, URL the tile template
    (``…/tiles/WebMercatorQuad/{z}/{x}/{y}``) and this document as the style URL.
    """
    collection, found = release
    base = base_url(request)
    here = f"{base}{_TILE_PATH.format(collection_id=collection.id)}"
    bbox = (found.import_report or {}).get("bbox") if found else None
    return ORJSONResponse(
        gl_style(collection.title, [collection], here + _TILE_TEMPLATE, here, bbox, MAX_ZOOM)
    )


@router.get(
    _COMBINED_PATH + "/style.json",
    operation_id="tiles-get_combined_style",
    response_class=ORJSONResponse,
)
def get_combined_style(
    request: Request,
    collections: Annotated[
        str | None,
        Query(description="comma-separated collection ids (default: every listed collection)"),
    ] = None,
) -> ORJSONResponse:
    """A Mapbox GL style of the combined tiles (``/tiles/WebMercatorQuad/{z}/{x}/{y}``)."""
    chosen = _chosen(collections)
    template = f"{base_url(request)}{_COMBINED_PATH}{_TILE_TEMPLATE}"
    if collections:
        template += "?collections=" + ",".join(c.id for c in chosen)
    return ORJSONResponse(gl_style("生态环境分区管控", chosen, template, max_zoom=MAX_ZOOM))


def _tile_matrix(z: int) -> dict[str, Any]:
    """Tile matrix ``z`` of WebMercatorQuad (OGC 2D-TMS 2.0, 17-083r4 Annex D.1).

    With the 2D-TMS 1.0 names (``identifier``, ``topLeftCorner``) as well: GDAL up to 3.6
    reads only those, newer GDAL and other clients the 2.0 ones.
    """
    half = math.pi * _EARTH_RADIUS_M
    cell_size = 2 * half / _TILE_SIZE / 2**z
    return {
        "id": str(z),
        "identifier": str(z),
        "scaleDenominator": cell_size / _PIXEL_SIZE_M,
        "cellSize": cell_size,
        "cornerOfOrigin": "topLeft",
        "pointOfOrigin": [-half, half],
        "topLeftCorner": [-half, half],
        "tileWidth": _TILE_SIZE,
        "tileHeight": _TILE_SIZE,
        "matrixWidth": 2**z,
        "matrixHeight": 2**z,
    }


def _web_mercator_quad() -> dict[str, Any]:
    """The WebMercatorQuad tile matrix set, matrices 0 … ``MAX_ZOOM`` (those served).

    2D-TMS 2.0 JSON (``id``, ``crs``, ``tileMatrices``), plus the 1.0 members GDAL ≤ 3.6
    needs to recognise and read it (``identifier``, ``supportedCRS``, ``boundingBox``
    with ``lowerCorner``/``upperCorner``).
    """
    half = math.pi * _EARTH_RADIUS_M
    return {
        "id": "WebMercatorQuad",
        "identifier": "WebMercatorQuad",
        "title": "Google Maps Compatible for the World",
        "uri": _TMS_URI,
        "crs": _CRS_3857,
        "supportedCRS": _CRS_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "boundingBox": {
            "crs": _CRS_3857,
            "lowerLeft": [-half, -half],
            "upperRight": [half, half],
            "lowerCorner": [-half, -half],
            "upperCorner": [half, half],
        },
        "tileMatrices": [_tile_matrix(z) for z in range(MAX_ZOOM + 1)],
    }


@router.get("/tileMatrixSets", operation_id="tiles-list_tile_matrix_sets")
def list_tile_matrix_sets(request: Request) -> ORJSONResponse:
    """The tile matrix sets the tiles use (one: WebMercatorQuad)."""
    base = base_url(request)
    href = f"{base}{_TMS_PATH}"
    return ORJSONResponse(
        {
            "tileMatrixSets": [
                {
                    "id": "WebMercatorQuad",
                    "title": "Google Maps Compatible for the World",
                    "uri": _TMS_URI,
                    "crs": _CRS_3857,
                    "links": [
                        link(href, "self", JSON, "WebMercatorQuad"),
                        link(href, _REL_TILING_SCHEME, JSON, "WebMercatorQuad"),
                    ],
                }
            ],
            "links": [link(f"{base}/tileMatrixSets", "self", JSON)],
        }
    )


@router.get(_TMS_PATH, operation_id="tiles-get_tile_matrix_set")
def get_tile_matrix_set() -> ORJSONResponse:
    """The WebMercatorQuad tile matrix set (OGC 2D-TMS 2.0 JSON) that every tile path uses."""
    return ORJSONResponse(_web_mercator_quad())
