"""The malloc arena cap of a server process (issue 12)."""

from __future__ import annotations

import ctypes

import pytest

from api.memory import cap_malloc_arenas
from api.settings import ApiSettings

GLIBC = hasattr(ctypes.CDLL(None), "gnu_get_libc_version")


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_the_arenas_are_capped_on_glibc() -> None:
    assert cap_malloc_arenas(2) is True


def test_zero_leaves_glibc_alone() -> None:
    assert cap_malloc_arenas(0) is False


def test_the_cap_defaults_to_two_arenas() -> None:
    assert ApiSettings(_env_file=None).malloc_arena_max == 2
