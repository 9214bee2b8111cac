"""Read source files into GeoDataFrames: Shapefile, GeoPackage, GeoJSON, CSV, 拐点坐标.

Reading never reprojects: the frame keeps the file's coordinates, and the CRS the
file declares (or ``None``) is returned beside it for the importer to decide.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from gis.coords import dms_angles
from gis.parcels import parse_parcels
from layers.errors import ImportFileError, UploadTooLargeError

if TYPE_CHECKING:  # the readers import them when a file is read (API workers stay lean)
    from collections.abc import Iterable

    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

#: The two layouts of a station readings file (:mod:`layers.ingest.readings`): one reading
#: per row, or one column per pollutant (CNEMC's releases).
ReadingsLayout = Literal["long", "wide"]

logger = logging.getLogger(__name__)

_LON = ("lon", "lng", "long", "longitude", "经度", "东经", "x", "easting", "e")
_LAT = ("lat", "latitude", "纬度", "北纬", "y", "northing", "n")
#: The formats of tables of points (:func:`_points_from_table`).
CSV_FORMAT, EXCEL_FORMAT = "CSV", "Excel"
TABLE_FORMATS = (CSV_FORMAT, EXCEL_FORMAT)
_VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".fgb", ".kml", ".gml")


# How much of a .dbf the encoding sniffer reads: its header plus this many record bytes.
DBF_SNIFF_BYTES = 1024 * 1024
# The longest .dbf header (32 bytes + 32 per field, at most 255 fields, + terminator).
_DBF_MAX_HEADER = 32 + 32 * 255 + 1


@dataclass(frozen=True)
class ArchiveLimits:
    """What a zip may hold, checked from its central directory before any member is read.

    A zip bomb (a few MB declaring GBs of zeros) is refused here, before GDAL's
    ``/vsizip/`` or the encoding sniffer decompress anything.
    """

    max_total_bytes: int = 2 * 1024**3
    max_members: int = 1000
    max_ratio: float = 100.0
    # the ratio is only judged for members at least this large (tiny files compress oddly)
    ratio_floor_bytes: int = 1024 * 1024


IMPORT_LIMITS = ArchiveLimits()
PROJECT_FILE_LIMITS = ArchiveLimits(max_total_bytes=100 * 1024 * 1024)

# Characters never allowed in an uploaded file's name (NUL, other C0/C1 controls, separators).
_BAD_NAME_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")


def check_upload_name(name: str) -> str:
    """Return an uploaded file's name if it is printable, else refuse it.

    Raises:
        ImportFileError: the name holds a NUL or another control character (field ``file``).
    """
    if any(unicodedata.category(ch) in _BAD_NAME_CATEGORIES for ch in name):
        raise ImportFileError(
            "file: the file name holds a control character (such as NUL); rename the file.",
            field="file",
        )
    return name


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


def _dbf_encoding(dbf: IO[bytes]) -> str:
    """Guess a .dbf's encoding when no .cpg says it: UTF-8 if it decodes, else GBK.

    Only the header and the first :data:`DBF_SNIFF_BYTES` of records are read, so a
    huge (or bomb) .dbf costs at most about a megabyte here.
    """
    head = dbf.read(32)
    header_len = int.from_bytes(head[8:10], "little") if len(head) >= 10 else 0
    header_len = min(max(header_len, len(head)), _DBF_MAX_HEADER)
    dbf.read(header_len - len(head))
    body = dbf.read(DBF_SNIFF_BYTES)
    try:
        # incremental: a character cut at the end of the prefix is not an error
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return "GB18030"
    return "UTF-8"


def check_archive(
    path: Path, limits: ArchiveLimits | None = None, *, label: str | None = None
) -> None:
    """Refuse a zip whose central directory promises too much, before reading any member.

    ``limits`` defaults to :data:`IMPORT_LIMITS`. The sizes are those the zip declares
    (Python's zipfile never inflates a member past its declared size).

    Raises:
        UploadTooLargeError: too many members, too many bytes once uncompressed, or a
            compression ratio only a zip bomb has (field ``file``).
        ImportFileError: not a zip file.
    """
    name = label or path.name
    limits = limits or IMPORT_LIMITS
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(f"file: '{name}' is not a readable zip file.", field="file") from exc
    if len(members) > limits.max_members:
        raise UploadTooLargeError(
            f"file: '{name}' holds {len(members)} files; at most {limits.max_members} "
            "are accepted.",
            field="file",
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_total_bytes:
        raise UploadTooLargeError(
            f"file: '{name}' would unpack to {total} bytes; at most "
            f"{limits.max_total_bytes} are accepted.",
            field="file",
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size >= limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise UploadTooLargeError(
                f"file: '{name}' member '{m.filename}' is compressed {ratio:.0f}:1; at most "
                f"{limits.max_ratio:.0f}:1 is accepted (a zip bomb?).",
                field="file",
            )


def _shapefile_in_zip(path: Path, label: str) -> tuple[str, str | None]:
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
        missing = [ext for ext in (".shx", ".dbf") if (stem + ext).lower() not in lower]
        if missing:
            raise ImportFileError(
                f"{label} holds {shps[0]} without its {' and '.join(missing)}: put every file "
                "of the shapefile in the zip (.shp, .shx, .dbf, and the .prj and .cpg when "
                "there are).",
                field="file",
            )
        if (stem + ".cpg").lower() in lower:
            encoding = None
        elif (stem + ".dbf").lower() in lower:
            with zf.open(lower[(stem + ".dbf").lower()]) as dbf:
                encoding = _dbf_encoding(dbf)
        else:
            encoding = None
        return f"/vsizip/{path}/{shps[0]}", encoding


def _read_vector(
    source: str, encoding: str | None, layer: str | None, fmt: str, scrub: _Scrub
) -> SourceData:
    import pyogrio

    notes = []
    kwargs: dict[str, object] = {}
    if encoding:
        kwargs["encoding"] = encoding
        notes.append(f"no .cpg: attribute encoding detected as {encoding}")
    try:
        if layer:
            kwargs["layer"] = layer
        elif fmt == "GeoPackage":
            layers = pyogrio.list_layers(source)
            if len(layers) > 1:
                notes.append(
                    f"GeoPackage has {len(layers)} layers; read the first, '{layers[0][0]}'"
                )
        # through Arrow: GDAL builds the columns in C++ (100,000 polygons in 0.33-0.37 s,
        # 0.8-1.1 s feature by feature; bench/RESULTS.md)
        frame = pyogrio.read_dataframe(source, use_arrow=True, **kwargs)
    except Exception as exc:  # pyogrio raises several GDAL-specific types
        raise ImportFileError(
            f"Cannot read the file as {fmt}: {scrub(str(exc))}", field="file"
        ) from exc
    return SourceData(frame=frame, crs=frame.crs, format=fmt, notes=notes)


class _Scrub:
    """Replace a server-side path in a message with the name the user knows the file by."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label

    def __call__(self, message: str) -> str:
        for server, shown in (
            (f"/vsizip/{self.path}", self.label),
            (str(self.path), self.label),
            (f"{self.path.parent}/", ""),
            (str(self.path.parent), ""),
        ):
            message = message.replace(server, shown)
        return message


#: Bounds on a CSV's header, checked before pandas parses (README, "Limits").
MAX_CSV_COLUMNS = 1_000
MAX_CSV_HEADER_CHARS = 100_000


def _read_csv(path: Path) -> SourceData:
    import pandas as pd

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
    return _points_from_table(table, CSV_FORMAT)


def _read_xlsx(
    path: Path, sheet: str | None, limits: ArchiveLimits | None, label: str
) -> SourceData:
    """The first sheet (or ``sheet``) of an Excel workbook, read as a CSV is.

    Points come from its lon/lat (经度/纬度) or x/y columns; every other column is an attribute.
    """
    import pandas as pd

    check_archive(path, limits, label=label)  # an .xlsx is a zip
    try:
        table = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, engine="openpyxl")
    except (ValueError, KeyError, OSError) as exc:
        raise ImportFileError(f"Cannot read the workbook: {exc}", field="file") from exc
    if len(table.columns) > MAX_CSV_COLUMNS:
        raise ImportFileError(
            f"The sheet has {len(table.columns):,} columns; at most {MAX_CSV_COLUMNS:,} are "
            "imported. Keep the coordinate and attribute columns only.",
            field="file",
        )
    table = table.dropna(how="all").fillna("")
    return _points_from_table(table, EXCEL_FORMAT)


