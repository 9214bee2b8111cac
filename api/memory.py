"""Resident memory of a server process: how many glibc malloc arenas its threads share.

glibc gives a thread that allocates while the others hold their arenas an arena of its
own, up to 8 per core, and memory freed in an arena stays there: an API worker that
sent each screening through a thread grew by 20-30 MB under four connections (issue 12,
bench/RESULTS.md). Capped at two arenas (the main one and one that the threadpool's and
asyncio's threads share), a worker stays flat after its first requests.
"""

from __future__ import annotations

import ctypes
import logging

logger = logging.getLogger(__name__)

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
