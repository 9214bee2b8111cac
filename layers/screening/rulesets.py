"""Rule sets in files and in the database: read and validate, store, find the one in force.

Rule sets are versioned in the database: :func:`load_rule_set` stores the files' content
as a new rule set (idempotent by content hash), and :func:`rule_set_key_as_of` picks the
version in force on a date, like releases do for layers. Reads here are uncached; a
process keeps what it has read in a :class:`layers.screening.rulebook.RuleBook`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from layers.errors import AppError, NoRuleSetError, RuleSetError
from layers.reads.filters import parse_filter
from layers.screening.rules import (
    Document,
    Industry,
    LoadedRuleSet,
    Region,
    Rule,
    RuleFile,
    RuleSetKey,
    Tag,
)
from layers.store.catalog import get_collection
from layers.store.models import RuleRow, RuleSet

#: The rules folder of the repository (the source the DB rule sets are loaded from).
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
#: The first key of the advisory lock that serialises storing one rule set's content
#: (:func:`store_rule_set`; the second key is the hash of the content).
_RULE_SET_LOCK = 0x5E7


def _check_layers(rules: tuple[Rule, ...], origin: dict[str, str]) -> None:
    """Collections, fields and filters of the rules must exist in the catalogue.

    ``origin`` names the file of each rule id, for the messages.
    """
    for rule in rules:
        if rule.layer is None:
            continue
        where = f"rule {rule.id} ({origin.get(rule.id, '?')})"
        try:
            collection = get_collection(rule.layer.collection)
            if rule.layer.filter:
                parse_filter(collection.id, rule.layer.filter)
            for name in (*rule.layer.report_fields, rule.layer.industry_field or "name"):
                collection.field(name)
            if rule.predicate.via is not None:
                _check_via(rule, collection.id, rule.predicate.via)
        except AppError as exc:
            raise RuleSetError(f"{where}: {exc.detail}", field="rules") from None
        except KeyError as exc:
            raise RuleSetError(
                f"{where}: collection '{rule.layer.collection}' has no field {exc}", field="rules"
            ) from None
    for rule in rules:
        within = rule.applies_to.within
        if within is None:
            continue
        try:
            get_collection(within.collection)
            if within.filter:
                parse_filter(within.collection, within.filter)
        except AppError as exc:
            raise RuleSetError(
                f"rule {rule.id} ({origin.get(rule.id, '?')}): applies_to.within: {exc.detail}",
                field="rules",
            ) from None


def _check_via(rule: Rule, target: str, via: str) -> None:
    """The river collection of an ``upstream`` rule: known, line-capable, not the target.

    Raises:
        AppError: a :class:`RuleSetError` or a filter error, which the caller prefixes.
    """
    river = get_collection(via)
    if river.geometry != "GEOMETRY":  # the catalogue's only kind that may hold lines
        raise RuleSetError(
            f"via collection '{via}' holds {river.geometry}, not river lines", field="rules"
        )
    if river.id == target:
        raise RuleSetError(
            f"via collection '{via}' must differ from the layer's collection", field="rules"
        )
    if rule.predicate.via_filter:
        parse_filter(river.id, rule.predicate.via_filter)


def read_rule_files(directory: Path = DEFAULT_RULES_DIR) -> tuple[RuleFile, str]:
    """Read and validate every ``*.yaml`` in ``directory``; return the rule file and its hash.

    The files are merged in name order: the first file that sets ``version``,
    ``valid_from`` wins; ``industries``, ``documents``, ``regions`` and ``tags`` are
    merged and ``rules`` concatenated. Errors name the file and the rule.

    Raises:
        RuleSetError: a file is not YAML or the merged content does not validate.
    """
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise RuleSetError(f"No rule files (*.yaml) in {directory}.", field="rules")
    merged: dict[str, Any] = {
        "industries": {},
        "documents": {},
        "regions": {},
        "tags": {},
        "rules": [],
    }
    #: the file of each rule (by position) and of each rule id, for error messages
    files_of: list[str] = []
    origin: dict[str, str] = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RuleSetError(f"{path.name}: not valid YAML ({exc})", field="rules") from None
        if not isinstance(data, dict):
            raise RuleSetError(f"{path.name}: must be a YAML mapping", field="rules")
        for key in ("version", "valid_from"):
            if key in data:
                merged.setdefault(key, data[key])
        for section in ("industries", "documents", "regions", "tags"):
            merged[section].update(data.get(section) or {})
        for rule in data.get("rules") or []:
            merged["rules"].append(rule)
            files_of.append(path.name)
            if isinstance(rule, dict) and "id" in rule:
                origin.setdefault(str(rule["id"]), path.name)
    try:
        rule_file = RuleFile.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc_parts = list(first["loc"])
        where = ""
        if len(loc_parts) >= 2 and loc_parts[0] == "rules" and isinstance(loc_parts[1], int):
            index = loc_parts[1]
            rule = merged["rules"][index]
            rule_id = rule.get("id", f"#{index}") if isinstance(rule, dict) else f"#{index}"
            where = f"{files_of[index]}: rule {rule_id}: "
            loc_parts = loc_parts[2:]
        else:
            message = str(first["msg"])
            where = next(
                (f"{name}: " for rid, name in origin.items() if f"rule {rid}:" in message), ""
            )
        loc = ".".join(str(p) for p in loc_parts)
        raise RuleSetError(
            f"Rule files in {directory} do not validate: {where}{loc + ': ' if loc else ''}"
            f"{first['msg']} ({exc.error_count()} error(s))",
            field="rules",
        ) from None
    _check_layers(rule_file.rules, origin)
    canonical = json.dumps(rule_file.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return rule_file, hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _loaded(row: RuleSet, bodies: list[dict[str, Any]]) -> LoadedRuleSet:
    return LoadedRuleSet(
        id=row.id,
        version=row.version,
        valid_from=row.valid_from,
        source_hash=row.source_hash,
        industries={k: Industry.model_validate(v) for k, v in row.industries.items()},
        rules=tuple(Rule.model_validate(b) for b in bodies),
        documents={k: Document.model_validate(v) for k, v in (row.documents or {}).items()},
        regions={k: Region.model_validate(v) for k, v in (row.regions or {}).items()},
        tags={k: Tag.model_validate(v) for k, v in (row.tags or {}).items()},
    )


def read_rule_set(session: Session, rule_set_id: int) -> LoadedRuleSet:
    """The stored rule set with this id, read from the database.

    Raises:
        NoRuleSetError: no rule set has this id.
    """
    row = session.get(RuleSet, rule_set_id)
    if row is None:
        raise NoRuleSetError(f"No rule set with id {rule_set_id}.", field="rule_set")
    bodies = list(
        session.scalars(
            select(RuleRow.body)
            .where(RuleRow.rule_set_id == rule_set_id)
            .order_by(RuleRow.position)
        )
    )
    return _loaded(row, bodies)


def select_rule_set_in_force(as_of: date | ColumnElement[Any]) -> Select[int, str]:
    """Id and hash of the rule set in force on ``as_of``: latest ``valid_from``, then latest load."""
    return (
        select(RuleSet.id, RuleSet.source_hash)
        .where(RuleSet.valid_from <= as_of)
        .order_by(RuleSet.valid_from.desc(), RuleSet.loaded_at.desc(), RuleSet.id.desc())
        .limit(1)
    )


def rule_set_key_as_of(session: Session, as_of: date) -> RuleSetKey | None:
    """The rule set in force on ``as_of`` (:func:`select_rule_set_in_force`), if any."""
    row = session.execute(select_rule_set_in_force(as_of)).first()
    return None if row is None else RuleSetKey(row[0], row[1])


def rule_set_id_as_of(session: Session, as_of: date) -> int | None:
    """Id of the rule set in force on ``as_of`` (:func:`select_rule_set_in_force`)."""
    key = rule_set_key_as_of(session, as_of)
    return None if key is None else key.id


@dataclass
class LoadResult:
    """What ``load_rule_set`` did."""

    rule_set_id: int
    version: str
    valid_from: date
    source_hash: str
    rules: int
    created: bool


def store_rule_set(
    session: Session, rule_file: RuleFile, source_hash: str, valid_from: date | None = None
) -> LoadResult:
    """Store a validated rule file as a new rule set unless its content is stored already.

    Flushes, does not commit (the caller's unit of work decides). Concurrent stores of
    one content (the first screenings on a fresh database, on several API nodes) queue on
    a transaction-scoped advisory lock of its hash, so the later ones find the row the
    first committed instead of failing on the unique hash.
    """
    session.execute(select(func.pg_advisory_xact_lock(_RULE_SET_LOCK, func.hashtext(source_hash))))
    existing = session.scalars(select(RuleSet).where(RuleSet.source_hash == source_hash)).first()
    if existing is not None:
        return LoadResult(
            existing.id,
            existing.version,
            existing.valid_from,
            source_hash,
            len(rule_file.rules),
            created=False,
        )
    row = RuleSet(
        version=rule_file.version,
        valid_from=valid_from or rule_file.valid_from,
        source_hash=source_hash,
        industries={k: v.model_dump(mode="json") for k, v in rule_file.industries.items()},
        documents={k: v.model_dump(mode="json") for k, v in rule_file.documents.items()},
        regions={k: v.model_dump(mode="json") for k, v in rule_file.regions.items()},
        tags={k: v.model_dump(mode="json") for k, v in rule_file.tags.items()},
    )
    session.add(row)
    session.flush()
    session.add_all(
        RuleRow(rule_set_id=row.id, rule_id=r.id, position=i, body=r.model_dump(mode="json"))
        for i, r in enumerate(rule_file.rules)
    )
    session.flush()
    return LoadResult(
        row.id, row.version, row.valid_from, source_hash, len(rule_file.rules), created=True
    )


def load_rule_set(
    session: Session, directory: Path = DEFAULT_RULES_DIR, valid_from: date | None = None
) -> LoadResult:
    """Validate the rule files and store them as a rule set version; commit.

    Idempotent: the same content (by SHA-256 of the validated rules) is stored once.

    Raises:
        RuleSetError: the files do not validate.
    """
    rule_file, source_hash = read_rule_files(directory)
    result = store_rule_set(session, rule_file, source_hash, valid_from)
    session.commit()
    return result


def ensure_rule_set_in_force(
    session: Session, as_of: date, directory: Path = DEFAULT_RULES_DIR
) -> RuleSetKey:
    """The rule set in force on ``as_of``, storing the repository's rules on a fresh DB.

    When no rule set is in force on ``as_of`` and the repository's rule files (at their
    own ``valid_from``) would be, they are stored first (flushed; the caller's commit
    keeps them), so a new database screens without a separate ``ecozone rules load``.

    Raises:
        NoRuleSetError: no rule set is, or could be, in force on ``as_of``.
    """
    key = rule_set_key_as_of(session, as_of)
    if key is None:
        rule_file, source_hash = read_rule_files(directory)
        if rule_file.valid_from <= as_of:
            store_rule_set(session, rule_file, source_hash)
            key = rule_set_key_as_of(session, as_of)
    if key is None:
        raise no_rule_set_in_force(as_of)
    return key


def no_rule_set_in_force(as_of: date) -> NoRuleSetError:
    """The error of a date on which no rule set is in force."""
    return NoRuleSetError(
        f"No screening rule set is in force on {as_of.isoformat()}.", field="as_of"
    )
