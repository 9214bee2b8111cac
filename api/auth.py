"""API-key authentication and role checks for writes (and for reads when they are private).

A key comes as ``Authorization: Bearer <key>``, ``X-API-Key: <key>`` or as the password of
HTTP Basic credentials (any user name: ``Authorization: Basic base64(user:key)``), which
is what QGIS and GDAL can send. No key or an
unknown/revoked key is 401 (with ``WWW-Authenticate``); a valid key whose role is too low
is 403. Use ``Depends(require_role("editor"))`` on any write route, e.g.
``DELETE /screenings/{id}``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import SessionDep
from api.errors import problem
from api.headers import route_path
from layers.store.keys import authenticate, role_allows
from layers.store.models import ApiKey


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip() or None
    if scheme.lower() == "basic":
        return _basic_password(credentials.strip())
    return request.headers.get("x-api-key") or None


def _basic_password(credentials: str) -> str | None:
    """The password of HTTP Basic credentials (RFC 7617), which carries the key; the user is ignored.

    Desktop GIS (QGIS's "Basic" authentication method, GDAL's ``GDAL_HTTP_USERPWD``)
    can send Basic credentials but no custom header, so the key may come as the password
    with any user name. Malformed credentials count as no key.
    """
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _user, sep, password = decoded.partition(":")
    return password.strip() or None if sep else None


def require_role(role: str) -> Callable[..., ApiKey]:
    """A dependency that returns the caller's key if its role is at least ``role``."""

    def dependency(request: Request, session: SessionDep) -> ApiKey:
        plaintext = _presented_key(request)
        if plaintext is None:
            raise HTTPException(
                401,
                "An API key is required: send 'Authorization: Bearer <key>', 'X-API-Key', "
                "or HTTP Basic with the key as the password (any user name).",
                headers={"WWW-Authenticate": 'Bearer realm="ecozone"'},
            )
        key = authenticate(session, plaintext)
        if key is None:
            raise HTTPException(
                401,
                "The API key is unknown or revoked.",
                headers={"WWW-Authenticate": 'Bearer realm="ecozone", error="invalid_token"'},
            )
        if not role_allows(key.role, role):
            raise HTTPException(403, f"This needs the '{role}' role; the key has '{key.role}'.")
        request.state.api_key = key
        return key

    dependency.__name__ = f"require_{role}"
    return dependency


#: What stays public when reads are private: the probes, the landing page and the map's
#: page (it holds no data; its data comes from gated routes), static assets and the API's
#: metadata. Everything else in the app, present or future, needs a viewer key.
PUBLIC_PATHS = frozenset(
    {"/", "/map", "/healthz", "/readyz", "/api", "/docs", "/docs/oauth2-redirect", "/redoc"}
    | {"/conformance", "/functions"}
)
PUBLIC_PREFIXES = ("/static/",)


def is_public(path: str) -> bool:
    """True for the paths that stay public when reads are private."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class ReadGate:
    """The one gate of private reads: every request outside :data:`PUBLIC_PATHS` needs a key.

    A pure ASGI middleware in front of the routes, so it holds for every route the app
    has or will have (plain Starlette routes included) and answers 401 before a body is
    read. With public reads (the default) it costs one attribute lookup. Write routes
    keep their own role checks (``require_role``) behind it.
    """

    def __init__(self, app: ASGIApp, public_reads: bool) -> None:
        """Wrap ``app``."""
        self.app = app
        self.public_reads = public_reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the request through, or answer 401/403 without touching its body."""
        if self.public_reads or scope["type"] != "http" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        if is_public(route_path(scope)):
            await self.app(scope, receive, send)
            return
        request = Request(scope)

        def check() -> None:
            with scope["app"].state.sessionmaker() as session:
                require_role("viewer")(request, session)

        try:
            await run_in_threadpool(check)
        except HTTPException as exc:
            response = problem(
                request, exc.status_code, type_=f"http-{exc.status_code}", detail=str(exc.detail)
            )
            if exc.headers:
                response.headers.update(exc.headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


EditorDep = Annotated[ApiKey, Depends(require_role("editor"))]
AdminDep = Annotated[ApiKey, Depends(require_role("admin"))]
ViewerDep = Annotated[ApiKey, Depends(require_role("viewer"))]
