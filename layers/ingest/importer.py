"""Import a file into a new release of a collection, atomically.

The pipeline: read (layers.ingest.files) → pick the CRS → fix Gauss-Krüger prefixes →
reproject to WGS84 → undo GCJ-02/BD-09 if asked → check the data is in China →
repair geometries → map and validate attributes → COPY into PostGIS with its new
release, in one transaction.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import psycopg
import shapely
from psycopg.copy import QueuedLibpqWriter
from pydantic import Field as PydanticField
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gis.civil_time import today
from gis.crs import (
    WGS84,
    crs_label,
    in_china,
    parse_crs,
    to_wgs84,
)
from gis.errors import InvalidGeometryError, MissingCRSError, OutOfChinaError
from gis.geometry import TargetKind, ellipsoidal_areas_m2, repair_geometries
from gis.offsets import bd09_to_wgs84, gcj02_to_wgs84, web_map_datum
from layers.errors import (
    CoverageError,
    ImportFileError,
    MappingError,
    NoValidFeaturesError,
    ReleaseConflictError,
)
from layers.ingest.files import SourceData, read_source
from layers.ingest.zones import check_parents
from layers.store.catalog import Collection, Field, get_collection
from layers.store.entry_lists import unit_code_parts
from layers.store.models import STORAGE_SRID, Release, feature_table
from layers.store.releases import (
    cover_own_features,
    full_adcode,
    set_adcode_coverage,
    set_auto_coverage,
    set_polygon_coverage,
)

if TYPE_CHECKING:  # pandas is imported by the functions that run on frames (API workers stay lean)
    import pandas as pd
    import pyarrow as pa
    from pyproj import CRS  # likewise pyproj, through gis.crs (issue 12)

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

_COPY_CHUNK = 10_000
_LIST_SPLIT = re.compile(r"[,，、;；|]+")
#: A list as GDAL writes a StringList into a format without lists (GeoPackage,
#: shapefile): ``(3:化工,石化,钢铁)``, its count then its items; what ``ogr2ogr`` makes of an
#: exported collection's arrays.
_GDAL_LIST = re.compile(r"\((\d+):(.*)\)", re.DOTALL)


@pydantic_dataclass
class ImportOptions:
    """What the caller says about an import: the CLI's options and the HTTP form's fields.

    The one declaration of them: the HTTP route validates its form against this class and
    documents it from this class's schema (``mapping`` travels there as ``src=field,…``).
    """

    collection: str
    release: Annotated[str, PydanticField(min_length=1, max_length=200)]
    valid_from: date | None = None
    crs: str | None = None
    source: str = ""
    licence: str = ""
    note: str = ""
    layer: str | None = None
    from_gcj02: bool = False
    from_bd09: bool = False
    synthetic: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    #: The area the release covers, as adcodes (``32,36``: Jiangsu and Jiangxi); by
    #: default the county-level divisions its features touch (``layers.store.releases``).
    coverage: str | None = None

    def __post_init__(self) -> None:
        """A ``crs`` naming a Chinese web map's datum is its flag, as the map and ``screen`` take it.

        ``GCJ-02`` (高德, 腾讯) and ``BD-09`` (百度) are lon/lat shifted by a formula, not a
        CRS pyproj knows: ``crs="GCJ-02"`` is ``from_gcj02`` (``BD-09``: ``from_bd09``).
        """
        datum = web_map_datum(self.crs)
        if datum is not None:
            self.from_gcj02 = self.from_gcj02 or datum == "GCJ-02"
            self.from_bd09 = self.from_bd09 or datum == "BD-09"
            self.crs = None

    def coverage_adcodes(self) -> list[str]:
        """The adcodes of ``coverage`` (checked: 2, 4 or 6 digits each).

        Raises:
            CoverageError: one is not an adcode.
        """
        codes = [c.strip() for c in (self.coverage or "").replace("，", ",").split(",")]
        codes = [c for c in codes if c]
        for code in codes:
            full_adcode(code)
        return codes


@dataclass
class ImportReport:
    """The summary of an import, stored on the release and printed by the CLI."""

    collection: str
    release: str
    release_id: int
    file: str
    format: str
    crs_in: str
    features_read: int
    features_imported: int
    repaired: int
    rejected: int
    rejected_reasons: dict[str, int]
    rejected_examples: list[str]
    notes: list[str]
    column_mapping: dict[str, str]
    bbox: list[float]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form of the report."""
        return asdict(self)


