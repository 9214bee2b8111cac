"""Screening use cases: screen a project, and screen and store it (sync, or async in two statements).

A screening resolves the rule set in force on the project's ``as_of`` (storing the
repository's rule files on a fresh database), runs the rule set's plan in one round
trip, and evaluates the rules on its rows. What a process keeps between screenings (rule
sets, plans, the rule set last in force) is a :class:`layers.screening.rulebook.RuleBook`
that the caller owns.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol

import orjson
import shapely
from psycopg.adapt import PyFormat, Transformer
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from gis.civil_time import today
from gis.coords import MAX_ZONE_OFFSET_DEG, gk3_zone, gk3_zone_of_crs
from gis.crs import DegreesPerMetre, degrees_per_metre
from gis.errors import GisError
from gis.project_geometry import ProjectGeometry, prepare_geometry
from layers.errors import ProjectFactError
from layers.screening import attainment, conformity, protection, rasters, three_lines
from layers.screening.evaluate import Prepared, ScreeningResult, assemble
from layers.screening.plan import RELEASED, TARGETS, rule_set_in_force
from layers.screening.project import ProjectInput, check_input
from layers.screening.rulebook import RuleBook
from layers.screening.rules import LoadedRuleSet
from layers.screening.rulesets import ensure_rule_set_in_force
from layers.screening.storage import fetch_raw, insert, insert_args, public
from layers.store.models import STORAGE_SRID


class ScreeningStore(Protocol):
    """Where the async screening path runs its two statements, and the book it keeps."""

    book: RuleBook
    #: Held by the first screening of a date while it resolves the rule set: concurrent
    #: ones wait for it instead of each resolving it (:func:`create_screening_async`).
    resolving: asyncio.Lock

    async def fetch(self, sql: bytes, args: list[Any]) -> list[tuple[Any, ...]]:
        """All rows of a ``$n`` statement."""
        ...

    async def insert(self, args: list[Any]) -> tuple[int, datetime]:
        """Store a screening (``INSERT_SQL``) and commit it: its id and creation time."""
        ...

    async def create_sync(self, project: ProjectInput) -> dict[str, Any]:
        """:func:`create_screening` on a session (the path that resolves the rule set)."""
        ...

    async def quality(self, as_of: date, city: str) -> dict[str, Any]:
        """The city's attainment summary (:meth:`layers.screening.attainment.QualityCache.get`)."""
        ...


def resolve_rule_set(session: Session, book: RuleBook, as_of: date) -> LoadedRuleSet:
    """The rule set in force on ``as_of``, storing the repository's on a fresh database.

    The repository's rule set is flushed, not committed: the caller's commit keeps it
    (:func:`layers.screening.rulesets.ensure_rule_set_in_force`).

    Raises:
        NoRuleSetError: no rule set is, or could be, in force on ``as_of``.
    """
    return book.rule_set(session, ensure_rule_set_in_force(session, as_of))


