"""The 拐点坐标 (boundary-point) text format of Chinese land and project submissions.

Each data line is ``x,y``, ``点号,x,y`` or ``点号,圈号,x,y`` with **x the northing** and
y the easting (surveying order), usually in a CGCS2000 Gauss-Krüger zone. Lines ending
in ``@`` (the 国土 exchange format's parcel header) start a new parcel; ``[section]``
headers and ``key=value`` lines are skipped. A ring closes when a point repeats the
ring's first point, or when the 圈号 changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gis.errors import InvalidGeometryError

_SPLIT = re.compile(r"[,，;；\s]+")
_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")


@dataclass
class Parcel:
    """One parcel read from the file: its name and rings of (easting, northing)."""

    name: str
    rings: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def geometry(self) -> BaseGeometry:
        """Build the parcel's geometry: a point, a line, or polygon(s) with holes."""
        rings = [pts for pts in self.rings.values() if pts]
        if not rings:
            raise InvalidGeometryError(f"Parcel '{self.name}' has no points.", field="file")
        if len(rings) == 1 and len(rings[0]) == 1:
            return shapely.Point(rings[0][0])
        polys = []
        for pts in rings:
            if len(pts) < 3:
                raise InvalidGeometryError(
                    f"Parcel '{self.name}' has a ring of {len(pts)} points; "
                    "a polygon ring needs at least 3.",
                    field="file",
                )
            polys.append(Polygon(pts))
        # Rings inside the first are holes; the rest are further parts.
        outer = polys[0]
        holes: list[Polygon] = []
        parts: list[Polygon] = []
        for poly in polys[1:]:
            (holes if outer.contains(poly) else parts).append(poly)
        first = Polygon(outer.exterior.coords, [h.exterior.coords for h in holes])
        return first if not parts else shapely.MultiPolygon([first, *parts])


class ParcelBuilder:
    """Points in file order to parcels and rings (the 拐点坐标 rules).

    A ring closes when a point repeats its first point; a point of a ring already closed
    starts another ring (another part or a hole of the same parcel).
    """

    def __init__(self) -> None:
        """No parcel yet."""
        self.parcels: list[Parcel] = []
        self._current: Parcel | None = None
        self._closed: set[str] = set()

    def start(self, name: str | None = None) -> Parcel:
        """Start a parcel (named ``地块N`` when ``name`` is empty)."""
        self._current = Parcel(name=name or f"地块{len(self.parcels) + 1}")
        self.parcels.append(self._current)
        self._closed.clear()
        return self._current

    def add(self, ring: str, northing: float, easting: float) -> None:
        """One point of ring ``ring`` of the current parcel (a first parcel if none)."""
        current = self._current if self._current is not None else self.start()
        while ring in self._closed:  # a ring already closed: the next points start another
            ring += "'"
        pts = current.rings.setdefault(ring, [])
        if len(pts) >= 3 and pts[0] == (easting, northing):
            self._closed.add(ring)  # the closing point repeats the first
            return
        pts.append((easting, northing))

    @property
    def started(self) -> bool:
        """Whether a parcel has been started."""
        return self._current is not None

    def result(self, expected: str) -> list[Parcel]:
        """The parcels that have points.

        Raises:
            InvalidGeometryError: none has (``expected`` says what a point looks like).
        """
        parcels = [p for p in self.parcels if p.rings]
        if not parcels:
            raise InvalidGeometryError(
                f"No coordinate lines found: expected {expected}.", field="file"
            )
        return parcels


def parse_parcels(text: str) -> list[Parcel]:
    """Parse 拐点坐标 text into parcels.

    Raises:
        InvalidGeometryError: no coordinate line was found, or a line is malformed.
    """
    builder = ParcelBuilder()
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith(("#", "[")) or ("=" in line and not _NUMBER.match(line)):
            continue
        if line.endswith("@"):
            # 界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@
            header = [f.strip() for f in re.split(r"[,，]", line.rstrip("@"))]
            builder.start(
                next(
                    (f for f in (header[3:4] + header[2:3]) if f and f not in ("点", "线", "面")),
                    None,
                )
            )
            continue
        fields = [f for f in _SPLIT.split(line) if f]
        numeric = [f for f in fields[-2:] if _NUMBER.match(f)]
        if len(numeric) != 2:
            if builder.started:
                raise InvalidGeometryError(
                    f"Line {lineno} is not 'x,y', '点号,x,y' or '点号,圈号,x,y': {line!r}",
                    field="file",
                )
            continue  # a free-text title before the first coordinate
        builder.add(fields[-3] if len(fields) >= 4 else "1", float(fields[-2]), float(fields[-1]))
    return builder.result(
        "'x,y', '点号,x,y' or '点号,圈号,x,y' per line (x = northing, y = easting)"
    )