def _points_from_table(table: pd.DataFrame, fmt: str) -> SourceData:
    """Points from a table of text cells: its longitude/easting and latitude/northing columns."""
    import geopandas as gpd

    table.columns = [str(c).strip() for c in table.columns]
    lon, lat = _coordinate_columns(table.columns)
    if lon is None or lat is None:
        # a title row (项目用地拐点坐标表) above the header: the first row naming them is it
        for i in range(min(MAX_TITLE_ROWS, len(table))):
            row = [str(v).strip() or f"column{j + 1}" for j, v in enumerate(table.iloc[i])]
            if None not in _coordinate_columns(row):
                table = table.iloc[i + 1 :].reset_index(drop=True)
                table.columns = row
                lon, lat = _coordinate_columns(row)
                break
    if lon is None or lat is None:
        raise ImportFileError(
            f"The {fmt} needs a longitude/easting column (lon, lng, longitude, 经度, x, 东坐标) "
            f"and a latitude/northing column (lat, latitude, 纬度, y, 北坐标); it has "
            f"{list(table.columns)}.",
            field="file",
        )
    # an empty cell is NaN: a row without coordinates is reported on its own
    xs, ys = _coordinate_values(table, lon), _coordinate_values(table, lat)
    frame = gpd.GeoDataFrame(
        table.drop(columns=[lon, lat]).replace("", None),
        geometry=gpd.points_from_xy(xs, ys),
        crs=None,
    )
    notes = [f"points from columns {lon}/{lat}"]
    if any(_DMS_MARKS.intersection(str(v)) for v in table[lon].head(50)):
        notes.append(f"{lon}/{lat} 按度分秒读取")
    return SourceData(frame=frame, crs=None, format=fmt, notes=notes)


