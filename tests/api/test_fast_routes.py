"""Fast routes are declared once: their router's dependencies run, overrides apply, OpenAPI lists them."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.fast_routes import FastRoute, FastRoutes, _request_only


def _deny(request: Request) -> None:
    if request.headers.get("x-key") != "ok":
        raise HTTPException(401, "key needed")


def _greeting() -> str:
    return "hello"


class _Body(BaseModel):
    name: str


def _app(router_dependencies: list[object] | None = None) -> FastAPI:
    router = APIRouter(tags=["demo"], dependencies=router_dependencies or [])
    fast = FastRoutes(router)

    @fast.get("/things/{thing_id}", operation_id="demo-get_thing")
    async def get_thing(
        request: Request, thing_id: str, greeting: Annotated[str, Depends(_greeting)]
    ) -> Response:
        return Response(f"{greeting} {thing_id} {request.query_params.get('q')}")

    @fast.post("/things", operation_id="demo-create_thing", status_code=201)
    async def create_thing(body: _Body) -> Response:
        return Response(body.name, status_code=201)

    @router.get("/things/{thing_id}/plain")
    def plain(thing_id: str) -> str:
        return thing_id

    app = FastAPI()
    app.include_router(router)
    fast.install(app)
    return app


def test_fast_route_passes_path_query_and_dependencies():
    with TestClient(_app()) as client:
        assert client.get("/things/7?q=x").text == "hello 7 x"


def test_fast_route_runs_its_routers_dependencies():
    with TestClient(_app([Depends(_deny)])) as client:
        assert client.get("/things/7").status_code == 401
        assert client.post("/things", json={"name": "a"}).status_code == 401
        assert client.get("/things/7", headers={"x-key": "ok"}).text == "hello 7 None"


def test_fast_route_dependencies_are_overridden_the_normal_way():
    app = _app()
    app.dependency_overrides[_greeting] = lambda: "bye"
    with TestClient(app) as client:
        assert client.get("/things/7").text == "bye 7 None"


def test_fast_route_body_errors_are_fastapis():
    with TestClient(_app()) as client:
        response = client.post("/things", json={"nom": "a"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "name"]
        assert client.post("/things", json={"name": "a"}).status_code == 201


def test_fast_routes_are_first_and_in_the_openapi_once():
    app = _app()
    assert [type(r) for r in app.router.routes[:2]] == [FastRoute, FastRoute]
    spec = app.openapi()
    operation = spec["paths"]["/things/{thing_id}"]["get"]
    assert operation["operationId"] == "demo-get_thing"
    assert operation["tags"] == ["demo"]
    assert [p["name"] for p in operation["parameters"]] == ["thing_id"]
    assert "requestBody" in spec["paths"]["/things"]["post"]
    assert "201" in spec["paths"]["/things"]["post"]["responses"]


def test_fast_route_refuses_a_query_parameter():
    router = APIRouter()
    fast = FastRoutes(router)

    @fast.get("/things")
    async def things(q: str) -> Response:
        return Response(q)

    with pytest.raises(TypeError, match="query string"):
        fast.install(FastAPI())


def test_the_apps_hot_paths_are_declared_once(client):
    spec = client.get("/api").json()
    items = spec["paths"]["/collections/{collection_id}/items"]["get"]
    assert items["operationId"] == "collections-list_features"
    assert {p.get("name") for p in items["parameters"]} >= {"collection_id", "bbox", "filter"}
    assert spec["paths"]["/screenings"]["post"]["operationId"] == "screenings-create_screening"
    paths = [
        (getattr(r, "path", None), tuple(sorted(getattr(r, "methods", None) or ())))
        for r in client.app.router.routes
    ]
    assert paths.count(("/collections/{collection_id}/items", ("GET",))) == 1
    assert paths.count(("/screenings", ("POST",))) == 1
    assert isinstance(client.app.router.routes[0], FastRoute)


async def _reader_of(request: Request) -> str:
    return f"pool of {request.url.path}"


def _direct_app() -> FastAPI:
    router = APIRouter()
    fast = FastRoutes(router)

    @fast.get("/read")
    async def read(reader: Annotated[str, Depends(_reader_of)]) -> Response:
        return Response(reader)

    app = FastAPI()
    fast.install(app)
    return app


def test_request_only_async_dependencies_are_called_directly_and_still_overridable():
    app = _direct_app()
    route = next(r for r in app.router.routes if isinstance(r, FastRoute))
    assert _request_only(route.dependant.dependencies) == [("reader", _reader_of)]
    with TestClient(app) as client:
        assert client.get("/read").text == "pool of /read"
        app.dependency_overrides[_reader_of] = lambda: "a test's session"
        assert client.get("/read").text == "a test's session"


def _sync_dep(request: Request) -> str:
    return "sync"


async def _with_sub_dependency(
    request: Request, greeting: Annotated[str, Depends(_greeting)]
) -> str:
    return greeting


async def _yielding(request: Request):  # type: ignore[no-untyped-def]
    yield "gen"


@pytest.mark.parametrize(
    ("dep", "text"), [(_sync_dep, "sync"), (_with_sub_dependency, "hello"), (_yielding, "gen")]
)
def test_other_dependencies_keep_the_solver(dep, text):
    router = APIRouter()
    fast = FastRoutes(router)

    @fast.get("/x")
    async def endpoint(value: str = Depends(dep)) -> Response:
        return Response(value)

    app = FastAPI()
    fast.install(app)
    route = next(r for r in app.router.routes if isinstance(r, FastRoute))
    assert _request_only(route.dependant.dependencies) is None
    with TestClient(app) as client:
        assert client.get("/x").text == text
