"""CRS parsing, cached transformers, Gauss-Krüger zone prefixes and China plausibility."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gis.errors import OutOfChinaError, UnknownCRSError

if TYPE_CHECKING:  # pyproj (~27 MB) loads on first use: the API's CRS84 reads never need it
    from pyproj import CRS, Transformer

WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"

#: A generous lon/lat box around China's land and seas (incl. the South China Sea).
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)

_ALIASES = {
    "WGS84": "EPSG:4326",
    "WGS 84": "EPSG:4326",
    "CRS84": "OGC:CRS84",
    "CGCS2000": "EPSG:4490",
    "XIAN80": "EPSG:4610",
    "XIAN1980": "EPSG:4610",
}


def parse_crs(text: str | int, *, field: str = "crs") -> CRS:
    """Resolve a CRS given as ``EPSG:N``, ``N``, an OGC URI, a name alias or WKT.

    Raises:
        UnknownCRSError: pyproj cannot resolve it.
    """
    raw = str(text).strip()
    key = raw.upper().replace("_", "").replace("-", "")
    candidate = _ALIASES.get(key, raw)
    if candidate.isdigit():
        candidate = f"EPSG:{candidate}"
    if candidate.startswith(
        ("http://www.opengis.net/def/crs/", "https://www.opengis.net/def/crs/")
    ):
        parts = candidate.rstrip("/").split("/")
        candidate = f"{parts[-3]}:{parts[-1]}"
    from pyproj import CRS  # lazy: see the TYPE_CHECKING import
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(candidate)
    except CRSError:
        raise UnknownCRSError(
            f"Unknown CRS '{raw}'. Give it as EPSG:N, e.g. EPSG:4490 (CGCS2000) or "
            "EPSG:4528 (CGCS2000 3-degree Gauss-Krüger zone 40).",
            field=field,
        ) from None


def crs_label(crs: CRS) -> str:
    """Short label for a CRS: ``EPSG:N`` when it has one, else its name."""
    epsg = crs.to_epsg(min_confidence=90)
    return f"EPSG:{epsg}" if epsg else crs.name


@lru_cache(maxsize=128)
def _transformer(src_wkt: str, dst_wkt: str) -> Transformer:
    from pyproj import CRS, Transformer  # lazy: see the TYPE_CHECKING import

    return Transformer.from_crs(CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt), always_xy=True)


def transformer(src: CRS, dst: CRS) -> Transformer:
    """Cached lon/lat-ordered (``always_xy``) transformer between two CRSs."""
    return _transformer(src.to_wkt(), dst.to_wkt())


@dataclass(frozen=True)
class GaussKruger:
    """The Gauss-Krüger facts of a transverse-Mercator CRS.

    Attributes:
        central_meridian: longitude of the zone's central meridian.
        zones: zone numbers an easting prefix may carry for this meridian (3° and/or
            6° numbering; a prefixed CRS has exactly its own).
        prefixed: whether the CRS's false easting includes the zone prefix.
    """

    central_meridian: float
    zones: tuple[int, ...]
    prefixed: bool


def gauss_kruger(crs: CRS) -> GaussKruger | None:
    """Describe ``crs`` as a Gauss-Krüger zone, or ``None`` if it is not one."""
    if not crs.is_projected or crs.coordinate_operation is None:
        return None
    if "transverse mercator" not in crs.coordinate_operation.method_name.lower():
        return None
    params = {p.name.lower(): p.value for p in crs.coordinate_operation.params}
    cm = float(params.get("longitude of natural origin", math.nan))
    fe = float(params.get("false easting", math.nan))
    scale = float(params.get("scale factor at natural origin", 1.0))
    if math.isnan(cm) or math.isnan(fe) or abs(scale - 1) > 1e-9:
        return None
    if fe == 500_000:
        zones = []
        if abs(cm / 3 - round(cm / 3)) < 1e-9:
            zones.append(round(cm / 3))  # 3-degree numbering
        if abs((cm + 3) / 6 - round((cm + 3) / 6)) < 1e-9:
            zones.append(round((cm + 3) / 6))  # 6-degree numbering
        return GaussKruger(cm, tuple(zones), prefixed=False)
    zone = int(fe // 1_000_000)
    if fe - zone * 1_000_000 == 500_000:
        return GaussKruger(cm, (zone,), prefixed=True)
    return None


def normalise_gk_easting(
    easting: NDArray[np.float64], crs: CRS
) -> tuple[NDArray[np.float64], str | None]:
    """Make eastings agree with the CRS's zone-prefix convention.

    Chinese submissions write Gauss-Krüger eastings both with the zone prefix
    (``40 512345.6``) and without (``512345.6``), whatever CRS they name. When the
    data and the CRS disagree and the prefix matches the zone, the prefix is added
    or removed.

    Returns:
        The (possibly) adjusted eastings and a note saying what was done, or None.

    Raises:
        OutOfChinaError: the eastings carry a prefix of another zone.
    """
    gk = gauss_kruger(crs)
    finite = easting[np.isfinite(easting)]
    if gk is None or finite.size == 0 or not gk.zones:
        return easting, None
    # A zone prefix is 13-23 (6-degree zones) or 24-45 (3-degree zones) million;
    # anything else (e.g. a northing in the easting column) is not a prefix.
    if bool(np.all((finite >= 13_000_000) & (finite < 46_000_000))):
        prefixes = np.unique(np.floor(finite / 1_000_000).astype(int)).tolist()
        if len(prefixes) != 1 or prefixes[0] not in gk.zones:
            raise OutOfChinaError(
                f"Easting zone prefix {prefixes} does not match zone "
                f"{'/'.join(map(str, gk.zones))} (central meridian {gk.central_meridian:g}°E) "
                f"of the declared CRS {crs_label(crs)}. Declare the CRS of zone {prefixes[0]}.",
                field="crs",
            )
        if not gk.prefixed:
            zone = prefixes[0]
            return easting - zone * 1_000_000, (
                f"removed zone prefix {zone} from eastings to match {crs_label(crs)}"
            )
    elif bool(np.all((finite > 0) & (finite < 1_000_000))) and gk.prefixed:
        zone = gk.zones[0]
        return easting + zone * 1_000_000, (
            f"added zone prefix {zone} to eastings to match {crs_label(crs)}"
        )
    return easting, None


def in_china(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Element-wise: is the lon/lat point inside :data:`CHINA_BOUNDS`?"""
    x0, y0, x1, y1 = CHINA_BOUNDS
    result: NDArray[np.bool_] = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    return result


