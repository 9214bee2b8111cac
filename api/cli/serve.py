"""Serving the API and the map from the command line."""

from __future__ import annotations

import os


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
    worker: bool = True,
) -> None:
    """Serve the API with uvicorn (uvloop + httptools).

    Each server process also runs a job worker, so uploads are imported with nothing else
    running; ``--no-worker`` leaves the queue to ``ecozone worker`` processes.
    """
    import uvicorn

    if not worker:  # read by the app's settings (APP_API_IN_PROCESS_WORKER) in each process
        os.environ["APP_API_IN_PROCESS_WORKER"] = "false"
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        loop="uvloop",
        http="httptools",
    )
