"""Serving the API and the map from the command line."""

from __future__ import annotations


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
) -> None:
    """Serve the API with uvicorn (uvloop + httptools)."""
    import uvicorn

    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        loop="uvloop",
        http="httptools",
    )
