"""Fixtures shared by the demo tests: one build of the demo dataset per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from layers.demo.build import build_demo


@pytest.fixture(scope="session")
def cache_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the pinned source wheels are kept ($ECOZONE_DEMO_CACHE or pytest's cache)."""
    env = os.environ.get("ECOZONE_DEMO_CACHE")
    if env:
        return Path(env)
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    if cache is None:
        return tmp_path_factory.mktemp("demo-sources")
    return Path(cache.mkdir("ecozone-demo-sources"))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    """The full demo dataset, built once."""
    out = tmp_path_factory.mktemp("demo")
    build_demo(out, cache_dir)
    return out