def _normalise_name(name: str) -> str:
    return str(name).strip().lower()


def resolve_mapping(
    collection: Collection, columns: Iterable[str], explicit: dict[str, str]
) -> dict[str, str]:
    """Map source columns to catalogue fields: explicit entries, then known aliases.

    Raises:
        MappingError: an explicit entry names a field the collection does not have.
    """
    targets = set(collection.field_names) | {"synthetic"}
    for src, dst in explicit.items():
        if dst not in targets:
            raise MappingError(
                f"Mapping '{src}={dst}': collection '{collection.id}' has no field '{dst}'. "
                f"Fields: {', '.join(sorted(targets))}.",
                field="mapping",
            )
    by_alias: dict[str, str] = {}
    for f in collection.fields:
        for alias in (f.name, *f.aliases):
            by_alias.setdefault(_normalise_name(alias), f.name)
    by_alias.setdefault("synthetic", "synthetic")
    explicit_norm = {_normalise_name(k): v for k, v in explicit.items()}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        key = _normalise_name(column)
        found = explicit_norm.get(key) or by_alias.get(key)
        if found and found not in taken:
            mapping[column] = found
            taken.add(found)
    return mapping


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def convert_value(f: Field, value: Any) -> Any:
    """Convert one source value to the field's type, normalising code-list values.

    Raises:
        ValueError: the value cannot be converted or is not in the code list.
    """
    if _is_missing(value) or (
        f.type != "text[]" and isinstance(value, (list, tuple)) and not value
    ):
        return None
    if f.type == "text[]":
        items = value if isinstance(value, (list, tuple, np.ndarray)) else _list_items(str(value))
        return [str(v).strip() for v in items if str(v).strip()]
    if f.type == "int":
        number = float(value)
        if not number.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(_at_least(f, number))
    if f.type == "float":
        return _at_least(f, float(value))
    if f.type == "date":
        import pandas as pd  # lazily: API workers import pandas only when a request needs it

        return pd.Timestamp(str(value).strip()).date()
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if f.choices is not None:
        text = f.synonyms.get(text, text)
        if text not in f.choices:
            raise ValueError(f"{text!r} is not one of {', '.join(f.choices)}")
    return text


def _list_items(text: str) -> list[str]:
    """The items of a list written as text: GDAL's ``(n:a,b)``, JSON, or separated."""
    text = text.strip()
    gdal = _GDAL_LIST.fullmatch(text)
    if gdal is not None:
        items = gdal.group(2).split(",") if int(gdal.group(1)) else []
        if len(items) == int(gdal.group(1)):
            return items
    if text.startswith("[") and text.endswith("]"):
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, list):
            return [str(v) for v in loaded if v is not None]
    return _LIST_SPLIT.split(text)


def _at_least(f: Field, number: float) -> float:
    """``number`` when the field accepts it (not below its ``minimum``).

    Raises:
        ValueError: below the minimum (a negative population).
    """
    if f.minimum is not None and number < f.minimum:
        raise ValueError(f"{number:g} is below the minimum {f.minimum:g}")
    return number


def _to_bool(value: Any) -> bool:
    if _is_missing(value):
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return str(value).strip().lower() in ("1", "true", "yes", "y", "是", "t")


def _jsonable(value: Any) -> Any:
    if _is_missing(value):
        return None
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, date):  # pandas' Timestamp is a datetime, so a date
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _choose_crs(
    file_crs: CRS | None,
    declared: str | None,
    notes: list[str],
    *,
    web_map: bool = False,
    file_format: str = "",
) -> CRS:
    """The CRS to read the file in: declared, the file's own, or lon/lat for a web map's.

    ``web_map``: the file is in GCJ-02 or BD-09, which are lon/lat by definition, so a file
    without a CRS of its own (a CSV, a shapefile without .prj) needs no other.
    """
    if declared:
        crs = parse_crs(declared)
        if file_crs is not None and not crs.equals(file_crs, ignore_axis_order=True):
            notes.append(
                f"the file declares {crs_label(file_crs)}; --crs {crs_label(crs)} was used instead"
            )
        return crs
    if file_crs is None and web_map:
        return parse_crs(WGS84)
    if file_crs is None:
        shapefile = file_format.startswith("Shapefile")
        raise MissingCRSError(
            "The file has no CRS. Give it with --crs (HTTP form field 'crs'), e.g. "
            "--crs EPSG:4490 for CGCS2000 lon/lat, --crs EPSG:4528 for CGCS2000 "
            "3-degree Gauss-Krüger zone 40, or --crs GCJ-02 / BD-09 for 高德/百度 lon/lat"
            + ("; or add the .prj file to the shapefile." if shapefile else "."),
            field="crs",
        )
    return file_crs


