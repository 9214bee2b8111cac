"""API-key authentication and role checks for writes (and for reads when they are private).

A key comes as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. No key or an
unknown/revoked key is 401 (with ``WWW-Authenticate``); a valid key whose role is too low
is 403. Use ``Depends(require_role("editor"))`` on any write route, e.g.
``DELETE /screenings/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep
from layers.keys import authenticate, role_allows
from layers.models import ApiKey


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def require_role(role: str) -> Callable[..., ApiKey]:
    """A dependency that returns the caller's key if its role is at least ``role``."""

    def dependency(request: Request, session: SessionDep) -> ApiKey:
        plaintext = _presented_key(request)
        if plaintext is None:
            raise HTTPException(
                401,
                "An API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key'.",
                headers={"WWW-Authenticate": 'Bearer realm="ecozone"'},
            )
        key = authenticate(session, plaintext)
        if key is None:
            raise HTTPException(
                401,
                "The API key is unknown or revoked.",
                headers={"WWW-Authenticate": 'Bearer realm="ecozone", error="invalid_token"'},
            )
        if not role_allows(key.role, role):
            raise HTTPException(403, f"This needs the '{role}' role; the key has '{key.role}'.")
        request.state.api_key = key
        return key

    dependency.__name__ = f"require_{role}"
    return dependency


async def read_access(request: Request) -> None:
    """Let reads through when they are public (the default), else require a viewer key.

    Async, and without a session when reads are public, so the hot read paths pay
    nothing for it.
    """
    if request.app.state.api_settings.public_reads:
        return

    def check() -> None:
        with request.app.state.sessionmaker() as session:
            require_role("viewer")(request, session)

    await run_in_threadpool(check)


EditorDep = Annotated[ApiKey, Depends(require_role("editor"))]
AdminDep = Annotated[ApiKey, Depends(require_role("admin"))]
ViewerDep = Annotated[ApiKey, Depends(require_role("viewer"))]
