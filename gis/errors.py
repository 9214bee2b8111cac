"""Domain errors of the pure geometry and CRS layer; they know nothing of HTTP."""

from __future__ import annotations


class GisError(Exception):
    """Base of geometry and CRS errors.

    Attributes:
        code: stable kebab-case identifier, used as the problem ``type``.
        field: the input field the error is about, when there is one.
    """

    code = "gis-error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        """Keep a human-readable detail and the field it concerns."""
        super().__init__(detail)
        self.detail = detail
        self.field = field


class UnknownCRSError(GisError):
    """A CRS string that pyproj cannot resolve, or one we do not accept."""

    code = "unknown-crs"


class MissingCRSError(GisError):
    """A file without a CRS and no CRS given by the caller."""

    code = "missing-crs"


class OutOfChinaError(GisError):
    """Coordinates that cannot be in China for the declared CRS."""

    code = "coordinates-outside-china"


class InvalidGeometryError(GisError):
    """A geometry that is empty, has NaN coordinates or cannot be repaired."""

    code = "invalid-geometry"


class ProjectGeometryError(GisError):
    """A project geometry that is too large or too complex to screen."""

    code = "project-geometry-too-large"


class InvalidBBoxError(GisError):
    """A bbox that is malformed or out of range."""

    code = "invalid-bbox"


class RasterError(GisError):
    """A raster that cannot be read, or a request it cannot answer."""

    code = "raster-invalid"


class RasterTooLargeError(GisError):
    """A raster over the configured size, or a zonal window over the readable maximum."""

    code = "raster-too-large"
