"""Screening rules as data: the YAML model and its validation, and a rule set as loaded.

A rule file (``rules/*.yaml`` at the repository root) holds the industry taxonomy and a
list of rules. Each rule says which projects it applies to, which collection and filter
it consults, the spatial predicate, the outcome, its legal citation and the measures a
reviewer should require. Evaluation (:mod:`layers.screening.evaluate`) is generic over
rules: one function per predicate ``op``. Reading the files and storing rule sets is
:mod:`layers.screening.rulesets`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gis.quality import AIR_STATISTICS
from layers.errors import (
    IndustryCodeMismatchError,
    ProjectFactError,
    UnknownIndustryCodeError,
    UnknownIndustryError,
)
from layers.store.adcodes import PROVINCES
from layers.store.rasters import RASTER_LAYERS

Outcome = Literal["DENY", "REQUIRE", "FLAG", "PASS"]
ResultOutcome = Literal["DENY", "REQUIRE", "FLAG", "PASS", "NOT_APPLICABLE", "NOT_CHECKED"]
#: The kinds of project (new, extension, reconstruction, relocation): the one list, which
#: the API's request model, the CLI and the screening's check use.
Kind = Literal["新建", "扩建", "改建", "迁建"]
KINDS: tuple[Kind, ...] = get_args(Kind)
#: The category of a project known only by its GB/T 4754 code (rules/00_industries.yaml).
OTHER_INDUSTRY = "其他"
Verification = Literal["V-OFF", "V-STAT", "PARTIAL", "UNVERIFIED", "SEED"]
#: The spatial relations a rule can test (:class:`Predicate`); evaluation has one
#: function per op (:data:`layers.screening.evaluate.PREDICATES`).
Op = Literal[
    "intersects",
    "dwithin",
    "within",
    "contains",
    "not_intersects",
    "always",
    "upstream",
    "raster_stat",
    "attainment",
]
OPS: tuple[Op, ...] = get_args(Op)
#: The ops that consult no layer: project attributes, rasters, the area's attainment.
LAYERLESS: tuple[Op, ...] = ("always", "raster_stat", "attainment")

#: A screening's overall verdict, worst first.
Verdict = Literal["DENY", "REQUIRE", "FLAG", "INCOMPLETE", "PASS"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
#: Each verdict as a reviewer reads it (reports, workbooks, the map).
VERDICT_LABELS: dict[str, str] = {
    "DENY": "不予准入",
    "REQUIRE": "有条件准入（须落实要求）",
    "FLAG": "需关注",
    "INCOMPLETE": "不完整（需人工核实）",
    "PASS": "未发现冲突",
}


def verdict_text(verdict: str | None) -> str:
    """A verdict for a table cell: its code and its words (``DENY · 不予准入``)."""
    label = VERDICT_LABELS.get(verdict or "")
    return f"{verdict} · {label}" if label else (verdict or "")


#: Overall verdict order: the worst triggered outcome wins; a screening with a rule that
#: could not be checked is never PASS but ``INCOMPLETE`` (a DENY, REQUIRE or FLAG stays).
SEVERITY: dict[str, int] = {
    "NOT_APPLICABLE": 0,
    "PASS": 0,
    "NOT_CHECKED": 0,
    "INCOMPLETE": 1,
    "FLAG": 2,
    "REQUIRE": 3,
    "DENY": 4,
}

#: The pollutants a request's ``emissions`` may give, in tonnes per year: the one list,
#: which the API's request model and the rule schema's facts use.
EmissionKey = Literal["VOCs", "SO2", "NOx", "PM", "COD", "NH3N", "TP", "heavy_metals"]
EMISSION_KEYS: tuple[EmissionKey, ...] = get_args(EmissionKey)
#: The project facts a rule's ``applies_to.facts`` can test, with their kind: numbers
#: compare with ``> >= < <= = !=``, booleans with ``= !=``.
FACTS: dict[str, Literal["number", "bool"]] = {
    "in_park": "bool",
    "outfall": "bool",
    "capacity.value": "number",
    "energy_tce": "number",
    "water_m3d": "number",
    **{f"emissions.{k}": "number" for k in EMISSION_KEYS},
}
#: The facts in words, the one table of them: what a reviewer is told is missing
#: (``completeness.missing_facts``, a rule's 未核查原因), the map's form, the reports, and
#: a rule's conditions in the rule library ("能耗（tce/a）大于 5000"); the map holds the
#: same table (``web/static/js/map/config.js``; a test keeps them equal).
FACT_NAMES: dict[str, str] = {
    "in_park": "是否位于园区",
    "outfall": "排污口位置",
    "capacity.value": "产能",
    "energy_tce": "能耗（tce/a）",
    "water_m3d": "用水量（m³/d）",
    "emissions.VOCs": "VOCs 排放量（t/a）",
    "emissions.SO2": "SO₂ 排放量（t/a）",
    "emissions.NOx": "NOx 排放量（t/a）",
    "emissions.PM": "颗粒物排放量（t/a）",
    "emissions.COD": "COD 排放量（t/a）",
    "emissions.NH3N": "氨氮排放量（t/a）",
    "emissions.TP": "总磷排放量（t/a）",
    "emissions.heavy_metals": "重金属排放量（t/a）",
}
#: The fact a capacity condition tests; a rule names its unit beside the value.
CAPACITY = "capacity.value"
#: Spellings of one capacity unit (a request's ``capacity.unit``, a rule's condition).
CAPACITY_UNITS = {
    "t/h": "蒸吨/小时",
    "蒸吨/时": "蒸吨/小时",
    "蒸吨/h": "蒸吨/小时",
    "蒸吨": "蒸吨/小时",
}


def capacity_unit(unit: str) -> str:
    """A capacity unit as rules write it (``t/h`` → ``蒸吨/小时``), spaces removed."""
    text = "".join(unit.split())
    return CAPACITY_UNITS.get(text, CAPACITY_UNITS.get(text.lower(), text))


def pollutant_name(fact: str) -> str:
    """The pollutant of an ``emissions.*`` fact in words: ``emissions.VOCs`` → ``VOCs``."""
    return FACT_NAMES.get(fact, fact.removeprefix("emissions.")).partition("排放量")[0].strip()


def fact_label(key: str) -> str:
    """A fact (or ``fact@unit``) in words: ``产能（蒸吨/小时）``."""
    fact, _, unit = key.partition("@")
    name = FACT_NAMES.get(fact, fact)
    return f"{name}（{unit}）" if unit else name


#: The tag of a project that discharges pollutants (废水、废气或固体废物).
DISCHARGES = "排放污染物"

FactOp = Literal[">", ">=", "<", "<=", "=", "!="]

#: How near (metres, geodesic) a river line the project and the feature of an
#: ``upstream`` rule must be to count as on that river, unless the rule sets ``snap_m``.
DEFAULT_SNAP_M = 500.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    """Where a rule comes from, with the clause quoted verbatim."""

    document: str = Field(default="", description="the document's title (default: its entry)")
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


class Within(_Strict):
    """A rule's area of application drawn as features: a collection and a CQL2 filter."""

    collection: str
    filter: str | None = None


