"""The hottest endpoints, declared once as FastAPI routes that skip FastAPI's parameter handling.

An endpoint declared with :class:`FastRoutes` is an ordinary ``APIRoute`` of the app: it
is in the OpenAPI document (its ``openapi_extra`` parameters, responses, status code),
and its router's dependencies (the app's and the router's, authentication included)
and its own run through FastAPI's dependency solver, so ``app.dependency_overrides``
works as everywhere. What it skips is per-request parameter validation: the endpoint
takes the request, ``str`` path parameters, at most one pydantic body model (validated
straight from the bytes by pydantic's JSON parser, with FastAPI's error locations under
``body``) and dependencies, and reads its query string itself. That validation and the
route's position after ~40 others were ~25 % of a point query's Python time
(bench/RESULTS.md), so the routes are also matched first.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, cast

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import solve_dependencies
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

Endpoint = Callable[..., Coroutine[Any, Any, Response]]


class FastRoute(APIRoute):
    """An ``APIRoute`` that passes its endpoint the request, path and body without FastAPI's validation.

    Raises:
        TypeError: at registration, when the endpoint takes a query, header or cookie
            parameter, a path parameter that is not ``str``, or a body that is not one
            pydantic model.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The request handler: dependencies solved by FastAPI, the rest passed as is."""
        dependant = self.dependant
        call = dependant.call
        if call is None:  # pragma: no cover - an APIRoute always has an endpoint
            raise TypeError(f"{self.path}: no endpoint")
        _check_shape(self.path, dependant)
        path_names = [(p.name, p.alias) for p in dependant.path_params]
        body = dependant.body_params[0] if dependant.body_params else None
        model = cast("type[BaseModel] | None", body.field_info.annotation if body else None)
        # Only the dependencies go through the solver (with the overrides and the exit
        # stack of dependencies with ``yield``); no parameters are left for it to check.
        dependencies = Dependant(
            dependencies=dependant.dependencies, call=call, path=dependant.path
        )
        overrides = self.dependency_overrides_provider
        direct = _request_only(dependant.dependencies)

        async def handler(request: Request) -> Response:
            values: dict[str, Any] = {}
            if direct is not None and not _overridden(overrides, direct):
                # the common case, without the solver's per-request work (~0.25 ms of a
                # point query's ~0.5 ms): ``async def dep(request)`` dependencies, called
                # directly
                for name, dependency in direct:
                    values[name] = await dependency(request)
            elif dependencies.dependencies:
                solved = await solve_dependencies(
                    request=request,
                    dependant=dependencies,
                    dependency_overrides_provider=overrides,
                    async_exit_stack=request.scope["fastapi_inner_astack"],
                    embed_body_fields=False,
                )
                if solved.errors:
                    raise RequestValidationError(solved.errors)
                values.update(solved.values)
            if dependant.request_param_name:
                values[dependant.request_param_name] = request
            for name, alias in path_names:
                values[name] = request.path_params[alias]
            if body is not None and model is not None:
                values[body.name] = _validated_body(model, await request.body())
            response: Response = await call(**values)
            return response

        return handler


DirectDependency = tuple[str, Callable[[Request], Coroutine[Any, Any, Any]]]


def _request_only(dependencies: list[Dependant]) -> list[DirectDependency] | None:
    """The dependencies as ``(name, call)`` when each is ``async def f(request)``, else None.

    Such a dependency needs nothing from FastAPI's solver: no parameters to validate, no
    sub-dependencies, no exit stack. Anything else (a ``yield`` dependency, a sync one, one
    with parameters or security scopes) keeps the solver for every request.
    """
    direct: list[DirectDependency] = []
    for dep in dependencies:
        call = dep.call
        if (
            call is None
            or dep.name is None
            or dep.dependencies
            or dep.path_params
            or dep.query_params
            or dep.header_params
            or dep.cookie_params
            or dep.body_params
            or dep.request_param_name is None
            or dep.security_scopes_param_name
            or dep.response_param_name
            or dep.background_tasks_param_name
            or not inspect.iscoroutinefunction(call)
        ):
            return None
        direct.append((dep.name, call))
    return direct


def _overridden(provider: Any, direct: list[DirectDependency]) -> bool:
    """Whether the app overrides one of ``direct`` (tests do): then the solver runs.

    The same lookup FastAPI's solver makes for every dependency of every request.
    """
    overrides: dict[Any, Any] = getattr(provider, "dependency_overrides", None) or {}
    return any(call in overrides for _, call in direct)


def _check_shape(path: str, dependant: Dependant) -> None:
    if dependant.query_params or dependant.header_params or dependant.cookie_params:
        raise TypeError(f"{path}: a fast route reads its query string and headers itself")
    for param in dependant.path_params:
        if param.field_info.annotation is not str:
            raise TypeError(f"{path}: path parameter '{param.name}' of a fast route must be str")
    if len(dependant.body_params) > 1 or not all(
        isinstance(b.field_info.annotation, type) and issubclass(b.field_info.annotation, BaseModel)
        for b in dependant.body_params
    ):
        raise TypeError(f"{path}: a fast route's body is one pydantic model")


def _validated_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    """The body as ``model``, or a 422 with FastAPI's error locations."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


class FastRoutes:
    """The fast endpoints of one router: declared here, added to the app by :meth:`install`.

    The router's dependencies, tags and responses go with every endpoint; there is no
    way to add one without them.
    """

    def __init__(self, router: APIRouter) -> None:
        """Collect fast endpoints for ``router``."""
        self.router = router
        self._declared: list[tuple[str, Endpoint, dict[str, Any]]] = []

    def api_route(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        """Declare an endpoint (``options`` as for ``APIRouter.add_api_route``)."""

        def declare(endpoint: Endpoint) -> Endpoint:
            self._declared.append((path, endpoint, options))
            return endpoint

        return declare

    def get(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        """Declare a ``GET`` endpoint."""
        return self.api_route(path, methods=["GET"], **options)

    def post(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        """Declare a ``POST`` endpoint."""
        return self.api_route(path, methods=["POST"], **options)

    def install(self, app: FastAPI) -> None:
        """Add the endpoints to ``app``, first among its routes."""
        router = self.router
        for path, endpoint, options in self._declared:
            app.router.add_api_route(
                router.prefix + path,
                endpoint,
                route_class_override=FastRoute,
                **{
                    **options,
                    "dependencies": [*router.dependencies, *options.get("dependencies", ())],
                    "tags": [*router.tags, *options.get("tags", ())],
                    "responses": {**router.responses, **options.get("responses", {})},
                },
            )
        # stable: the fast routes first, in the order installed; the others keep theirs
        app.router.routes.sort(key=lambda route: not isinstance(route, FastRoute))