#: Characters only a degrees-minutes-seconds cell holds.
_DMS_MARKS = frozenset("°度′'″\"分秒")


def _coordinate_values(table: pd.DataFrame, column: str) -> pd.Series:
    """A coordinate column as numbers: decimal, or degrees-minutes-seconds (120°16′12″).

    Raises:
        ImportFileError: a cell that is neither, naming its row and column.
    """
    import pandas as pd

    cells = table[column].str.strip()
    try:
        return pd.to_numeric(cells)
    except ValueError:
        pass
    values: list[float] = []
    for row, cell in enumerate(cells, start=2):  # row 1 is the header
        try:
            values.append(float(cell) if cell else float("nan"))
            continue
        except ValueError:
            angles = dms_angles(cell)
        if angles is None or len(angles) != 1:
            raise ImportFileError(
                f"Non-numeric coordinate {cell!r} in column '{column}' (row {row}): give "
                "decimal degrees (120.27), degrees-minutes-seconds (120°16′12″) or metres.",
                field="file",
            )
        values.append(angles[0])
    return pd.Series(values, index=cells.index, dtype=float)


#: How many rows above a table's header (a title, a date) are looked through for it.
MAX_TITLE_ROWS = 5


def _coordinate_columns(columns: Iterable[str]) -> tuple[str | None, str | None]:
    """The longitude/easting and latitude/northing columns among ``columns``, if named so."""
    keys: dict[str, str] = {}
    for column in columns:
        keys.setdefault(_header_key(column), column)
    lon = next((keys[n] for n in _LON if n in keys), None) or _marked(keys, "东")
    lat = next((keys[n] for n in _LAT if n in keys), None) or _marked(keys, "北")
    return lon, lat


def _header_key(name: str) -> str:
    """A column name as matched: lower case, without a unit in brackets or 坐标.

    ``X（m）``, ``X坐标`` and ``x`` are all ``x``; ``东坐标Y`` is ``东y``.
    """
    return re.sub(r"[（(][^)）]*[)）]", "", name).replace("坐标", "").replace(" ", "").lower()


def _marked(keys: dict[str, str], direction: str) -> str | None:
    """The column whose name holds ``direction`` (东 easting, 北 northing), if one does."""
    return next((column for key, column in keys.items() if direction in key), None)


def _read_parcels(path: Path) -> SourceData:
    import geopandas as gpd

    parcels = parse_parcels(_decode_text(path.read_bytes()))
    frame = gpd.GeoDataFrame(
        {"name": [p.name for p in parcels]},
        geometry=[p.geometry() for p in parcels],
        crs=None,
    )
    return SourceData(
        frame=frame, crs=None, format="拐点坐标", notes=["x read as northing, y as easting"]
    )


