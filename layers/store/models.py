"""PostGIS tables: releases, and one typed feature table per catalogue collection."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from layers.store.catalog import COLLECTIONS, Collection, FieldType

#: Every geometry is stored in WGS84 lon/lat; CGCS2000 (EPSG:4490) input is taken as
#: identical to it (the two frames differ by centimetres, far below the data's scale).
STORAGE_SRID = 4326

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose metadata names constraints deterministically."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Release(Base):
    """One release of one collection: the unit that "as of" dates select."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("collection", "name", name="uq_releases_collection_name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    collection: Mapped[str] = mapped_column(Text, index=True)
    name: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    source_crs: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    feature_count: Mapped[int] = mapped_column(Integer, default=0)
    import_report: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    #: Bumped by every edit of the release's features, so caches keyed by it expire.
    revision: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    #: The area the release's data covers; outside it a screening cannot rely on the
    #: layer (:mod:`layers.store.releases`, "coverage"). Null: covers nothing known.
    coverage: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False), nullable=True
    )
    #: How the coverage was set: ``adcodes``, ``file`` or ``auto`` ('' when unset).
    coverage_source: Mapped[str] = mapped_column(Text, server_default="", default="")
    coverage_adcodes: Mapped[list[str] | None] = mapped_column(ARRAY(Text), nullable=True)


ROLES = ("viewer", "editor", "admin")


class ApiKey(Base):
    """An API key: only its hash is stored; the role says what it may write."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    prefix: Mapped[str] = mapped_column(Text, index=True)
    key_hash: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    """One write: who (key), what (action, target), when, and the ids before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    key_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True
    )
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    before_ids: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    after_ids: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    request_id: Mapped[str | None] = mapped_column(Text, nullable=True)


class Job(Base):
    """A background job (an HTTP import): status and progress for ``/jobs/{id}``."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        # one active import per release name: the loser of a race is refused at once (409)
        Index(
            "uq_jobs_active_release",
            "collection",
            "release_name",
            unique=True,
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    key_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # the process running the job, "host:pid:start-ticks" (layers.ingest.jobs.worker_id)
    worker: Mapped[str | None] = mapped_column(Text, nullable=True)
    # what an import job writes: reserved while the job is queued or running
    collection: Mapped[str | None] = mapped_column(Text, nullable=True)
    release_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the queue's job carrying the work (procrastinate_jobs.id, migration 0020)
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class SweepResult(Base):
    """One feature of a sweep, screened: its verdict and rules by outcome, or its error."""

    __tablename__ = "sweep_results"

    job_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    feature_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str | None] = mapped_column(Text, nullable=True)
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    verdict: Mapped[str | None] = mapped_column(Text, nullable=True)
    deny: Mapped[list[str]] = mapped_column(ARRAY(Text()))
    require: Mapped[list[str]] = mapped_column(ARRAY(Text()))
    flag: Mapped[list[str]] = mapped_column(ARRAY(Text()))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class JobFile(Base):
    """A part (1 MiB) of a job's upload, kept while the job waits or runs, for any worker."""

    __tablename__ = "job_files"

    job_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


_SQL_TYPES: dict[FieldType, TypeEngine[Any]] = {
    "text": Text(),
    "int": Integer(),
    "float": Float(),
    "date": Date(),
    "text[]": ARRAY(Text()),
}


def _feature_table(collection: Collection) -> Table:
    columns: list[Any] = [
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column(
            "release_id",
            BigInteger,
            ForeignKey("releases.id", ondelete="CASCADE"),
            nullable=False,
        ),
        *(Column(f.name, _SQL_TYPES[f.type], nullable=True) for f in collection.fields),
        Column("synthetic", Boolean, nullable=False, server_default="false"),
        Column("props", JSONB, nullable=False, server_default="{}"),
        Column(
            "geom",
            Geometry(collection.geometry, srid=STORAGE_SRID, spatial_index=True),
            nullable=False,
        ),
    ]
    if collection.has_area:
        # Ellipsoidal area, written by whoever writes the geometry: the importer computes
        # it in bulk (gis.geometry.ellipsoidal_areas_m2), single edits with ST_Area(geography).
        columns.append(Column("area_m2", Float, nullable=True))
    table = Table(collection.id, Base.metadata, *columns)
    Index(f"ix_{collection.id}_release_id", table.c.release_id)
    return table


FEATURE_TABLES: dict[str, Table] = {c.id: _feature_table(c) for c in COLLECTIONS}


def feature_table(collection_id: str) -> Table:
    """Return the feature table of a collection (the id was checked by the catalogue)."""
    return FEATURE_TABLES[collection_id]


class RuleSet(Base):
    """One loaded version of the screening rules (the YAML in ``rules/``)."""

    __tablename__ = "rule_sets"
    __table_args__ = (UniqueConstraint("source_hash", name="uq_rule_sets_source_hash"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date, index=True)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    source_hash: Mapped[str] = mapped_column(Text)
    industries: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    documents: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}", default=dict)
    regions: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}", default=dict)
    tags: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}", default=dict)


