"""Web fixtures: a committed test database with small layers, a live server, a browser."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fixture_layers import load_fixture_layers
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import ApiSettings
from layers.store import schema
from layers.store.db import DatabaseSettings
from tests.conftest import serve_in_thread


def _root_conftest():
    # tests/ has no __init__.py, so "import conftest" would find this file; load the root one
    # by path to reuse its create_database/drop_database.
    spec = importlib.util.spec_from_file_location(
        "ecozone_root_conftest", Path(__file__).resolve().parents[1] / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_root = _root_conftest()
create_database, drop_database = _root.create_database, _root.drop_database

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "web"
CHROMIUM = os.environ.get("ECOZONE_CHROMIUM", "/usr/bin/chromium")


def make_web_database(prefix: str) -> str:
    """A fresh migrated database with the fixture layers committed; returns its URL."""
    url = create_database(prefix)
    schema.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        load_fixture_layers(session)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def web_database_url() -> Iterator[str]:
    """A fresh migrated database with the fixture layers committed (a server process sees them)."""
    url = make_web_database("ecozone_webtest")
    yield url
    drop_database(url)


def build_app(database_url: str) -> FastAPI:
    """The real app (real screening engine and store) on the web test database."""
    return create_app(
        ApiSettings(_env_file=None), DatabaseSettings(url=database_url, _env_file=None)
    )


@pytest.fixture(scope="session")
def web_app(web_database_url: str) -> FastAPI:
    return build_app(web_database_url)


@pytest.fixture
def web_client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, raise_server_exceptions=False) as client:
        yield client


@contextmanager
def serving(database_url: str) -> Iterator[str]:
    """Uvicorn on a free loopback port, serving the app in a background thread."""
    with serve_in_thread(build_app(database_url)) as base:
        yield base


@pytest.fixture(scope="session")
def live_server(web_database_url: str) -> Iterator[str]:
    """The app on the shared web test database, over real HTTP."""
    with serving(web_database_url) as base:
        yield base


@pytest.fixture(scope="module")
def own_live_server() -> Iterator[Callable[[str], tuple[str, str]]]:
    """A factory of live servers, each on its own fresh fixture database.

    For tests that plant data (edits, screenings) the shared database must not see.
    Returns ``(base_url, database_url)``; servers stop and databases go when the module's
    tests are done (each server's pools hold connections: kept to the session's end, a
    dozen of them exhaust the server's ``max_connections``).
    """
    with ExitStack() as stack:

        def make(prefix: str) -> tuple[str, str]:
            url = make_web_database(prefix)
            stack.callback(drop_database, url)
            return stack.enter_context(serving(url)), url

        yield make


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="session")
def browser_context_factory(tmp_path_factory: pytest.TempPathFactory):
    """Launch Debian's chromium headless with a fresh profile; yields a factory of contexts."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        message = f"chromium not found at {CHROMIUM} (scripts/setup.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    contexts = []
    with sync_playwright() as p:

        def make(**kwargs):
            profile = tmp_path_factory.mktemp("chromium-profile")
            ctx = p.chromium.launch_persistent_context(
                str(profile),
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-background-networking",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-default-apps",
                ],
                locale="zh-CN",
                **kwargs,
            )
            contexts.append(ctx)
            return ctx

        yield make
        for ctx in contexts:
            ctx.close()
