"""An uploaded project file to one lon/lat geometry.

GeoJSON, a zipped Shapefile, KML/KMZ (every folder), GeoPackage, a CAD drawing (DXF: its
closed polylines, :func:`dxf_site`), 拐点坐标 txt, or a 拐点坐标表 in Excel or CSV (its
points in row order, :func:`table_site`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import mapping

from gis.coords import gk3_zone_of_crs, gk_epsg, is_easting, is_northing
from gis.crs import Correction, crs_label, offered_crs, parse_crs, to_wgs84, wgs84_crs
from gis.errors import MissingCRSError, ProjectGeometryError
from gis.offsets import WEB_MAP_DATUMS, web_map_datum
from gis.parcels import ParcelBuilder
from gis.project_geometry import prepare_geometry
from layers.errors import ImportFileError, NoValidFeaturesError, UploadTooLargeError
from layers.ingest.files import (
    PROJECT_FILE_LIMITS,
    SAVE_AS,
    TABLE_FORMATS,
    SourceData,
    check_upload_name,
    read_source,
)

if TYPE_CHECKING:  # pyproj (~27 MB) and geopandas load with the first upload (issue 12)
    import geopandas as gpd
    from pyproj import CRS

ACCEPTED_SUFFIXES = (
    ".geojson",
    ".json",
    ".zip",
    ".txt",
    ".kml",
    ".kmz",
    ".gpkg",
    ".dxf",
    ".xlsx",
    ".csv",
)
# The upload cap of POST /web/project-file, enforced while the body streams in
# (api.errors.UploadLimitMiddleware) and again here.
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class ProjectSite:
    """A project file read as one site: its geometry in lon/lat and what was done to read it.

    (:class:`gis.project_geometry.ProjectGeometry` is the geometry a screening prepares
    from a request; this is what an upload or `ecozone screen FILE` reads.)
    """

    geometry: dict[str, Any]
    feature_count: int
    crs: str
    format: str
    notes: list[str] = field(default_factory=list)
    #: The file's CGCS2000 3-degree zone (``EPSG:N``), which the screening's reports list
    #: the corners in (a site surveyed in its county's fixed zone keeps it even when its
    #: centre lies in the next: the screening's ``report_crs``); None for other CRSs.
    report_crs: str | None = None
    #: what the coordinates were read in, and the web-map datum's correction if any
    #: (:meth:`lonlat` reads another point of the file's the same way)
    source_crs: CRS | None = field(default=None, repr=False)
    correction: tuple[Correction, str] | None = field(default=None, repr=False)

    def lonlat(self, x: float, y: float, *, field: str, detail: str) -> tuple[float, float]:
        """A point given in the file's coordinates, read as the file was, in lon/lat.

        Raises:
            OutOfChinaError: it does not lie in China (``field``, ``detail``).
        """
        out = to_wgs84(
            np.array([x]),
            np.array([y]),
            self.source_crs,
            field=field,
            detail=detail,
            correction=self.correction,
        )
        return float(out.lon[0]), float(out.lat[0])

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "geometry": self.geometry,
            "feature_count": self.feature_count,
            "crs": self.crs,
            "format": self.format,
            "notes": self.notes,
            "report_crs": self.report_crs,
        }


def _guess_gk(xs: np.ndarray[Any, Any], near_lon: float | None) -> CRS | None:
    finite = xs[np.isfinite(xs)]
    if finite.size == 0:
        return None
    epsg = gk_epsg(float(np.median(finite)), near_lon)
    from pyproj import CRS  # lazy: see the TYPE_CHECKING import

    return CRS.from_epsg(epsg) if epsg else None


#: Words in a CAD layer's name that mark the site boundary (用地红线, 厂界, 征地范围 …).
SITE_LAYER_WORDS = ("红线", "用地", "厂界", "界址", "征地", "范围", "边界")
#: Words of the layers a drawing's frame and annotations sit on.
FRAME_LAYER_WORDS = ("图框", "标注", "文字", "尺寸", "轴线", "text", "dim", "frame")


def dxf_site(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """The site in a CAD drawing: its closed polylines, on the red-line layer when there is one.

    A designer's drawing holds the frame, roads, text and dimensions too. The closed
    polylines (areas) of the layers named like a site boundary (:data:`SITE_LAYER_WORDS`)
    are the site; without such a layer, the areas of every layer but the frame and
    annotation ones (:data:`FRAME_LAYER_WORDS`).

    Raises:
        NoValidFeaturesError: the drawing has no closed polyline to take as the site.
    """
    areas = frame[frame.geometry.geom_type.isin(("Polygon", "MultiPolygon")).to_numpy()]
    if areas.empty:
        raise NoValidFeaturesError(
            "DXF 中没有闭合多段线：请把用地红线画成闭合多段线"
            "（最好放在名称含“红线”的图层上）后再上传。",
            field="file",
        )
    if "Layer" not in frame:
        return areas, f"DXF：取 {len(areas)} 条闭合多段线为项目范围"
    names = areas["Layer"].fillna("").astype(str)
    site = names.map(lambda n: any(w in n for w in SITE_LAYER_WORDS))
    if site.any():
        chosen = areas[site.to_numpy()]
    else:
        chosen = areas[
            ~names.map(lambda n: any(w in n.lower() for w in FRAME_LAYER_WORDS)).to_numpy()
        ]
        if chosen.empty:
            chosen = areas
    used = "、".join(sorted(set(names.loc[chosen.index])))
    return chosen, f"DXF：取图层 {used} 的 {len(chosen)} 条闭合多段线为项目范围"


#: The columns of a 拐点坐标表 that name its parcel (地块) and ring (圈号), lower-cased.
PARCEL_COLUMNS = ("地块", "地块编号", "地块名称", "地块号", "宗地", "宗地号", "宗地编号", "parcel")
RING_COLUMNS = ("圈号", "环号", "ring")


def as_surveyed(source: SourceData) -> SourceData:
    """A table of points whose X column holds northings read as surveyors write it.

    Chinese surveying (and every 拐点坐标表) names the northing X and the easting Y, the
    other way round from lon/lat and GIS x/y; the magnitudes tell which is which, as in a
    typed-in point (:func:`gis.coords.is_northing`, :func:`gis.coords.is_easting`). Other
    files, and tables in x/y order, are returned as they are. (``ecozone import`` refuses
    such a table instead: an official layer's axes are not guessed.)
    """
    if source.format not in TABLE_FORMATS:
        return source
    geoms = np.asarray(source.frame.geometry.values, dtype=object)
    xy = shapely.get_coordinates(geoms)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not xy.size or (np.abs(xy) <= 180).all():
        return source
    if not (is_northing(float(np.median(xy[:, 0]))) and is_easting(float(np.median(xy[:, 1])))):
        return source
    frame = source.frame.set_geometry(
        shapely.transform(geoms, lambda c: c[:, ::-1]), crs=source.frame.crs
    )
    note = "按测量习惯读取：X 为北坐标、Y 为东坐标"
    return replace(source, frame=frame, notes=[*source.notes, note])


def table_site(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The site in a 拐点坐标表 (a sheet or CSV of boundary points): polygons in row order.

    One parcel per value of a 地块 column (else one), one ring per 圈号 (else a ring
    closes when a point repeats the first), as in the 拐点坐标 text, X read as the northing
    where surveyors wrote it so (:func:`as_surveyed`). One point stays a point.
    """
    import geopandas as gpd

    xy = shapely.get_coordinates(np.asarray(frame.geometry.values, dtype=object))
    kept = np.isfinite(xy).all(axis=1)  # a row without coordinates (备注, a blank line)
    frame, xy = frame[kept], xy[kept]
    notes: list[str] = []
    columns = {str(c).strip().lower(): c for c in frame.columns}
    parcel = next((columns[c] for c in PARCEL_COLUMNS if c in columns), None)
    ring = next((columns[c] for c in RING_COLUMNS if c in columns), None)
    n = len(xy)
    parcels_of = frame[parcel].tolist() if parcel is not None else [None] * n
    rings_of = [str(r).strip() for r in frame[ring]] if ring is not None else ["1"] * n
    builder = ParcelBuilder()
    for i, ((easting, northing), key, ring_no) in enumerate(
        zip(xy.tolist(), parcels_of, rings_of, strict=True)
    ):
        if parcel is not None and (i == 0 or key != parcels_of[i - 1]):
            builder.start(str(key).strip() or None)
        builder.add(ring_no, northing, easting)
    parcels = builder.result("rows of boundary points (点号, X, Y or 经度, 纬度)")
    notes.append(f"拐点坐标表：{len(xy)} 个拐点，按行序连成 {len(parcels)} 个地块")
    site = gpd.GeoDataFrame(
        {"name": [p.name for p in parcels]},
        geometry=[p.geometry() for p in parcels],
        crs=frame.crs,
    )
    return site, notes


def read_project_file(
    filename: str, data: bytes, *, crs: str | None = None, near_lon: float | None = None
) -> ProjectSite:
    """Read an uploaded file and return its features, merged, in lon/lat.

    A file without a CRS is taken as lon/lat when its coordinates look like degrees,
    else as CGCS2000 Gauss-Krüger (zone from the easting prefix, or from ``near_lon``).

    Raises:
        ImportFileError: unsupported type, a control character in the name, unreadable.
        UploadTooLargeError: over :data:`MAX_BYTES`, or a zip unpacking to more than
            :data:`layers.ingest.files.PROJECT_FILE_LIMITS` allows.
        MissingCRSError: projected coordinates whose zone cannot be told.
        OutOfChinaError: the result is not in China.
    """
    suffix = Path(check_upload_name(filename)).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES and suffix not in SAVE_AS:
        raise ImportFileError(
            f"不支持的文件类型 '{suffix}'：请上传 GeoJSON、zip 压缩的 Shapefile、KML/KMZ、GeoPackage、DXF、"
            "拐点坐标 txt 或拐点坐标表（Excel .xlsx / CSV）。",
            field="file",
        )
    if len(data) > MAX_BYTES:
        raise UploadTooLargeError("文件超过 20 MB。", field="file")
    with tempfile.TemporaryDirectory(prefix="ecozone-upload-") as tmp:
        path = Path(tmp) / f"project{suffix}"
        path.write_bytes(data)
        try:
            source = read_source(path, label=filename, limits=PROJECT_FILE_LIMITS)
        except ImportFileError as exc:  # the reader's words are the CLI's (English)
            raise ImportFileError(f"无法读取上传的文件：{exc.detail}", field="file") from None
    return project_site(source, crs=crs, near_lon=near_lon)


def project_site(
    source: SourceData, *, crs: str | None = None, near_lon: float | None = None
) -> ProjectSite:
    """A read project file's features, merged, in lon/lat (see :func:`read_project_file`).

    A CAD drawing gives its site's closed polylines (:func:`dxf_site`), a table its
    boundary points joined in row order (:func:`table_site`). ``crs`` (else the file's
    own) names the coordinates' CRS, or GCJ-02 / BD-09 for a Chinese web map's lon/lat.

    Raises:
        NoValidFeaturesError: nothing to take as the site.
        MissingCRSError: projected coordinates whose zone cannot be told.
        OutOfChinaError: the result is not in China.
        ProjectGeometryError: larger or more complex than a screening takes (field
            ``geometry``, as ``POST /screenings`` says it).
    """
    source = as_surveyed(source)
    frame = source.frame
    notes = list(source.notes)
    if source.format == "DXF":
        frame, note = dxf_site(frame)
        notes.append(note)
    elif source.format in TABLE_FORMATS:
        frame, table_notes = table_site(frame)
        notes.extend(table_notes)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    geoms = np.array([g for g in geoms if g is not None and not g.is_empty], dtype=object)
    if geoms.size == 0:
        raise NoValidFeaturesError("文件中没有几何要素。", field="file")
    read = in_lonlat(geoms, source.crs, crs, near_lon)
    merged = shapely.make_valid(shapely.union_all(read.geoms))
    try:  # the limits a screening applies, said at the upload rather than after it
        prepare_geometry(mapping(merged), None)
    except ProjectGeometryError as exc:
        raise ProjectGeometryError(
            f"文件中的项目范围无法筛查：{exc.detail}", field="geometry"
        ) from None
    label = crs_label(read.crs)
    zone = gk3_zone_of_crs(label)
    if zone is not None:
        notes.append(f"报告的拐点坐标按本文件的分带列出：{zone.label}")
    return ProjectSite(
        geometry=mapping(merged),
        feature_count=int(geoms.size),
        crs=label,
        format=source.format,
        notes=[*notes, *read.notes],
        report_crs=None if zone is None else f"EPSG:{zone.epsg}",
        source_crs=read.crs,
        correction=read.correction,
    )


@dataclass
class LonLatGeometries:
    """Geometries read into lon/lat: the CRS they were read in, its correction, the notes."""

    geoms: np.ndarray[Any, Any]
    crs: CRS
    correction: tuple[Correction, str] | None
    notes: list[str]


def in_lonlat(
    geoms: np.ndarray[Any, Any],
    file_crs: CRS | None,
    crs: str | None = None,
    near_lon: float | None = None,
    *,
    min_inside: float = 1.0,
) -> LonLatGeometries:
    """``geoms`` (None allowed) in WGS84 lon/lat, read as a project file's are.

    ``crs`` (else ``file_crs``) names their CRS, or GCJ-02 / BD-09 for a Chinese web map's
    lon/lat. Without either, degrees are lon/lat and projected coordinates CGCS2000
    Gauss-Krüger, the zone from the eastings' zone number (or ``near_lon``).

    Raises:
        MissingCRSError: projected coordinates whose zone cannot be told.
        OutOfChinaError: fewer than ``min_inside`` of the points lie in China.
    """
    coords = shapely.get_coordinates(geoms)
    notes: list[str] = []
    datum = web_map_datum(crs)
    correction = WEB_MAP_DATUMS[datum] if datum else None
    if correction is not None:  # lon/lat of a Chinese web map, shifted by its datum's formula
        crs = "EPSG:4326"
    src = parse_crs(offered_crs(crs)) if crs else file_crs
    if src is None:
        finite = coords[np.isfinite(coords).all(axis=1)]
        if (np.abs(finite[:, 0]) <= 180).all() and (np.abs(finite[:, 1]) <= 90).all():
            src = wgs84_crs()
            notes.append("文件未声明坐标系：按经纬度 (CGCS2000/WGS84) 读取")
        else:
            src = _guess_gk(coords[:, 0], near_lon)
            if src is None:
                raise MissingCRSError(
                    "文件未声明坐标系，且无法从横坐标判断高斯-克吕格分带；请选择坐标系。",
                    field="crs",
                )
            notes.append(f"文件未声明坐标系：按 {crs_label(src)} 读取")
    out = to_wgs84(
        coords[:, 0],
        coords[:, 1],
        src,
        detail="项目坐标不在中国范围内：请检查坐标系。",
        correction=correction,
        min_inside=min_inside,
    )
    notes.extend(out.notes)
    lonlat = shapely.set_coordinates(geoms.copy(), np.column_stack([out.lon, out.lat]))
    return LonLatGeometries(lonlat, src, correction, notes)
