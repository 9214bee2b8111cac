"""Rasters: inspection, Cloud-Optimized GeoTIFF writing, zonal statistics, slope and tiles.

Pure functions over files (no database, no settings). Every read is windowed: a raster is
never read whole, only the window of the geometry or tile asked about.

**Pixel rule.** A pixel counts for a geometry when its **centre lies inside** the geometry
(``rasterio.features.geometry_mask`` with ``all_touched=False``). A geometry that contains
no pixel centre (a point, a line, a footprint smaller than a cell of a coarse raster)
takes the pixels it touches instead (``all_touched=True``); the result says which rule
applied (``pixel_rule``: ``centre`` or ``touched``).

**Metres, never degrees.** Cell sizes and areas of a geographic (lon/lat) raster are
computed on the WGS84 ellipsoid, per row: the east-west cell width is
``N(φ)·cos φ·Δλ``, the north-south height ``M(φ)·Δφ`` and the cell area the exact
ellipsoidal area of the cell's latitude band. A projected raster uses its own metric cell
size (the projection's scale error, ≤ 0.1 % in a Gauss-Krüger zone, is ignored).

**Slope** (degrees) is ``atan(√((∂z/∂x)² + (∂z/∂y)²))`` by central differences over the
metric cell sizes above (the window is read with a one-cell margin so the geometry's
edge cells have both neighbours); a cell next to nodata has no slope.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import rasterio
import rasterio.shutil
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.features import geometry_mask
from rasterio.io import MemoryFile
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from gis.crs import WGS84, crs_label, parse_crs, transformer
from gis.errors import MissingCRSError, RasterError, RasterTooLargeError

Kind = Literal["continuous", "categorical"]

#: WGS84 ellipsoid: semi-major axis (m) and first eccentricity squared.
_A = 6_378_137.0
_E2 = 0.00669437999014
_E = math.sqrt(_E2)
#: Largest window (pixels) a zonal statistic reads; a geometry needing more is refused.
MAX_WINDOW_PIXELS = 64_000_000
TILE_SIZE = 256
#: The web mercator half-width (m).
_MERC = 20_037_508.342789244

_GDAL_ENV = {"GDAL_CACHEMAX": 128, "GDAL_NUM_THREADS": "1"}


@contextmanager
def _env() -> Iterator[None]:
    with rasterio.Env(**_GDAL_ENV):
        yield


@dataclass(frozen=True)
class RasterInfo:
    """What a raster file is: its grid, CRS, nodata and footprint (lon/lat)."""

    driver: str
    crs: str
    crs_wkt: str
    width: int
    height: int
    transform: tuple[float, float, float, float, float, float]
    nodata: float | None
    dtype: str
    footprint: BaseGeometry
    notes: list[str] = field(default_factory=list)

    @property
    def pixels(self) -> int:
        """Number of cells."""
        return self.width * self.height

    @property
    def resolution_m(self) -> float:
        """The cell width in metres (at the footprint's centre for a lon/lat raster)."""
        a = self.transform[0]
        crs = CRS.from_wkt(self.crs_wkt)
        if crs.is_geographic:
            lat = self.footprint.centroid.y
            return float(_east_west_m(np.array([lat]), abs(a))[0])
        return abs(a) * _unit_factor(crs)


def _unit_factor(crs: CRS) -> float:
    """Metres per unit of a projected CRS's x axis."""
    axis = crs.axis_info[0] if crs.axis_info else None
    factor = axis.unit_conversion_factor if axis is not None else 1.0
    return float(factor or 1.0)


def _target_crs(src_crs: CRS | None, override: str | None) -> tuple[CRS, list[str]]:
    """The CRS a raster is stored in: ``--crs`` or its own; lon/lat datums as WGS84.

    Raises:
        MissingCRSError: the file has none and none is given.
    """
    notes: list[str] = []
    if override:
        crs = parse_crs(override)
        if src_crs is not None and CRS.from_user_input(src_crs) != crs:
            notes.append(f"文件自带坐标系 {crs_label(CRS.from_user_input(src_crs))} 被 --crs 覆盖")
    elif src_crs is None:
        raise MissingCRSError(
            "The raster has no CRS: give it with --crs (e.g. --crs EPSG:4326 for lon/lat, "
            "EPSG:4528 for a CGCS2000 Gauss-Krüger zone).",
            field="crs",
        )
    else:
        crs = CRS.from_user_input(src_crs)
    if crs.is_geographic and crs.to_epsg() != 4326:
        notes.append(
            f"经纬度坐标系 {crs_label(crs)} 按 WGS84 (EPSG:4326) 存储（两者差异远小于栅格分辨率）"
        )
        crs = CRS.from_user_input(WGS84)
    return crs, notes


def _footprint(crs: CRS, bounds: tuple[float, float, float, float]) -> BaseGeometry:
    """The raster's bounds as a lon/lat polygon (edges densified before reprojection)."""
    outline = shapely.segmentize(box(*bounds), max(bounds[2] - bounds[0], 1e-9) / 32)
    t = transformer(crs, CRS.from_user_input(WGS84))
    return shapely.transform(outline, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def inspect(path: Path, crs_override: str | None = None) -> RasterInfo:
    """Read a raster's header (any GDAL format) and the CRS it would be stored in.

    Raises:
        RasterError: GDAL cannot open it, or it has no band.
        MissingCRSError: no CRS in the file and none given.
        UnknownCRSError: ``crs_override`` is not a CRS.
    """
    with _env():
        try:
            ds = rasterio.open(path)
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError(
                f"Cannot read '{path.name}' as a raster: {exc}", field="file"
            ) from None
        with ds:
            if ds.count < 1:
                raise RasterError(f"'{path.name}' has no band.", field="file")
            crs, notes = _target_crs(ds.crs, crs_override)
            if ds.transform.b != 0 or ds.transform.d != 0:
                raise RasterError(
                    f"'{path.name}' is rotated (its geotransform has shear terms); "
                    "warp it north-up first (gdalwarp).",
                    field="file",
                )
            if ds.count > 1:
                notes.append(f"文件有 {ds.count} 个波段，仅导入第 1 波段")
            return RasterInfo(
                driver=ds.driver,
                crs=crs_label(crs),
                crs_wkt=crs.to_wkt(),
                width=ds.width,
                height=ds.height,
                transform=tuple(ds.transform)[:6],
                nodata=None if ds.nodata is None else float(ds.nodata),
                dtype=ds.dtypes[0],
                footprint=_footprint(crs, tuple(ds.bounds)),
                notes=notes,
            )


def write_cog(src: Path, dst: Path, info: RasterInfo, kind: Kind) -> None:
    """Write band 1 of ``src`` as a Cloud-Optimized GeoTIFF in ``info``'s CRS.

    GDAL's COG driver copies block by block (the raster is never whole in memory); the
    CRS is set through a VRT when the file lacks one or ``--crs`` overrides it.
    Overviews are averaged for a continuous raster and nearest for classes.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    vrt = dst.with_suffix(".src.vrt")
    options = {
        "COMPRESS": "DEFLATE",
        "PREDICTOR": "YES" if kind == "continuous" else "NO",
        "BLOCKSIZE": 256,  # a 10 km² window of a 10 m raster decodes 2x less than with 512
        "OVERVIEW_RESAMPLING": "AVERAGE" if kind == "continuous" else "NEAREST",
        "BIGTIFF": "IF_SAFER",
        "NUM_THREADS": "1",
    }
    try:
        with _env():
            with rasterio.open(src) as ds:
                rasterio.shutil.copy(ds, vrt, driver="VRT")
            with rasterio.open(vrt, "r+") as v:
                v.crs = rasterio.crs.CRS.from_wkt(info.crs_wkt)
            with rasterio.open(vrt) as v:
                rasterio.shutil.copy(v, dst, driver="COG", **options)
    finally:
        vrt.unlink(missing_ok=True)


# --- metric cell sizes ----------------------------------------------------------------


def _east_west_m(lat: NDArray[np.float64], dlon_deg: float) -> NDArray[np.float64]:
    """East-west width (m) of a cell of ``dlon_deg`` at latitudes ``lat`` (WGS84)."""
    phi = np.radians(lat)
    n = _A / np.sqrt(1 - _E2 * np.sin(phi) ** 2)
    return np.asarray(n * np.cos(phi) * math.radians(dlon_deg), dtype=np.float64)


def _north_south_m(lat: NDArray[np.float64], dlat_deg: float) -> NDArray[np.float64]:
    """North-south height (m) of a cell of ``dlat_deg`` at latitudes ``lat`` (WGS84)."""
    phi = np.radians(lat)
    m = _A * (1 - _E2) / (1 - _E2 * np.sin(phi) ** 2) ** 1.5
    return np.asarray(m * math.radians(dlat_deg), dtype=np.float64)


def _band_area(lat: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ellipsoidal area (m²) between the equator and ``lat`` per radian of longitude."""
    s = np.sin(np.radians(lat))
    b2 = _A * _A * (1 - _E2)
    q = s / (1 - _E2 * s * s) + np.log((1 + _E * s) / (1 - _E * s)) / (2 * _E)
    return np.asarray(b2 * q / 2, dtype=np.float64)


@dataclass(frozen=True)
class _Grid:
    """Per-row metric cell sizes and areas of a window."""

    dx: NDArray[np.float64]  # (rows,)
    dy: NDArray[np.float64]  # (rows,)
    area: NDArray[np.float64]  # (rows,)


def _grid(crs: CRS, t: Affine, rows: int) -> _Grid:
    if crs.is_geographic:
        top = t.f + t.e * np.arange(rows)
        bottom = top + t.e
        centre = (top + bottom) / 2
        area = np.abs(_band_area(top) - _band_area(bottom)) * math.radians(abs(t.a))
        return _Grid(_east_west_m(centre, abs(t.a)), _north_south_m(centre, abs(t.e)), area)
    k = _unit_factor(crs)
    ones = np.ones(rows)
    return _Grid(ones * abs(t.a) * k, ones * abs(t.e) * k, ones * abs(t.a * t.e) * k * k)


def slope_degrees(
    z: NDArray[np.float64], dx: NDArray[np.float64], dy: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Slope (degrees) of elevations ``z`` (NaN = nodata) on per-row cell sizes (m).

    Central differences inside; the outermost cells and cells next to NaN are NaN.
    """
    out = np.full(z.shape, np.nan, dtype=z.dtype)
    if z.shape[0] < 3 or z.shape[1] < 3:
        return out
    gx = (z[1:-1, 2:] - z[1:-1, :-2]) / (2 * dx[1:-1, None])
    gy = (z[2:, 1:-1] - z[:-2, 1:-1]) / (dy[:-2, None] + dy[2:, None])
    gx *= gx
    gy *= gy
    gx += gy
    np.sqrt(gx, out=gx)
    np.arctan(gx, out=gx)
    out[1:-1, 1:-1] = np.degrees(gx)
    return out


# --- zonal statistics -----------------------------------------------------------------


def _window(ds: Any, geom: BaseGeometry, margin: int) -> Window | None:
    """The window of ``geom``'s bounds (whole cells, ``margin`` cells more), clipped."""
    inv = ~ds.transform
    minx, miny, maxx, maxy = geom.bounds
    cols, rows = zip(*(inv * (x, y) for x in (minx, maxx) for y in (miny, maxy)), strict=True)
    c0 = max(math.floor(min(cols)) - margin, 0)
    r0 = max(math.floor(min(rows)) - margin, 0)
    c1 = min(math.ceil(max(cols)) + margin, ds.width)
    r1 = min(math.ceil(max(rows)) + margin, ds.height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


@lru_cache(maxsize=64)
def _from_lonlat(wkt: str) -> tuple[CRS, Transformer]:
    """A raster's CRS (parsed once) and the transformer from lon/lat into it."""
    crs = CRS.from_wkt(wkt)
    return crs, transformer(CRS.from_user_input(WGS84), crs)


_OUTSIDE = {"status": "no_data", "reason": "outside_raster", "text": "项目不在该栅格的范围内"}


def zonal_stats(
    path: Path,
    geom_lonlat: BaseGeometry,
    kind: Kind,
    *,
    slope: bool = False,
    classes: dict[int, str] | None = None,
) -> dict[str, Any]:
    """Statistics of the raster's pixels in a lon/lat geometry (see the module's pixel rule).

    A continuous raster gives ``min``/``mean``/``max`` (and, with ``slope``,
    ``slope_min``/``slope_mean``/``slope_max`` in degrees); a categorical one gives
    ``classes``: value, name, ``area_m2`` and ``share_pct`` of the valid area. Without
    any valid pixel the answer is ``{"status": "no_data", "reason": …}``, never zeros.

    Raises:
        RasterTooLargeError: the geometry's window is over :data:`MAX_WINDOW_PIXELS`.
    """
    return zonal_stats_parts(path, [geom_lonlat], kind, slope=slope, classes=classes)[0]


def zonal_stats_parts(
    path: Path,
    geoms_lonlat: list[BaseGeometry],
    kind: Kind,
    *,
    slope: bool = False,
    classes: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """:func:`zonal_stats` of several geometries (a project and its buffer) in one read.

    The file is opened and the window covering every geometry read (and its slope
    computed) once; each geometry then gets its own mask.

    Raises:
        RasterTooLargeError: the window is over :data:`MAX_WINDOW_PIXELS`.
    """
    with _env(), rasterio.open(path) as ds:
        crs, t = _from_lonlat(ds.crs.to_wkt())
        geoms = [
            shapely.transform(g, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
            for g in geoms_lonlat
        ]
        extent = box(*ds.bounds)
        hits = [g for g in geoms if g.intersects(extent)]
        window = _window(ds, shapely.GeometryCollection(hits), 1 if slope else 0) if hits else None
        if window is None:
            return [dict(_OUTSIDE) for _ in geoms]
        if window.width * window.height > MAX_WINDOW_PIXELS:
            raise RasterTooLargeError(
                f"The geometry spans {window.width}×{window.height} cells of this raster "
                f"(at most {MAX_WINDOW_PIXELS:,}): split it or ask a coarser raster.",
                field="geometry",
            )
        data = ds.read(1, window=window, masked=True)
        wt = ds.window_transform(window)
    shape = (int(window.height), int(window.width))
    nodata = np.ma.getmaskarray(data)
    grid = _grid(crs, wt, shape[0])
    slopes = None
    if slope and kind == "continuous":
        # float32: half the memory traffic, and ample for elevations (≈ 1e-4 m)
        z = np.where(nodata, np.float32(np.nan), data.data.astype(np.float32))
        slopes = slope_degrees(z, grid.dx.astype(np.float32), grid.dy.astype(np.float32))
    return [
        _part(g, np.asarray(data.data), nodata, wt, shape, grid, slopes, kind, classes)
        if g.intersects(extent)
        else dict(_OUTSIDE)
        for g in geoms
    ]


def _part(
    geom: BaseGeometry,
    values: NDArray[Any],
    nodata: NDArray[np.bool_],
    wt: Affine,
    shape: tuple[int, int],
    grid: _Grid,
    slopes: NDArray[Any] | None,
    kind: Kind,
    classes: dict[int, str] | None,
) -> dict[str, Any]:
    """One geometry's statistics on a window read by :func:`zonal_stats_parts`."""
    rule = "centre"
    polygonal = geom.geom_type in ("Polygon", "MultiPolygon")
    inside = geometry_mask([geom], shape, wt, invert=True, all_touched=False)
    if not polygonal or not inside.any():
        rule = "touched"
        inside = geometry_mask([geom], shape, wt, invert=True, all_touched=True)
    valid = inside & ~nodata
    if not valid.any():
        return {
            "status": "no_data",
            "reason": "nodata",
            "text": "项目范围内的像元均为无数据值（如海域或栅格空白区）",
            "pixel_rule": rule,
        }
    area = np.broadcast_to(grid.area[:, None], shape)
    out: dict[str, Any] = {
        "status": "ok",
        "pixel_rule": rule,
        "pixels": int(valid.sum()),
        "area_m2": round(float(area[valid].sum()), 2),
        "nodata_pixels": int((inside & ~valid).sum()),
    }
    if kind == "continuous":
        v = values[valid].astype(np.float64)
        out |= {
            "min": round(float(v.min()), 3),
            "mean": round(float(v.mean()), 3),
            "max": round(float(v.max()), 3),
        }
        if slopes is not None:
            s = slopes[valid]
            s = s[~np.isnan(s)]
            if s.size:
                out |= {
                    "slope_min": round(float(s.min()), 3),
                    "slope_mean": round(float(s.mean(dtype=np.float64)), 3),
                    "slope_max": round(float(s.max()), 3),
                }
        return out
    v = values[valid].astype(np.int64)
    a = area[valid]
    total = float(a.sum())
    out["classes"] = [
        {
            "value": int(c),
            "name": (classes or {}).get(int(c), f"类别 {int(c)}"),
            "pixels": int((v == c).sum()),
            "area_m2": round(float(a[v == c].sum()), 2),
            "share_pct": round(100.0 * float(a[v == c].sum()) / total, 3),
        }
        for c in np.unique(v)
    ]
    out["classes"].sort(key=lambda e: -e["area_m2"])
    return out


# --- tiles ----------------------------------------------------------------------------


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """A WebMercatorQuad tile's bounds in EPSG:3857 metres."""
    size = 2 * _MERC / (1 << z)
    return (-_MERC + x * size, _MERC - (y + 1) * size, -_MERC + (x + 1) * size, _MERC - y * size)


def _png(rgba: NDArray[np.uint8]) -> bytes:
    with _env(), MemoryFile() as mem:
        with mem.open(
            driver="PNG", width=rgba.shape[2], height=rgba.shape[1], count=4, dtype="uint8"
        ) as dst:
            dst.write(rgba)
        return bytes(mem.read())


#: The DEM's colour ramp: (elevation m, (r, g, b)).
DEM_RAMP: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (-50, (40, 110, 150)),
    (0, (60, 140, 80)),
    (100, (140, 190, 100)),
    (300, (230, 220, 140)),
    (700, (200, 150, 90)),
    (1200, (150, 100, 70)),
    (2000, (240, 240, 240)),
)


def _ramp(values: NDArray[np.float64]) -> NDArray[np.uint8]:
    stops = np.array([s for s, _ in DEM_RAMP])
    colours = np.array([c for _, c in DEM_RAMP], dtype=np.float64)
    return np.stack([np.interp(values, stops, colours[:, i]) for i in range(3)], axis=0).astype(
        np.uint8
    )


def render_tile(
    path: Path, z: int, x: int, y: int, kind: Kind, palette: dict[int, str] | None = None
) -> bytes:
    """A 256×256 RGBA PNG of the raster in tile ``z/x/y`` (transparent where no data).

    Rendered from a warped view (nearest neighbour) whose grid is exactly the tile's, so
    only the source blocks under the tile are read.
    """
    x0, y0, x1, y1 = tile_bounds(z, x, y)
    dst_t = rasterio.transform.from_bounds(x0, y0, x1, y1, TILE_SIZE, TILE_SIZE)
    with _env(), rasterio.open(path) as ds:
        nodata = ds.nodata
        with WarpedVRT(
            ds,
            crs="EPSG:3857",
            transform=dst_t,
            width=TILE_SIZE,
            height=TILE_SIZE,
            resampling=Resampling.nearest,
            nodata=nodata,
        ) as vrt:
            data = vrt.read(1, masked=True)
    mask = np.ma.getmaskarray(data)
    values = np.asarray(data.data, dtype=np.float64)
    rgba = np.zeros((4, TILE_SIZE, TILE_SIZE), dtype=np.uint8)
    if kind == "continuous":
        rgba[:3] = _ramp(values)
        rgba[3] = np.where(mask, 0, 200)
    else:
        for value, colour in (palette or {}).items():
            hit = (values == value) & ~mask
            if hit.any():
                rgb = tuple(int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
                for band in range(3):
                    rgba[band][hit] = rgb[band]
                rgba[3][hit] = 200
    return _png(rgba)


def file_size(path: Path) -> int:
    """Bytes of a stored raster (0 when missing)."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def buffer_lonlat(geom: BaseGeometry, metres: float) -> BaseGeometry:
    """``geom`` (lon/lat) buffered by ``metres``, built in the WGS84 UTM zone of its centre."""
    c = geom.centroid
    zone = (32600 if c.y >= 0 else 32700) + int((c.x + 180) // 6) % 60 + 1
    fwd, back = _utm(zone)
    projected = shapely.transform(
        geom, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))
    )
    grown = projected.buffer(metres, quad_segs=16)
    return shapely.transform(grown, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))


@lru_cache(maxsize=120)
def _utm(epsg: int) -> tuple[Transformer, Transformer]:
    """Transformers lon/lat → UTM zone ``epsg`` and back (built once per zone)."""
    lonlat, utm = CRS.from_user_input(WGS84), CRS.from_epsg(epsg)
    return transformer(lonlat, utm), transformer(utm, lonlat)
