"""Text input policy: no NUL or other control characters in any string the API accepts.

PostgreSQL refuses NUL in ``text`` and ``jsonb`` (a 500 if it got that far), and no
field of the service has a use for the other C0 controls, so both are refused at the
edge with a problem naming the field: query strings and paths by
:class:`ControlCharacterMiddleware` (one regex search over the raw query string, the
items route included), JSON bodies by the :data:`CleanStr` type of the body models.
Tab, line feed and carriage return stay allowed in bodies and query values (a
multi-line filter or note).
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import unquote_plus

from pydantic import AfterValidator

from api.errors import problem

#: C0 controls and DEL, except tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The same characters percent-encoded, or raw, in a query string.
_CONTROL_IN_QUERY = re.compile(
    rb"%(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
#: Any control character in a path (no field has a use for one).
_CONTROL_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")

CONTROL_MESSAGE = (
    "must not contain NUL or other control characters (U+0000–U+001F, U+007F; tab, line "
    "feed and carriage return are allowed)"
)


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(CONTROL_MESSAGE)
    return value


#: A body string without NUL or other control characters (a 422 naming the field).
CleanStr = Annotated[str, AfterValidator(_no_control)]


def query_field_with_control(query: bytes) -> str | None:
    """The name of the first query parameter whose key or value has a control character."""
    if not _CONTROL_IN_QUERY.search(query):
        return None
    for piece in query.split(b"&"):
        if _CONTROL_IN_QUERY.search(piece):
            key = unquote_plus(piece.partition(b"=")[0].decode("latin-1"))
            return _CONTROL.sub("?", key) or "query"
    return "query"  # pragma: no cover - the search above found one piece


class ControlCharacterMiddleware:
    """Answer 400 to a request whose path or query string carries a control character."""

    def __init__(self, app: Any) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Check the query string and path; pass everything else through untouched."""
        if scope["type"] == "http":
            field = query_field_with_control(scope.get("query_string", b""))
            if field is None and _CONTROL_IN_PATH.search(scope.get("path", "")):
                field = "path"
            if field is not None:
                from starlette.requests import Request

                response = problem(
                    Request(scope),
                    400,
                    type_="invalid-parameter",
                    detail=f"{field} {CONTROL_MESSAGE}.",
                    field=field,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
