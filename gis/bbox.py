"""The OGC ``bbox`` parameter: parsed and checked once, for every route that takes one."""

from __future__ import annotations

import math

from gis.crs import CRS84_API, ApiCRS
from gis.errors import InvalidBBoxError

BBox = tuple[float, float, float, float]


def parse_bbox(text: str, crs: ApiCRS = CRS84_API) -> BBox:
    """Parse ``bbox`` given in ``crs``'s axis order; return it in x/y order.

    Four numbers, or six (3D: the heights are dropped). In a geographic CRS (EPSG:4326,
    EPSG:4490, CRS84) longitudes must lie in [-180, 180] and latitudes in [-90, 90].

    Raises:
        InvalidBBoxError: not 4 (or 6) finite numbers, a minimum above its maximum, or
            lon/lat out of range.
    """
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise InvalidBBoxError(
            f"bbox '{text}' must be four numbers: minx,miny,maxx,maxy.", field="bbox"
        ) from None
    if len(parts) == 6:  # 3D bbox: drop the heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise InvalidBBoxError(
            f"bbox '{text}' must have 4 finite numbers (minx,miny,maxx,maxy).", field="bbox"
        )
    a, b, c, d = parts
    minx, miny, maxx, maxy = (b, a, d, c) if crs.lat_first else (a, b, c, d)
    if minx > maxx or miny > maxy:
        raise InvalidBBoxError(f"bbox '{text}': a minimum is above its maximum.", field="bbox")
    if crs.srid in (4326, 4490) and not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
    ):
        raise InvalidBBoxError(
            f"bbox '{text}' is out of range: lon in [-180,180], lat in [-90,90].", field="bbox"
        )
    return minx, miny, maxx, maxy