#: Metres in a degree of latitude, a lower bound (WGS84: 110,574 m at the equator).
M_PER_DEG_LAT_MIN = 110_000.0


@dataclass(frozen=True)
class DegreesPerMetre:
    """Degrees per metre that always cover a geodesic distance (see :func:`degrees_per_metre`)."""

    lon: float
    lat: float

    @property
    def planar(self) -> float:
        """Planar degrees per metre: the box's half-diagonal (``hypot(lon, lat)``)."""
        return math.hypot(self.lon, self.lat) * (1 + 1e-9)


def degrees_per_metre(max_abs_lat: float, metres: float) -> DegreesPerMetre:
    """Degrees per metre that bound every geodesic circle of up to ``metres`` (WGS84).

    For any point at ``|latitude| <= max_abs_lat``, everything within ``metres``
    (geodesic) of it lies within ``metres·lon`` degrees of longitude and ``metres·lat``
    degrees of latitude, hence within ``metres·planar`` degrees in the plane. These
    size the index pre-filters (``&&`` box, then a planar ``ST_DWithin``) in front of the
    costly geodesic test, so they must never be too small: a degree of latitude is at
    least 110,000 m, and one of longitude at least 111,000·cos φ m at the circle's most
    poleward latitude φ; past 89° the box spans every longitude. The bound is symmetric:
    with ``max_abs_lat`` the north edge of :data:`CHINA_BOUNDS`, it covers any pair of
    points one of which is in China.
    """
    lat = 1.0 / M_PER_DEG_LAT_MIN
    edge = abs(max_abs_lat) + metres * lat
    if edge >= 89.0:
        return DegreesPerMetre(360.0 / metres if metres > 0 else 0.0, lat)
    return DegreesPerMetre(1.0 / (111_000.0 * math.cos(math.radians(edge))), lat)


