"""Waiting for a queued job: imports run on a worker (the app's own, in the tests)."""

from __future__ import annotations

import time
from typing import Any

FINAL = ("succeeded", "failed")


def wait_for_job(client: Any, job_id: int, headers: dict[str, str], timeout: float = 60) -> dict:
    """Poll ``GET /jobs/{id}`` until the job has ended; its last state (fails on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/jobs/{job_id}", headers=headers).json()
        if job["status"] in FINAL:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} did not end within {timeout} s: {job}")
        time.sleep(0.05)
