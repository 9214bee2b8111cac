"""Read source files into GeoDataFrames: Shapefile, GeoPackage, GeoJSON, CSV, 拐点坐标.

Reading never reprojects: the frame keeps the file's coordinates, and the CRS the
file declares (or ``None``) is returned beside it for the importer to decide.
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from gis.parcels import parse_parcels
from layers.errors import ImportFileError

logger = logging.getLogger(__name__)

_LON = ("lon", "lng", "long", "longitude", "经度", "东经", "x", "easting", "e")
_LAT = ("lat", "latitude", "纬度", "北纬", "y", "northing", "n")
_VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".fgb", ".kml", ".gml")


@dataclass
class SourceData:
    """A file's features in its own coordinates, plus what was learned reading it."""

    frame: gpd.GeoDataFrame
    crs: CRS | None
    format: str
    notes: list[str] = field(default_factory=list)


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("The text file is neither UTF-8 nor GBK.", field="file")


def _dbf_encoding(dbf: bytes) -> str:
    """Guess a .dbf's encoding when no .cpg says it: UTF-8 if it decodes, else GBK."""
    header_len = int.from_bytes(dbf[8:10], "little") if len(dbf) >= 10 else 0
    body = dbf[header_len:]
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "GB18030"
    return "UTF-8"


def _shapefile_in_zip(path: Path) -> tuple[str, str | None]:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        shps = [n for n in names if n.lower().endswith(".shp") and not n.startswith("__MACOSX")]
        others = [n for n in names if n.lower().endswith(_VECTOR_SUFFIXES[1:])]
        if len(shps) > 1:
            raise ImportFileError(
                f"The zip holds {len(shps)} shapefiles ({', '.join(shps)}); import one at a time.",
                field="file",
            )
        if not shps:
            if len(others) == 1:
                return f"/vsizip/{path}/{others[0]}", None
            raise ImportFileError("The zip holds no .shp file.", field="file")
        stem = shps[0][:-4]
        lower = {n.lower(): n for n in names}
        if (stem + ".cpg").lower() in lower:
            encoding = None
        elif (stem + ".dbf").lower() in lower:
            encoding = _dbf_encoding(zf.read(lower[(stem + ".dbf").lower()]))
        else:
            encoding = None
        return f"/vsizip/{path}/{shps[0]}", encoding


def _read_vector(source: str, encoding: str | None, layer: str | None, fmt: str) -> SourceData:
    notes = []
    kwargs: dict[str, object] = {}
    if encoding:
        kwargs["encoding"] = encoding
        notes.append(f"no .cpg: attribute encoding detected as {encoding}")
    if layer:
        kwargs["layer"] = layer
    elif fmt == "GeoPackage":
        layers = pyogrio.list_layers(source)
        if len(layers) > 1:
            notes.append(f"GeoPackage has {len(layers)} layers; read the first, '{layers[0][0]}'")
    try:
        frame = pyogrio.read_dataframe(source, **kwargs)
    except Exception as exc:  # pyogrio raises several GDAL-specific types
        raise ImportFileError(f"Cannot read the file as {fmt}: {exc}", field="file") from exc
    return SourceData(frame=frame, crs=frame.crs, format=fmt, notes=notes)


#: Bounds on a CSV's header, checked before pandas parses (README, "Limits").
MAX_CSV_COLUMNS = 1_000
MAX_CSV_HEADER_CHARS = 100_000


def _read_csv(path: Path) -> SourceData:
    text = _decode_text(path.read_bytes())
    import csv
    from io import StringIO

    end = text.find("\n", 0, MAX_CSV_HEADER_CHARS + 1)
    if end == -1 and len(text) > MAX_CSV_HEADER_CHARS:
        raise ImportFileError(
            f"The CSV's header line is over {MAX_CSV_HEADER_CHARS:,} characters; is it a CSV?",
            field="file",
        )
    header = next(csv.reader([text[: end if end != -1 else len(text)]]), [])
    if len(header) > MAX_CSV_COLUMNS:
        raise ImportFileError(
            f"The CSV has {len(header):,} columns; at most {MAX_CSV_COLUMNS:,} are imported. "
            "Keep the coordinate and attribute columns only.",
            field="file",
        )
    table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    table.columns = [str(c).strip() for c in table.columns]
    lower = {c.lower(): c for c in table.columns}
    lon = next((lower[n] for n in _LON if n in lower), None)
    lat = next((lower[n] for n in _LAT if n in lower), None)
    if lon is None or lat is None:
        raise ImportFileError(
            "The CSV needs a longitude/easting column (lon, lng, longitude, 经度, x) and a "
            f"latitude/northing column (lat, latitude, 纬度, y); it has {list(table.columns)}.",
            field="file",
        )
    try:
        xs = pd.to_numeric(table[lon].str.strip())
        ys = pd.to_numeric(table[lat].str.strip())
    except ValueError as exc:
        raise ImportFileError(
            f"Non-numeric coordinate in '{lon}'/'{lat}': {exc}", field="file"
        ) from exc
    frame = gpd.GeoDataFrame(
        table.drop(columns=[lon, lat]).replace("", None),
        geometry=gpd.points_from_xy(xs, ys),
        crs=None,
    )
    return SourceData(
        frame=frame, crs=None, format="CSV", notes=[f"points from columns {lon}/{lat}"]
    )


def _read_parcels(path: Path) -> SourceData:
    parcels = parse_parcels(_decode_text(path.read_bytes()))
    frame = gpd.GeoDataFrame(
        {"name": [p.name for p in parcels]},
        geometry=[p.geometry() for p in parcels],
        crs=None,
    )
    return SourceData(
        frame=frame, crs=None, format="拐点坐标", notes=["x read as northing, y as easting"]
    )


def read_source(path: Path, *, layer: str | None = None) -> SourceData:
    """Read ``path`` (file, zip or shapefile folder) without reprojecting it.

    Raises:
        ImportFileError: the file is missing, of an unknown kind or unreadable.
    """
    if not path.exists():
        raise ImportFileError(f"No such file: {path}", field="file")
    suffix = path.suffix.lower()
    if path.is_dir():
        shps = sorted(path.glob("*.shp")) + sorted(path.glob("*.SHP"))
        if len(shps) != 1:
            raise ImportFileError(
                f"The folder must hold exactly one .shp file; found {len(shps)}.", field="file"
            )
        path, suffix = shps[0], ".shp"
    if suffix == ".zip":
        source, encoding = _shapefile_in_zip(path)
        return _read_vector(source, encoding, layer, "Shapefile (zip)")
    if suffix == ".shp":
        encoding = None
        if not path.with_suffix(".cpg").exists() and path.with_suffix(".dbf").exists():
            encoding = _dbf_encoding(path.with_suffix(".dbf").read_bytes())
        return _read_vector(str(path), encoding, layer, "Shapefile")
    if suffix == ".gpkg":
        return _read_vector(str(path), None, layer, "GeoPackage")
    if suffix in (".geojson", ".json"):
        return _read_vector(str(path), None, layer, "GeoJSON")
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".txt":
        return _read_parcels(path)
    raise ImportFileError(
        f"Unsupported file type '{suffix}'. Use a Shapefile (.shp, .zip or folder), "
        ".gpkg, .geojson, .csv with lon/lat columns, or a 拐点坐标 .txt.",
        field="file",
    )
