"""Which entry-list clauses apply: a unit's own, and those of its province and city.

:func:`applicable_clauses` is the one select of the clauses in force for given unit codes
and divisions; the unit's page (``GET /control-units/{code}/entry-list``) and the
screening's conformity block (:mod:`layers.screening.conformity`) both use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, any_, func, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from layers.errors import ControlUnitNotFoundError, ElementZoneNotFoundError
from layers.store.catalog import ELEMENT_ZONES
from layers.store.entry_lists import (
    DIMENSIONS,
    LEVEL_TITLES,
    LEVELS,
    SCOPE_DIGITS,
    Level,
    release_collection,
    scope_of,
)
from layers.store.models import EntryClause, EntryCondition, Release, feature_table
from layers.store.releases import select_in_force

UNITS = "control_units"


def conditions_json() -> ColumnElement[Any]:
    """A clause's machine conditions as a JSON array (null when it has none)."""
    c = EntryCondition
    item = func.jsonb_build_object(
        "kind", c.kind, "industries", c.industries, "project_kinds", c.project_kinds,
        "params", c.params,
    )  # fmt: skip
    return (
        select(func.jsonb_agg(aggregate_order_by(item, c.id)))
        .where(c.clause_id == EntryClause.id)
        .scalar_subquery()
    )


def applicable_clauses(
    unit_codes: Any,
    city_scopes: Any,
    province_scopes: Any,
    as_of: Any,
    element_codes: Any = None,
) -> Select[Any]:
    """The clauses in force on ``as_of`` of these units, cities, provinces (and zones).

    Each argument is a list or an SQL ``text[]`` expression (``as_of`` a date or an SQL
    date); each level's list is read from that level's release in force
    (:func:`layers.store.releases.select_in_force`). ``element_codes``: the element
    control zones whose own clauses apply too; a level whose scopes are None is left out.
    """
    e = EntryClause
    scopes = {
        "unit": unit_codes,
        "city": city_scopes,
        "province": province_scopes,
        "element": element_codes,
    }
    matches = [
        and_(
            e.level == level,
            e.release_id
            == select_in_force(release_collection(level), as_of, Release.id).scalar_subquery(),
            e.scope == any_(scopes[level]),
        )
        for level in LEVELS
        if scopes[level] is not None
    ]
    return (
        select(
            e.level,
            e.scope,
            e.scope_name,
            e.dimension,
            e.clause_no,
            e.text,
            e.source,
            e.synthetic,
            Release.name.label("release"),
            conditions_json().label("conditions"),
        )
        .join(Release, Release.id == e.release_id)
        .where(or_(*matches))
    )


def scopes_of(adcodes: Iterable[str]) -> tuple[list[str], list[str]]:
    """The city and province scope codes of the divisions ``adcodes`` (6 digits each)."""
    codes = [a for a in adcodes if len(a) == 6 and a.isdigit()]
    cities = sorted({scope_of("city", a) for a in codes if not a.endswith("0000")})
    provinces = sorted({scope_of("province", a) for a in codes})
    return cities, provinces


