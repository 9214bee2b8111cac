"""Screening rules as data: the YAML model and its validation, and a rule set as loaded.

A rule file (``rules/*.yaml`` at the repository root) holds the industry taxonomy and a
list of rules. Each rule says which projects it applies to, which collection and filter
it consults, the spatial predicate, the outcome, its legal citation and the measures a
reviewer should require. Evaluation (:mod:`layers.screening.evaluate`) is generic over
rules: one function per predicate ``op``. Reading the files and storing rule sets is
:mod:`layers.screening.rulesets`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from layers.errors import UnknownIndustryError

Outcome = Literal["DENY", "REQUIRE", "FLAG", "PASS"]
ResultOutcome = Literal["DENY", "REQUIRE", "FLAG", "PASS", "NOT_APPLICABLE"]
#: The kinds of project (new, extension, reconstruction, relocation): the one list, which
#: the API's request model, the CLI and the screening's check use.
Kind = Literal["新建", "扩建", "改建", "迁建"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Verification = Literal["V-OFF", "V-STAT", "PARTIAL", "UNVERIFIED", "SEED"]
#: The spatial relations a rule can test (:class:`Predicate`); evaluation has one
#: function per op (:data:`layers.screening.evaluate.PREDICATES`).
Op = Literal["intersects", "dwithin", "within", "contains", "not_intersects", "always", "upstream"]
OPS: tuple[Op, ...] = get_args(Op)

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

    op: Op
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


@dataclass(frozen=True)
class LoadedRuleSet:
    """A rule set as stored in the DB, validated back into rule objects."""

    id: int
    version: str
    valid_from: date
    source_hash: str
    industries: dict[str, Industry]
    rules: tuple[Rule, ...]

    @property
    def key(self) -> RuleSetKey:
        """The rule set's identity across databases: its id and its content hash."""
        return RuleSetKey(self.id, self.source_hash)

    @cached_property
    def _dumped(self) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
        return {
            r.id: (
                r.predicate.model_dump(mode="json", exclude_none=True),
                r.citation.model_dump(mode="json"),
            )
            for r in self.rules
        }

    def dumped(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        """A rule's predicate and citation as JSON-ready dicts (never mutate them).

        Dumped once per loaded rule set: the rules are immutable, and pydantic's dump of
        the 23 rules was ~10 % of a screening's Python time. Shared between results.
        """
        return self._dumped[rule.id]

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


class RuleSetKey(NamedTuple):
    """A stored rule set: its id in one database and the hash of its content.

    Ids are per database; the pair cannot name two different rule sets.
    """

    id: int
    source_hash: str