def diagnose_outside_china(x: NDArray[np.float64], y: NDArray[np.float64], crs: CRS) -> str:
    """Explain why coordinates ``x, y`` in ``crs`` do not land in China."""
    label = crs_label(crs)
    degree_like = bool(np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 180))
    if crs.is_projected and degree_like:
        return (
            f"The coordinates look like degrees (e.g. {x[0]:.6f}, {y[0]:.6f}) but {label} "
            "is a projected CRS in metres. Declare a geographic CRS such as EPSG:4490 "
            "or EPSG:4326."
        )
    if crs.is_geographic and not degree_like:
        return (
            f"The coordinates look like metres (e.g. {x[0]:.1f}, {y[0]:.1f}) but {label} "
            "is geographic (degrees). Declare the projected CRS, e.g. EPSG:4528 "
            "(CGCS2000 3-degree Gauss-Krüger zone 40) or EPSG:4549 (same, no zone prefix)."
        )
    with np.errstate(all="ignore"):
        to_wgs = transformer(crs, wgs84_crs())
        slon, slat = to_wgs.transform(y, x)
        if crs.is_geographic:
            slon, slat = y, x
    if np.all(np.isfinite(slon)) and bool(np.all(in_china(np.asarray(slon), np.asarray(slat)))):
        return (
            f"The coordinates are in China only with the axes swapped: {label} expects "
            "easting/longitude first. If the file lists northing (x) before easting (y), "
            "swap the columns."
        )
    return (
        f"The coordinates (e.g. {x[0]:.3f}, {y[0]:.3f}) are not in China when read "
        f"as {label}. Check the declared CRS."
    )


@lru_cache(maxsize=1)
def wgs84_crs() -> CRS:
    """WGS84 lon/lat (:data:`WGS84`) as a pyproj CRS, built once."""
    from pyproj import CRS  # lazy: see the TYPE_CHECKING import

    return CRS.from_user_input(WGS84)


def is_wgs84_lonlat(crs: CRS) -> bool:
    """True for WGS84 or CGCS2000 lon/lat, taken as identical (they agree to centimetres)."""
    return crs.equals(wgs84_crs(), ignore_axis_order=True) or crs_label(crs) in (
        "EPSG:4490",
        "OGC:CRS84",
    )


