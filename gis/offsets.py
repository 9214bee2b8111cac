"""GCJ-02 (火星坐标) and BD-09 (百度坐标) to WGS84: the published formulas, vectorised.

GCJ-02 is WGS84 plus an obfuscating offset of a few hundred metres that Chinese web
maps (Amap/高德, Tencent, Google China) apply; BD-09 is Baidu's further shift of
GCJ-02. The forward formula is public; the inverse is computed by fixed-point
iteration to well under a millimetre.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the formula
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0

Array = NDArray[np.float64]


def _outside(lon: Array, lat: Array) -> NDArray[np.bool_]:
    # The formula is defined for mainland China only; outside it is the identity.
    result: NDArray[np.bool_] = (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)
    return result


def _dlat(x: Array, y: Array) -> Array:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _dlon(x: Array, y: Array) -> Array:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Apply the GCJ-02 offset to WGS84 lon/lat (degrees)."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    dlat = _dlat(lon_a - 105.0, lat_a - 35.0)
    dlon = _dlon(lon_a - 105.0, lat_a - 35.0)
    radlat = lat_a / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = _outside(lon_a, lat_a)
    return np.where(outside, lon_a, lon_a + dlon), np.where(outside, lat_a, lat_a + dlat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, iterations: int = 10) -> tuple[Array, Array]:
    """Invert the GCJ-02 offset by fixed-point iteration (error < 1e-9 degrees)."""
    g_lon = np.asarray(lon, dtype=np.float64)
    g_lat = np.asarray(lat, dtype=np.float64)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(iterations):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon = w_lon + (g_lon - f_lon)
        w_lat = w_lat + (g_lat - f_lat)
    return w_lon, w_lat


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Undo Baidu's BD-09 shift, giving GCJ-02."""
    x = np.asarray(lon, dtype=np.float64) - 0.0065
    y = np.asarray(lat, dtype=np.float64) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Apply Baidu's BD-09 shift to GCJ-02 coordinates."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 to WGS84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


#: The lon/lat of Chinese web maps by the names a request, an upload or a command gives
#: them as ``crs``: the conversion to WGS84 and the note that says it was applied.
WEB_MAP_DATUMS: dict[str, tuple[Callable[[Array, Array], tuple[Array, Array]], str]] = {
    "GCJ-02": (gcj02_to_wgs84, "按 GCJ-02（高德、腾讯地图）坐标读取，已转换为 WGS84"),
    "BD-09": (bd09_to_wgs84, "按 BD-09（百度地图）坐标读取，已转换为 WGS84"),
}


def web_map_datum(crs: str | None) -> str | None:
    """``GCJ-02`` or ``BD-09`` when ``crs`` names one (``gcj02``, ``BD_09`` …), else None."""
    key = (crs or "").strip().upper().replace("_", "-")
    key = {"GCJ02": "GCJ-02", "BD09": "BD-09"}.get(key, key)
    return key if key in WEB_MAP_DATUMS else None
