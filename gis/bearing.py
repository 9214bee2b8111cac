"""方位: the geodesic azimuth from one point to another and its 16-point name (EIA tables).

Environmental impact reports give each protection target's 方位 as one of 16 compass
points seen from the project site's centre, in English letters (N, NNE … NNW) or in
Chinese (北, 北东北 … 北西北), and its distance from the site's edge; the azimuth
here is the forward azimuth on the WGS84 ellipsoid (``pyproj.Geod.inv``).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyproj import Geod

#: The 16 points clockwise from north, in English letters.
POINTS_EN = (
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
    "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
)  # fmt: skip
#: The same in Chinese, as EIA tables write 方位.
POINTS_ZH = (
    "北", "北东北", "东北", "东东北", "东", "东东南", "东南", "南东南",
    "南", "南西南", "西南", "西西南", "西", "西西北", "西北", "北西北",
)  # fmt: skip
#: Closer than this, the direction from the centre to a target is meaningless.
_SAME_POINT_M = 1.0


@cache
def _geod() -> Geod:
    from pyproj import Geod  # lazy: pyproj (~27 MB) only once a bearing is asked for

    return Geod(ellps="WGS84")


def azimuth(lon0: float, lat0: float, lon1: float, lat1: float) -> float | None:
    """Forward geodesic azimuth (degrees clockwise from north, 0–360) from 0 to 1.

    ``None`` when the two points are less than a metre apart (no direction).
    """
    az, _back, dist = _geod().inv(lon0, lat0, lon1, lat1)
    if dist < _SAME_POINT_M:
        return None
    return float(az) % 360.0


def point_index(azimuth_deg: float) -> int:
    """The 16-point sector (0 = N, 1 = NNE …) of an azimuth: each spans 22.5°, centred."""
    return int(((azimuth_deg % 360.0) + 11.25) // 22.5) % 16


def compass(azimuth_deg: float | None) -> tuple[str, str]:
    """The 16-point name of an azimuth in English and Chinese (``("—", "—")`` for none)."""
    if azimuth_deg is None:
        return "—", "—"
    i = point_index(azimuth_deg)
    return POINTS_EN[i], POINTS_ZH[i]
