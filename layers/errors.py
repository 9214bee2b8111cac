"""Domain errors of the store: collections, releases, features and imports."""

from __future__ import annotations

from gis.errors import GisError


class AppError(GisError):
    """Base of the store's domain errors (shares ``code``/``detail``/``field``)."""

    code = "app-error"


class CollectionNotFoundError(AppError):
    """No collection has this id."""

    code = "collection-not-found"

    def __init__(self, collection_id: str, view_of: str | None = None) -> None:
        """Name the unknown collection (or the storage collection of a read-only view)."""
        detail = f"No collection with id '{collection_id}'."
        if view_of:
            detail = (
                f"'{collection_id}' is a read-only view of '{view_of}': "
                f"write to '{view_of}' (imports, releases, feature edits)."
            )
        super().__init__(detail, field="collection")


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


class InvalidDateRangeError(AppError):
    """A validity whose end is not after its start (e.g. ``valid_to`` ≤ ``valid_from``)."""

    code = "invalid-date-range"


class ReleaseConflictError(AppError):
    """A release with this name already exists: releases are never overwritten."""

    code = "release-exists"


class ImportFileError(AppError):
    """The file cannot be read or its contents cannot be imported."""

    code = "import-file-invalid"


class UploadTooLargeError(AppError):
    """An upload, or what an archive in it would unpack to, is over a size or count limit."""

    code = "payload-too-large"


class NoValidFeaturesError(AppError):
    """Every feature of the file was rejected."""

    code = "import-no-valid-features"


class MappingError(AppError):
    """A column mapping names an unknown target field."""

    code = "invalid-column-mapping"


class FilterError(AppError):
    """A CQL2 filter, ``sortby`` or ``properties`` value that cannot be applied."""

    code = "invalid-query"


class UnknownQueryableError(FilterError):
    """A filter names a property that is not a queryable of the collection."""

    code = "unknown-queryable"


class InvalidFilterError(AppError):
    """A filter expression that cannot be parsed or uses something not allowed."""

    code = "invalid-filter"


class TileOutOfRangeError(AppError):
    """A z/x/y outside the tile matrix set."""

    code = "tile-out-of-range"


class UnknownFilterFieldError(InvalidFilterError):
    """A filter names a field the collection does not have (or does not allow)."""

    code = "unknown-filter-field"


class RuleSetError(AppError):
    """A rule file that does not validate, or no rule set in force at a date."""

    code = "invalid-rule-set"


class NoRuleSetError(AppError):
    """No rule set is in force on the requested date."""

    code = "no-rule-set"


class UnknownIndustryError(AppError):
    """A project industry category that the rule set does not know."""

    code = "unknown-industry"


class UnknownKindError(AppError):
    """A project kind not in :data:`layers.screening.rules.KINDS`."""

    code = "unknown-kind"


class CoverageError(AppError):
    """A release coverage that cannot be set (unknown adcode, no polygon)."""

    code = "invalid-coverage"


class ProjectFactError(AppError):
    """A project fact (emissions, capacity, tags, outfall …) that cannot be used."""

    code = "invalid-project-fact"


class IndustryCodeMismatchError(AppError):
    """A request whose ``industry`` and ``industry_code`` name different industries."""

    code = "industry-code-mismatch"


class UnknownIndustryCodeError(AppError):
    """An ``industry_code`` that is not a GB/T 4754-2017 code."""

    code = "unknown-industry-code"


class ScreeningNotFoundError(AppError):
    """No screening has this id."""

    code = "screening-not-found"

    def __init__(self, screening_id: int) -> None:
        """Name the unknown screening."""
        super().__init__(f"No screening with id {screening_id}.", field="id")


class ScreeningNotRecheckableError(AppError):
    """A stored screening whose stored request lacks what a screening needs."""

    code = "screening-not-recheckable"


class ControlUnitNotFoundError(AppError):
    """No control unit has this code in the release in force."""

    code = "control-unit-not-found"

    def __init__(self, unit_code: str, as_of: str) -> None:
        """Name the unknown unit code and the date."""
        super().__init__(
            f"No control unit '{unit_code}' in the control_units release in force on {as_of}.",
            field="code",
        )


class ElementZoneNotFoundError(AppError):
    """No element control zone has this code in the releases in force."""

    code = "element-zone-not-found"

    def __init__(self, zone_code: str, as_of: str) -> None:
        """Name the unknown zone code and the date."""
        super().__init__(
            f"No element control zone '{zone_code}' in the element zone releases in force on "
            f"{as_of}.",
            field="code",
        )


class RuleNotFoundError(AppError):
    """No rule has this id in the rule set in force."""

    code = "rule-not-found"

    def __init__(self, rule_id: str) -> None:
        """Name the unknown rule."""
        super().__init__(f"No rule with id '{rule_id}' in the rule set in force.", field="id")


class DocumentNotFoundError(AppError):
    """No source document has this key in the rule set in force."""

    code = "document-not-found"

    def __init__(self, key: str) -> None:
        """Name the unknown document."""
        super().__init__(f"No document with key '{key}' in the rule set in force.", field="key")


class InvalidProximityError(AppError):
    """A proximity query that is out of range."""

    code = "invalid-proximity-query"


class NetworkNotBuiltError(AppError):
    """No river network was built from the water release in force (``ecozone network build``)."""

    code = "river-network-not-built"


class InvalidNetworkQueryError(AppError):
    """A river-network trace or build that cannot be done.

    A start too far from any river, a distance out of range, an unreadable overrides or
    DEM file.
    """

    code = "invalid-network-query"


class InvalidFeatureError(AppError):
    """A feature body that is not a GeoJSON Feature or whose properties do not validate."""

    code = "invalid-feature"


class PreconditionFailedError(AppError):
    """``If-Match`` names another version of the resource than the stored one."""

    code = "precondition-failed"


