"""``ecozone network``: build the directed river network of a water release, trace on it."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.context import console, fail, iso_date, session_scope
from gis.civil_time import today
from gis.errors import GisError


class DirectionChoice(StrEnum):
    """Which way a trace follows the rivers."""

    upstream = "upstream"
    downstream = "downstream"


def network_cli() -> typer.Typer:
    """The ``network`` group: build the river network, trace up- or downstream."""
    network = typer.Typer(
        help="The directed river network (pgRouting) of the water release in force.",
        no_args_is_help=True,
    )
    network.command("build")(network_build)
    network.command("trace")(network_trace)
    return network


def network_build(
    collection: Annotated[str, typer.Option(help="the water collection")] = "water_bodies",
    overrides: Annotated[
        Path | None,
        typer.Option(help="YAML of flow directions (default data/network_overrides.yaml)"),
    ] = None,
    dem: Annotated[
        Path | None,
        typer.Option(
            help="a DEM (any GDAL raster): rivers flow downhill (default: the dem raster in force)"
        ),
    ] = None,
    centreline: Annotated[
        Path | None,
        typer.Option(help="a directed centreline (vector file, digitised downstream), e.g. 长江"),
    ] = None,
    directed: Annotated[
        bool, typer.Option("--directed", help="the lines' own order is the flow (imported)")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="the release in force on (YYYY-MM-DD)")
    ] = None,
) -> None:
    """Build (or rebuild) the directed river network of the release in force.

    Direction, first that applies: the overrides file, a line's own flow_direction field
    (or --directed), --centreline, elevation from --dem, the digitising order. Marked derived unless
    every direction was imported.
    """
    from layers.network.build import build_network, read_centreline

    day = iso_date(as_of) if as_of else today()
    with session_scope() as session:
        try:
            report = build_network(
                session,
                collection=collection,
                as_of=day,
                overrides=overrides,
                dem=dem,
                centreline=read_centreline(centreline) if centreline else None,
                directed=directed,
            )
            session.commit()
        except GisError as exc:
            session.rollback()
            raise fail(exc) from None
    kinds = "，".join(f"{k} {v}" for k, v in sorted(report.directions.items()))
    console.print(
        f"河网 {report.network_id}（{collection} 版本 {report.release_name}）：{report.features} 条河流，"
        f"{report.edges} 段，{report.nodes} 个节点；方向来源：{kinds}；"
        f"{'推导（derived）' if report.derived else '导入'}；双向 {report.both_ways} 段；"
        f"接入中心线 {report.joined} 处"
    )


def rebuild_after_import(collection: str, valid_from: date | None) -> None:
    """After an import: a collection with a river network gets one for its new release.

    The new release's own ``flow_direction`` field, when it has one, gives the direction
    (``imported``); the default overrides file applies as in ``network build``.
    """
    from sqlalchemy import text

    from layers.network.build import build_network

    with session_scope() as session:
        built = session.execute(
            text("SELECT EXISTS (SELECT 1 FROM river_networks WHERE collection = :c)"),
            {"c": collection},
        ).scalar_one()
        if not built:
            return
        try:
            report = build_network(session, collection=collection, as_of=valid_from or today())
            session.commit()
        except GisError as exc:
            session.rollback()
            raise fail(exc) from None
    console.print(f"河网已按新版本 {report.release_name} 重建：{report.edges} 段")


def network_trace(
    lon: Annotated[float, typer.Argument(help="longitude (WGS84)")],
    lat: Annotated[float, typer.Argument(help="latitude (WGS84)")],
    direction: Annotated[DirectionChoice, typer.Option(help="which way")] = (
        DirectionChoice.upstream
    ),
    distance_m: Annotated[float, typer.Option("--distance-m", help="metres along rivers")] = (
        10_000.0
    ),
    collection: Annotated[
        list[str] | None, typer.Option(help="collections to find (repeatable)")
    ] = None,
    snap_m: Annotated[float, typer.Option("--snap-m", help="max metres from a river")] = 500.0,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the GeoJSON")] = False,
) -> None:
    """Trace up- or downstream from a point and list what lies on the traced rivers."""
    from shapely.geometry import Point

    from layers.network.trace import trace

    day = iso_date(as_of) if as_of else today()
    with session_scope() as session:
        try:
            result = trace(
                session,
                Point(lon, lat),
                direction.value,
                distance_m,
                collection or ["drinking_water_zones", "outfalls", "enterprises"],
                as_of=day,
                snap_m=snap_m,
            )
        except GisError as exc:
            raise fail(exc) from None
        body = result.as_geojson()
    if as_json:
        console.print_json(json.dumps(body, ensure_ascii=False))
        return
    label = "上游" if direction is DirectionChoice.upstream else "下游"
    table = Table(title=f"{label} {distance_m:,.0f} m 内（起点 {result.start.name}）")
    for name in ("图层", "名称", "沿河距离 (m)", "经过河流"):
        table.add_column(name)
    for f in body["features"]:
        p = f["properties"]
        table.add_row(
            p["collection"], p["name"] or "", f"{p['distance_m']:,.1f}", "→".join(p["rivers"])
        )
    console.print(table)
