"""Collections, their releases, queryables and features (OGC API Features Parts 1–3)."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Annotated, Any, Literal
from urllib.parse import unquote_plus

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import AsOfDep, CollectionReleaseDep, IdPath, ReaderDep, SessionDep
from api.fast_routes import FastRoutes
from api.items_query import ITEM_PARAMS, ITEMS_OPENAPI_PARAMETERS, ItemsQuery
from api.ogc import GEOJSON, HTML, JSON, MVT, base_url, link, self_links, wants_html
from api.responses import GeoJSONResponse, ORJSONResponse
from api.settings import ApiSettings
from gis.crs import CRS84_API, CRS84_URI, ApiCRS, offered_crs_uris
from gis.quality import PARAMETERS
from layers.reads.cql import queryable_names
from layers.reads.diff import DivisionLevel, release_diff
from layers.reads.fastread import (
    feature_by_id,
    items_page,
)
from layers.reads.items import property_names
from layers.store.catalog import (
    PUBLISHED,
    Collection,
    Field,
    FieldType,
    read_collection,
    views_of,
)
from layers.store.etags import etag_matches
from layers.store.models import Release
from layers.store.releases import list_releases, release_as_of, release_public
from web.ogc import render_resource

router = APIRouter(tags=["collections"])
#: ``GET /collections/{id}/items``, the hottest path (see :mod:`api.fast_routes`).
fast = FastRoutes(router)

_JSON_SCHEMA_TYPES: dict[FieldType, dict[str, Any]] = {
    "text": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "text[]": {"type": "array", "items": {"type": "string"}},
}

_GEOMETRY_SCHEMA = {
    "MULTIPOLYGON": "https://geojson.org/schema/MultiPolygon.json",
    "MULTILINESTRING": "https://geojson.org/schema/MultiLineString.json",
    "POINT": "https://geojson.org/schema/Point.json",
    "GEOMETRY": "https://geojson.org/schema/Geometry.json",
}

#: The geometry ``format`` of OGC API Features Part 5 (schemas) by geometry type.
_GEOMETRY_FORMAT = {
    "MULTIPOLYGON": "geometry-multipolygon",
    "MULTILINESTRING": "geometry-multilinestring",
    "POINT": "geometry-point",
    "GEOMETRY": "geometry-any",
}

#: The properties a feature carries besides the catalogue fields
#: (``layers.reads.items.EXTRA_PROPERTIES``), with their Chinese titles.
_EXTRA_SCHEMAS: dict[str, dict[str, Any]] = {
    "release_id": {"title": "版本编号", "description": "release id", "type": "integer"},
    "release": {"title": "版本名称", "description": "release name", "type": "string"},
    "synthetic": {"title": "合成数据", "description": "synthetic data", "type": "boolean"},
    "area_m2": {
        "title": "面积（平方米）",
        "description": "ellipsoidal area in m²",
        "type": "number",
    },
}

SCHEMA_JSON = "application/schema+json"


def _field_schema(f: Field) -> dict[str, Any]:
    """A catalogue field as a JSON Schema property: Chinese title, its type, its code list."""
    return {
        "title": f.label,
        "description": f.name,
        **_JSON_SCHEMA_TYPES[f.type],
        **({"enum": list(f.choices)} if f.choices else {}),
        **({"minimum": f.minimum} if f.minimum is not None else {}),
    }


def _geometry_schema(collection: Collection) -> dict[str, Any]:
    return {
        "title": "几何",
        "description": f"geometry ({collection.geometry})",
        "format": _GEOMETRY_FORMAT[collection.geometry],
        "$ref": _GEOMETRY_SCHEMA[collection.geometry],
    }


def _collection_public(
    request: Request, collection: Collection, release: Release | None
) -> dict[str, Any]:
    base = base_url(request)
    bbox = (release.import_report or {}).get("bbox") if release else None
    here = f"{base}/collections/{collection.id}"
    temporal = (
        [
            [
                release.valid_from.isoformat(),
                release.valid_to.isoformat() if release.valid_to else None,
            ]
        ]
        if release
        else [[None, None]]
    )
    tiles = f"{here}/tiles/WebMercatorQuad"
    related = [
        link(
            f"{base}/collections/{v.id}",
            "related",
            JSON,
            f"{v.title}：{v.geometry}（只读视图 read view）",
        )
        for v in views_of(collection.id)
    ]
    if collection.stored_in is not None:
        related.append(
            link(
                f"{base}/collections/{collection.stored_in}",
                "related",
                JSON,
                "存储图层（面线混合）the storage collection (mixed geometry types)",
            )
        )
    return {
        "id": collection.id,
        "title": collection.title,
        "title_en": collection.title_en,
        "description": collection.description,
        "description_en": collection.description_en,
        "itemType": "feature",
        "crs": offered_crs_uris(),
        "storageCrs": CRS84_URI,
        "extent": {
            "spatial": {"bbox": [bbox] if bbox else [[-180, -90, 180, 90]], "crs": CRS84_URI},
            "temporal": {"interval": temporal},
        },
        "group": collection.group,
        # one type per collection; GEOMETRY only on a mixed storage collection, whose
        # views (``related`` links) are what /collections lists
        "geometry_type": collection.geometry,
        "stored_in": collection.stored_in,
        "views": [v.id for v in views_of(collection.id)],
        "fields": [
            {
                "name": f.name,
                "type": f.type,
                "label": f.label,
                "choices": list(f.choices) if f.choices else None,
                "value_labels": f.value_labels or None,
            }
            for f in collection.fields
        ],
        # how the map draws it (the map has no per-collection table of its own)
        "style": asdict(collection.style),
        "min_zoom": collection.min_zoom,
        "default_visible": collection.default_visible,
        "entry_list": list(collection.entry_list),
        "clauses_path": collection.clauses_path,
        # a status history per feature and a deadline view (the outfalls' 查测溯治)
        "lifecycle": {
            "history": f"{collection.lifecycle}/{{code}}/history",
            "deadlines": f"{collection.lifecycle}/deadlines",
        }
        if collection.lifecycle
        else None,
        # a time series per feature (stations' readings), parameters by medium
        "readings": {
            "path": collection.readings_path,
            "medium_field": "medium",
            "parameters": {
                medium: [p.code for p in PARAMETERS.values() if p.medium == medium]
                for medium in ("air", "surface_water")
            },
        }
        if collection.readings_path
        else None,
        # the plans' indicators per feature (divisions)
        "indicators": {"path": collection.indicators_path, "code_field": collection.code_field}
        if collection.indicators_path
        else None,
        "release": release_public(release) if release else None,
        "links": [
            link(here, "self", JSON, collection.title),
            link(f"{here}?f=html", "alternate", HTML, collection.title),
            link(f"{here}/items", "items", GEOJSON, collection.title),
            link(f"{here}/items?f=html", "items", HTML, collection.title),
            link(
                f"{here}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                SCHEMA_JSON,
                "Queryables",
            ),
            link(
                f"{here}/schema",
                "http://www.opengis.net/def/rel/ogc/1.0/schema",
                SCHEMA_JSON,
                "Schema 字段",
            ),
            link(f"{here}/schema", "describedby", SCHEMA_JSON, "Schema 字段"),
            link(
                f"{here}/tiles",
                "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                JSON,
                "Vector tilesets 矢量瓦片集",
            ),
            link(
                f"{tiles}/{{z}}/{{x}}/{{y}}",
                "item",
                MVT,
                "Mapbox vector tile template",
            ),
            link(f"{tiles}/style.json", "stylesheet", JSON, "Mapbox GL style 样式"),
            *related,
            link(f"{here}/releases", "releases", JSON, "Releases"),
            link(f"{base}/map?collection={collection.id}", "describedby", HTML, "Map 地图"),
        ],
    }


@router.get(
    "/collections", operation_id="collections-list_collections", response_class=ORJSONResponse
)
def list_collections(request: Request, session: SessionDep, as_of: AsOfDep) -> Response:
    """Every collection of one geometry type, with the release in force at ``datetime``.

    A collection that mixes geometry types (``water_bodies``) is listed as its read views
    (``water_areas``, ``water_lines``); it stays readable under its own id.
    """
    body = {
        "collections": [
            _collection_public(request, c, release_as_of(session, c.storage, as_of))
            for c in PUBLISHED
        ],
        "links": self_links(request, JSON, "Collections"),
    }
    if wants_html(request):
        return HTMLResponse(
            render_resource("collections", "图层 Collections", body, base=base_url(request))
        )
    return ORJSONResponse(body)


@router.get(
    "/collections/{collection_id}",
    operation_id="collections-get_collection",
    response_class=ORJSONResponse,
)
def get_collection_meta(
    request: Request, collection_id: str, release: CollectionReleaseDep
) -> Response:
    """One collection: fields, extent, CRSs and the release in force at ``datetime``."""
    collection = release[0]
    body = _collection_public(request, *release)
    if wants_html(request):
        base = base_url(request)
        return HTMLResponse(
            render_resource(
                "collection",
                collection.title,
                body,
                base=base,
                map_href=f"{base}/map?collection={collection_id}",
            )
        )
    return ORJSONResponse(body)


@router.get(
    "/collections/{collection_id}/queryables",
    operation_id="collections-get_queryables",
    response_class=ORJSONResponse,
)
def get_queryables(request: Request, collection_id: str) -> ORJSONResponse:
    """The properties a ``filter`` or ``sortby`` may name (JSON Schema, Chinese titles)."""
    collection = read_collection(collection_id)
    properties: dict[str, Any] = {
        "id": {"title": "要素编号", "description": "id", "type": "integer"},
        **{f.name: _field_schema(f) for f in collection.fields},
        "geom": _geometry_schema(collection),
    }
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base_url(request)}/collections/{collection_id}/queryables",
        "type": "object",
        "title": collection.title,
        "properties": properties,
        "additionalProperties": False,
    }
    return ORJSONResponse(body, media_type=SCHEMA_JSON)


@router.get(
    "/collections/{collection_id}/schema",
    operation_id="collections-get_schema",
    response_class=ORJSONResponse,
)
def get_schema(request: Request, collection_id: str) -> ORJSONResponse:
    """What a feature carries (OGC API Features Part 5): every property with its Chinese title and type.

    Clients that read it show the titles as field aliases. ``x-ogc-role`` marks the
    feature id and the primary geometry.
    """
    collection = read_collection(collection_id)
    properties: dict[str, Any] = {
        "id": {"title": "要素编号", "description": "id", "type": "integer", "x-ogc-role": "id"},
        "geom": {**_geometry_schema(collection), "x-ogc-role": "primary-geometry"},
    }
    for name in property_names(collection):
        if name in _EXTRA_SCHEMAS:
            properties[name] = {**_EXTRA_SCHEMAS[name], "readOnly": True}
        else:
            properties[name] = _field_schema(collection.field(name))
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base_url(request)}/collections/{collection_id}/schema",
        "type": "object",
        "title": collection.title,
        "description": collection.description,
        "properties": properties,
    }
    return ORJSONResponse(body, media_type=SCHEMA_JSON)


@router.get(
    "/collections/{collection_id}/releases",
    operation_id="collections-list_releases",
    response_class=ORJSONResponse,
)
def get_releases(collection_id: str, session: SessionDep) -> ORJSONResponse:
    """All releases of a collection (source, licence, validity, import report); a read view's are its storage collection's."""
    releases = list_releases(session, read_collection(collection_id).storage)
    return ORJSONResponse(
        {
            "collection": collection_id,
            "releases": [{**release_public(r), "import_report": r.import_report} for r in releases],
        }
    )


@router.get(
    "/collections/{collection_id}/releases/{release_a}/diff/{release_b}",
    operation_id="collections-diff_releases",
    response_class=ORJSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def diff_releases(
    collection_id: str,
    release_a: str,
    release_b: str,
    session: SessionDep,
    level: Annotated[
        DivisionLevel, Query(description="admin division level the areas are split by")
    ] = "county",
    f: Annotated[
        Literal["json", "geojson"], Query(description="geojson: only the changed features")
    ] = "json",
) -> Response:
    """What changed from release ``release_a`` to ``release_b`` (release names).

    Added, removed and changed features (matched by code, else by geometry), the area
    gained and lost in total and per admin division, and for 生态保护红线 / 生态空间 the
    只增不减 check (``only_grows``). ``f=geojson`` answers the changed features only, each
    with a ``change`` property (added / removed / changed).
    """
    body = release_diff(session, read_collection(collection_id), release_a, release_b, level)
    if f == "geojson":
        return GeoJSONResponse(body["features"])
    return ORJSONResponse(body)


def _page_links(
    request: Request, limit: int, offset: int, has_more: bool, collection_id: str
) -> list[dict[str, Any]]:
    # The other links are the request's own URL with ``f``, ``limit`` and ``offset``
    # replaced. The query string is edited as raw ``&``-separated pieces (each kept as
    # the client encoded it; only their keys are decoded to compare), which is a small
    # fraction of what re-parsing and re-encoding the URL per link cost (Starlette's
    # ``include_query_params`` did that, ~10 % of a point query's Python time).
    here = str(request.url)
    path, _, query = here.partition("?")
    pieces = [p for p in query.split("&") if p and _query_key(p) != "f"] if query else []

    def including(**params: Any) -> str:
        kept = [p for p in pieces if _query_key(p) not in params]
        kept += [f"{k}={v}" for k, v in params.items()]
        return f"{path}?{'&'.join(kept)}"

    base = base_url(request)
    links = [
        link(here, "self", GEOJSON),
        link(including(f="html"), "alternate", HTML),
        link(f"{base}/collections/{collection_id}", "collection", JSON),
    ]
    if has_more:
        links.append(
            link(including(limit=limit, offset=offset + limit), "next", GEOJSON, "Next page")
        )
    if offset > 0:
        links.append(
            link(
                including(limit=limit, offset=max(0, offset - limit)),
                "prev",
                GEOJSON,
                "Previous page",
            )
        )
    return links


def _query_key(piece: str) -> str:
    """The decoded key of one raw ``key=value`` piece of a query string."""
    key = piece.partition("=")[0]
    return unquote_plus(key) if "%" in key or "+" in key else key


def _crs_header(crs: ApiCRS) -> dict[str, str]:
    return {"Content-Crs": f"<{crs.uri}>"}


@fast.get(
    "/collections/{collection_id}/items",
    operation_id="collections-list_features",
    response_class=GeoJSONResponse,
    openapi_extra={"parameters": ITEMS_OPENAPI_PARAMETERS},
)
async def get_items(request: Request, collection_id: str, reader: ReaderDep) -> Response:
    """Features of the release in force at ``datetime``, as a GeoJSON FeatureCollection.

    Paging follows the ``next``/``prev`` links. ``numberMatched`` is given when it is cheap
    (no bbox/filter, or a release of at most 10,000 features).
    """
    settings: ApiSettings = request.app.state.api_settings
    query = ItemsQuery.parse(request.query_params, settings, collection_id)
    collection, limit, offset = query.collection, query.page.limit, query.page.offset
    page = await items_page(reader, query.page)
    links = _page_links(request, limit, offset, page.has_more, collection_id)
    body: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": orjson.Fragment(page.features),
        "numberReturned": page.number_returned,
        "links": links,
        "timeStamp": _now(),
        "release": page.release,
    }
    if page.number_matched is not None:
        body["numberMatched"] = page.number_matched
    if wants_html(request):
        body["features"] = orjson.loads(page.features)
        columns = list(query.page.properties or collection.field_names)
        return HTMLResponse(
            render_resource(
                "items",
                f"{collection.title} · items",
                body,
                base=base_url(request),
                collection_id=collection_id,
                columns=columns,
                map_href=f"{base_url(request)}/map?collection={collection_id}",
            )
        )
    return GeoJSONResponse(body, headers=_crs_header(query.page.crs))


def _now() -> str:
    """The current UTC second in RFC 3339 (``timeStamp``), formatted once per second."""
    second = int(time.time())
    if _NOW[0] != second:
        _NOW[:] = [second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))]
    return str(_NOW[1])


_NOW: list[Any] = [None, ""]


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    operation_id="collections-get_feature",
    response_class=GeoJSONResponse,
    responses={304: {"description": "Not Modified: `If-None-Match` names the current ETag."}},
)
async def get_item(
    request: Request,
    collection_id: str,
    feature_id: IdPath,
    reader: ReaderDep,
    # the query parameters are in the OpenAPI and validated here; ItemsQuery reads them
    datetime_: Annotated[str | None, Query(alias="datetime")] = None,  # noqa: ARG001
    crs: Annotated[str | None, Query(description="CRS of the returned geometry")] = None,  # noqa: ARG001
    properties: Annotated[str | None, Query()] = None,  # noqa: ARG001
    f: Annotated[str | None, Query(pattern="^(json|geojson|html)$")] = None,  # noqa: ARG001
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One feature, with its release and the source attributes it was imported with.

    The GeoJSON response carries an `ETag`; send it back in `If-None-Match` to get a
    `304 Not Modified` while the feature is unchanged. For the default representation
    (no `crs` other than CRS84, no `properties`) it is a strong ETag, the same value an
    edit (`PUT`/`PATCH`/`DELETE`) checks `If-Match` against: read, then write with
    `If-Match: <ETag>` and get a 412 if someone changed the feature in between. Another
    `crs` or a `properties` selection is a different representation of the same row, so
    its ETag is weak (`W/"…"`, same hash): it validates caches (`If-None-Match` compares
    weakly) but `If-Match` compares strongly, so it never allows a write. The HTML page
    has no ETag.
    """
    settings: ApiSettings = request.app.state.api_settings
    query = ItemsQuery.parse(request.query_params, settings, collection_id, ITEM_PARAMS)
    collection, out_crs, selected = query.collection, query.page.crs, query.page.properties
    as_of = query.page.as_of if query.as_of_given else None
    html = wants_html(request)
    read = await feature_by_id(
        reader, collection_id, feature_id, as_of=as_of, crs=out_crs, properties=selected
    )
    # JSON and HTML are negotiated on Accept at one URL (see ``wants_html``).
    headers = {"Vary": "Accept"}
    if not html:
        # a view's feature (multi-part geometry) is another representation of the row
        default = out_crs == CRS84_API and selected is None and collection.stored_in is None
        etag = read.etag if default else f"W/{read.etag}"
        headers["ETag"] = etag
        if if_none_match is not None and etag_matches(if_none_match, etag, weak=True):
            return Response(status_code=304, headers=headers)
    feature = orjson.loads(read.body)
    base = base_url(request)
    feature["links"] = [
        *self_links(request, GEOJSON),
        link(f"{base}/collections/{collection_id}", "collection", JSON),
    ]
    if html:
        return HTMLResponse(
            render_resource("feature", f"{collection.title} #{feature_id}", feature, base=base),
            headers=headers,
        )
    return GeoJSONResponse(feature, headers={**headers, **_crs_header(out_crs)})


__all__ = ["queryable_names", "router"]
