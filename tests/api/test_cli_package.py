"""The CLI package: built by an explicit factory, light to import, reached by the console script."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import typer
import typer.main
from typer.core import TyperGroup

import api.cli
from api.cli import build_cli, main
from layers.store.catalog import COLLECTIONS

ROOT = Path(__file__).resolve().parents[2]

#: Every command of ``ecozone``, groups with their subcommands, in ``--help`` order.
COMMANDS = {
    "import": None,
    "import-entry-list": None,
    "releases": None,
    "retire": None,
    "collections": None,
    "import-readings": None,
    "import-raster": None,
    "rasters": None,
    "import-outfall-events": None,
    "serve": None,
    "worker": None,
    "screen": None,
    "screen-batch": None,
    "recheck": None,
    "sweep": None,
    "db": ["upgrade", "downgrade"],
    "sample": ["load"],
    "demo": ["build", "load"],
    "keys": ["create", "list", "revoke"],
    "rules": ["load"],
    "network": ["build", "trace"],
}

#: Modules only some commands need; importing the CLI must not pull them in.
HEAVY = ("alembic", "geopandas", "layers.demo.build", "layers.demo.load", "uvicorn", "weasyprint")


def _tree(app: typer.Typer) -> dict[str, list[str] | None]:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    ctx = group.make_context("ecozone", ["--help"], resilient_parsing=True)
    tree: dict[str, list[str] | None] = {}
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        tree[name] = command.list_commands(ctx) if isinstance(command, TyperGroup) else None
    return tree


def _cli_modules() -> list[str]:
    return [f"api.cli.{m.name}" for m in pkgutil.iter_modules(api.cli.__path__)]


def test_build_cli_has_every_command_in_help_order():
    tree = _tree(build_cli())
    assert list(tree) == list(COMMANDS)
    assert tree == COMMANDS


def test_importing_the_cli_modules_creates_no_app():
    modules = ["api.cli", *_cli_modules()]
    assert {"api.cli.store", "api.cli.screening", "api.cli.datasets"} <= set(modules)
    for name in modules:
        module = importlib.import_module(name)
        apps = [k for k, v in vars(module).items() if isinstance(v, typer.Typer)]
        assert apps == [], f"{name} builds {apps} at import time; build it in build_cli()"


def test_each_build_is_a_new_app_with_its_own_commands():
    first, second = build_cli(), build_cli()
    assert first is not second
    first.command("extra")(lambda: None)
    assert "extra" in _tree(first)
    assert "extra" not in _tree(second)


def test_importing_the_cli_loads_no_heavy_module():
    modules = ", ".join(["api.cli", *_cli_modules()])
    probe = f"import sys, {modules}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_console_script_entry_point_runs_the_built_cli(monkeypatch, capsys):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert scripts == {"ecozone": "api.cli:main"}
    module, _, attr = scripts["ecozone"].partition(":")
    assert getattr(importlib.import_module(module), attr) is main
    monkeypatch.setattr(sys, "argv", ["ecozone", "collections"])
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert all(c.id in out for c in COLLECTIONS)
