"""The malloc arena cap and the collector of a server or batch process (issue 12)."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing

import pytest

from api.memory import SERVING_GC_THRESHOLD, cap_malloc_arenas, serving_collector
from api.settings import ApiSettings

GLIBC = hasattr(ctypes.CDLL(None), "gnu_get_libc_version")


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_the_arenas_are_capped_on_glibc() -> None:
    assert cap_malloc_arenas(2) is True


def test_zero_leaves_glibc_alone() -> None:
    assert cap_malloc_arenas(0) is False


def test_the_cap_defaults_to_two_arenas() -> None:
    assert ApiSettings(_env_file=None).malloc_arena_max == 2


def _collector_state() -> tuple[tuple[int, int, int], int]:
    return gc.get_threshold(), gc.get_freeze_count()


def test_serving_collector_freezes_raises_the_threshold_and_restores() -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    assert before != SERVING_GC_THRESHOLD
    with serving_collector():
        assert gc.get_threshold() == SERVING_GC_THRESHOLD
        assert gc.get_freeze_count() > 10_000  # the test process's modules
        # a batch's forked worker inherits both (screen-batch forks inside)
        with multiprocessing.get_context("fork").Pool(1) as pool:
            threshold, frozen = pool.apply(_collector_state)
        assert threshold == SERVING_GC_THRESHOLD
        assert frozen > 10_000
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
