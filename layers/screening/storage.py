"""Stored screenings: the ``screenings`` table written in one raw statement, read back whole.

A screening is stored compact (:func:`stored_body`: each rule result without the rule
set's own text) and read back as it was returned (:func:`public_body`). The plan's SQL
and the insert run on the session's psycopg connection as server-side prepared
statements (:func:`fetch_raw`), bypassing SQLAlchemy's per-statement work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import psycopg
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from layers.errors import ScreeningNotFoundError
from layers.screening.evaluate import FOUND_KEYS, ScreeningResult, rule_result, stored_entry
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.rules import LoadedRuleSet, RuleSetKey, version_key
from layers.store.keys import record
from layers.store.models import STORAGE_SRID, ApiKey, RuleSet, Screening

#: Stores a screening in one statement. ``set_config(…, true)`` is ``SET LOCAL
#: synchronous_commit = off`` for the statement's own transaction: the commit returns
#: before its WAL reaches disk, so a crash may lose the screenings of the last few
#: hundred milliseconds (never corrupt them). A screening is reproducible from its
#: request, rule set and release ids, so this is acceptable; nothing else is written so.
INSERT_SQL = (
    b"INSERT INTO screenings (name, rule_set_id, verdict, geom, request, result) "
    b"SELECT $1, $2, $3, ST_GeomFromEWKB($4), $5::jsonb, $6::jsonb "
    b"FROM (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting "
    b"RETURNING id, created_at"
)


def insert_args(project: ProjectInput, result: ScreeningResult) -> list[Any]:
    """The parameters of :data:`INSERT_SQL` for a screened project."""
    request = {**project.echo(), "geometry": project.geometry, "as_of": result.body["as_of"]}
    return [
        project.name,
        result.rule_set_id,
        result.verdict,
        shapely.to_wkb(shapely.set_srid(result.geometry.geom, STORAGE_SRID), include_srid=True),
        orjson.dumps(request).decode(),
        orjson.dumps({**result.body, "results": result.stored_results}).decode(),
    ]


def stored_body(body: dict[str, Any]) -> dict[str, Any]:
    """The result as stored: each rule result without the rule set's own text.

    A screening records the id of its rule set, and stored rule sets never change, so
    the citations and measures (two thirds of a result's bytes) are not copied into
    every screening; :func:`public_body` puts them back, with the same function that
    wrote them, so a read returns what the POST returned.
    """
    return {
        **body,
        "results": [stored_entry(r) for r in body.get("results", [])],
    }


def public_body(body: dict[str, Any], rules: LoadedRuleSet) -> dict[str, Any]:
    """A stored result as it was returned: the rules' text rebuilt from ``rules``.

    Results stored whole (before bodies were stored compact) are returned as stored.
    """
    by_key = {r.key: r for r in rules.rules}
    results = []
    for r in body.get("results", []):
        if isinstance(r, str):  # a rule that did not apply: its version key
            results.append(rule_result(rules, by_key[r], "NOT_APPLICABLE", [], True))
            continue
        rule = by_key.get(version_key(r.get("rule_id", ""), r.get("valid_from")))
        if "citation" in r or rule is None:
            results.append(r)
        else:
            found = {k: r[k] for k in FOUND_KEYS if k in r}
            results.append(
                rule_result(rules, rule, r["outcome"], r["evidence"], r["checked"], found)
            )
    return {**body, "results": results} if "results" in body else body


def insert(session: Session, args: list[Any]) -> tuple[int, datetime]:
    """Store a screening (:func:`insert_args`) on the session's transaction: id, creation time."""
    rows = fetch_raw(session, INSERT_SQL, args)
    return int(rows[0][0]), rows[0][1]


def fetch_raw(session: Session, sql: bytes, args: list[Any]) -> list[tuple[Any, ...]]:
    """All rows of a ``$n`` statement, prepared server-side, on the session's connection."""
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - a pooled psycopg connection always has one
        raise RuntimeError("no DBAPI connection")
    with psycopg.RawCursor(driver) as cursor:
        cursor.execute(sql, args, prepare=True)
        return cursor.fetchall()


def public(screening_id: int, created_at: datetime, body: dict[str, Any]) -> dict[str, Any]:
    """A screening as the API returns it: id and creation time, then the body."""
    return {"id": screening_id, "created_at": created_at.isoformat(), **body}


def get_screening(
    session: Session, screening_id: int, book: RuleBook | None = None
) -> dict[str, Any]:
    """A stored screening by id, its rules' text from its rule set (kept in ``book``).

    Raises:
        ScreeningNotFoundError: no such id.
    """
    row = session.execute(
        select(
            Screening.id,
            Screening.created_at,
            Screening.result,
            Screening.rule_set_id,
            RuleSet.source_hash,
        )
        .join(RuleSet, RuleSet.id == Screening.rule_set_id)
        .where(Screening.id == screening_id)
    ).first()
    if row is None:
        raise ScreeningNotFoundError(screening_id)
    rules = (book or RuleBook()).rule_set(session, RuleSetKey(row.rule_set_id, row.source_hash))
    return public(row.id, row.created_at, public_body(row.result, rules))


#: The columns of a stored screening's summary (:func:`summary`).
SUMMARY_COLUMNS = (
    Screening.id,
    Screening.created_at,
    Screening.name,
    Screening.verdict,
    Screening.result["as_of"].astext.label("as_of"),
)


def summary(row: Any) -> dict[str, Any]:
    """A screening's summary from a row that starts with :data:`SUMMARY_COLUMNS`."""
    return {
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "name": row.name,
        "verdict": row.verdict,
        "as_of": row.as_of,
    }


def list_screenings(
    session: Session,
    *,
    limit: int = 20,
    offset: int = 0,
    q: str | None = None,
    verdicts: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], int]:
    """Stored screenings, newest first (summaries), and how many match.

    ``q``: a part of the project's name (case-insensitive, taken literally); ``verdicts``:
    only these verdicts (all when empty).
    """
    where = []
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(Screening.name.ilike(f"%{escaped}%", escape="\\"))
    if verdicts:
        where.append(Screening.verdict.in_(list(verdicts)))
    rows = session.execute(
        select(
            *SUMMARY_COLUMNS,
            Screening.result["project"]["industry"].astext.label("industry"),
            Screening.result["project"]["kind"].astext.label("kind"),
        )
        .where(*where)
        .order_by(Screening.created_at.desc(), Screening.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(select(func.count()).select_from(Screening).where(*where)) or 0
    items = [{**summary(r), "industry": r.industry, "kind": r.kind} for r in rows]
    return items, total


def delete_screening(
    session: Session, key: ApiKey | None, screening_id: int, *, request_id: str | None = None
) -> None:
    """Delete a stored screening; audited, committed.

    Raises:
        ScreeningNotFoundError: no such screening.
    """
    screening = session.get(Screening, screening_id)
    if screening is None:
        raise ScreeningNotFoundError(screening_id)
    record(
        session,
        key,
        "delete-screening",
        f"screenings/{screening_id}",
        before=[screening_id],
        detail={"name": screening.name, "verdict": screening.verdict},
        request_id=request_id,
    )
    session.delete(screening)
    session.commit()