def prepare(
    book: RuleBook,
    rules: LoadedRuleSet,
    project: ProjectInput,
    as_of: date,
    geom: ProjectGeometry | None,
    *,
    targets: bool = True,
) -> Prepared:
    """The plan of ``rules`` and its parameters for ``project`` (no database work).

    ``targets``: whether the statement looks up the 环境保护目标 (the table of
    :func:`layers.screening.protection.attach`); no rule's outcome depends on them.

    Raises:
        UnknownIndustryError, IndustryCodeMismatchError: the industry is not one of the
            rule set, or its code names another.
        ProjectFactError: a tag outside the rule set's vocabulary.
        InvalidGeometryError, UnknownCRSError, OutOfChinaError, ProjectGeometryError:
            the geometry or the outfall cannot be screened.
    """
    labels = rules.project_labels(project.industry, project.industry_code)
    emitted = tuple(k for k, v in (project.emissions or {}).items() if v > 0)
    rules.check_tags(project.tags, project.kind, emitted)
    tags = rules.project_tags(labels, project.tags, emits=bool(emitted))
    geom = geom or prepare_geometry(project.geometry, project.crs)
    if project.report_crs is not None:
        _check_report_zone(project.report_crs, geom.geom)
    outfall = _outfall(project)
    plan = book.plan(rules)
    reach = plan.reach(as_of, labels, tags, project.kind)
    buffer_m = float(project.buffer_m)
    radii = {
        b.collection: max(buffer_m, reach.widest.get(b.collection, 0.0)) for b in plan.branches
    }
    applying = reach.applying
    farthest = max([*radii.values(), *(u.reach_m for u in plan.upstream if applying[u.param])])
    subject = (outfall or geom).geom
    params = {
        **{f"r_{c}": r for c, r in radii.items()},
        **applying,
        "ewkb": shapely.to_wkb(shapely.set_srid(geom.geom, STORAGE_SRID), include_srid=True),
        "outfall_ewkb": shapely.to_wkb(shapely.set_srid(subject, STORAGE_SRID), include_srid=True),
        "has_outfall": outfall is not None,
        "as_of": as_of,
        "buffer_m": float(project.buffer_m),
        "polygonal": geom.polygonal,
        "labels": sorted(labels),
        "kx": (
            k := _degrees_per_metre(
                geom.geom if outfall is None else shapely.union(geom.geom, subject), farthest
            )
        ).lon,
        "kd": k.planar,
    }
    if targets:
        params |= protection.target_params(
            labels, geom.geom, outfall.geom if outfall else None, tags
        )
    switches = {**applying, "has_outfall": outfall is not None, TARGETS: targets}
    released = book.guess_released(as_of)
    if released is not None:  # confirmed by the statement's own rows (confirm_released)
        switches.update({RELEASED + b.collection: b.collection in released for b in plan.branches})
    sql, names = plan.variant(switches)
    return Prepared(
        rules,
        as_of,
        labels,
        tags,
        geom,
        plan,
        radii,
        sql,
        bound_args(params, names),
        outfall,
        params=params,
        switches=switches,
    )


def confirm_released(book: RuleBook, prepared: Prepared, rows: list[tuple[Any, ...]]) -> bool:
    """Whether ``rows`` answer every lookup the project needs; learn what has a release.

    A statement leaves out the lookups of the collections the book last found without
    a release in force on the date (:meth:`RuleBook.guess_released`); its rows list the
    releases in force as the database has them now. When a release was imported since
    for a collection left out, ``prepared`` is switched to the statement with its
    lookup and False is returned: the caller runs it again (once per import and
    process).
    """
    plan = prepared.plan
    present = plan.released(rows)
    book.found_released(prepared.as_of, present)
    if all(prepared.switches.get(RELEASED + c, True) for c in present):
        return True
    switches = {
        **prepared.switches,
        **{RELEASED + b.collection: b.collection in present for b in plan.branches},
    }
    prepared.sql, names = plan.variant(switches)
    prepared.args = bound_args(prepared.params, names)
    prepared.switches = switches
    return False


def bound_args(params: dict[str, Any], names: tuple[str, ...]) -> list[Any]:
    """The statement's arguments in order, each list as PostgreSQL's array literal.

    The statement casts every array parameter (``$8::TEXT[]``), so a literal binds as
    the list would; psycopg's adaptation of the ~8 lists (looking up each element's
    type, escaping each string) was ~5 % of a screening's Python under load
    (bench/RESULTS.md). Most lists depend only on the industry: their text is kept.
    """
    return [_array_literal(v) if type(v) is list else v for v in (params[n] for n in names)]


def _array_literal(values: list[Any]) -> str:
    if values and all(type(v) is float for v in values):  # per project: radii in degrees
        return "{" + ",".join(map(repr, values)) + "}"
    return _kept_literal(tuple(values))