def compare(op: FactOp, given: float | bool, value: float | bool) -> bool:
    """``given <op> value``."""
    match op:
        case "=":
            return given == value
        case "!=":
            return given != value
        case ">":
            return given > value
        case ">=":
            return given >= value
        case "<":
            return given < value
        case _:
            return given <= value


class FactCondition(_Strict):
    """One condition on a project fact (:data:`FACTS`), e.g. ``emissions.VOCs > 0``."""

    fact: str
    op: FactOp
    value: float | bool
    #: the unit the value is in (``capacity.value`` only: 蒸吨/小时 …); a project giving its
    #: capacity in another unit leaves the rule NOT_CHECKED, never compared across units
    unit: str | None = None

    @classmethod
    def parse(cls, text: str) -> FactCondition:
        """``"emissions.VOCs > 0"`` or ``"capacity.value <= 35 蒸吨/小时"`` → the condition.

        A bare fact name means ``= true`` (a yes/no fact) or ``> 0`` (a number).

        Raises:
            ValueError: not ``<fact> <op> <number|true|false> [unit]`` or an unknown fact.
        """
        parts = text.split()
        if len(parts) == 1:
            kind = FACTS.get(parts[0])
            parts = [parts[0], "=" if kind == "bool" else ">", "true" if kind == "bool" else "0"]
        unit = parts.pop() if len(parts) == 4 else None
        if len(parts) != 3:
            raise ValueError(f"fact condition {text!r}: write '<fact> <op> <value> [unit]'")
        fact, op, raw = parts
        value: float | bool
        if raw in ("true", "false"):
            value = raw == "true"
        else:
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"fact condition {text!r}: {raw!r} is not a number") from None
        return cls(fact=fact, op=op, value=value, unit=unit)

    @model_validator(mode="after")
    def _known(self) -> FactCondition:
        kind = FACTS.get(self.fact)
        if kind is None:
            raise ValueError(f"unknown fact '{self.fact}'; known: {', '.join(FACTS)}")
        if kind == "bool" and (not isinstance(self.value, bool) or self.op not in ("=", "!=")):
            raise ValueError(f"fact '{self.fact}' is true/false: use = or != with true/false")
        if kind == "number" and isinstance(self.value, bool):
            raise ValueError(f"fact '{self.fact}' is a number")
        if self.unit is not None and self.fact != CAPACITY:
            raise ValueError(f"fact '{self.fact}' takes no unit (only {CAPACITY} does)")
        return self

    @field_validator("unit")
    @classmethod
    def _unit_as_written(cls, value: str | None) -> str | None:
        return None if value is None else capacity_unit(value)

    @property
    def key(self) -> str:
        """The fact as a project gives it: ``capacity.value@蒸吨/小时`` with a unit."""
        return self.fact if self.unit is None else f"{self.fact}@{self.unit}"

    def holds(self, given: float | bool) -> bool:
        """Whether the condition holds for the fact's value ``given``."""
        return compare(self.op, given, self.value)

    def __str__(self) -> str:
        """As written in a rule file."""
        value = str(self.value).lower() if isinstance(self.value, bool) else f"{self.value:g}"
        return f"{self.fact} {self.op} {value}" + (f" {self.unit}" if self.unit else "")


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
    regions: tuple[str, ...] | None = Field(
        default=None,
        description="where the rule applies: adcode prefixes (32 Jiangsu, 3207 连云港, 320281 "
        "江阴) or names of the rule files' regions (county lists such as 长江流域); the "
        "project's divisions come from admin_divisions in force on the screening's as_of",
    )
    within: Within | None = Field(
        default=None, description="the project must intersect a feature of this collection"
    )
    facts: tuple[FactCondition, ...] = Field(
        default=(),
        description="conditions on the project's facts, e.g. 'emissions.VOCs > 0' or "
        "'in_park = false'; a fact the request does not give leaves the rule NOT_CHECKED",
    )

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and not value:
            raise ValueError("regions must name at least one adcode prefix or region")
        return value

    @field_validator("facts", mode="before")
    @classmethod
    def _parse_facts(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(FactCondition.parse(v) if isinstance(v, str) else v for v in value)
        return value


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


class RasterCondition(_Strict):
    """A test on a raster layer's zonal statistics (:mod:`layers.screening.rasters`).

    ``stat`` is one of the layer's statistics (``slope_mean``, ``max`` … of ``dem``;
    ``share_pct`` or ``area_m2`` of the ``classes`` values summed, of ``land_cover``),
    over the project geometry (``of: project``) or its buffer (``of: buffer``).
    """

    layer: str
    stat: str
    classes: tuple[int, ...] = Field(
        default=(), description="for share_pct / area_m2: the class values summed"
    )
    of: Literal["project", "buffer"] = "project"
    op: FactOp
    value: float

    @model_validator(mode="after")
    def _known(self) -> RasterCondition:
        layer = RASTER_LAYERS.get(self.layer)
        if layer is None:
            raise ValueError(
                f"unknown raster layer '{self.layer}' (one of {', '.join(RASTER_LAYERS)})"
            )
        if self.stat not in layer.stats:
            raise ValueError(
                f"raster layer '{self.layer}' has no statistic '{self.stat}' "
                f"(one of {', '.join(layer.stats)})"
            )
        if (layer.kind == "categorical") != bool(self.classes):
            raise ValueError(
                "classes: name the class values for a categorical layer, and only for one"
            )
        return self

    def holds(self, given: float) -> bool:
        """Whether ``given`` meets the condition."""
        return compare(self.op, given, self.value)


class AttainmentCondition(_Strict):
    """A test on the attainment of the project's city (:mod:`layers.screening.attainment`).

    ``medium: air`` holds when the city exceeds GB 3095-2012 for one of ``parameters``
    (the pollutants of :data:`gis.quality.AIR_STATISTICS`; none named: any of them);
    ``medium: surface_water`` when one of its sections with a target class missed it.
    """

    medium: Literal["air", "surface_water"]
    parameters: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known(self) -> AttainmentCondition:
        unknown = [p for p in self.parameters if p not in AIR_STATISTICS]
        if unknown:
            raise ValueError(
                f"unknown air pollutant(s) {', '.join(unknown)} (one of {', '.join(AIR_STATISTICS)})"
            )
        if self.medium != "air" and self.parameters:
            raise ValueError("parameters: only for medium air")
        return self


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

    raster: RasterCondition | None = Field(
        default=None, description="for raster_stat: the statistic tested"
    )
    attainment: AttainmentCondition | None = Field(
        default=None, description="for attainment: the medium (and pollutants) tested"
    )

    @model_validator(mode="after")
    def _distance(self) -> Predicate:
        if (self.op == "raster_stat") != (self.raster is not None):
            raise ValueError("op 'raster_stat' needs raster: {layer, stat, op, value}, and only it")
        if (self.op == "attainment") != (self.attainment is not None):
            raise ValueError("op 'attainment' needs attainment: {medium, parameters}, and only it")
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


DocumentLevel = Literal["national", "province", "city", "county"]


class Document(_Strict):
    """A source document of rules: a law, a regulation, a plan or a notice."""

    title: str = Field(description="full title with its number, as cited")
    issuer: str
    number: str = Field(default="", description="文号 (document number), when it has one")
    issued: date | None = None
    in_force: date | None = Field(
        default=None, description="in force from (default for its rules' valid_from)"
    )
    repealed: date | None = Field(
        default=None, description="no longer in force from (default for its rules' valid_to)"
    )
    level: DocumentLevel
    jurisdiction: tuple[str, ...] | None = Field(
        default=None,
        description="adcode prefixes or region names where it applies (None: everywhere); "
        "its rules apply there unless they narrow it",
    )
    url: str = ""

    @property
    def effective(self) -> date | None:
        """The date its rules take effect by default: in force, else issued."""
        return self.in_force or self.issued


class Tag(_Strict):
    """A project tag of the vocabulary: what it declares, and implied tags it withdraws."""

    text: str
    withdraws: tuple[str, ...] = ()
    #: the project kinds the tag can describe (None: any), e.g. a rebuild's purpose: 改建
    kinds: tuple[Kind, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


class Region(_Strict):
    """A named set of adcode prefixes a rule can apply to (e.g. the Yangtze basin)."""

    title: str
    adcodes: tuple[str, ...] = Field(min_length=1)
    source: str = Field(description="where the list comes from")


def version_key(rule_id: str, valid_from: str | None) -> str:
    """A rule version's identity: ``id@valid_from`` (ISO date), or the id when open."""
    return f"{rule_id}@{valid_from}" if valid_from else rule_id


class Offset(_Strict):
    """A 削减替代 a rule requires: ``ratio`` times the project's new emission, at least.

    ``fact`` is the emission (``emissions.*``, t/a); VOCs 减二增一 is ratio 2.
    """

    fact: str
    ratio: float = Field(gt=0)

    @model_validator(mode="after")
    def _an_emission(self) -> Offset:
        if not self.fact.startswith("emissions.") or self.fact not in FACTS:
            raise ValueError(
                f"offset fact '{self.fact}': an emission, one of "
                + ", ".join(f for f in FACTS if f.startswith("emissions."))
            )
        return self

    def required(self, given: float) -> dict[str, Any]:
        """The figure for a project emitting ``given`` t/a: what a result reports."""
        need = round(self.ratio * given, 3)
        name = pollutant_name(self.fact)
        return {
            "fact": self.fact,
            "new_t_a": given,
            "ratio": self.ratio,
            "required_t_a": need,
            "text": f"需落实{name}削减替代量 ≥ {need:g} t/a（{self.ratio:g} × 新增排放量 {given:g} t/a）",
        }


class Rule(_Strict):
    """One screening rule (one version of it: a rule id may have several, by date)."""

    id: str
    title: str = Field(description="Chinese title shown to reviewers")
    document: str | None = Field(
        default=None, description="key of the rule files' documents (required in rule files)"
    )
    valid_from: date | None = Field(
        default=None, description="in force from (default: its document's in-force date)"
    )
    valid_to: date | None = Field(
        default=None, description="in force until, exclusive (default: its document's repeal)"
    )
    applies_to: AppliesTo = AppliesTo()
    measure_from: Literal["project", "outfall"] = Field(
        default="project",
        description="outfall: the layer is measured from the request's outfall (else the "
        "project geometry, and the evidence says so)",
    )
    layer: LayerCondition | None = None
    predicate: Predicate
    outcome: Outcome
    citation: Citation
    measures: tuple[str, ...] = Field(description="what the reviewer should require (Chinese)")
    offset: Offset | None = Field(
        default=None, description="the 削减替代 the rule requires, computed from the emission"
    )
    note: str = ""

    @model_validator(mode="after")
    def _layer(self) -> Rule:
        if (self.predicate.op in LAYERLESS) != (self.layer is None):
            raise ValueError(
                f"a rule has a layer unless its predicate is one of {', '.join(LAYERLESS)}"
            )
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError(f"rule {self.id}: valid_to must be after valid_from")
        if self.offset is not None and self.offset.fact not in {
            c.fact for c in self.applies_to.facts
        }:
            raise ValueError(
                f"rule {self.id}: an offset of {self.offset.fact} needs the fact condition "
                f"'{self.offset.fact} > 0' in applies_to.facts"
            )
        if self.measure_from == "outfall" and self.predicate.op in (
            *LAYERLESS,
            "upstream",
        ):
            raise ValueError(f"rule {self.id}: measure_from outfall needs a spatial predicate")
        return self

    @cached_property
    def key(self) -> str:
        """The rule version's identity in its rule set: id and start date."""
        return version_key(self.id, self.iso_dates[0])

    @cached_property
    def iso_dates(self) -> tuple[str | None, str | None]:
        """``valid_from`` and ``valid_to`` as ISO dates (None when open)."""
        return (
            self.valid_from.isoformat() if self.valid_from else None,
            self.valid_to.isoformat() if self.valid_to else None,
        )

    def in_force(self, as_of: date) -> bool:
        """Whether this version of the rule is in force on ``as_of``."""
        return (self.valid_from is None or self.valid_from <= as_of) and (
            self.valid_to is None or as_of < self.valid_to
        )


def check_adcode_prefix(prefix: str) -> None:
    """An adcode prefix: 2, 4 or 6 digits starting with a province's code.

    Raises:
        ValueError: anything else.
    """
    if not (prefix.isdigit() and len(prefix) in (2, 4, 6)) or prefix[:2] not in PROVINCES:
        raise ValueError(
            f"unknown adcode prefix '{prefix}': write a province (32), city (3207) or "
            "county (320281) code, or a region name of the rule files"
        )


class RuleFile(_Strict):
    """The content of the rules folder after merging its YAML files.

    On validation each rule is completed from its document: the citation's document
    title, ``valid_from``/``valid_to`` (its in-force and repeal dates, else the rule
    set's ``valid_from``) and the regions it applies to (the document's jurisdiction
    when the rule names none).
    """

    version: str
    valid_from: date
    industries: dict[str, Industry]
    documents: dict[str, Document] = {}
    regions: dict[str, Region] = {}
    tags: dict[str, Tag] = Field(
        default={}, description="the project tags a request may carry, with their meaning"
    )
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _consistent(self) -> RuleFile:
        for name, region in self.regions.items():
            for code in region.adcodes:
                _field(f"regions.{name}", check_adcode_prefix, code)
        for name, doc in self.documents.items():
            for code in doc.jurisdiction or ():
                _field(f"documents.{name}.jurisdiction", self._check_region, code)
        for name, cat in self.industries.items():
            for tag in cat.tags:
                _field(f"industries.{name}", self._check_tag, tag)
        completed = tuple(self._complete(rule) for rule in self.rules)
        object.__setattr__(self, "rules", completed)
        versions: dict[str, list[Rule]] = {}
        for rule in completed:
            for earlier in versions.get(rule.id, ()):
                if _overlap(earlier, rule):
                    raise ValueError(
                        f"rule {rule.id}: two versions overlap in time (valid_from "
                        f"{earlier.valid_from} and {rule.valid_from}); give the earlier one a "
                        "valid_to"
                    )
            versions.setdefault(rule.id, []).append(rule)
        return self

    def _check_region(self, code: str) -> None:
        if code not in self.regions:
            check_adcode_prefix(code)

    def _check_tag(self, tag: str) -> None:
        if self.tags and tag not in self.tags:
            raise ValueError(f"unknown tag '{tag}': declare it under tags")

    def _complete(self, rule: Rule) -> Rule:
        where = f"rule {rule.id}"
        scope = rule.applies_to
        for name in scope.industries or ():
            if name not in self.industries:
                raise ValueError(f"{where}: unknown industry category '{name}'")
        for tag in (*(scope.tags_any or ()), *scope.tags_none):
            _field(where, self._check_tag, tag)
        for code in scope.regions or ():
            _field(f"{where}: applies_to.regions", self._check_region, code)
        if rule.document is None:
            if self.documents:
                raise ValueError(f"{where}: document is required (a key of documents)")
            return rule
        doc = self.documents.get(rule.document)
        if doc is None:
            raise ValueError(f"{where}: unknown document '{rule.document}'")
        update: dict[str, Any] = {}
        if rule.valid_from is None:
            update["valid_from"] = doc.effective or self.valid_from
        if rule.valid_to is None and doc.repealed is not None:
            update["valid_to"] = doc.repealed
        if scope.regions is None and doc.jurisdiction is not None:
            update["applies_to"] = scope.model_copy(update={"regions": doc.jurisdiction})
        if not rule.citation.document:
            update["citation"] = rule.citation.model_copy(update={"document": doc.title})
        return Rule.model_validate({**rule.model_dump(), **update}) if update else rule


def _field(where: str, check: Any, value: str) -> None:
    try:
        check(value)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _overlap(a: Rule, b: Rule) -> bool:
    lo = max(a.valid_from or date.min, b.valid_from or date.min)
    hi = min(a.valid_to or date.max, b.valid_to or date.max)
    return lo < hi


@dataclass(frozen=True)
class LoadedRuleSet:
    """A rule set as stored in the DB, validated back into rule objects."""

    id: int
    version: str
    valid_from: date
    source_hash: str
    industries: dict[str, Industry]
    rules: tuple[Rule, ...]
    documents: dict[str, Document] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)

    @property
    def key(self) -> RuleSetKey:
        """The rule set's identity across databases: its id and its content hash."""
        return RuleSetKey(self.id, self.source_hash)

    @cached_property
    def _dumped(self) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
        return {
            r.key: (
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
        return self._dumped[rule.key]

    def rule_ids_reading(self, collection: str) -> frozenset[str]:
        """The ids of the rules whose layer is ``collection`` (kept per rule set)."""
        return self._reading.get(collection, frozenset())

    def with_op(self, op: str) -> tuple[Rule, ...]:
        """The rules whose predicate is ``op``, in order (kept per rule set)."""
        return self._by_op.get(op, ())

    @cached_property
    def _by_op(self) -> dict[str, tuple[Rule, ...]]:
        by_op: dict[str, list[Rule]] = {}
        for r in self.rules:
            by_op.setdefault(r.predicate.op, []).append(r)
        return {op: tuple(rules) for op, rules in by_op.items()}

    @cached_property
    def _reading(self) -> dict[str, frozenset[str]]:
        by_collection: dict[str, set[str]] = {}
        for r in self.rules:
            if r.layer is not None:
                by_collection.setdefault(r.layer.collection, set()).add(r.id)
        return {c: frozenset(ids) for c, ids in by_collection.items()}

    def project_labels(self, industry: str, industry_code: str | None) -> frozenset[str]:
        """Every category and code prefix a project's industry matches.

        A project matches a category when it names it, or when one of its codes (the
        given GB/T 4754 code, or the codes of the category it names) starts with one of
        the category's code prefixes. Code prefixes of the given code are included too,
        so access lists written in codes (``C26``) match as well.

        Raises:
            UnknownIndustryError: ``industry`` is not a category of this rule set.
        """
        known = self._labels.get((industry, industry_code))
        if known is None:
            known = self._project_labels(industry, industry_code)
            if len(self._labels) >= 4096:  # codes come from requests: keep it bounded
                self._labels.clear()
            self._labels[(industry, industry_code)] = known
        return known

    @cached_property
    def _labels(self) -> dict[tuple[str, str | None], frozenset[str]]:
        """:meth:`project_labels` by industry and code, as screenings ask them."""
        return {}

    def _project_labels(self, industry: str, industry_code: str | None) -> frozenset[str]:
        if industry not in self.industries:
            raise UnknownIndustryError(
                f"Unknown industry '{industry}'. Known categories: {', '.join(self.industries)}.",
                field="industry",
            )
        codes = set(self.industries[industry].codes)
        code = normalise_code(industry_code) if industry_code else None
        if code and codes and not any(code.startswith(c) or c.startswith(code) for c in codes):
            raise IndustryCodeMismatchError(
                f"industry '{industry}' (GB/T 4754 {', '.join(sorted(codes))}) contradicts "
                f"industry_code '{industry_code}': correct one of the two fields, or give "
                f"industry {OTHER_INDUSTRY} with the code alone.",
                field="industry_code",
            )
        if code:
            codes.add(code)
        labels = {industry}
        # a category of a whole section (采矿: B, 制造业: C) is named only when no other
        # category matches the code: it catches what the named ones leave
        specific, catch_all = False, set()
        for name, cat in self.industries.items():
            if any(c.startswith(p) for c in codes for p in cat.codes):
                if all(len(p) == 1 for p in cat.codes):
                    catch_all.add(name)
                else:
                    labels.add(name)
                    specific = True
        if not specific:
            labels |= catch_all
        for c in codes:
            labels |= {c[:n] for n in range(2, len(c) + 1)}
        return frozenset(labels)

    def project_tags(
        self, labels: frozenset[str], tags: tuple[str, ...], *, emits: bool = False
    ) -> frozenset[str]:
        """The project's own tags plus those implied by its matched categories.

        A tag the request gives can withdraw an implied one (its ``withdraws``: e.g.
        不排放污染物 withdraws the 排放污染物 every industrial category implies). A
        project that declares an emission (``emits``) discharges pollutants whatever its
        category and tags say.
        """
        implied = {
            t for name in labels if name in self.industries for t in self.industries[name].tags
        }
        for tag in tags:
            if tag in self.tags:
                implied -= set(self.tags[tag].withdraws)
        if emits:
            implied.add(DISCHARGES)
        return frozenset({*tags, *implied})

    def check_tags(
        self, tags: tuple[str, ...], kind: str | None = None, emissions: tuple[str, ...] = ()
    ) -> None:
        """Every tag of a request must be one of the rule set's vocabulary (when it has one).

        A tag that describes only some kinds (提升安全环保改建: a rebuild's purpose) must
        match the project's ``kind``. A tag that withdraws another (不排放污染物) cannot
        stand beside it, nor beside declared ``emissions`` when it withdraws 排放污染物.

        Raises:
            ProjectFactError: an unknown tag, a tag of another kind, or a contradiction
                (field ``tags``).
        """
        if not self.tags:
            return
        unknown = [t for t in tags if t not in self.tags]
        if unknown:
            raise ProjectFactError(
                f"Unknown tag(s) {', '.join(unknown)}. Known tags: {', '.join(self.tags)}.",
                field="tags",
            )
        for tag in tags:
            withdrawn = set(self.tags[tag].withdraws)
            both = sorted(withdrawn & set(tags))
            if both:
                raise ProjectFactError(
                    f"tag {tag} contradicts tag {'、'.join(both)}: keep one of them.",
                    field="tags",
                )
            if DISCHARGES in withdrawn and emissions:
                raise ProjectFactError(
                    f"tag {tag} contradicts the emissions declared ({'、'.join(emissions)}): "
                    f"drop the tag, or the emissions if the project discharges none.",
                    field="tags",
                )
            kinds = self.tags[tag].kinds
            if kind is not None and kinds is not None and kind not in kinds:
                raise ProjectFactError(
                    f"tag {tag} describes a {'/'.join(kinds)} project, not kind {kind}: "
                    f"drop the tag or set kind to {kinds[0]}.",
                    field="tags",
                )


#: GB/T 4754-2017's sections (门类) and the range of their two-digit divisions (大类, 01-97).
SECTIONS = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}  # fmt: skip


def _section_of(division: int) -> str | None:
    return next((s for s, (lo, hi) in SECTIONS.items() if lo <= division <= hi), None)


def normalise_code(code: str) -> str:
    """A GB/T 4754-2017 code as section letter + 2-4 digits (``2521`` → ``C2521``, ``C2600`` → ``C26``).

    A code without its section letter takes the section its 大类 belongs to (``4411`` →
    ``D4411``). A four-digit code ending in ``00`` is a 大类 padded with zeros; other
    zeros are significant (``C3360`` is a 小类).

    Raises:
        UnknownIndustryCodeError: not letter + 2-4 digits, or a 大类 outside the range
            of its section (the check goes to the 大类: the store holds no table of
            the 中类 and 小类).
    """
    text = code.strip().upper().replace(" ", "")
    digits = text[1:] if text[:1].isalpha() else text
    if not (digits.isdigit() and 2 <= len(digits) <= 4) or len(text) - len(digits) > 1:
        raise UnknownIndustryCodeError(
            f"industry_code '{code}' is not a GB/T 4754-2017 code: a section letter and 2-4 "
            "digits (e.g. C2614, or 2614), or leave it out and give industry.",
            field="industry_code",
        )
    section = _section_of(int(digits[:2]))
    letter = text[0] if text[:1].isalpha() else section
    if section is None or letter != section:
        where = (
            f"大类 {digits[:2]} belongs to section {section}"
            if section
            else "there is no 大类 " + digits[:2]
        )
        raise UnknownIndustryCodeError(
            f"industry_code '{code}' is not a GB/T 4754-2017 code: {where} (01-97; e.g. C26 "
            "化学原料和化学制品制造业).",
            field="industry_code",
        )
    if len(digits) == 4 and digits.endswith("00"):
        digits = digits[:2]
    return f"{letter}{digits}"


class RuleSetKey(NamedTuple):
    """A stored rule set: its id in one database and the hash of its content.

    Ids are per database; the pair cannot name two different rule sets.
    """

    id: int
    source_hash: str