class RuleRow(Base):
    """One rule of a rule set, stored as its validated JSON body."""

    __tablename__ = "rules"
    #: A rule id may occur once per version (its validity periods never overlap, which
    #: the rule files' validation checks); positions are unique.
    __table_args__ = (
        UniqueConstraint("rule_set_id", "position", name="uq_rules_rule_set_id_position"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    rule_set_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("rule_sets.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Screening(Base):
    """A stored siting screening: the request, the result and the overall verdict."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    rule_set_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("rule_sets.id", ondelete="RESTRICT"), index=True
    )
    verdict: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(
        Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=True), nullable=False
    )
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)


class EntryClause(Base):
    """One clause of a 生态环境准入清单 (entry list) at one level, in one dimension.

    ``scope`` is the control unit's code (level ``unit``), the element control zone's
    code (level ``element``) or the 6-digit adcode of the
    province or city (:mod:`layers.store.entry_lists`); ``text`` is the clause verbatim.
    """

    __tablename__ = "entry_list"
    __table_args__ = (
        UniqueConstraint(
            "release_id", "scope", "dimension", "clause_no", name="uq_entry_list_release_id"
        ),
        CheckConstraint("level IN ('province', 'city', 'unit', 'element')", name="level"),
        CheckConstraint(
            "dimension IN ('spatial_constraints', 'emission_controls', 'risk_controls', "
            "'resource_efficiency')",
            name="dimension",
        ),
        CheckConstraint("clause_no >= 1", name="clause_no"),
        CheckConstraint("char_length(text) BETWEEN 1 AND 5000", name="text"),
        Index("ix_entry_list_scope_release", "scope", "release_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    release_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("releases.id", ondelete="CASCADE")
    )
    level: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    scope_name: Mapped[str] = mapped_column(Text, server_default="", default="")
    dimension: Mapped[str] = mapped_column(Text)
    clause_no: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    #: Where the clause comes from (document and article), when the list cites one.
    source: Mapped[str] = mapped_column(Text, server_default="", default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, server_default="false", default=False)


class EntryCondition(Base):
    """A machine-readable condition of a clause, which lets a screening judge it.

    ``kind`` is one of :data:`layers.store.entry_lists.CONDITION_KINDS`; ``industries``
    the industry categories it names, ``project_kinds`` the project kinds it concerns
    (empty: every kind) and ``params`` the rest (``pollutant``, ``max_t_a``).
    """

    __tablename__ = "entry_list_conditions"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('banned_industries', 'restricted_industries', 'park_only', 'emission_cap')",
            name="kind",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    clause_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("entry_list.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(Text)
    industries: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}", default=list)
    project_kinds: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}", default=list)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}", default=dict)


class Reading(Base):
    """One value of a station's time series (table partitioned by year, see migration 0010).

    ``time`` is the end of the averaging period (CNEMC labels an hour by its end);
    ``value`` is in the parameter's canonical unit (:data:`gis.quality.PARAMETERS`).
    The primary key refuses a second value for the same (station, parameter, time)
    and is the index every series and attainment query uses.
    """

    __tablename__ = "readings"
    __table_args__ = ({"postgresql_partition_by": "RANGE (time)"},)

    station: Mapped[str] = mapped_column(Text, primary_key=True)
    parameter: Mapped[str] = mapped_column(Text, primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(Text)
    flag: Mapped[str] = mapped_column(Text, server_default="", default="")


class ReadingDaily(Base):
    """A station's daily value of one parameter, kept by the importer (migration 0018).

    For the daily-mean parameters the day's mean and its hour count; for ``O3_8h`` the
    day's maximum 8-hour mean of O3 and the count of valid 8-hour means
    (:data:`gis.quality.O3_DAILY_MAX_8H`). ``day`` is the CST calendar day.
    """

    __tablename__ = "readings_daily"

    station: Mapped[str] = mapped_column(Text, primary_key=True)
    parameter: Mapped[str] = mapped_column(Text, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)


class RasterFile(Base):
    """The raster of a raster release: its Cloud-Optimized GeoTIFF and what it is.

    The release itself (name, validity, source, licence, coverage) is a ``releases`` row
    whose collection is ``raster.<layer>`` (:mod:`layers.store.rasters`).
    """

    __tablename__ = "raster_files"
    __table_args__ = (CheckConstraint("kind IN ('continuous', 'categorical')", name="kind"),)

    release_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    layer: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(Text)
    #: The COG's path relative to the rasters data folder (``RasterSettings.data_dir``).
    path: Mapped[str] = mapped_column(Text)
    crs: Mapped[str] = mapped_column(Text)
    crs_wkt: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    #: The affine geotransform (a, b, c, d, e, f) in the stored CRS's units.
    transform: Mapped[list[float]] = mapped_column(ARRAY(Float))
    resolution_m: Mapped[float] = mapped_column(Float)
    nodata: Mapped[float | None] = mapped_column(Float, nullable=True)
    dtype: Mapped[str] = mapped_column(Text)
    #: The class table of a categorical raster: [{value, name, color}] (empty otherwise).
    classes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)


_Date = date  # the event's column is named ``date``

#: The lifecycle of an outfall (查、测、溯、治, then 销号), in order.
OUTFALL_STAGES = ("排查", "监测", "溯源", "整治", "销号")


class OutfallEvent(Base):
    """One step of an outfall's lifecycle (migration 0016).

    ``outfall_code`` is the outfall's ``code``, which it keeps across releases of the
    ``outfalls`` layer: the history is not tied to a release. ``date`` is the day the
    stage was reached, ``document`` the record of it (title and number).
    """

    __tablename__ = "outfall_events"
    __table_args__ = (
        CheckConstraint("stage IN ('排查', '监测', '溯源', '整治', '销号')", name="stage"),
        Index("ix_outfall_events_code_date", "outfall_code", "date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    outfall_code: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(Text)
    date: Mapped[_Date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(Text, server_default="", default="")
    note: Mapped[str] = mapped_column(Text, server_default="", default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, server_default="false", default=False)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
