"""Mapbox Vector Tiles of a collection's release, built by PostGIS (ST_AsMVT), and their cache.

A tile is keyed by what determines its bytes: the collection, the release (id and
revision, so a feature edit or a new release changes the key), z/x/y and the properties
asked for. The key's hash is the ETag; a client that sends it back gets a 304 without
the database being asked for geometry. Cached tiles never need invalidating by hand: a
changed release has a new key, and the old entries age out of the LRU.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

from layers.errors import TileOutOfRangeError
from layers.store.catalog import Collection

#: WebMercatorQuad's extent in metres and the MVT grid.
_WORLD_M = 2 * math.pi * 6_378_137
EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22

#: Properties a tile carries by default (small: the map labels and styles by these).
DEFAULT_TILE_PROPERTIES = ("code", "name")


@dataclass(frozen=True)
class TileKey:
    """What determines a tile's bytes."""

    collection: str
    release_id: int
    revision: int
    z: int
    x: int
    y: int
    properties: tuple[str, ...]

    @property
    def etag(self) -> str:
        """A strong ETag for the tile (quoted, as HTTP wants it)."""
        raw = repr(self).encode()
        return '"' + hashlib.blake2s(raw, digest_size=12).hexdigest() + '"'


def check_tile(z: int, x: int, y: int) -> None:
    """Check z/x/y lies in WebMercatorQuad.

    Raises:
        TileOutOfRangeError: it does not.
    """
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileOutOfRangeError(
            f"Tile {z}/{x}/{y} is outside WebMercatorQuad (0 ≤ z ≤ {MAX_ZOOM}, 0 ≤ x,y < 2^z).",
            field="tile",
        )


def tile_properties(collection: Collection) -> tuple[str, ...]:
    """The default properties of a collection's tiles: code/name and any class field."""
    names = [n for n in DEFAULT_TILE_PROPERTIES if n in collection.field_names]
    for f in collection.fields:
        if f.choices and f.name not in names:
            names.append(f.name)
    return tuple(names)


class TileCache:
    """A small thread-safe LRU of tile bytes, bounded by total size."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        """Create an empty cache holding at most ``max_bytes``."""
        self.max_bytes = max_bytes
        self._entries: OrderedDict[TileKey, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: TileKey) -> bytes | None:
        """The cached tile, or None."""
        with self._lock:
            data = self._entries.get(key)
            if data is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return data

    def put(self, key: TileKey, data: bytes) -> None:
        """Store a tile, evicting the least recently used ones past the size bound."""
        if len(data) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._entries[key] = data
            self._size += len(data)
            while self._size > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._size = 0
