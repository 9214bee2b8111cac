"""The ``import-raster`` and ``rasters`` commands: raster layers as releases."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.context import console, fail, iso_date, session_scope
from gis.errors import GisError


def import_raster_command(
    file: Annotated[Path, typer.Argument(help="the raster (any GDAL format: GeoTIFF, netCDF, …)")],
    layer: Annotated[str, typer.Option(help="the raster layer: dem | land_cover")],
    release: Annotated[str, typer.Option(help="new release name, e.g. DEM-2024")],
    valid_from: Annotated[
        date, typer.Option(parser=iso_date, help="date the release takes effect (YYYY-MM-DD)")
    ],
    crs: Annotated[
        str | None, typer.Option(help="the raster's CRS when the file has none, e.g. EPSG:4326")
    ] = None,
    classes: Annotated[
        str | None,
        typer.Option(help="class table of a categorical layer: a CSV value,name[,color] or igbp"),
    ] = None,
    source: Annotated[str, typer.Option(help="where the raster comes from")] = "",
    licence: Annotated[str, typer.Option(help="its licence / terms of use")] = "",
    note: Annotated[str, typer.Option(help="free note stored on the release")] = "",
    synthetic: Annotated[bool, typer.Option("--synthetic", help="label it synthetic")] = False,
) -> None:
    """Store FILE as release RELEASE of a raster layer (a COG in the rasters data folder)."""
    if not file.is_file():
        raise fail(GisError(f"No file '{file}'.", field="file"))
    from layers.ingest.rasters import RasterImportOptions, import_raster
    from layers.store.rasters import RasterSettings

    options = RasterImportOptions(
        layer=layer,
        release=release,
        valid_from=valid_from,
        crs=crs,
        classes=classes,
        source=source,
        licence=licence,
        note=note,
        synthetic=synthetic,
    )
    with session_scope() as session:
        try:
            report = import_raster(session, file, options, RasterSettings())
        except GisError as exc:
            raise fail(exc) from None
    table = Table(title=f"raster {file.name} → {layer} release {release}")
    for name in ("release id", "CRS", "size", "resolution (m)", "nodata", "classes"):
        table.add_column(name)
    table.add_row(
        str(report["release_id"]),
        report["crs"],
        f"{report['width']}×{report['height']}",
        f"{report['resolution_m']:g}",
        str(report["nodata"]),
        str(report["classes"]),
    )
    console.print(table)
    for line in report["notes"]:
        console.print(f"note: {line}")


def rasters_command() -> None:
    """List the raster releases: layer, validity, CRS, resolution, source."""
    from layers.store.rasters import list_raster_releases

    table = Table(title="raster releases")
    for name in ("layer", "release", "valid", "CRS", "resolution (m)", "source"):
        table.add_column(name)
    with session_scope() as session:
        for release, raster in list_raster_releases(session):
            valid = f"{release.valid_from} – {release.valid_to or ''}"
            table.add_row(
                raster.layer,
                release.name,
                valid,
                raster.crs,
                f"{raster.resolution_m:.1f}",
                release.source,
            )
    console.print(table)
