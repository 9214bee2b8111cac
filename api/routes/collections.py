"""Collections, their releases and their features (the OGC API Features core paths)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.deps import ApiSettingsDep, AsOfDep, BBoxDep, SessionDep, parse_as_of
from api.errors import InvalidParameterError
from api.responses import GeoJSONResponse, ORJSONResponse
from layers.catalog import COLLECTIONS, Collection, get_collection
from layers.features import get_feature, list_features
from layers.models import Release
from layers.releases import list_releases, release_as_of

router = APIRouter(tags=["collections"])

GEOJSON = "application/geo+json"


def release_public(release: Release) -> dict[str, Any]:
    """Wire form of a release."""
    return {
        "id": release.id,
        "collection": release.collection,
        "name": release.name,
        "valid_from": release.valid_from.isoformat(),
        "valid_to": release.valid_to.isoformat() if release.valid_to else None,
        "source": release.source,
        "licence": release.licence,
        "note": release.note,
        "source_crs": release.source_crs,
        "synthetic": release.synthetic,
        "feature_count": release.feature_count,
        "imported_at": release.imported_at.isoformat() if release.imported_at else None,
    }


def _collection_public(
    request: Request, collection: Collection, release: Release | None
) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    bbox = (release.import_report or {}).get("bbox") if release else None
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description or collection.title_en,
        "itemType": "feature",
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "extent": {"spatial": {"bbox": [bbox] if bbox else [[-180, -90, 180, 90]]}},
        "group": collection.group,
        "geometry_type": collection.geometry,
        "fields": [
            {
                "name": f.name,
                "type": f.type,
                "label": f.label,
                "choices": list(f.choices) if f.choices else None,
            }
            for f in collection.fields
        ],
        "release": release_public(release) if release else None,
        "links": [
            {
                "href": f"{base}/collections/{collection.id}",
                "rel": "self",
                "type": "application/json",
                "title": collection.title,
            },
            {
                "href": f"{base}/collections/{collection.id}/items",
                "rel": "items",
                "type": GEOJSON,
                "title": collection.title,
            },
            {
                "href": f"{base}/collections/{collection.id}/releases",
                "rel": "releases",
                "type": "application/json",
            },
        ],
    }


@router.get("/collections", operation_id="collections-list_collections")
def list_collections(request: Request, session: SessionDep, as_of: AsOfDep) -> ORJSONResponse:
    """Every collection of the store, with the release in force at ``datetime``."""
    base = str(request.base_url).rstrip("/")
    body = {
        "collections": [
            _collection_public(request, c, release_as_of(session, c.id, as_of)) for c in COLLECTIONS
        ],
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
    }
    return ORJSONResponse(body)


@router.get("/collections/{collection_id}", operation_id="collections-get_collection")
def get_collection_meta(
    request: Request, collection_id: str, session: SessionDep, as_of: AsOfDep
) -> ORJSONResponse:
    """One collection: fields, extent and the release in force at ``datetime``."""
    collection = get_collection(collection_id)
    return ORJSONResponse(
        _collection_public(request, collection, release_as_of(session, collection_id, as_of))
    )


@router.get("/collections/{collection_id}/releases", operation_id="collections-list_releases")
def get_releases(collection_id: str, session: SessionDep) -> ORJSONResponse:
    """All releases of a collection (source, licence, validity, import report)."""
    releases = list_releases(session, collection_id)
    return ORJSONResponse(
        {
            "collection": collection_id,
            "releases": [{**release_public(r), "import_report": r.import_report} for r in releases],
        }
    )


@router.get(
    "/collections/{collection_id}/items",
    operation_id="collections-list_features",
    response_class=GeoJSONResponse,
)
def get_items(
    request: Request,
    collection_id: str,
    session: SessionDep,
    settings: ApiSettingsDep,
    bbox: BBoxDep,
    as_of: AsOfDep,
    limit: Annotated[
        int | None, Query(ge=1, description="page size (default 100, max 10,000)")
    ] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> GeoJSONResponse:
    """Features of the release in force at ``datetime``, as a GeoJSON FeatureCollection."""
    page_size = limit or settings.default_limit
    if page_size > settings.max_limit:
        raise InvalidParameterError(
            f"limit {page_size} is above the maximum {settings.max_limit}.", field="limit"
        )
    page = list_features(
        session, collection_id, as_of=as_of, bbox=bbox, limit=page_size, offset=offset
    )
    links = _page_links(request, page_size, offset, len(page.features))
    body: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": page.features,
        "numberReturned": len(page.features),
        "links": links,
        "release": release_public(page.release) if page.release else None,
    }
    if page.number_matched is not None:
        body["numberMatched"] = page.number_matched
    return GeoJSONResponse(body)


def _page_links(request: Request, limit: int, offset: int, returned: int) -> list[dict[str, Any]]:
    def url(new_offset: int) -> str:
        return str(request.url.include_query_params(limit=limit, offset=new_offset))

    links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if returned == limit:
        links.append({"href": url(offset + limit), "rel": "next", "type": GEOJSON})
    if offset > 0:
        links.append({"href": url(max(0, offset - limit)), "rel": "prev", "type": GEOJSON})
    return links


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    operation_id="collections-get_feature",
    response_class=GeoJSONResponse,
)
def get_item(
    request: Request,
    collection_id: str,
    feature_id: int,
    session: SessionDep,
    datetime_: Annotated[str | None, Query(alias="datetime")] = None,
) -> GeoJSONResponse:
    """One feature, with its release and the source attributes it was imported with."""
    as_of = parse_as_of(datetime_) if datetime_ else None
    feature = get_feature(session, collection_id, feature_id, as_of=as_of)
    base = str(request.base_url).rstrip("/")
    feature["links"] = [
        {"href": str(request.url), "rel": "self", "type": GEOJSON},
        {
            "href": f"{base}/collections/{collection_id}",
            "rel": "collection",
            "type": "application/json",
        },
    ]
    return GeoJSONResponse(feature)