def _reproject(
    geoms: np.ndarray,
    crs: CRS,
    notes: list[str],
    *,
    from_gcj02: bool = False,
    from_bd09: bool = False,
) -> np.ndarray:
    """Bring geometries to WGS84 lon/lat; refuse data that cannot be in China."""
    coords = shapely.get_coordinates(geoms)
    if coords.size == 0:
        return geoms
    correction = (
        (gcj02_to_wgs84, "converted from GCJ-02 to WGS84")
        if from_gcj02
        else (bd09_to_wgs84, "converted from BD-09 to WGS84")
        if from_bd09
        else None
    )
    # a file is refused when most of it is outside; single features outside are rejected
    out = to_wgs84(coords[:, 0], coords[:, 1], crs, min_inside=0.5, correction=correction)
    notes.extend(out.notes)
    if np.array_equal(out.lon, coords[:, 0]) and np.array_equal(out.lat, coords[:, 1]):
        return geoms  # lon/lat already (EPSG:4326/4490, no correction): nothing moved
    moved: np.ndarray = shapely.set_coordinates(geoms.copy(), np.column_stack([out.lon, out.lat]))
    return moved


def _feature_outside(geoms: list[Any]) -> set[int]:
    """Indices of geometries whose bounds leave China's box."""
    present = [i for i, g in enumerate(geoms) if g is not None]
    if not present:
        return set()
    b = shapely.bounds(np.array([geoms[i] for i in present], dtype=object))
    inside = in_china(b[:, 0], b[:, 1]) & in_china(b[:, 2], b[:, 3])
    return {present[k] for k in np.flatnonzero(~inside)}


def storage_geometry(
    geom: Any, crs: CRS, kind: TargetKind, dimensions: tuple[int, ...] | None = None
) -> Any:
    """One geometry as the importer would store it: to WGS84, repaired, coerced, in China.

    Used by the feature edits of the API, so a POSTed feature passes the same checks
    as an imported one.

    Raises:
        OutOfChinaError: the coordinates cannot be in China for ``crs``.
        InvalidGeometryError: the geometry is empty, has NaN coordinates, cannot be
            repaired, or is not of the collection's type.
    """
    notes: list[str] = []
    moved = _reproject(np.array([geom], dtype=object), crs, notes)
    repaired = repair_geometries(moved, kind, dimensions)
    if 0 in repaired.rejected:
        raise InvalidGeometryError(f"geometry: {repaired.rejected[0]}.", field="geometry")
    if _feature_outside(repaired.geoms):
        raise OutOfChinaError("geometry: coordinates outside China.", field="geometry")
    return repaired.geoms[0]


def import_file(
    session: Session,
    path: Path,
    options: ImportOptions,
    *,
    progress: Progress | None = None,
    label: str | None = None,
    coverage: bytes | None = None,
) -> ImportReport:
    """Import ``path`` as a new release; commit on success, leave nothing on failure.

    ``coverage``: a polygon the release covers (:func:`import_source`).

    ``label`` is the name reports and messages give the file (an upload's own name, so
    the server's temporary path is never shown); by default the path itself.

    Raises:
        ReleaseConflictError: the release name exists already for the collection.
        MissingCRSError, UnknownCRSError, OutOfChinaError: CRS problems.
        ImportFileError, NoValidFeaturesError, MappingError: file problems.
    """
    started = time.perf_counter()
    get_collection(options.collection)
    check_new_release(session, options.collection, options.release)
    source = read_source(path, layer=options.layer, label=label)
    return import_source(
        session,
        source,
        options,
        label=label or path.name,
        progress=progress,
        started=started,
        coverage=coverage,
    )