def scopes_select(adcodes: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """:func:`scopes_of` in SQL: the city and province scope arrays of ``adcodes``.

    ``adcodes`` is a CTE or subquery with a text column ``adcode``.
    """
    adcode = adcodes.c.adcode
    valid = adcode.op("~")(r"^[0-9]{6}$")

    def scope(level: Level) -> ColumnElement[Any]:
        return func.rpad(func.left(adcode, SCOPE_DIGITS[level]), 6, "0")

    cities = select(scope("city")).where(valid, func.right(adcode, 4) != "0000").distinct()
    provinces = select(scope("province")).where(valid).distinct()
    return func.array(cities.scalar_subquery()), func.array(provinces.scalar_subquery())


def clause_order(clause: dict[str, Any]) -> tuple[int, str, int, int]:
    """Broadest level first, then scope, the dimensions' official order, clause number."""
    return (
        LEVELS.index(clause["level"]),
        clause["scope"],
        list(DIMENSIONS).index(clause["dimension"]),
        clause["clause_no"],
    )


def grouped(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clauses grouped by level (then scope) and dimension, each dimension with its title."""
    out: list[dict[str, Any]] = []
    for clause in sorted(clauses, key=clause_order):
        level: Level = clause["level"]
        if not out or (out[-1]["level"], out[-1]["scope"]) != (level, clause["scope"]):
            out.append(
                {
                    "level": level,
                    "level_title": LEVEL_TITLES[level],
                    "scope": clause["scope"],
                    "scope_name": clause["scope_name"],
                    "release": clause["release"],
                    "dimensions": [
                        {"dimension": key, "title": title, "clauses": []}
                        for key, title in DIMENSIONS.items()
                    ],
                }
            )
        dimension = next(d for d in out[-1]["dimensions"] if d["dimension"] == clause["dimension"])
        dimension["clauses"].append(
            {
                **{k: clause[k] for k in ("clause_no", "text", "source", "synthetic")},
                "conditions": clause["conditions"] or [],
            }
        )
    return out


def unit_entry_list(session: Session, unit_code: str, as_of: date) -> dict[str, Any]:
    """A control unit's entry list on ``as_of``, with its province's and city's.

    The unit is read from the ``control_units`` release in force; its province and city
    from its ``admin_code`` (else the adcode in its code).

    Raises:
        ControlUnitNotFoundError: no unit with this code is in force on ``as_of``.
    """
    units = feature_table(UNITS)
    unit = session.execute(
        select(units.c.code, units.c.name, units.c.unit_class, units.c.admin_code).where(
            units.c.code == unit_code,
            units.c.release_id == select_in_force(UNITS, as_of, Release.id).scalar_subquery(),
        )
    ).first()
    if unit is None:
        raise ControlUnitNotFoundError(unit_code, as_of.isoformat())
    adcode = unit.admin_code or unit_code[2:8]
    cities, provinces = scopes_of([adcode])
    rows = session.execute(applicable_clauses([unit_code], cities, provinces, as_of))
    clauses = [dict(r._mapping) for r in rows]
    return {
        "unit": {
            "code": unit.code,
            "name": unit.name,
            "unit_class": unit.unit_class,
            "admin_code": unit.admin_code,
        },
        "as_of": as_of.isoformat(),
        "levels": grouped(clauses),
        "clause_count": len(clauses),
    }


def zone_entry_list(session: Session, zone_code: str, as_of: date) -> dict[str, Any]:
    """An element control zone's own clauses on ``as_of``, with its province's and city's.

    The zone is read from the element zone releases in force; its province and city from
    its ``admin_code`` (else the adcode in its code).

    Raises:
        ElementZoneNotFoundError: no element zone with this code is in force on ``as_of``.
    """
    zone = None
    for collection in ELEMENT_ZONES:
        table = feature_table(collection.id)
        in_force = select_in_force(collection.id, as_of, Release.id).scalar_subquery()
        row = session.execute(
            select(table.c.code, table.c.name, table.c.element_subtype, table.c.admin_code).where(
                table.c.code == zone_code, table.c.release_id == in_force
            )
        ).first()
        if row is not None:
            zone = {"collection": collection.id, "collection_title": collection.title,
                    **row._asdict()}  # fmt: skip
            break
    if zone is None:
        raise ElementZoneNotFoundError(zone_code, as_of.isoformat())
    cities, provinces = scopes_of([zone["admin_code"] or zone_code[2:8]])
    rows = session.execute(applicable_clauses(None, cities, provinces, as_of, [zone_code]))
    clauses = [dict(r._mapping) for r in rows]
    return {
        "zone": zone,
        "as_of": as_of.isoformat(),
        "levels": grouped(clauses),
        "clause_count": len(clauses),
    }