@lru_cache(maxsize=1024)
def _kept_literal(values: tuple[Any, ...]) -> str:
    """The array literal of ``values`` as psycopg writes it (quoting and escaping)."""
    as_list = list(values)
    dumped = Transformer().get_dumper(as_list, PyFormat.TEXT).dump(as_list)
    if dumped is None:  # pragma: no cover - a list always dumps
        raise TypeError(f"no array literal for {values!r}")
    return bytes(dumped).decode()


def _check_report_zone(report_crs: str, geom: BaseGeometry) -> None:
    """A ``report_crs`` zone must be the site's own or a neighbour's (a county's fixed zone).

    Raises:
        ProjectFactError: the zone's central meridian lies more than
            :data:`gis.coords.MAX_ZONE_OFFSET_DEG` from the site (field ``report_crs``).
    """
    zone = gk3_zone_of_crs(report_crs)
    lon = geom.centroid.x
    if zone is not None and abs(lon - zone.central_meridian) > MAX_ZONE_OFFSET_DEG:
        own = gk3_zone(lon)
        raise ProjectFactError(
            f"report_crs {report_crs} is zone {zone.zone} (central meridian "
            f"{zone.central_meridian}°E), {abs(lon - zone.central_meridian):.1f}° from the "
            f"project at {lon:.2f}°E: its coordinates would be useless there. Give the zone "
            f"of the project's county (zone {own.zone}: EPSG:{own.epsg}, or EPSG:"
            f"{own.epsg + 21} without the zone number in Y) or leave report_crs out.",
            field="report_crs",
        )


def _outfall(project: ProjectInput) -> ProjectGeometry | None:
    """The request's outfall, reprojected and checked like the project geometry.

    Raises:
        InvalidGeometryError, UnknownCRSError, OutOfChinaError, ProjectGeometryError:
            about the field ``outfall``.
    """
    if project.outfall is None:
        return None
    try:
        return prepare_geometry(project.outfall, project.crs)
    except GisError as exc:
        if exc.field in (None, "geometry"):
            raise type(exc)(f"outfall: {exc.detail}", field="outfall") from None
        raise


def _degrees_per_metre(geom: BaseGeometry, radius_m: float) -> DegreesPerMetre:
    """Degrees per metre that bound every search circle (up to ``radius_m``) around ``geom``.

    Each collection's index box is the project's box widened by its radius times
    ``lon``/``lat``, and its planar pre-test uses ``planar``; sized at the project's
    highest |latitude|, tighter than one bound for all of China.
    """
    _minx, miny, _maxx, maxy = geom.bounds
    return degrees_per_metre(max(abs(miny), abs(maxy)), radius_m)


def screen(
    session: Session,
    project: ProjectInput,
    *,
    book: RuleBook | None = None,
    rule_set: LoadedRuleSet | None = None,
    geometry: ProjectGeometry | None = None,
    targets: bool = True,
) -> ScreeningResult:
    """Screen a project against the rule set and layers in force on its ``as_of``.

    ``book`` keeps the rule set and its plan for the next screening (without one, they
    are read and built for this one only). Nothing is written (except, on a fresh
    database, the repository's rule set; the caller's commit keeps it). ``targets=False``
    leaves out the 环境保护目标 table (its lookups and ``protection_targets``/``_ranges``):
    the verdict and every rule's outcome are the same.

    Raises:
        InvalidGeometryError, UnknownCRSError, OutOfChinaError, ProjectGeometryError:
            the geometry cannot be screened.
        UnknownIndustryError: the industry is not a category of the rule set.
        NoRuleSetError: no rule set in force on ``as_of``.
    """
    check_input(project)
    book = book or RuleBook()
    as_of = project.as_of or today()
    rules = rule_set or resolve_rule_set(session, book, as_of)
    prepared = prepare(book, rules, project, as_of, geometry, targets=targets)
    rows = fetch_raw(session, prepared.sql, prepared.args)
    if not confirm_released(book, prepared, rows):
        rows = fetch_raw(session, prepared.sql, prepared.args)
    if rasters.needs_rasters(rules, as_of):
        prepared.rasters = rasters.compute(
            rasters.stored_in_plan(rows),
            prepared.geom,
            float(project.buffer_m),
            as_of,
            book.raster_dir,
        )
    city = attainment.city_in_rows(rows)
    prepared.quality = None if city is None else book.quality.get(session, as_of, city)
    result = assemble(prepared, project, rows)
    conformity.attach(result, prepared, rows)
    three_lines.attach(result.body, rules, prepared.quality)
    if targets:
        protection.attach(result, prepared, rows)
    if rule_set is None:
        book.found_in_force(as_of, rules)  # the guess of create_screening_async
    return result


