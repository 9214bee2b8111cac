"""Re-run a stored screening as of its date and say whether it gives the same answer (复核).

A stored screening names its rule set (stored rule sets never change) and its ``as_of``,
and the releases a screening reads are the ones in force on that date; re-running its
request with them must give the stored result. When it does not, something changed under
it — a release retired or back-dated, a feature edited in place, the evaluation's code —
and a reviewer relying on the old answer needs to know which outcome, evidence or
protection target moved. Nothing is stored by a re-check.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.civil_time import start_of
from layers.errors import ScreeningNotFoundError
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.rules import RuleSetKey, version_key
from layers.screening.service import screen
from layers.screening.storage import public_body
from layers.store.models import RuleSet, Screening

#: How many items of one list a difference shows on each side (the rest are counted).
SHOWN = 20


def recheck(session: Session, screening_id: int, book: RuleBook | None = None) -> dict[str, Any]:
    """Screen stored screening ``screening_id``'s request again with its rule set and date.

    Returns its id, ``as_of``, the time of the re-check, ``identical``, the stored and the
    re-checked verdicts, and each difference as ``{path, stored, rechecked}``.

    Raises:
        ScreeningNotFoundError: no such id.
        GisError: the stored request can no longer be screened (the error says why).
    """
    row = session.execute(
        select(Screening.request, Screening.result, Screening.rule_set_id, RuleSet.source_hash)
        .join(RuleSet, RuleSet.id == Screening.rule_set_id)
        .where(Screening.id == screening_id)
    ).first()
    if row is None:
        raise ScreeningNotFoundError(screening_id)
    book = book or RuleBook()
    rules = book.rule_set(session, RuleSetKey(row.rule_set_id, row.source_hash))
    stored = public_body(row.result, rules)
    again = screen(session, ProjectInput.from_request(row.request), book=book, rule_set=rules)
    # both as JSON, so that dates, tuples and floats compare as a client would read them
    rechecked = orjson.loads(orjson.dumps(again.body))
    found = list(differences(orjson.loads(orjson.dumps(stored)), rechecked))
    return {
        "screening_id": screening_id,
        "as_of": stored.get("as_of"),
        "rechecked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "identical": not found,
        "verdict": {"stored": stored.get("verdict"), "rechecked": rechecked.get("verdict")},
        "differences": found,
    }


def stored_ids(session: Session, since: date | None = None) -> list[int]:
    """The ids of the stored screenings, oldest first.

    ``since``: only those created on or after that day's 00:00 北京时间.
    """
    query = select(Screening.id).order_by(Screening.id)
    if since is not None:
        query = query.where(Screening.created_at >= start_of(since))
    return list(session.scalars(query))


def differences(stored: dict[str, Any], again: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """What differs between two screening bodies, key by key; rule results rule by rule.

    Each difference has its ``path``, the ``part`` of the body it is in (its key) and the
    ``stored`` and ``rechecked`` values; one of a rule result also its ``rule_id`` and
    ``field``.
    """
    for key in sorted(set(stored) | set(again)):
        old, new = stored.get(key), again.get(key)
        if old == new:
            continue
        if key == "results" and isinstance(old, list) and isinstance(new, list):
            yield from _result_differences(old, new)
        elif isinstance(old, list) and isinstance(new, list):
            yield _list_difference(key, old, new)
        else:
            yield {"path": key, "part": key, "stored": old, "rechecked": new}


def _result_differences(
    stored: list[dict[str, Any]], again: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Each rule result that differs, field by field (a rule is its id and version)."""

    def by_rule(results: list[dict[str, Any]]) -> dict[tuple[Any, Any], dict[str, Any]]:
        return {(r.get("rule_id"), r.get("valid_from")): r for r in results}

    old, new = by_rule(stored), by_rule(again)
    for rule_id, valid_from in [*old, *(r for r in new if r not in old)]:
        a, b = old.get((rule_id, valid_from), {}), new.get((rule_id, valid_from), {})
        for field in [*a, *(f for f in b if f not in a)]:
            if a.get(field) != b.get(field):
                yield {
                    "path": f"results[{version_key(rule_id, valid_from)}].{field}",
                    "part": "results",
                    "rule_id": rule_id,
                    "field": field,
                    "stored": a.get(field),
                    "rechecked": b.get(field),
                }


def _list_difference(key: str, stored: list[Any], again: list[Any]) -> dict[str, Any]:
    """The items only one side of a list holds (the first :data:`SHOWN` of each)."""
    only_stored = [item for item in stored if item not in again]
    only_again = [item for item in again if item not in stored]
    out: dict[str, Any] = {
        "path": key,
        "part": key,
        "stored": only_stored[:SHOWN],
        "rechecked": only_again[:SHOWN],
    }
    if len(only_stored) > SHOWN or len(only_again) > SHOWN:
        out["counts"] = {"stored": len(only_stored), "rechecked": len(only_again)}
    if not only_stored and not only_again:  # the same items in another order
        out["note"] = "the same items in another order"
    return out
