"""Domain errors of the store: collections, releases, features and imports."""

from __future__ import annotations

from gis.errors import GisError


class AppError(GisError):
    """Base of the store's domain errors (shares ``code``/``detail``/``field``)."""

    code = "app-error"


class CollectionNotFoundError(AppError):
    """No collection has this id."""

    code = "collection-not-found"

    def __init__(self, collection_id: str) -> None:
        """Name the unknown collection."""
        super().__init__(f"No collection with id '{collection_id}'.", field="collection")


class FeatureNotFoundError(AppError):
    """No feature with this id in the collection (at the requested date)."""

    code = "feature-not-found"

    def __init__(self, collection_id: str, feature_id: int | str) -> None:
        """Name the collection and feature."""
        super().__init__(
            f"No feature '{feature_id}' in collection '{collection_id}'.",
            field="featureId",
        )


class ReleaseNotFoundError(AppError):
    """No release with this name in the collection."""

    code = "release-not-found"


class ReleaseConflictError(AppError):
    """A release with this name already exists: releases are never overwritten."""

    code = "release-exists"


class ImportFileError(AppError):
    """The file cannot be read or its contents cannot be imported."""

    code = "import-file-invalid"


class NoValidFeaturesError(AppError):
    """Every feature of the file was rejected."""

    code = "import-no-valid-features"


class MappingError(AppError):
    """A column mapping names an unknown target field."""

    code = "invalid-column-mapping"


class FilterError(AppError):
    """A CQL2 filter, ``sortby`` or ``properties`` value that cannot be applied."""

    code = "invalid-filter"


class TileOutOfRangeError(AppError):
    """A z/x/y outside the tile matrix set."""

    code = "tile-out-of-range"