def create_screening(
    session: Session, project: ProjectInput, *, book: RuleBook | None = None
) -> dict[str, Any]:
    """Screen a project and store the screening; commit. Nothing is stored on error."""
    result = screen(session, project, book=book)
    screening_id, created_at = insert(session, insert_args(project, result))
    session.commit()
    return public(screening_id, created_at, result.body)


async def create_screening_async(store: ScreeningStore, project: ProjectInput) -> tuple[int, bytes]:
    """Screen a project and store it in two statements; its id and public JSON.

    The first statement returns every spatial lookup, the releases in force and the
    rule set in force; when that is the one the store's book last found in force on
    ``as_of`` (same id and content hash) the rules are evaluated and the result stored
    by the second. Otherwise (the first request of a date, which the concurrent ones wait
    for; a new rule set; an input the cached rules reject) the request takes :func:`create_screening`, which resolves the rule set
    (storing the repository's on a fresh database) and raises the authoritative error.
    The database keeps the compact form (``ScreeningResult.stored_results``).
    """
    as_of = project.as_of or today()
    rules = store.book.guess_in_force(as_of)
    if rules is None:
        # A cold worker (or a new date) under load: one request resolves the rule set
        # and the others wait for it, rather than each loading the rule set and its
        # plans in a thread of its own (a fresh 2-worker server at 16 connections:
        # 195-203 MB per worker instead of 155-157; bench/RESULTS.md).
        async with store.resolving:
            rules = store.book.guess_in_force(as_of)
            if rules is None:
                body = await store.create_sync(project)
                return int(body["id"]), orjson.dumps(body)
    prepared: Prepared | None
    try:
        check_input(project)
        prepared = prepare(store.book, rules, project, as_of, None)
    except GisError:
        prepared = None
    if prepared is not None:
        rows = await store.fetch(prepared.sql, prepared.args)
        if not confirm_released(store.book, prepared, rows):
            rows = await store.fetch(prepared.sql, prepared.args)
        if rule_set_in_force(rows) == rules.key:
            if rasters.needs_rasters(rules, as_of):
                stored = rasters.stored_in_plan(rows)
                args = (
                    stored,
                    prepared.geom,
                    float(project.buffer_m),
                    as_of,
                    store.book.raster_dir,
                )
                # a thread only to read files: without a raster release in force nothing
                # blocks, and every thread costs the worker a malloc arena (issue 12)
                prepared.rasters = (
                    await asyncio.to_thread(rasters.compute, *args)
                    if stored
                    else rasters.compute(*args)
                )
            city = attainment.city_in_rows(rows)
            if city is not None:
                prepared.quality = store.book.quality.peek(as_of, city) or await store.quality(
                    as_of, city
                )
            result = assemble(prepared, project, rows)
            conformity.attach(result, prepared, rows)
            three_lines.attach(result.body, rules, prepared.quality)
            protection.attach(result, prepared, rows)
            screening_id, created_at = await store.insert(insert_args(project, result))
            return screening_id, orjson.dumps(public(screening_id, created_at, result.body))
    body = await store.create_sync(project)
    return int(body["id"]), orjson.dumps(body)