def import_source(
    session: Session,
    source: SourceData,
    options: ImportOptions,
    *,
    label: str,
    progress: Progress | None = None,
    started: float | None = None,
    coverage: bytes | None = None,
) -> ImportReport:
    """Import features already read (e.g. a GeoDataFrame built by the demo) as a release.

    ``coverage`` is a polygon (EWKB, EPSG:4326) the release covers, which overrides
    ``options.coverage``.

    Raises:
        The same errors as :func:`import_file`.
    """
    started = started if started is not None else time.perf_counter()
    collection = get_collection(options.collection)
    check_new_release(session, collection.id, options.release)
    coverage_codes = options.coverage_adcodes()
    notes = list(source.notes)
    crs = _choose_crs(
        source.crs,
        options.crs,
        notes,
        web_map=options.from_gcj02 or options.from_bd09,
        file_format=source.format,
    )
    frame = source.frame
    # CRS decisions and the "is this China at all" check look at the whole file first
    geoms = _reproject(
        np.asarray(frame.geometry.values, dtype=object),
        crs,
        notes,
        from_gcj02=options.from_gcj02,
        from_bd09=options.from_bd09,
    )
    columns = [c for c in frame.columns if c != frame.geometry.name]
    mapping = resolve_mapping(collection, columns, options.mapping)
    release = Release(
        collection=collection.id,
        name=options.release,
        valid_from=options.valid_from or today(),
        source=options.source,
        licence=options.licence,
        note=options.note,
        source_crs=crs_label(crs),
        synthetic=options.synthetic,
        feature_count=0,
        import_report={},
    )
    rejected: dict[int, str] = {}
    # rows refused by a check across rows (a zone outside its protected area), up front
    linked, frame = _parent_links(collection, frame, mapping, geoms)
    repaired = imported = 0
    codes = UnitCodes()
    synthetic = False
    bounds: list[tuple[float, float, float, float]] = []
    total = len(frame)
    try:
        session.add(release)
        session.flush()
        # A pipeline of chunks: PostgreSQL parses and indexes one chunk while the next
        # is repaired, converted and written out; all in the one transaction.
        with _copy_writer(session, collection) as send:
            for first in range(0, total, _COPY_CHUNK):
                last = min(first + _COPY_CHUNK, total)
                fixed = repair_geometries(
                    geoms[first:last], collection.geometry, collection.dimensions
                )
                chunk_rejected = dict(fixed.rejected)
                for i in range(first, last):
                    if i in linked:
                        chunk_rejected.setdefault(i - first, linked[i])
                for i in _feature_outside(fixed.geoms):
                    chunk_rejected.setdefault(i, "coordinates outside China")
                rows, bad = _rows(
                    collection,
                    frame.iloc[first:last],
                    columns,
                    mapping,
                    fixed.geoms,
                    chunk_rejected,
                    options,
                    codes,
                )
                chunk_rejected.update(bad)
                rejected.update({first + i: reason for i, reason in chunk_rejected.items()})
                repaired += len(fixed.repaired)
                if rows.num_rows:
                    imported += rows.num_rows
                    synthetic = synthetic or bool(np.any(rows["synthetic"].to_numpy()))
                    kept = [
                        g
                        for i, g in enumerate(fixed.geoms)
                        if g is not None and i not in chunk_rejected
                    ]
                    bounds.append(tuple(shapely.total_bounds(kept)))
                    ids = np.full(rows.num_rows, release.id, dtype=np.int64)
                    send(rows.add_column(0, "release_id", [ids]))
                if progress:
                    progress(last, total)
        if imported == 0:
            reasons = Counter(rejected.values()).most_common(3)
            raise NoValidFeaturesError(
                f"None of the {total} features can be imported: "
                + "; ".join(f"{n}× {r}" for r, n in reasons),
                field="file",
            )
    except (DBAPIError, psycopg.Error) as exc:
        session.rollback()
        first_line = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0]
        raise ImportFileError(
            f"The database refused the data; nothing was imported: {first_line}", field="file"
        ) from exc
    except BaseException:
        session.rollback()
        raise
    release.feature_count = imported
    # a release holding any synthetic feature is labelled synthetic as a whole
    release.synthetic = options.synthetic or synthetic
    notes.extend(codes.notes())
    try:
        if coverage is not None:
            set_polygon_coverage(session, release, coverage)
            notes.append("coverage: the polygon given")
        elif coverage_codes:
            set_adcode_coverage(session, release, coverage_codes)
            notes.append(f"coverage: administrative divisions {','.join(coverage_codes)}")
        if coverage is not None or coverage_codes:
            beyond = cover_own_features(session, release)
            if beyond:
                notes.append(
                    f"coverage: extended over {beyond:,} features outside it (their convex "
                    "hull + 1 km): a release covers its own features"
                )
        else:
            set_auto_coverage(session, release)
            notes.append(
                "coverage: the county-level divisions the features touch (and, outside "
                "every division, their convex hull + 1 km); set it with --coverage"
            )
    except BaseException:
        session.rollback()
        raise
    box = np.array(bounds)
    reasons_count = Counter(re.sub(r"'[^']*'", "…", r) for r in rejected.values())
    report = ImportReport(
        collection=collection.id,
        release=release.name,
        release_id=release.id,
        file=label,
        format=source.format,
        crs_in=crs_label(crs),
        features_read=total,
        features_imported=imported,
        repaired=repaired,
        rejected=len(rejected),
        rejected_reasons=dict(reasons_count.most_common()),
        rejected_examples=[f"feature {i + 1}: {r}" for i, r in sorted(rejected.items())[:10]],
        notes=notes,
        column_mapping=mapping,
        bbox=[round(float(v), 7) for v in (*box[:, 0:2].min(axis=0), *box[:, 2:4].max(axis=0))],
        seconds=round(time.perf_counter() - started, 3),
    )
    release.import_report = report.as_dict()
    session.commit()
    logger.info(
        "imported %s features into %s release %s",
        report.features_imported,
        collection.id,
        release.name,
    )
    return report


