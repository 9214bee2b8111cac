"""Security headers on every response, and a Content-Security-Policy on every page.

A pure ASGI middleware (no ``BaseHTTPMiddleware``: it would wrap every response body in a
task and slow the hot JSON paths). Every response gets ``X-Content-Type-Options`` and
``Referrer-Policy``; ``text/html`` responses also get the CSP and ``X-Frame-Options``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The pages' policy: scripts and styles only from files of this server (no inline script,
#: no style attribute), images also from data:/blob: URLs (Leaflet's), no framing.
PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

#: FastAPI's Swagger UI and ReDoc pages load their bundles from jsDelivr and start them with
#: inline code, so those pages alone allow both; they show the OpenAPI document, not stored data.
DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'",
        "style-src 'self' https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def route_path(scope: Scope) -> str:
    """The request's path inside the app (``root_path`` removed), as the routes see it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return path


_ALWAYS = (("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"))


class SecurityHeadersMiddleware:
    """Add the security headers to each HTTP response (headers a route set are kept)."""

    def __init__(self, app: ASGIApp, *, docs_paths: tuple[str, ...] = ()) -> None:
        """Wrap ``app``; ``docs_paths`` are the API documentation pages (``DOCS_POLICY``)."""
        self.app = app
        self.docs_paths = docs_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if route_path(scope) in self.docs_paths else PAGE_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS:
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("content-security-policy", policy)
                    headers.setdefault("x-frame-options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
