"""Coordinates as reviewers write them: typed in, and a site's vertices (拐点坐标).

Typed-in lon/lat or CGCS2000 Gauss-Krüger x/y are read to a lon/lat point; a site's vertices
are listed in a CGCS2000 3-degree Gauss-Krüger zone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gis.crs import api_crs, in_china, transformer
from gis.errors import UnknownCRSError

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
#: A degrees-minutes-seconds angle as EIA reports write one: 115°57′36″, 115°57'36.5",
#: 115度57分36秒, 115°57.6′ (minutes and seconds optional).
_DMS = re.compile(
    r"(\d+(?:\.\d+)?)\s*[°度]\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:['′’]|分)\s*)?"
    r"(?:(\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒)\s*)?"
)


@dataclass(frozen=True)
class ParsedPoint:
    """A point read from text, in lon/lat, with how it was read."""

    lon: float
    lat: float
    how: str


def _is_lon(v: float) -> bool:
    return 73 <= v <= 136


def _is_lat(v: float) -> bool:
    return 3 <= v <= 54


def is_northing(v: float) -> bool:
    """Whether ``v`` may be a CGCS2000 Gauss-Krüger northing in China (metres)."""
    return 300_000 <= v <= 6_100_000


def is_easting(v: float) -> bool:
    """Whether ``v`` may be a Gauss-Krüger easting: with its zone number, or without."""
    prefixed = 13_000_000 <= v < 46_000_000
    return prefixed or 100_000 <= v < 1_000_000


def gk_epsg(easting: float, near_lon: float | None) -> int | None:
    """The CGCS2000 Gauss-Krüger EPSG code for an easting.

    A prefixed easting names its zone (13-23: 6° zones, EPSG:4491-4501; 25-45: 3° zones,
    EPSG:4513-4533). A plain easting needs ``near_lon`` to pick the 3° zone by central
    meridian (EPSG:4534-4554, "CM 75E" to "CM 135E").
    """
    if easting >= 1_000_000:
        zone = int(easting // 1_000_000)
        if 25 <= zone <= 45:
            return 4513 + zone - 25
        if 13 <= zone <= 23:
            return 4491 + zone - 13
        return None
    if near_lon is None:
        return None
    cm = round(near_lon / 3) * 3
    if not 75 <= cm <= 135:
        return None
    return 4534 + (cm - 75) // 3


def parse_point(text: str, near_lon: float | None = None) -> ParsedPoint | None:
    """Read ``"120.27, 31.95"``, ``"31.95 120.27"``, ``"东经120°16′12″ 北纬31°57′"`` or GK ``"X=3538000 Y=40525000"``.

    Gauss-Krüger coordinates follow the surveying order (x = northing first); the other
    order is accepted when the numbers make it unambiguous. Returns None when the text
    is not a point in China.
    """
    dms = "°" in text or "度" in text
    numbers = dms_angles(text) if dms else [float(n) for n in _NUMBER.findall(text)]
    if numbers is None or len(numbers) != 2:
        return None
    a, b = numbers
    unit = "（度分秒）" if dms else ""
    if _is_lon(a) and _is_lat(b):
        return ParsedPoint(a, b, "经度,纬度" + unit)
    if _is_lat(a) and _is_lon(b):
        return ParsedPoint(b, a, "纬度,经度" + unit)
    if dms:
        return None
    if is_northing(a) and is_easting(b):
        northing, easting = a, b
    elif is_northing(b) and is_easting(a):
        northing, easting = b, a
    else:
        return None
    epsg = gk_epsg(easting, near_lon)
    if epsg is None:
        return None
    from pyproj import CRS  # lazy: pyproj (~27 MB) only for Gauss-Krüger input (issue 12)

    lon, lat = transformer(CRS.from_epsg(epsg), CRS.from_epsg(4326)).transform(easting, northing)
    if not bool(in_china(np.array([lon]), np.array([lat]))[0]):
        return None
    return ParsedPoint(float(lon), float(lat), f"CGCS2000 高斯-克吕格 EPSG:{epsg} (X 北, Y 东)")


def dms_angles(text: str) -> list[float] | None:
    """The angles written in degrees, minutes and seconds in ``text``, in decimal degrees.

    None when a minute or second is 60 or more, or when numbers stand outside the angles
    (``东经``/``E`` and separators may; another number may not).
    """
    angles: list[float] = []
    rest = text
    for match in _DMS.finditer(text):
        degrees, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
        if minutes >= 60 or seconds >= 60:
            return None
        angles.append(degrees + minutes / 60 + seconds / 3600)
        rest = rest.replace(match.group(0), " ", 1)
    return None if _NUMBER.search(rest) else angles


# --- 拐点坐标: a geometry's vertices in CGCS2000 Gauss-Krüger, as EIA reports list them ------


@dataclass(frozen=True)
class GKZone:
    """A CGCS2000 3-degree Gauss-Krüger zone, its eastings with the zone number or without.

    EPSG:4513-4533 put the zone number in front of Y (zone 40: Y = 40 525 776.6); their
    twins EPSG:4534-4554 ("CM 120E") do not (Y = 525 776.6). A report keeps the family
    the reviewer asked for, so its Y match their drawings.
    """

    zone: int
    central_meridian: int
    epsg: int

    @property
    def prefixed(self) -> bool:
        """Whether Y carries the zone number."""
        return self.epsg <= LAST_PREFIXED_EPSG

    @property
    def label(self) -> str:
        """The zone as a report names it."""
        y = "Y 坐标含带号" if self.prefixed else "Y 坐标不含带号"
        return (
            f"CGCS2000 3 度带高斯-克吕格投影 第 {self.zone} 带（中央经线 "
            f"{self.central_meridian}°E，EPSG:{self.epsg}，{y}）"
        )


#: The last of the zones whose Y carries the zone number (zone 45, EPSG:4533).
LAST_PREFIXED_EPSG = 4533
#: Degrees a site may lie from a zone's central meridian: the zone's own 1.5° and the
#: next zone's width, for a county surveyed in its fixed zone across a zone boundary.
MAX_ZONE_OFFSET_DEG = 4.5


def gk3_zone(lon: float) -> GKZone:
    """The 3-degree zone of a longitude (zones 25-45, 75°E-135°E; one zone for a whole site).

    Raises:
        ValueError: the longitude lies outside China's zones.
    """
    zone = math.floor(lon / 3 + 0.5)  # a meridian half-way between two zones goes east
    if not 25 <= zone <= 45:
        raise ValueError(f"longitude {lon} is outside the CGCS2000 3-degree zones 25-45")
    return GKZone(zone, zone * 3, 4513 + zone - 25)


def gk3_zone_of_epsg(epsg: int | None) -> GKZone | None:
    """The 3-degree zone of a CGCS2000 Gauss-Krüger EPSG code (4513-4554), else None.

    Both families count: zones 25-45 with the zone number in Y (EPSG:4513-4533) and the
    same zones without it ("CM 75E" … "CM 135E", EPSG:4534-4554).
    """
    if epsg is None or not 4513 <= epsg <= 4554:
        return None
    zone = 25 + (epsg - 4513 if epsg <= LAST_PREFIXED_EPSG else epsg - 4534)
    return GKZone(zone, zone * 3, epsg)


def gk3_zone_of_crs(crs: str | None) -> GKZone | None:
    """The 3-degree zone a CRS names, when it is one of CGCS2000's (:func:`gk3_zone_of_epsg`).

    A site surveyed in a county's fixed zone keeps that zone in the report even when its
    centre lies in the next. None for any other CRS (lon/lat, 6-degree zones, a CRS that
    does not parse).
    """
    if not crs:
        return None
    from pyproj import CRS  # lazy: pyproj only when a report is drawn (issue 12)
    from pyproj.exceptions import CRSError

    try:
        return gk3_zone_of_epsg(CRS.from_user_input(crs).to_epsg())
    except CRSError:
        return None


def gk3_zone_crs(text: str, *, field: str = "report_crs") -> str:
    """``EPSG:N`` of the CGCS2000 3-degree zone ``text`` names (a code, URI or URN).

    For the zone a screening's reports list the corners in (a county's fixed zone, which
    its surveyors and the reviewer's own drawings use). Read as the API reads a ``crs``
    (:func:`gis.crs.api_crs`, cached), the zone from its code.

    Raises:
        UnknownCRSError: ``text`` does not name such a zone.
    """
    raw = text.strip()
    try:
        code: int | None = api_crs(f"EPSG:{raw}" if raw.isdigit() else raw, field=field).srid
    except UnknownCRSError:  # not a CRS the API offers, or a name (CGCS2000): never a zone
        code = None
    if gk3_zone_of_epsg(code) is None:
        raise UnknownCRSError(
            f"{field}: {raw} is not a CGCS2000 3-degree Gauss-Krüger zone; give one "
            "of EPSG:4513–4554 (e.g. EPSG:4528 for zone 40, central meridian 120°E), or leave "
            "it out for the zone of the project's centre.",
            field=field,
        )
    return f"EPSG:{code}"


@dataclass(frozen=True)
class Corner:
    """One vertex: its number, part and ring, X (north) and Y (east, with the zone number)."""

    label: str
    part: int
    ring: int  # 0: the outer boundary, k: the k-th hole
    x: float
    y: float
    lon: float
    lat: float


def corner_points(geom: BaseGeometry, zone: GKZone) -> list[Corner]:
    """The vertices of a lon/lat geometry in ``zone``, numbered J1, J2, … across its parts.

    A ring's closing vertex is not repeated; holes follow their part's outer boundary. The
    lon/lat are taken as CGCS2000 geographic coordinates (WGS84 and CGCS2000 differ by
    centimetres, below what a site boundary records).
    """
    from pyproj import CRS  # lazy: pyproj only when a report is drawn (issue 12)

    rings: list[tuple[int, int, NDArray[np.float64]]] = []
    for part, piece in enumerate(getattr(geom, "geoms", [geom]), start=1):
        if isinstance(piece, Polygon):
            for ring, line in enumerate([piece.exterior, *piece.interiors]):
                rings.append((part, ring, np.asarray(line.coords)[:-1, :2]))
        else:
            rings.append((part, 0, np.asarray(piece.coords)[:, :2]))
    if not rings:
        return []
    lonlat = np.concatenate([coords for _p, _r, coords in rings])
    to_gk = transformer(CRS.from_epsg(4490), CRS.from_epsg(zone.epsg))
    easting, northing = to_gk.transform(lonlat[:, 0], lonlat[:, 1])
    corners, i = [], 0
    for part, ring, coords in rings:
        for lon, lat in coords:
            corners.append(
                Corner(
                    f"J{i + 1}",
                    part,
                    ring,
                    float(northing[i]),
                    float(easting[i]),
                    float(lon),
                    float(lat),
                )
            )
            i += 1
    return corners