def _parent_links(
    collection: Collection, frame: Any, mapping: dict[str, str], geoms: Any
) -> tuple[dict[int, str], Any]:
    """Apply the collection's parent check (:mod:`layers.ingest.zones`).

    Returns the rows refused (index → reason), and the frame in which each accepted
    child row has the parent's values of the ``inherit`` fields it leaves empty (a zone
    is of its reserve's type and level), so rules can filter zones by them.
    """
    parent = collection.parent
    if parent is None:
        return {}, frame
    sources = {dst: src for src, dst in mapping.items()}
    names = (parent.field, parent.parent_field, parent.regime_field, parent.zone_field)
    values: dict[str, list[Any]] = {}
    for name in (*names, *parent.inherit):
        src = sources.get(name)
        if src is None:
            continue
        f = collection.field(name)
        column = []
        for value in frame[src].tolist():
            try:
                column.append(convert_value(f, value))
            except (ValueError, TypeError):
                column.append(None)  # refused with its reason by the row conversion
        values[name] = column
    if parent.field not in values and parent.zone_field not in values:
        return {}, frame
    refused, parents = check_parents(parent, values, list(geoms))
    if not parents:
        return refused, frame
    frame = frame.copy()
    for name in parent.inherit:
        own = values.get(name)
        if own is None:
            continue  # the file does not carry the field: nothing to inherit
        src = sources[name]
        raw = frame[src].tolist()
        for child, p in parents.items():
            if _is_missing(raw[child]) and own[p] is not None:
                raw[child] = own[p]
        frame[src] = raw
    return refused, frame


def coverage_polygon(path: Path, crs: str | None = None) -> bytes:
    """The polygons of a file (any format :func:`read_source` reads) as one coverage.

    Reprojected to WGS84 like an import; returns EWKB (SRID 4326).

    Raises:
        CoverageError: the file holds no polygon.
        MissingCRSError, UnknownCRSError, OutOfChinaError, ImportFileError: as an import.
    """
    source = read_source(path, label=path.name)
    geoms = _reproject(
        np.asarray(source.frame.geometry.values, dtype=object),
        _choose_crs(source.crs, crs, []),
        [],
    )
    polygons = [g for g in geoms if g is not None and g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        raise CoverageError(f"coverage: {path.name} holds no polygon.", field="coverage")
    merged = shapely.union_all(shapely.make_valid(np.asarray(polygons, dtype=object)))
    return bytes(shapely.to_wkb(shapely.set_srid(merged, 4326), include_srid=True))


def check_new_release(session: Session, collection_id: str, name: str) -> None:
    """Refuse a release name the collection already has (releases are never overwritten).

    Raises:
        ReleaseConflictError: the name exists (field ``release``).
    """
    exists = session.scalar(
        select(Release.id).where(Release.collection == collection_id, Release.name == name)
    )
    if exists is not None:
        raise ReleaseConflictError(
            f"Release '{name}' of '{collection_id}' exists already; releases are never "
            "overwritten. Import under a new release name.",
            field="release",
        )


def _pg_array(items: list[str] | None) -> str | None:
    if items is None:
        return None
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in items)
    return "{" + ",".join(quoted) + "}"


