"""The store's commands: schema migrations, imports, releases, collections and API keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.context import console, err, fail, iso_date, session_scope
from gis.errors import GisError
from layers.store.catalog import COLLECTIONS
from layers.store.db import DatabaseSettings
from layers.store.releases import list_releases, retire_release

if TYPE_CHECKING:
    from layers.ingest.importer import ImportReport


def db_cli() -> typer.Typer:
    """The ``db`` group: apply and revert the Alembic migrations."""
    db = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
    db.command("upgrade")(db_upgrade)
    db.command("downgrade")(db_downgrade)
    return db


def keys_cli() -> typer.Typer:
    """The ``keys`` group: create, list and revoke the API keys of writes."""
    keys = typer.Typer(help="API keys for writes (stored hashed).", no_args_is_help=True)
    keys.command("create")(keys_create)
    keys.command("list")(keys_list)
    keys.command("revoke")(keys_revoke)
    return keys


def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations up to REVISION (default: head)."""
    from layers.store import schema  # Alembic is imported only for this command

    schema.upgrade(DatabaseSettings().url, revision)
    console.print(f"database at revision [bold]{revision}[/]")


def db_downgrade(revision: str) -> None:
    """Revert the migrations down to REVISION ('base' drops everything)."""
    from layers.store import schema

    schema.downgrade(DatabaseSettings().url, revision)
    console.print(f"database downgraded to [bold]{revision}[/]")