def read_source(
    path: Path,
    *,
    layer: str | None = None,
    label: str | None = None,
    limits: ArchiveLimits | None = None,
) -> SourceData:
    """Read ``path`` (file, zip or shapefile folder) without reprojecting it.

    Args:
        path: the file to read.
        layer: the layer of a multi-layer file (GeoPackage) to read.
        label: the name messages show for the file instead of ``path`` (an upload's
            own name: server paths never reach HTTP clients).
        limits: what a zip may hold, checked before anything in it is read (default
            :data:`IMPORT_LIMITS`).

    Raises:
        ImportFileError: the file is missing, of an unknown kind or unreadable.
        UploadTooLargeError: a zip over ``limits``.
    """
    label = label if label is not None else str(path)
    scrub = _Scrub(path, label)
    if not path.exists():
        raise ImportFileError(f"No such file: {label}", field="file")
    suffix = path.suffix.lower()
    if path.is_dir():
        shps = sorted(path.glob("*.shp")) + sorted(path.glob("*.SHP"))
        if len(shps) != 1:
            raise ImportFileError(
                f"The folder must hold exactly one .shp file; found {len(shps)}.", field="file"
            )
        path, suffix = shps[0], ".shp"
    if suffix == ".zip":
        check_archive(path, limits, label=label)
        source, encoding = _shapefile_in_zip(path, label)
        return _read_vector(source, encoding, layer, "Shapefile (zip)", scrub)
    if suffix == ".shp":
        missing = [
            ext
            for ext in (".shx", ".dbf")
            if not (path.with_suffix(ext).exists() or path.with_suffix(ext.upper()).exists())
        ]
        if missing:  # GDAL's own message names the server's copy and a config option
            raise ImportFileError(
                f"The shapefile {label} comes without its {' and '.join(missing)}: a shapefile "
                "is several files; upload them together as one .zip (with the .prj and .cpg "
                "when there are).",
                field="file",
            )
        encoding = None
        if not path.with_suffix(".cpg").exists() and path.with_suffix(".dbf").exists():
            with path.with_suffix(".dbf").open("rb") as dbf:
                encoding = _dbf_encoding(dbf)
        return _read_vector(str(path), encoding, layer, "Shapefile", scrub)
    if suffix == ".gpkg":
        return _read_vector(str(path), None, layer, "GeoPackage", scrub)
    if suffix in (".geojson", ".json"):
        return _read_vector(str(path), None, layer, "GeoJSON", scrub)
    if suffix == ".dxf":
        return _read_dxf(path, scrub)
    if suffix in (".kml", ".kmz"):
        if suffix == ".kmz":
            check_archive(path, limits, label=label)
        return _read_kml(path, layer, scrub)
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_xlsx(path, layer, limits, label)
    if suffix in SAVE_AS:
        raise ImportFileError(
            f"'{suffix}' files are not read: {SAVE_AS[suffix]}, then use that file.", field="file"
        )
    if suffix == ".txt":
        return _read_parcels(path)
    raise ImportFileError(
        f"Unsupported file type '{suffix}'. Use a Shapefile (.shp, .zip or folder), "
        ".gpkg, .geojson, .kml/.kmz, .dxf, .csv or .xlsx with lon/lat columns, or a 拐点坐标 "
        ".txt.",
        field="file",
    )


#: Formats a user has that GDAL (as installed) does not read, and what to save them as.
SAVE_AS = {
    ".xls": "save the sheet as .xlsx (Excel: 另存为 → Excel 工作簿)",
    ".dwg": "save the drawing as DXF (AutoCAD: 另存为 → AutoCAD DXF)",
}


def _read_dxf(path: Path, scrub: _Scrub) -> SourceData:
    """A CAD drawing (DXF): its entities, closed polylines as polygons, with their CAD layer.

    DXF has no CRS: the caller supplies one, or reads the coordinates' magnitude (CGCS2000
    Gauss-Krüger eastings name their zone). Text is decoded by the drawing's code page
    (``$DWGCODEPAGE``, e.g. ANSI_936 for GBK layer names).
    """
    import pyogrio

    option = "DXF_CLOSED_LINE_AS_POLYGON"
    before = pyogrio.get_gdal_config_option(option)
    pyogrio.set_gdal_config_options({option: "TRUE"})
    try:
        frame = pyogrio.read_dataframe(str(path))
    except Exception as exc:  # pyogrio raises several GDAL-specific types
        raise ImportFileError(
            f"Cannot read the file as DXF: {scrub(str(exc))}", field="file"
        ) from exc
    finally:
        pyogrio.set_gdal_config_options({option: before})
    return SourceData(frame=frame, crs=None, format="DXF", notes=[])


def _read_kml(path: Path, layer: str | None, scrub: _Scrub) -> SourceData:
    """A KML or KMZ file (Google Earth, 奥维互动地图 …): every folder's placemarks, in lon/lat.

    Each KML folder is a layer to GDAL; a site drawn in a desktop globe sits in whichever
    folder the user chose, so all of them are read (one when ``layer`` names it).
    """
    import pandas as pd
    import pyogrio

    fmt = "KMZ" if path.suffix.lower() == ".kmz" else "KML"
    try:
        names = [layer] if layer else [str(n) for n, _kind in pyogrio.list_layers(str(path))]
        frames = [pyogrio.read_dataframe(str(path), layer=n) for n in names]
    except Exception as exc:  # pyogrio raises several GDAL-specific types
        raise ImportFileError(
            f"Cannot read the file as {fmt}: {scrub(str(exc))}", field="file"
        ) from exc
    read = [(n, f) for n, f in zip(names, frames, strict=True) if len(f)]
    if not read:
        raise ImportFileError(f"The {fmt} file holds no placemarks.", field="file")
    frames = [f for _n, f in read]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    used = ", ".join(n for n, _f in read)
    notes = [f"{fmt}: read {len(frames)} folders ({used})"] if len(frames) > 1 else []
    return SourceData(frame=frame, crs=frames[0].crs, format=fmt, notes=notes)