@dataclass(frozen=True)
class LonLat:
    """Coordinates in WGS84 lon/lat and what was done to get there."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    notes: tuple[str, ...] = ()


#: A correction of lon/lat arrays after the CRS transform (e.g. GCJ-02 → WGS84).
Correction = Callable[
    [NDArray[np.float64], NDArray[np.float64]], tuple[NDArray[np.float64], NDArray[np.float64]]
]


def to_wgs84(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    crs: CRS | None,
    *,
    field: str = "crs",
    detail: str | None = None,
    min_inside: float = 1.0,
    correction: tuple[Correction, str] | None = None,
) -> LonLat:
    """Reproject ``x, y`` in ``crs`` to WGS84 lon/lat and check that they lie in China.

    ``crs`` None means the coordinates are WGS84/CGCS2000 lon/lat already (no pyproj
    work). Gauss-Krüger eastings are first made to agree with the CRS's zone-prefix
    convention (:func:`normalise_gk_easting`, which notes it). ``correction`` (a function
    and its note) is applied after the transform, e.g. GCJ-02 → WGS84.

    Args:
        x: eastings or longitudes.
        y: northings or latitudes.
        crs: the CRS of ``x, y``, or None for lon/lat.
        field: the input the error names.
        detail: the error's message; by default :func:`diagnose_outside_china` explains.
        min_inside: the share of points that must be finite and in :data:`CHINA_BOUNDS`
            (1.0: all of them).
        correction: a correction of the lon/lat and the note that says it was applied.

    Raises:
        OutOfChinaError: fewer than ``min_inside`` of the points lie in China, or the
            eastings carry the zone prefix of another zone.
    """
    notes: list[str] = []
    if crs is None:
        lon, lat = x, y
    else:
        easting, note = normalise_gk_easting(x, crs)
        if note:
            notes.append(note)
        if is_wgs84_lonlat(crs):
            lon, lat = easting, y
        else:
            with np.errstate(all="ignore"):
                lon, lat = transformer(crs, wgs84_crs()).transform(easting, y)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if correction is not None:
        adjust, note = correction
        lon, lat = adjust(lon, lat)
        notes.append(note)
    inside = np.isfinite(lon) & np.isfinite(lat) & in_china(lon, lat)
    enough = bool(inside.all()) if min_inside >= 1.0 else bool(inside.mean() >= min_inside)
    if not enough:
        raise OutOfChinaError(
            detail or diagnose_outside_china(x, y, crs or wgs84_crs()), field=field
        )
    return LonLat(lon, lat, tuple(notes))


# --- CRSs offered by the OGC API (Features Part 2) --------------------------------------

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"

#: EPSG codes of CGCS2000 Gauss-Krüger projections: 6-degree zones 13-23 with prefix
#: (4491-4501) and by central meridian (4502-4512), 3-degree zones 25-45 with prefix
#: (4513-4533) and by central meridian (4534-4554).
CGCS2000_GK_EPSG = tuple(range(4491, 4555))

#: Geographic and projected CRSs the API offers besides CRS84, in the order it lists them.
OFFERED_EPSG = (4326, 4490, 3857, *CGCS2000_GK_EPSG)


@dataclass(frozen=True)
class ApiCRS:
    """A CRS as the OGC API uses it: URI, PostGIS SRID and axis order.

    Attributes:
        uri: the OGC URI clients send in ``crs``/``bbox-crs`` and get in ``Content-Crs``.
        srid: the PostGIS SRID to transform to or from.
        lat_first: the authority's axis order puts latitude/northing first (EPSG:4326,
            EPSG:4490, the CGCS2000 Gauss-Krüger zones), so coordinates are swapped
            relative to PostGIS's x/y (OGC API Features Part 2, "axis order").
    """

    uri: str
    srid: int
    lat_first: bool


CRS84_API = ApiCRS(CRS84_URI, 4326, False)


def offered_crs_uris() -> list[str]:
    """URIs of every CRS the API offers, CRS84 first."""
    return [CRS84_URI, *(_EPSG_URI.format(code) for code in OFFERED_EPSG)]


@lru_cache(maxsize=256)
def api_crs(text: str, *, field: str = "crs") -> ApiCRS:
    """Resolve a ``crs``/``bbox-crs`` value (OGC URI or URN, ``EPSG:N`` or ``[EPSG:N]``).

    Raises:
        UnknownCRSError: it is not one of :func:`offered_crs_uris`.
    """
    raw = text.strip().strip("[]<>")
    upper = raw.upper()
    # the OGC URN (urn:ogc:def:crs:EPSG::4527, …:OGC:1.3:CRS84) that WFS and GML clients send
    urn = upper.startswith("URN:OGC:DEF:CRS:")
    if (
        upper in ("CRS84", "OGC:CRS84", CRS84_URI.upper())
        or upper.endswith("/OGC/1.3/CRS84")
        or (urn and upper.split(":")[4] == "OGC" and upper.endswith(":CRS84"))
    ):
        return CRS84_API
    code: int | None = None
    if upper.startswith("EPSG:") and upper[5:].isdigit():
        code = int(upper[5:])
    elif "/EPSG/" in upper and upper.rsplit("/", 1)[-1].isdigit():
        code = int(upper.rsplit("/", 1)[-1])
    elif urn and upper.split(":")[4] == "EPSG" and upper.rsplit(":", 1)[-1].isdigit():
        code = int(upper.rsplit(":", 1)[-1])
    if code is None or code not in OFFERED_EPSG:
        raise UnknownCRSError(
            f"{field} '{text}' is not offered. Use {CRS84_URI}, EPSG:4326, EPSG:4490, "
            "EPSG:3857 or a CGCS2000 Gauss-Krüger zone EPSG:4491–4554 (as "
            f"{_EPSG_URI.format('N')}).",
            field=field,
        )
    from pyproj import CRS  # lazy: only a projected or lat-first CRS gets here

    axes = CRS.from_epsg(code).axis_info
    lat_first = bool(axes) and axes[0].direction in ("north", "south")
    return ApiCRS(_EPSG_URI.format(code), code, lat_first)


#: The longest ``crs`` value accepted from a request.
MAX_CRS_CHARS = 100


def offered_crs(text: str, *, field: str = "crs") -> str:
    """``text`` when it names a CRS the API offers, else :class:`UnknownCRSError`.

    Accepted: what :func:`api_crs` resolves (``EPSG:N``, its OGC URI, CRS84), a bare
    code and the names WGS84, CGCS2000 and CRS84; never a PROJ string or WKT, and at most
    :data:`MAX_CRS_CHARS` characters. For a ``crs`` given with a project (screening, the
    map's upload) before :func:`parse_crs` reads it.
    """
    raw = text.strip()
    if len(raw) > MAX_CRS_CHARS:
        raise UnknownCRSError(
            f"{field} has {len(raw):,} characters; give a CRS as EPSG:N (at most "
            f"{MAX_CRS_CHARS} characters), e.g. EPSG:4490 or EPSG:4528.",
            field=field,
        )
    candidate = _ALIASES.get(raw.upper().replace("_", "").replace("-", ""), raw)
    api_crs(f"EPSG:{candidate}" if candidate.isdigit() else candidate, field=field)
    return raw