def _text_value(value: Any) -> str | None:
    """One source value as stripped text; missing or blank is ``None``."""
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        text = str(int(value)) if value.is_integer() else str(value)
    else:
        text = value if isinstance(value, str) else str(value)
    return text.strip() or None


def _convert_text_column(f: Field, values: pd.Series, src: str, bad: dict[int, str]) -> list[Any]:
    """Vectorised :func:`convert_value` for text fields (the bulk of most layers).

    Plain list comprehensions: pandas' ``.str`` methods on object columns cost ~10x more
    per value (a Python call each plus index alignment), and text is most of an import.
    """
    texts = [(v.strip() or None) if type(v) is str else _text_value(v) for v in values.tolist()]
    if f.choices is not None and f.synonyms:
        synonyms = f.synonyms
        texts = [synonyms.get(v, v) if v is not None else None for v in texts]
    if f.choices is not None:
        choices = frozenset(f.choices)
        for i, v in enumerate(texts):
            if v is not None and v not in choices:
                bad.setdefault(
                    i,
                    f"field '{f.name}' (column '{src}'): {v!r} is not one of "
                    f"{', '.join(f.choices)}",
                )
    return texts


def _convert_column(f: Field, values: pd.Series, src: str, bad: dict[int, str]) -> list[Any]:
    """Convert one source column; rows that fail are recorded in ``bad``."""
    holds_lists = values.dtype == object and bool(
        values.map(lambda v: isinstance(v, (list, tuple))).any()
    )
    if f.type == "text" and not holds_lists:
        return _convert_text_column(f, values, src, bad)
    out: list[Any] = []
    for i, value in enumerate(values.tolist()):
        try:
            out.append(convert_value(f, value))
        except (ValueError, TypeError) as exc:
            bad.setdefault(i, f"field '{f.name}' (column '{src}'): {exc}")
            out.append(None)
    return out


@dataclass
class UnitCodes:
    """What an import of 环境管控单元 read from their codes (:func:`unit_code_parts`)."""

    classes: int = 0
    admin_codes: int = 0
    malformed: list[str] = field(default_factory=list)
    contradicted: list[str] = field(default_factory=list)

    def add(self, data: dict[str, list[Any]]) -> None:
        """Fill a chunk's empty ``unit_class`` and ``admin_code`` from its codes."""
        classes, admin_codes = data["unit_class"], data["admin_code"]
        for i, code in enumerate(data["code"]):
            if not code:
                continue
            parts = unit_code_parts(code)
            if parts is None:
                self.malformed.append(code)
                continue
            county, unit_class = parts
            if classes[i] is None:
                classes[i] = unit_class
                self.classes += 1
            elif classes[i] != unit_class:
                self.contradicted.append(f"{code}（编码为{unit_class}，文件为{classes[i]}）")
            if admin_codes[i] is None:
                admin_codes[i] = county
                self.admin_codes += 1

    def notes(self) -> list[str]:
        """The import report's lines on the codes (none when there is nothing to say)."""
        notes = []
        if self.classes:
            notes.append(f"unit_class from the unit code (its 9th character): {self.classes:,}")
        if self.admin_codes:
            notes.append(f"admin_code from the unit code (characters 3-8): {self.admin_codes:,}")
        if self.malformed:
            notes.append(
                f"{len(self.malformed):,} codes are not control unit codes (ZH + 6-digit "
                "adcode + class digit 1/2/3 + 4-digit serial), kept as given: "
                + "、".join(self.malformed[:5])
                + (" …" if len(self.malformed) > 5 else "")
            )
        if self.contradicted:
            notes.append(
                f"{len(self.contradicted):,} units' class contradicts their code, kept as "
                "given: " + "；".join(self.contradicted[:5])
            )
        return notes


