"""Read-your-writes over read replicas: a write's response names its WAL position, a read brings it back.

With read replicas configured (``APP_DB_READ_URLS``), each successful write request
(``POST``/``PUT``/``PATCH``/``DELETE``, status below 400) answers with the primary's WAL
insert position taken after the route returned, so after its commit: in the header
``X-Ecozone-LSN`` and in the cookie ``ecozone_lsn`` (browsers send it back by
themselves; it expires after :data:`COOKIE_MAX_AGE_S`). A read that carries either runs
on a replica only once that replica has replayed the position
(:class:`layers.reads.replicas.RoutedPool`), else on the primary. Without read URLs
nothing is added and nothing is read.

Writes whose results are read back only from the primary are left out
(:data:`EXEMPT`): ``POST /screenings`` (``GET /screenings/{id}`` reads the primary) and
the read-only ``POST /queries/...``.
"""

from __future__ import annotations

import logging

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import InvalidParameterError
from api.headers import route_path
from layers.reads.replicas import RoutedPool, format_lsn, parse_lsn

logger = logging.getLogger(__name__)

HEADER = "X-Ecozone-LSN"
COOKIE = "ecozone_lsn"
#: Seconds a browser keeps sending a write's position: well past any lag a replica may
#: have and still be used (``APP_DB_READ_MAX_LAG_S``).
COOKIE_MAX_AGE_S = 60
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Paths whose writes need no position (method, path prefix).
EXEMPT = (("POST", "/screenings"), ("POST", "/queries/"))


def read_after(request: Request) -> int | None:
    """The write position a read must see: the header's, else the cookie's, else None.

    Only looked for when the app has read replicas.

    Raises:
        InvalidParameterError: the header is not a WAL position (a bad cookie is ignored).
    """
    pools: RoutedPool | None = getattr(request.app.state, "reads", None)
    if pools is None or not pools.replicated:
        return None
    header = request.headers.get(HEADER)
    if header is not None:
        lsn = parse_lsn(header)
        if lsn is None:
            raise InvalidParameterError(
                f"{HEADER} '{header[:40]}' is not a WAL position such as 0/16B3748 "
                "(send back the value a write returned).",
                field=HEADER,
            )
        return lsn
    cookie = request.cookies.get(COOKIE) if "cookie" in request.headers else None
    return parse_lsn(cookie) if cookie else None


def _exempt(method: str, path: str) -> bool:
    return any(method == m and path.startswith(p) for m, p in EXEMPT)


class ReadYourWritesMiddleware:
    """Add the primary's WAL position to the response of each successful write."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; a write's response start gets the position."""
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        pools: RoutedPool | None = getattr(scope["app"].state, "reads", None)
        if pools is None or not pools.replicated or _exempt(scope["method"], route_path(scope)):
            await self.app(scope, receive, send)
            return

        async def send_with_position(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                try:
                    lsn = await pools.primary_lsn()
                except Exception:  # the write is done; reads fall back by lag
                    logger.warning("no WAL position for a write's response", exc_info=True)
                    lsn = None
                if lsn is not None:
                    value = format_lsn(lsn)
                    headers = MutableHeaders(scope=message)
                    headers[HEADER] = value
                    headers.append(
                        "set-cookie",
                        f"{COOKIE}={value}; Max-Age={COOKIE_MAX_AGE_S}; Path=/; "
                        "HttpOnly; SameSite=Lax",
                    )
            await send(message)

        await self.app(scope, receive, send_with_position)