def _parse_mapping(pairs: list[str], mapping_file: Path | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    if mapping_file is not None:
        loaded = yaml.safe_load(mapping_file.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise typer.BadParameter("the mapping file must be a YAML mapping source: target")
        mapping.update({str(k): str(v) for k, v in loaded.items()})
    for pair in pairs:
        if "=" not in pair:
            raise typer.BadParameter(f"--map '{pair}' must be SOURCE=TARGET, e.g. 单元编码=code")
        src, dst = pair.split("=", 1)
        mapping[src.strip()] = dst.strip()
    return mapping


def print_report(report: ImportReport) -> None:
    """Print an import summary."""
    table = Table(
        title=f"import {report.collection} / {report.release} (release id {report.release_id})"
    )
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("file", f"{report.file} ({report.format})")
    table.add_row("CRS in", report.crs_in)
    table.add_row("features read", str(report.features_read))
    table.add_row("imported", str(report.features_imported))
    table.add_row("repaired", str(report.repaired))
    table.add_row("rejected", str(report.rejected))
    for reason, count in report.rejected_reasons.items():
        table.add_row("", f"{count}× {reason}")
    for note in report.notes:
        table.add_row("note", note)
    table.add_row("columns", ", ".join(f"{k}→{v}" for k, v in report.column_mapping.items()) or "-")
    table.add_row("time", f"{report.seconds:.2f} s")
    console.print(table)


def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="Shapefile (.shp/.zip/folder), .gpkg, .geojson, .csv or 拐点坐标 .txt"),
    ],
    collection: Annotated[str, typer.Option(help="target collection, e.g. control_units")],
    release: Annotated[str, typer.Option(help="new release name, e.g. JS-2023-update")],
    valid_from: Annotated[
        date | None,
        typer.Option(parser=iso_date, help="date the release takes effect (default today)"),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option(
            help="CRS when the file has none, e.g. EPSG:4490 or EPSG:4528; GCJ-02 / BD-09 "
            "are --from-gcj02 / --from-bd09 (lon/lat of a Chinese web map), as in screen"
        ),
    ] = None,
    source: Annotated[str, typer.Option(help="where the data comes from")] = "",
    licence: Annotated[str, typer.Option(help="its licence / terms of use")] = "",
    note: Annotated[str, typer.Option(help="free note stored on the release")] = "",
    layer: Annotated[str | None, typer.Option(help="layer name inside a GeoPackage")] = None,
    from_gcj02: Annotated[
        bool, typer.Option("--from-gcj02", help="coordinates are GCJ-02 (高德/腾讯)")
    ] = False,
    from_bd09: Annotated[
        bool, typer.Option("--from-bd09", help="coordinates are BD-09 (百度)")
    ] = False,
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="label every feature synthetic")
    ] = False,
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="column mapping SOURCE=TARGET (repeatable)")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="YAML file of SOURCE: TARGET column mappings")
    ] = None,
    coverage: Annotated[
        str | None,
        typer.Option(
            help="the area the release covers: adcodes (32,36 = Jiangsu and Jiangxi) or a "
            "polygon file; default: the county-level divisions its features touch"
        ),
    ] = None,
) -> None:
    """Import FILE as a new release of COLLECTION (all or nothing)."""
    # geopandas: only here
    from layers.ingest.importer import ImportOptions, coverage_polygon, import_file

    if from_gcj02 and from_bd09:
        raise typer.BadParameter("give --from-gcj02 or --from-bd09, not both")
    options = ImportOptions(  # --crs GCJ-02 / BD-09 sets the flag (ImportOptions.__post_init__)
        collection=collection,
        release=release,
        valid_from=valid_from,
        crs=crs,
        source=source,
        licence=licence,
        note=note,
        layer=layer,
        from_gcj02=from_gcj02,
        from_bd09=from_bd09,
        synthetic=synthetic,
        mapping=_parse_mapping(map_ or [], mapping),
        coverage=None if coverage is None or Path(coverage).exists() else coverage,
    )
    columns = (TextColumn("[bold]writing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with session_scope() as session, Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("rows", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            polygon = (
                coverage_polygon(Path(coverage), options.crs)
                if coverage is not None and Path(coverage).exists()
                else None
            )
            report = import_file(session, file, options, progress=progress, coverage=polygon)
        except GisError as exc:
            raise fail(exc) from None
    print_report(report)
    from api.cli.network import rebuild_after_import

    rebuild_after_import(options.collection, options.valid_from)


def releases_command(collection: Annotated[str | None, typer.Argument()] = None) -> None:
    """List the releases of one collection or of all."""
    with session_scope() as session:
        try:
            releases = list_releases(session, collection)
        except GisError as exc:
            raise fail(exc) from None
    table = Table()
    for column in (
        "id",
        "collection",
        "release",
        "valid from",
        "valid to",
        "features",
        "CRS in",
        "source",
    ):
        table.add_column(column)
    for r in releases:
        table.add_row(
            str(r.id),
            r.collection,
            r.name + (" (synthetic)" if r.synthetic else ""),
            r.valid_from.isoformat(),
            r.valid_to.isoformat() if r.valid_to else "open",
            str(r.feature_count),
            r.source_crs,
            r.source[:60],
        )
    console.print(table)


def retire_command(
    collection: str,
    release: str,
    valid_to: Annotated[
        date,
        typer.Option(parser=iso_date, help="last day + 1 the release is in force (YYYY-MM-DD)"),
    ],
) -> None:
    """Close a release's validity; its features stay for history."""
    with session_scope() as session:
        try:
            r = retire_release(session, collection, release, valid_to)
        except GisError as exc:
            raise fail(exc) from None
    console.print(f"{r.collection}/{r.name} valid {r.valid_from} → {r.valid_to}")


def collections_command() -> None:
    """List the collections the store knows."""
    table = Table()
    for column in ("id", "title", "geometry", "fields"):
        table.add_column(column)
    for c in COLLECTIONS:
        table.add_row(c.id, c.title, c.geometry, ", ".join(c.field_names))
    console.print(table)


def keys_create(
    role: Annotated[str, typer.Option(help="viewer, editor or admin")] = "editor",
    name: Annotated[str, typer.Option(help="who or what the key is for")] = "",
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from layers.store.keys import create_key

    with session_scope() as session:
        try:
            key, plaintext = create_key(session, role, name or role)
        except GisError as exc:
            raise fail(exc) from None
    err.print(f"key {key.id} ({key.role}, {key.name}); store it now, it is not shown again:")
    console.print(plaintext)


def keys_list() -> None:
    """List keys (id, prefix, role, name, created, revoked)."""
    from layers.store.keys import list_keys

    table = Table("id", "prefix", "role", "name", "created", "revoked")
    with session_scope() as session:
        for k in list_keys(session):
            table.add_row(
                str(k.id),
                k.prefix,
                k.role,
                k.name,
                f"{k.created_at:%Y-%m-%d}",
                f"{k.revoked_at:%Y-%m-%d}" if k.revoked_at else "",
            )
    console.print(table)


def keys_revoke(key_id: int) -> None:
    """Revoke a key by id."""
    from layers.store.keys import revoke_key

    with session_scope() as session:
        if revoke_key(session, key_id) is None:
            err.print(f"no key {key_id}")
            raise typer.Exit(code=2)
    console.print(f"key {key_id} revoked")
