"""Resident memory and the collector of a long-running process: glibc malloc arenas, gc.

glibc gives a thread that allocates while the others hold their arenas an arena of its
own, up to 8 per core, and memory freed in an arena stays there: an API worker that
sent each screening through a thread grew by 20-30 MB under four connections (issue 12,
bench/RESULTS.md). Capped at two arenas (the main one and one that the threadpool's and
asyncio's threads share), a worker stays flat after its first requests.
"""

from __future__ import annotations

import ctypes
import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

#: The collector's thresholds while a process serves requests or screens a batch
#: (CPython's default: 700, 10, 10). A request's temporaries die by reference count; at
#: 700 the collector ran many times per screening and promoted its live temporaries to be
#: scanned again (0.5 ms of a screening's ~5 ms of Python; bench/RESULTS.md, 2026-12-04).
SERVING_GC_THRESHOLD = (20_000, 10, 10)

#: ``mallopt`` parameter of the arena limit (glibc ``malloc.h``).
M_ARENA_MAX = -8


def cap_malloc_arenas(arenas: int) -> bool:
    """Let this process's threads share at most ``arenas`` glibc malloc arenas.

    Applies to the arenas made from now on, so it is called before the server starts its
    pools and threads. ``MALLOC_ARENA_MAX`` in the environment does the same, but is read
    only when the process starts: plain ``uvicorn api.main:app`` would never see it.

    Args:
        arenas: the limit; 0 leaves glibc's default.

    Returns:
        Whether the limit was set (False for 0, or a libc without glibc's ``mallopt``:
        musl, macOS).
    """
    if arenas <= 0:
        return False
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return False
    done = bool(libc.mallopt(M_ARENA_MAX, arenas))
    if not done:  # pragma: no cover - glibc accepts every positive value
        logger.warning("mallopt(M_ARENA_MAX, %d) was refused", arenas)
    return done


@contextmanager
def serving_collector() -> Iterator[None]:
    """Collect, freeze what the process holds, run at :data:`SERVING_GC_THRESHOLD`; undo after.

    Garbage is collected first, so that no dead cycle is frozen for good. Everything
    built so far (modules, settings, the app, a batch's sites and rules) lives
    as long as the process: frozen, a full collection walks only what requests make
    (~135k start-up objects took 40-80 ms, the p99 of every read). Processes forked inside
    inherit both. On exit the thresholds are restored and the objects unfrozen, so an app
    built and stopped again (tests) leaves nothing pinned.
    """
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
