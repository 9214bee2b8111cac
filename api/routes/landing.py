"""The OGC API landing page, conformance declaration and declared CQL2 functions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.ogc import CONFORMANCE, HTML, JSON, OPENAPI, base_url, link, self_links, wants_html
from api.responses import ORJSONResponse
from api.settings import ApiSettings
from layers.reads.cql import CUSTOM_FUNCTIONS
from web.ogc import render_resource
from web.router import map_page

router = APIRouter(tags=["ogc"])

#: What the landing page says about reads, by ``APP_API_PUBLIC_READS``.
_READ_POLICY = {
    True: "读取公开，写入需 API 密钥。Reads are public; writes need an API key.",
    False: (
        "读取与写入均需 API 密钥（Authorization: Bearer、X-API-Key，或 HTTP Basic：任意用户名，"
        "密钥作密码）。Reads and writes need an API key (Bearer, X-API-Key, or HTTP Basic "
        "with the key as password)."
    ),
}


@router.get("/", operation_id="ogc-landing", response_class=ORJSONResponse)
def landing(request: Request) -> Response:
    """The landing page: what this service is and where its API, conformance and data are."""
    base = base_url(request)
    settings: ApiSettings = request.app.state.api_settings
    body = {
        "title": settings.title,
        "description": (
            "生态环境分区管控 regulatory layers (OGC API Features Parts 1–3, vector tiles). "
            + _READ_POLICY[settings.public_reads]
        ),
        "read_policy": "public" if settings.public_reads else "api-key",
        "links": [
            *self_links(request, JSON, "This document"),
            link(f"{base}/api", "service-desc", OPENAPI, "The API definition (OpenAPI 3)"),
            link(f"{base}/docs", "service-doc", HTML, "The API documentation"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "Collections"),
            link(
                f"{base}/functions",
                "http://www.opengis.net/def/rel/ogc/1.0/functions",
                JSON,
                "CQL2 functions",
            ),
            link(f"{base}/map", "alternate", HTML, "Map 地图"),
        ],
    }
    if request.query_params.get("f") == "html":
        return HTMLResponse(
            render_resource("landing", settings.title, body, base=base, map_href=f"{base}/map")
        )
    if wants_html(request):
        # A person with a browser came for the map (the product's face); clients that
        # want the OGC HTML landing page ask for it with f=html.
        return map_page(request)
    return ORJSONResponse(body)


@router.get("/conformance", operation_id="ogc-conformance", response_class=ORJSONResponse)
def conformance(request: Request) -> Response:
    """The conformance classes implemented, and this server's custom CQL2 function."""
    body = {
        "conformsTo": CONFORMANCE,
        "functions": [
            {"name": name, "description": text} for name, text in CUSTOM_FUNCTIONS.items()
        ],
        "links": self_links(request, JSON),
    }
    if wants_html(request):
        return HTMLResponse(
            render_resource("conformance", "Conformance", body, base=base_url(request))
        )
    return ORJSONResponse(body)


@router.get("/functions", operation_id="ogc-functions")
def functions() -> ORJSONResponse:
    """The CQL2 functions a ``filter`` can call (OGC API Features Part 3, functions)."""
    return ORJSONResponse(
        {
            "functions": [
                {
                    "name": "S_DWITHIN_M",
                    "description": CUSTOM_FUNCTIONS["S_DWITHIN_M"],
                    "arguments": [
                        {"title": "geom", "type": ["geometry"]},
                        {
                            "title": "target: a geometry literal or COLLECTION('id'[, 'cql2-text'])",
                            "type": ["geometry"],
                        },
                        {"title": "distance in metres", "type": ["number"]},
                    ],
                    "returns": ["boolean"],
                }
            ]
        }
    )