def _rows(
    collection: Collection,
    frame: pd.DataFrame,
    columns: list[str],
    mapping: dict[str, str],
    geoms: list[Any],
    rejected: dict[int, str],
    options: ImportOptions,
    codes: UnitCodes,
) -> tuple[pa.Table, dict[int, str]]:
    """Build the table of rows to COPY (typed fields, synthetic, props, EWKB), column-wise.

    ``codes`` fills and checks what a 环境管控单元's code says (:attr:`Collection.unit_codes`).
    """
    import pyarrow as pa

    fields = {f.name: f for f in collection.fields}
    n = len(frame)
    bad: dict[int, str] = {}
    data: dict[str, list[Any]] = {name: [None] * n for name in collection.field_names}
    synthetic = np.full(n, options.synthetic, dtype=bool)
    for src, dst in mapping.items():
        if dst == "synthetic":
            synthetic |= np.array([_to_bool(v) for v in frame[src].tolist()], dtype=bool)
            continue
        data[dst] = _convert_column(fields[dst], frame[src], src, bad)
    if collection.unit_codes:
        codes.add(data)
    for name in collection.field_names:
        if fields[name].type == "text[]":
            data[name] = [_pg_array(v) for v in data[name]]
    extra_columns = [c for c in columns if c not in mapping]
    if extra_columns:
        props = [
            json.dumps(
                {k: v for k, v in ((c, _jsonable(r[c])) for c in extra_columns) if v is not None},
                ensure_ascii=False,
            )
            for r in frame[extra_columns].to_dict("records")
        ]
    else:
        props = ["{}"] * n
    placeholder = shapely.Point()
    geom_array = np.array([g if g is not None else placeholder for g in geoms], dtype=object)
    # binary WKB + bytes.hex() is ~5x faster than GEOS' own hex writer (same bytes, lower case)
    wkb = [
        b.hex()
        for b in shapely.to_wkb(shapely.set_srid(geom_array, STORAGE_SRID), include_srid=True)
    ]
    types = {
        "text": pa.string(),
        "text[]": pa.string(),  # the array literal _pg_array wrote
        "int": pa.int64(),
        "float": pa.float64(),
        "date": pa.date32(),
    }
    table = {
        name: pa.array(data[name], type=types[fields[name].type]) for name in collection.field_names
    }
    table.update(synthetic=pa.array(synthetic), props=pa.array(props), geom=pa.array(wkb))
    if collection.has_area:
        table["area_m2"] = pa.array(np.round(ellipsoidal_areas_m2(geom_array), 2))
    keep = np.ones(n, dtype=bool)
    for i in (*rejected, *bad):
        keep[i] = False
    return pa.table(table).filter(keep), bad


def _csv(rows: pa.Table) -> pa.Buffer:
    """``rows`` as COPY's CSV: NULL an empty field, every string quoted (so "" is empty text).

    Arrow's writer, in C++: 10,000 rows of the import bench in ~4 ms, against 40-48 ms for
    joining the text in Python (bench/RESULTS.md).
    """
    import pyarrow as pa
    import pyarrow.csv

    out = pa.BufferOutputStream()
    options = pyarrow.csv.WriteOptions(include_header=False, quoting_style="needed")
    pyarrow.csv.write_csv(rows, out, options)
    return out.getvalue()


@contextmanager
def _copy_writer(session: Session, collection: Collection) -> Iterator[Callable[[pa.Table], None]]:
    """``COPY … (FORMAT csv)`` on the session's own connection; yields ``send(rows)``.

    A queued writer sends each chunk from a background thread, so building the next
    chunk overlaps with PostgreSQL parsing and indexing the previous one.
    """
    table = feature_table(collection.id)
    names = ["release_id", *collection.field_names, "synthetic", "props", "geom"]
    if collection.has_area:
        names.append("area_m2")
    columns = ", ".join(f'"{n}"' for n in names)
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - a pooled psycopg connection always has one
        raise ImportFileError("No database connection for COPY.")
    sql = f"COPY {table.name} ({columns}) FROM STDIN WITH (FORMAT csv)"
    with driver.cursor() as cursor, cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:

        def send(rows: pa.Table) -> None:
            if rows.column_names != names:  # pragma: no cover - _rows builds them so
                raise ImportFileError("Internal error: unexpected import columns.")
            copy.write(memoryview(_csv(rows)))

        yield send
