"""Response classes: GeoJSON and RFC 9457 problem details, serialised with orjson."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class ORJSONResponse(JSONResponse):
    """JSON serialised by orjson (non-ASCII kept as UTF-8, fragments passed through)."""

    def render(self, content: Any) -> bytes:
        """Serialise with orjson."""
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class GeoJSONResponse(ORJSONResponse):
    """``application/geo+json`` (RFC 7946)."""

    media_type = "application/geo+json"


class ProblemResponse(ORJSONResponse):
    """``application/problem+json`` (RFC 9457)."""

    media_type = "application/problem+json"
