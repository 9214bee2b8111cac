"""Every domain error has its own problem type and status; a date is never "not found"."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import api
import gis
import layers
import web
from api.app import create_app
from api.errors import STATUS_BY_ERROR
from api.settings import ApiSettings
from gis.errors import GisError
from layers.errors import AppError, RuleSetError, UploadTooLargeError
from layers.store.db import DatabaseSettings
from layers.store.keys import create_key
from tests.api.test_input_limits import screening
from tests.conftest import migrated_database


def _domain_errors() -> list[type[GisError]]:
    """Every concrete GisError/AppError subclass defined in the project's packages."""
    for package in (gis, layers, api, web):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if info.name != "api.main":  # the one module that builds the app at import
                importlib.import_module(info.name)
    found: list[type[GisError]] = []
    todo = list(GisError.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls is not AppError and cls.__module__.split(".")[0] in {"api", "gis", "layers", "web"}:
            found.append(cls)
    return found


def test_every_domain_error_has_its_own_code_and_a_status():
    errors = _domain_errors()
    assert len(errors) > 30
    codes = [cls.code for cls in errors]
    duplicated = {
        c: [e.__name__ for e in errors if e.code == c] for c in codes if codes.count(c) > 1
    }
    assert not duplicated
    assert not {"gis-error", "app-error"} & set(codes)
    missing = [cls.__name__ for cls in errors if cls not in STATUS_BY_ERROR]
    assert not missing
    assert all(400 <= s < 600 for s in STATUS_BY_ERROR.values())


def test_one_problem_type_for_413():
    too_large = {cls.code for cls, status in STATUS_BY_ERROR.items() if status == 413}
    assert too_large == {UploadTooLargeError.code} == {"payload-too-large"}


@pytest.fixture(scope="module")
def errors_db() -> Iterator[str]:
    with migrated_database("ecozone_errors") as url:
        yield url


@pytest.fixture(scope="module")
def editor(errors_db: str) -> dict[str, str]:
    engine = create_engine(errors_db)
    with Session(engine) as session:
        key = create_key(session, "editor", "errors test")[1]
    engine.dispose()
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def client(errors_db: str, editor: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(ApiSettings(_env_file=None), DatabaseSettings(url=errors_db, _env_file=None))
    with TestClient(app, raise_server_exceptions=False) as c:
        body = {"name": "2024", "valid_from": "2024-01-01"}
        assert (
            c.post("/collections/outfalls/releases", json=body, headers=editor).status_code == 201
        )
        yield c


def _problem(r, status: int, type_: str, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == f"/problems/{type_}"
    assert r.json()["field"] == field


RETIRE = "/collections/outfalls/releases/2024/retire"


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "2024-02-30", ""])
def test_retire_with_a_malformed_valid_to_names_it(client, editor, value):
    r = client.post(RETIRE, params={"valid_to": value}, headers=editor)
    _problem(r, 400, "invalid-parameter", "valid_to")


def test_retire_before_valid_from_is_422_not_release_not_found(client, editor):
    r = client.post(RETIRE, params={"valid_to": "2023-12-31"}, headers=editor)
    _problem(r, 422, "invalid-date-range", "valid_to")
    r = client.post(
        "/collections/outfalls/releases/nope/retire",
        params={"valid_to": "2025-01-01"},
        headers=editor,
    )
    _problem(r, 404, "release-not-found", "release")


def test_create_release_with_bad_dates_names_the_field(client, editor):
    url = "/collections/outfalls/releases"
    r = client.post(url, json={"name": "a", "valid_from": "2024-1-1x"}, headers=editor)
    _problem(r, 422, "validation-error", "valid_from")
    r = client.post(
        url, json={"name": "b", "valid_from": "2024-01-01", "valid_to": "soon"}, headers=editor
    )
    _problem(r, 422, "validation-error", "valid_to")
    r = client.post(
        url,
        json={"name": "c", "valid_from": "2024-06-01", "valid_to": "2024-06-01"},
        headers=editor,
    )
    _problem(r, 422, "invalid-date-range", "valid_to")


def test_import_with_a_malformed_valid_from_names_it(client, editor):
    r = client.post(
        "/collections/outfalls/imports",
        headers=editor,
        files={"file": ("o.geojson", b'{"type":"FeatureCollection","features":[]}')},
        data={"release": "r", "valid_from": "2024-00-01"},
    )
    _problem(r, 422, "validation-error", "valid_from")


def test_reads_with_a_malformed_date_name_it(client):
    r = client.get("/collections/outfalls/items", params={"datetime": "2024-13-40"})
    _problem(r, 400, "invalid-parameter", "datetime")
    r = client.get("/collections/outfalls", params={"datetime": "not-a-date"})
    _problem(r, 400, "invalid-parameter", "datetime")
    r = client.get("/industries", params={"as_of": "2024-99-01"})
    _problem(r, 400, "invalid-parameter", "as_of")


def test_screening_with_a_malformed_as_of_names_it(client):
    body = screening(as_of="31/12/2024")
    r = client.post("/screenings", content=json.dumps(body, ensure_ascii=False))
    _problem(r, 422, "validation-error", "as_of")


def test_a_bad_filter_has_its_own_problem_type(client):
    r = client.get("/collections/outfalls/items", params={"filter": "nosuch = 1"})
    assert r.status_code == 400
    assert r.json()["type"] not in ("/problems/app-error", "/problems/gis-error")
    r = client.get("/collections/outfalls/items", params={"sortby": "nosuch"})
    _problem(r, 400, "invalid-query", "sortby")


class _UnlistedError(AppError):
    code = "unlisted"


@pytest.mark.parametrize("error", [_UnlistedError, RuleSetError])
def test_a_domain_error_without_a_4xx_is_a_500_with_only_the_request_id(client, monkeypatch, error):
    import api.routes.collections as routes

    def boom(*a, **k):
        raise error("secret detail", field="bbox")

    monkeypatch.setattr(routes, "items_page", boom)
    r = client.get("/collections/outfalls/items", headers={"x-request-id": "req-7"})
    assert r.status_code == 500
    body = r.json()
    assert body["type"] == "/problems/internal-error"
    assert body["request_id"] == "req-7"
    assert "detail" not in body and "field" not in body
    assert "secret" not in r.text


@pytest.mark.parametrize(
    "args",
    [
        ["retire", "outfalls", "2024", "--valid-to", "2024-13-01"],
        ["import", "x.geojson", "--collection", "outfalls", "--release", "r", "--valid-from", "x"],
        ["rules", "load", "--valid-from", "2024/01/01"],
        ["screen", "x.geojson", "--industry", "化工", "--as-of", "soon"],
        ["screen-batch", "x.csv", "--out", "o.csv", "--as-of", "31.12.2024"],
    ],
)
def test_cli_malformed_date_is_a_usage_error_naming_the_option(args):
    from typer.testing import CliRunner

    from api.cli import build_cli

    result = CliRunner().invoke(build_cli(), args, env={"COLUMNS": "200"})
    option = next(
        a for a in args if a.startswith("--") and a in ("--valid-to", "--valid-from", "--as-of")
    )
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output
    assert "is not a date" in result.output
