"""Screening rules as data: the YAML model, its validation, and versioned rule sets in the DB.

A rule file (``rules/*.yaml`` at the repository root) holds the industry taxonomy and a
list of rules. Each rule says which projects it applies to, which collection and filter
it consults, the spatial predicate, the outcome, its legal citation and the measures a
reviewer should require. The engine (:mod:`layers.screening.engine`) is generic over rules.

Rule sets are versioned in the database: ``load_rule_set`` stores the files' content as
a new rule set (idempotent by content hash), and ``rule_set_as_of`` picks the version in
force on a date, like releases do for layers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from layers.errors import AppError, NoRuleSetError, RuleSetError, UnknownIndustryError
from layers.reads.filters import parse_filter
from layers.store.catalog import get_collection
from layers.store.models import RuleRow, RuleSet

#: The rules folder of the repository (the source the DB rule sets are loaded from).
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"

Outcome = Literal["DENY", "REQUIRE", "FLAG", "PASS"]
ResultOutcome = Literal["DENY", "REQUIRE", "FLAG", "PASS", "NOT_APPLICABLE"]
#: The kinds of project (new, extension, reconstruction, relocation): the one list, which
#: the API's request model, the CLI and the screening's check use.
Kind = Literal["新建", "扩建", "改建", "迁建"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Verification = Literal["V-OFF", "V-STAT", "PARTIAL", "UNVERIFIED", "SEED"]

#: Overall verdict order: the worst triggered outcome wins.
SEVERITY: dict[str, int] = {"NOT_APPLICABLE": 0, "PASS": 0, "FLAG": 1, "REQUIRE": 2, "DENY": 3}

#: How near (metres, geodesic) a river line the project and the feature of an
#: ``upstream`` rule must be to count as on that river, unless the rule sets ``snap_m``.
DEFAULT_SNAP_M = 500.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    """Where a rule comes from, with the clause quoted verbatim."""

    document: str
    article: str
    text: str = Field(description="the clause, verbatim (「…」 elisions as in the source)")
    status: Verification = Field(description="verification status from shared/domain")
    verified: bool = Field(description="false when the verbatim text could not be confirmed")
    source: str = ""


class Industry(_Strict):
    """One industry category of the taxonomy: GB/T 4754 code prefixes and implied tags."""

    codes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    label_en: str = ""


class AppliesTo(_Strict):
    """Which projects a rule applies to (every condition given must hold)."""

    industries: tuple[str, ...] | None = Field(
        default=None, description="categories; a project matches by category or code prefix"
    )
    kinds: tuple[Kind, ...] | None = None
    tags_any: tuple[str, ...] | None = Field(
        default=None, description="the project must carry at least one of these tags"
    )
    tags_none: tuple[str, ...] = Field(
        default=(), description="the project must carry none of these tags (exceptions)"
    )


class LayerCondition(_Strict):
    """The features a rule consults: a collection, a CQL2 filter, and an industry match."""

    collection: str
    filter: str | None = Field(default=None, description="CQL2 text over catalogue fields")
    industry_field: str | None = Field(
        default=None,
        description="a text[] field of the feature that must list the project's industry",
    )
    report_fields: tuple[str, ...] = Field(
        default=(), description="feature fields copied into the evidence"
    )


class Predicate(_Strict):
    """The spatial relation between the project and a consulted feature.

    ``upstream`` follows a river: the project triggers the rule when it lies upstream of a
    consulted feature, at most ``distance_m`` metres along the river. The river is one
    LineString/MultiLineString feature of the ``via`` collection (optionally filtered by
    ``via_filter``) in its release in force, and its **vertex order is taken as the flow
    direction** (hydrographic lines are digitised downstream; a river digitised the other
    way, or whose direction is unknown, gives wrong answers). The project and the feature
    are on the river when each is within ``snap_m`` metres (geodesic; default
    :data:`DEFAULT_SNAP_M`) of the same line. Positions along the line are
    ``ST_LineLocatePoint`` of the closest point (after a direction-preserving
    ``ST_LineMerge``); the distance is the geodesic length of the line between them.
    Only one line feature is followed, never a network of several.
    """

    op: Literal[
        "intersects", "dwithin", "within", "contains", "not_intersects", "always", "upstream"
    ]
    distance_m: float | None = Field(default=None, ge=0, le=50_000)
    exclude_intersecting: bool = Field(
        default=False, description="for dwithin: only features near but not touching"
    )
    via: str | None = Field(
        default=None, description="for upstream: the collection of the river lines followed"
    )
    via_filter: str | None = Field(
        default=None, description="for upstream: CQL2 text selecting the river lines of via"
    )
    snap_m: float | None = Field(
        default=None,
        gt=0,
        le=5_000,
        description=f"for upstream: how near (m) the river the project and feature must be "
        f"(default {DEFAULT_SNAP_M:g})",
    )

    @model_validator(mode="after")
    def _distance(self) -> Predicate:
        if self.op in ("dwithin", "upstream") and self.distance_m is None:
            raise ValueError(f"op '{self.op}' needs distance_m")
        if self.op not in ("dwithin", "upstream") and self.distance_m is not None:
            raise ValueError(f"op '{self.op}' takes no distance_m / exclude_intersecting")
        if self.op != "dwithin" and self.exclude_intersecting:
            raise ValueError(f"op '{self.op}' takes no distance_m / exclude_intersecting")
        if self.op == "upstream" and not self.via:
            raise ValueError(
                "op 'upstream' needs via: the collection whose river lines are followed "
                "(e.g. via: water_bodies)"
            )
        if self.op != "upstream" and (
            self.via is not None or self.via_filter is not None or self.snap_m is not None
        ):
            raise ValueError(f"op '{self.op}' takes no via / via_filter / snap_m (upstream only)")
        return self

    @property
    def snap(self) -> float:
        """The snap distance of an ``upstream`` predicate, in metres."""
        return self.snap_m if self.snap_m is not None else DEFAULT_SNAP_M


class Rule(_Strict):
    """One screening rule."""

    id: str
    title: str = Field(description="Chinese title shown to reviewers")
    applies_to: AppliesTo = AppliesTo()
    layer: LayerCondition | None = None
    predicate: Predicate
    outcome: Outcome
    citation: Citation
    measures: tuple[str, ...] = Field(description="what the reviewer should require (Chinese)")
    note: str = ""

    @model_validator(mode="after")
    def _layer(self) -> Rule:
        if (self.predicate.op == "always") != (self.layer is None):
            raise ValueError("a rule has a layer unless its predicate is 'always'")
        return self


class RuleFile(_Strict):
    """The content of the rules folder after merging its YAML files."""

    version: str
    valid_from: date
    industries: dict[str, Industry]
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _consistent(self) -> RuleFile:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id}")
            seen.add(rule.id)
            for name in rule.applies_to.industries or ():
                if name not in self.industries:
                    raise ValueError(f"rule {rule.id}: unknown industry category '{name}'")
        return self


def _check_layers(rules: tuple[Rule, ...]) -> None:
    """Collections, fields and filters of the rules must exist in the catalogue."""
    for rule in rules:
        if rule.layer is None:
            continue
        where = f"rule {rule.id}"
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
    ``valid_from`` wins; ``industries`` and ``rules`` are concatenated.

    Raises:
        RuleSetError: a file is not YAML or the merged content does not validate.
    """
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise RuleSetError(f"No rule files (*.yaml) in {directory}.", field="rules")
    merged: dict[str, Any] = {"industries": {}, "rules": []}
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
        merged["industries"].update(data.get("industries") or {})
        merged["rules"].extend(data.get("rules") or [])
    try:
        rule_file = RuleFile.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise RuleSetError(
            f"Rule files in {directory} do not validate: {loc}: {first['msg']} "
            f"({exc.error_count()} error(s))",
            field="rules",
        ) from None
    _check_layers(rule_file.rules)
    canonical = json.dumps(rule_file.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return rule_file, hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoadedRuleSet:
    """A rule set as stored in the DB, validated back into rule objects."""

    id: int
    version: str
    valid_from: date
    source_hash: str
    industries: dict[str, Industry]
    rules: tuple[Rule, ...]

    def project_labels(self, industry: str, industry_code: str | None) -> frozenset[str]:
        """Every category and code prefix a project's industry matches.

        A project matches a category when it names it, or when one of its codes (the
        given GB/T 4754 code, or the codes of the category it names) starts with one of
        the category's code prefixes. Code prefixes of the given code are included too,
        so access lists written in codes (``C26``) match as well.

        Raises:
            UnknownIndustryError: ``industry`` is not a category of this rule set.
        """
        if industry not in self.industries:
            raise UnknownIndustryError(
                f"Unknown industry '{industry}'. Known categories: {', '.join(self.industries)}.",
                field="industry",
            )
        codes = set(self.industries[industry].codes)
        code = normalise_code(industry_code) if industry_code else None
        if code:
            codes.add(code)
        labels = {industry}
        for name, cat in self.industries.items():
            if any(c.startswith(p) for c in codes for p in cat.codes):
                labels.add(name)
        for c in codes:
            labels |= {c[:n] for n in range(2, len(c) + 1)}
        return frozenset(labels)

    def project_tags(self, labels: frozenset[str], tags: tuple[str, ...]) -> frozenset[str]:
        """The project's own tags plus those implied by its matched categories."""
        implied = {
            t for name in labels if name in self.industries for t in self.industries[name].tags
        }
        return frozenset({*tags, *implied})


def normalise_code(code: str) -> str:
    """GB/T 4754 code as letter + digits (``2521`` → ``C2521``, ``C2600`` → ``C26``).

    A code without its section letter is taken as manufacturing (C), the section every
    rule here is about. A four-digit code ending in ``00`` is a 大类 padded with zeros;
    other zeros are significant (``C3360`` is a 小类).
    """
    text = code.strip().upper().replace(" ", "")
    if text and text[0].isdigit():
        text = "C" + text
    if len(text) == 5 and text.endswith("00"):
        text = text[:3]
    return text


_CACHE: dict[int, LoadedRuleSet] = {}


def _loaded(row: RuleSet, bodies: list[dict[str, Any]]) -> LoadedRuleSet:
    return LoadedRuleSet(
        id=row.id,
        version=row.version,
        valid_from=row.valid_from,
        source_hash=row.source_hash,
        industries={k: Industry.model_validate(v) for k, v in row.industries.items()},
        rules=tuple(Rule.model_validate(b) for b in bodies),
    )


def cached_rule_set(rule_set_id: int | None) -> LoadedRuleSet | None:
    """The rule set with this id if this process has loaded it already."""
    return None if rule_set_id is None else _CACHE.get(rule_set_id)


def get_rule_set(session: Session, rule_set_id: int, *, cached: bool = True) -> LoadedRuleSet:
    """The rule set with this id (cached: stored rule sets never change).

    ``cached=False`` reads it again (and caches that): the cache is per process and
    keyed by id, so a process that talks to several databases checks the hash.
    """
    hit = _CACHE.get(rule_set_id) if cached else None
    if hit is not None:
        return hit
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
    loaded = _loaded(row, bodies)
    _CACHE[rule_set_id] = loaded
    return loaded


def select_rule_set_in_force(as_of: date | ColumnElement[Any]) -> Select[int]:
    """Id of the rule set in force on ``as_of``: latest ``valid_from``, then latest load."""
    return (
        select(RuleSet.id)
        .where(RuleSet.valid_from <= as_of)
        .order_by(RuleSet.valid_from.desc(), RuleSet.loaded_at.desc(), RuleSet.id.desc())
        .limit(1)
    )


def rule_set_id_as_of(session: Session, as_of: date) -> int | None:
    """Id of the rule set in force on ``as_of`` (:func:`select_rule_set_in_force`)."""
    return session.scalar(select_rule_set_in_force(as_of))


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

    Flushes, does not commit (the caller's unit of work decides).
    """
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


def rule_set_for(
    session: Session, as_of: date, directory: Path = DEFAULT_RULES_DIR
) -> LoadedRuleSet:
    """The rule set in force on ``as_of``, loading the repository's rules on a fresh DB.

    When no rule set is in force on ``as_of`` and the repository's rule files (at their
    own ``valid_from``) would be, they are stored first; so a new database screens
    without a separate ``ecozone rules load`` step.

    Raises:
        NoRuleSetError: no rule set is, or could be, in force on ``as_of``.
    """
    rule_set_id = rule_set_id_as_of(session, as_of)
    if rule_set_id is None:
        rule_file, source_hash = read_rule_files(directory)
        if rule_file.valid_from <= as_of:
            store_rule_set(session, rule_file, source_hash)
            rule_set_id = rule_set_id_as_of(session, as_of)
    if rule_set_id is None:
        raise NoRuleSetError(
            f"No screening rule set is in force on {as_of.isoformat()}.", field="as_of"
        )
    return get_rule_set(session, rule_set_id)
