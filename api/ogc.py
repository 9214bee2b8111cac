"""OGC API plumbing shared by the routes: links, content negotiation, conformance."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.errors import InvalidParameterError

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
MVT = "application/vnd.mapbox-vector-tile"

_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf"
_F2 = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf"
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"

CONFORMANCE = [
    f"{_F1}/core",
    f"{_F1}/oas30",
    f"{_F1}/html",
    f"{_F1}/geojson",
    f"{_F2}/crs",
    f"{_F3}/queryables",
    f"{_F3}/queryables-query-parameters",
    f"{_F3}/filter",
    f"{_F3}/features-filter",
    f"{_F3}/functions",
    f"{_CQL2}/cql2-text",
    f"{_CQL2}/cql2-json",
    f"{_CQL2}/basic-cql2",
    f"{_CQL2}/advanced-comparison-operators",
    f"{_CQL2}/case-insensitive-comparison",
    f"{_CQL2}/basic-spatial-functions",
    f"{_CQL2}/basic-spatial-functions-plus",
    f"{_CQL2}/spatial-functions",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
    f"{_TILES}/core",
    f"{_TILES}/tileset",
    f"{_TILES}/tilesets-list",
    f"{_TILES}/geodata-tilesets",
    f"{_TILES}/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]


def base_url(request: Request) -> str:
    """The service's base URL (scheme, host and root path) without a trailing slash."""
    return str(request.base_url).rstrip("/")


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, Any]:
    """One link object."""
    out: dict[str, Any] = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def wants_html(request: Request) -> bool:
    """True when the client asks for HTML: ``f=html``, or a browser's Accept header.

    ``f=json``/``f=geojson`` win over the header. A browser sends ``text/html`` first; API
    clients (GDAL, OWSLib, curl) send JSON types or ``*/*`` and get JSON.

    Raises:
        InvalidParameterError: ``f`` is not one of html, json, geojson.
    """
    f = request.query_params.get("f")
    if f is not None:
        if f not in ("html", "json", "geojson"):
            raise InvalidParameterError(
                f"f '{f}' is not offered; use json, geojson or html.", field="f"
            )
        return f == "html"
    accept = request.headers.get("accept", "")
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in (HTML, "application/xhtml+xml")


def self_links(request: Request, json_type: str, title: str | None = None) -> list[dict[str, Any]]:
    """``self`` (JSON) and ``alternate`` (HTML) links for the requested URL."""
    url = request.url.remove_query_params("f")
    return [
        link(
            str(url.include_query_params(f="json" if json_type == JSON else "geojson")),
            "self",
            json_type,
            title,
        ),
        link(str(url.include_query_params(f="html")), "alternate", HTML, title),
    ]