class InvalidRoleError(AppError):
    """A role that is not viewer, editor or admin."""

    code = "invalid-role"


class KeyNotFoundError(AppError):
    """No API key has this id."""

    code = "key-not-found"

    def __init__(self, key_id: int) -> None:
        """Name the unknown key."""
        super().__init__(f"No API key with id {key_id}.", field="id")


class QueryTimeoutError(AppError):
    """A statement ran into its route's statement timeout and was cancelled (retry later)."""

    code = "query-timeout"

    def __init__(self, detail: str | None = None, *, field: str | None = None) -> None:
        """Say that the query took too long; ``field`` names an input that caused it."""
        super().__init__(
            detail
            or "The query did not finish within its time limit and was cancelled; retry later "
            "or narrow the request (bbox, filter, limit).",
            field=field,
        )


class ServerBusyError(AppError):
    """Every pooled connection stayed in use for the pool's timeout (retry later)."""

    code = "server-busy"

    def __init__(self) -> None:
        """Say that the server is busy."""
        super().__init__("All database connections for this kind of request are busy; retry later.")


class DatabaseUnavailableError(AppError):
    """The database refused or dropped the connection (restart, failover, shutdown)."""

    code = "database-unavailable"

    def __init__(self) -> None:
        """Say that the database is unavailable for the moment."""
        super().__init__(
            "The database is not available at the moment (restarting or failing over); "
            "retry in a few seconds."
        )


class DatabaseSchemaError(AppError):
    """The database lacks a table the code reads: not migrated, or migrated to an older head."""

    code = "database-schema"

    def __init__(self, reason: str) -> None:
        """Name the missing relation (the driver's first line) and the fix."""
        super().__init__(
            f"The database has no ecozone schema, or an older one ({reason}): "
            "run `ecozone db upgrade` on it."
        )


class RowsRejected:
    """A file with bad rows: nothing was loaded; ``rows`` lists them by row number."""

    count: int
    rows: list[dict[str, object]]

    def __init__(self, count: int, rows: list[dict[str, object]]) -> None:
        """Keep the bad rows (row, field, reason), the first ones when there are many."""
        first = rows[0] if rows else {}
        super().__init__(  # type: ignore[call-arg]  # the AppError beside it in the MRO
            f"{count} bad row(s), nothing loaded; first: row {first.get('row')} "
            f"({first.get('field')}): {first.get('reason')}. Fix the rows and import again.",
            field=str(first.get("field")) if first else None,
        )
        self.count = count
        self.rows = rows


class ReadingsRejectedError(RowsRejected, AppError):
    """A readings file with bad rows: nothing was loaded; ``rows`` lists them by row number."""

    code = "readings-rejected"


class StationNotFoundError(AppError):
    """No monitoring station has this code."""

    code = "station-not-found"

    def __init__(self, code: str) -> None:
        """Name the unknown station."""
        super().__init__(f"No monitoring station with code '{code}'.", field="code")


class InvalidReadingsQueryError(AppError):
    """A readings or attainment query parameter that cannot be used."""

    code = "invalid-readings-query"


class OutfallEventsRejectedError(RowsRejected, AppError):
    """An outfall-events file with bad rows: nothing was loaded; ``rows`` lists them."""

    code = "outfall-events-rejected"


class OutfallNotFoundError(AppError):
    """No outfall (in any release) has this code."""

    code = "outfall-not-found"

    def __init__(self, code: str) -> None:
        """Name the unknown outfall."""
        super().__init__(f"No outfall with code '{code}'.", field="code")


class InvalidOutfallQueryError(AppError):
    """An outfall history or deadline query parameter that cannot be used."""

    code = "invalid-outfall-query"


class InvalidIndicatorQueryError(AppError):
    """An indicator query parameter that cannot be used (an ``admin`` that is no adcode)."""

    code = "invalid-indicator-query"


class DivisionNotFoundError(AppError):
    """No administrative division with this adcode is in force on the date asked."""

    code = "division-not-found"


class InvalidDiffError(AppError):
    """A release diff that cannot be computed (the same release on both sides)."""

    code = "invalid-diff"


def database_error(exc: BaseException) -> AppError | None:
    """The domain error for a driver or pool error that is about load, else None.

    A statement cancelled by ``statement_timeout`` (``QueryCanceled``, also wrapped by
    SQLAlchemy) is a :class:`QueryTimeoutError`; no free pooled connection (psycopg's
    ``PoolTimeout`` or SQLAlchemy's pool ``TimeoutError``) a :class:`ServerBusyError`;
    any other operational error of the driver (a connection refused or lost, the server
    shutting down or starting up: ``AdminShutdown``, ``CannotConnectNow``) a
    :class:`DatabaseUnavailableError`; a missing table (``UndefinedTable``: a database
    not migrated) a :class:`DatabaseSchemaError`.
    """
    import psycopg
    import sqlalchemy.exc
    from psycopg_pool import PoolTimeout

    if isinstance(exc, AppError):
        return exc
    cause = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    if isinstance(cause, psycopg.errors.QueryCanceled):
        return QueryTimeoutError()
    if isinstance(exc, PoolTimeout | sqlalchemy.exc.TimeoutError):
        return ServerBusyError()
    if isinstance(cause, psycopg.OperationalError):
        return DatabaseUnavailableError()
    if isinstance(cause, psycopg.errors.UndefinedTable):
        return DatabaseSchemaError(str(cause).splitlines()[0])
    return None


class RasterLayerNotFoundError(AppError):
    """No raster layer has this id, or it has no release in force."""

    code = "raster-layer-not-found"


class RasterClassesError(ImportFileError):
    """A class table that is unknown, unreadable or does not match the raster."""

    code = "raster-classes-invalid"
