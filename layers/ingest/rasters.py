"""Importing a raster (any GDAL format) as a release of a raster layer.

The file is checked (a CRS, in the file or given; at most ``max_pixels`` cells; a class
table for a categorical layer that names every value the raster holds), written as a
Cloud-Optimized GeoTIFF under the rasters data folder (block by block, never whole in
memory), and its release and metadata stored in one transaction. Any failure leaves
neither a row nor a file behind.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from sqlalchemy.orm import Session

from gis.errors import RasterTooLargeError
from gis.raster import RasterInfo, file_size, inspect, write_cog
from layers.errors import RasterClassesError
from layers.ingest.importer import check_new_release
from layers.store.models import RasterFile, Release
from layers.store.rasters import RasterSettings, get_raster_layer, release_collection
from layers.store.releases import set_polygon_coverage

#: Class tables shipped with ecozone, by the name ``--classes`` takes.
BUILTIN_CLASSES = {"igbp": "igbp.csv"}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Colours given to classes a table leaves uncoloured, in turn.
_DEFAULT_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")


@dataclass(frozen=True)
class RasterImportOptions:
    """What ``import-raster`` is told besides the file."""

    layer: str
    release: str
    valid_from: date
    crs: str | None = None
    classes: str | None = None
    source: str = ""
    licence: str = ""
    note: str = ""
    synthetic: bool = False


def read_classes(spec: str) -> list[dict[str, Any]]:
    """A class table: a built-in name (``igbp``) or a CSV file ``value,name[,color]``.

    Raises:
        RasterClassesError: neither a built-in table nor a readable CSV of that shape.
    """
    if spec in BUILTIN_CLASSES:
        text = files("layers.ingest").joinpath("raster_classes", BUILTIN_CLASSES[spec])
        raw = text.read_text(encoding="utf-8")
    else:
        path = Path(spec)
        if not path.is_file():
            raise RasterClassesError(
                f"Unknown class table '{spec}': give a CSV file (value,name[,color]) or one "
                f"of the built-in tables: {', '.join(BUILTIN_CLASSES)}.",
                field="classes",
            )
        raw = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    if not rows or not {"value", "name"} <= set(rows[0]):
        raise RasterClassesError(
            f"Class table '{spec}': the header must be value,name[,color] with one row per class.",
            field="classes",
        )
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows, start=2):
        try:
            value = int(str(row["value"]).strip())
        except ValueError:
            raise RasterClassesError(
                f"Class table '{spec}', line {i}: value '{row['value']}' is not an integer.",
                field="classes",
            ) from None
        colour = (row.get("color") or "").strip() or _DEFAULT_COLOURS[i % len(_DEFAULT_COLOURS)]
        if not _COLOUR.match(colour):
            raise RasterClassesError(
                f"Class table '{spec}', line {i}: color '{colour}' is not #rrggbb.",
                field="classes",
            )
        out.append({"value": value, "name": str(row["name"]).strip(), "color": colour})
    if len({c["value"] for c in out}) != len(out):
        raise RasterClassesError(f"Class table '{spec}' lists a value twice.", field="classes")
    return out


def _values(path: Path, nodata: float | None) -> set[int]:
    """The distinct values of a stored raster, read block by block."""
    seen: set[int] = set()
    with rasterio.open(path) as ds:
        for _ij, window in ds.block_windows(1):
            block = ds.read(1, window=window)
            if nodata is not None:
                block = block[block != nodata]
            seen.update(int(v) for v in np.unique(block))
    return seen


def import_raster(
    session: Session, file: Path, options: RasterImportOptions, settings: RasterSettings
) -> dict[str, Any]:
    """Store ``file`` as release ``options.release`` of a raster layer; commit.

    Raises:
        RasterLayerNotFoundError: unknown layer.
        ReleaseConflictError: the release name exists.
        MissingCRSError, UnknownCRSError: no CRS in the file nor given, or a bad ``--crs``.
        RasterError: the file is not a readable north-up raster.
        RasterTooLargeError: more cells than ``settings.max_pixels``.
        RasterClassesError: a categorical layer without a class table, an unknown
            table, or raster values the table does not name.
    """
    layer = get_raster_layer(options.layer)
    collection = release_collection(layer.id)
    check_new_release(session, collection, options.release)
    if layer.kind == "categorical" and not options.classes:
        raise RasterClassesError(
            f"Layer '{layer.id}' holds classes: give --classes (a CSV value,name[,color] or "
            f"one of {', '.join(BUILTIN_CLASSES)}).",
            field="classes",
        )
    if layer.kind == "continuous" and options.classes:
        raise RasterClassesError(
            f"Layer '{layer.id}' holds values, not classes: leave out --classes.",
            field="classes",
        )
    classes = read_classes(options.classes) if options.classes else []
    info = inspect(file, options.crs)
    if info.pixels > settings.max_pixels:
        raise RasterTooLargeError(
            f"'{file.name}' has {info.width}×{info.height} = {info.pixels:,} cells, over the "
            f"limit of {settings.max_pixels:,} (APP_RASTER_MAX_PIXELS): clip or resample it.",
            field="file",
        )
    relative = Path(layer.id) / f"{uuid.uuid4().hex}.tif"
    target = settings.data_dir / relative
    try:
        write_cog(file, target, info, layer.kind)
        if classes:
            unknown = sorted(_values(target, info.nodata) - {c["value"] for c in classes})
            if unknown:
                raise RasterClassesError(
                    f"The raster holds values the class table does not name: "
                    f"{', '.join(map(str, unknown[:20]))}. Add them to the table (or set them "
                    "as nodata).",
                    field="classes",
                )
        release = _store(session, options, info, classes, relative, file_size(target))
        session.commit()
    except BaseException:
        session.rollback()
        target.unlink(missing_ok=True)
        raise
    return {
        "release_id": release.id,
        "layer": layer.id,
        "release": release.name,
        "path": str(relative),
        "crs": info.crs,
        "width": info.width,
        "height": info.height,
        "resolution_m": round(info.resolution_m, 3),
        "nodata": info.nodata,
        "classes": len(classes),
        "notes": info.notes,
    }


def _store(
    session: Session,
    options: RasterImportOptions,
    info: RasterInfo,
    classes: list[dict[str, Any]],
    relative: Path,
    size: int,
) -> Release:
    release = Release(
        collection=release_collection(options.layer),
        name=options.release,
        valid_from=options.valid_from,
        source=options.source,
        licence=options.licence,
        note=options.note,
        source_crs=info.crs,
        synthetic=options.synthetic,
        feature_count=0,
        import_report={"driver": info.driver, "notes": info.notes},
    )
    session.add(release)
    session.flush()
    session.add(
        RasterFile(
            release_id=release.id,
            layer=options.layer,
            kind=get_raster_layer(options.layer).kind,
            path=relative.as_posix(),
            crs=info.crs,
            crs_wkt=info.crs_wkt,
            width=info.width,
            height=info.height,
            transform=list(info.transform),
            resolution_m=info.resolution_m,
            nodata=info.nodata,
            dtype=info.dtype,
            classes=classes,
            bytes=size,
        )
    )
    set_polygon_coverage(
        session, release, shapely.to_wkb(shapely.set_srid(info.footprint, 4326), include_srid=True)
    )
    session.flush()
    return release
