"""Whether a rule applies to a project: its dates, jurisdiction, project scope and facts.

A rule version applies on the screening's ``as_of`` when it is in force then
(:meth:`layers.screening.rules.Rule.in_force`), when the project lies in one of its
regions (adcode prefixes, or named county lists of the rule files, matched against the
administrative divisions of :data:`JURISDICTION` that the project intersects in their
release in force), when it intersects a feature of its ``within`` collection, when the
project's industry, kind and tags match, and when its fact conditions hold. A fact
the request does not give (and that cannot be derived) leaves the rule *undecided*:
it is reported ``NOT_CHECKED``, never silently skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from layers.screening.rules import FactCondition, LoadedRuleSet, Rule
from layers.store.adcodes import adcode_name

#: The collection the project's administrative divisions (and so a rule's jurisdiction)
#: are read from, and its adcode field.
JURISDICTION = "admin_divisions"
ADCODE_FIELD = "adcode"
#: The collection ``in_park`` is derived from when the request does not give it: the
#: project lies in a park when a park feature covers it.
PARKS = "industrial_parks"

Decision = Literal["applies", "not_applicable", "missing_facts", "region_unknown"]


@dataclass
class ProjectScope:
    """What a project is, as rules scope it: labels, tags, kind, divisions and facts."""

    labels: frozenset[str]
    tags: frozenset[str]
    kind: str
    #: Adcodes of the administrative divisions the project intersects.
    adcodes: frozenset[str]
    facts: dict[str, float | bool]
    #: whether ``adcodes`` are all the project's divisions: False when the divisions'
    #: release does not cover the project (at sea, in a province not loaded) or none is
    #: in force; a regional rule then cannot be ruled out (``region_unknown``)
    region_known: bool = True

    @cached_property
    def adcode_prefixes(self) -> frozenset[str]:
        """Every province, city and county prefix (2, 4, 6 digits) of the project's adcodes."""
        return frozenset(a[:n] for a in self.adcodes for n in (2, 4, 6))

    @cached_property
    def key(self) -> tuple[object, ...]:
        """Everything a rule's decision reads, hashable (two scopes with one key decide alike)."""
        return (
            self.labels,
            self.tags,
            self.kind,
            self.adcodes,
            frozenset(self.facts.items()),
            self.region_known,
        )


def regions_of(rule: Rule, rules: LoadedRuleSet) -> tuple[str, ...] | None:
    """The adcode prefixes a rule applies to (region names expanded), None for everywhere."""
    names = rule.applies_to.regions
    if names is None:
        return None
    prefixes: list[str] = []
    for name in names:
        region = rules.regions.get(name)
        prefixes.extend(region.adcodes if region else (name,))
    return tuple(prefixes)


def jurisdiction_label(rule: Rule, rules: LoadedRuleSet) -> str:
    """The rule's jurisdiction in words: 全国, or its regions (江苏省, 长江流域 …)."""
    names = rule.applies_to.regions
    if names is None:
        return "全国"
    return "、".join(region_title(rules, n) for n in names)


def region_title(rules: LoadedRuleSet, name: str) -> str:
    """A rule files' region by its title (长江流域 …), an adcode prefix by its division's name."""
    return rules.regions[name].title if name in rules.regions else adcode_name(name) or name


def in_regions(prefixes: tuple[str, ...], adcodes: frozenset[str]) -> tuple[str, ...]:
    """The project's adcodes that lie in one of ``prefixes`` (sorted)."""
    return tuple(sorted(a for a in adcodes if any(a.startswith(p) for p in prefixes)))


@dataclass
class RuleScope:
    """A rule's ``applies_to`` compiled once per rule set (sets, expanded regions, label)."""

    rule: Rule
    industries: frozenset[str] | None
    kinds: frozenset[str] | None
    tags_any: frozenset[str] | None
    tags_none: frozenset[str]
    #: adcode prefixes (region names expanded); None: everywhere
    prefixes: tuple[str, ...] | None
    facts: tuple[FactCondition, ...]
    #: the jurisdiction in words (:func:`jurisdiction_label`)
    jurisdiction: str
    #: the rule version's key (:attr:`layers.screening.rules.Rule.key`)
    key: str

    @cached_property
    def prefix_set(self) -> frozenset[str]:
        """:attr:`prefixes` as a set (empty for a rule that applies everywhere)."""
        return frozenset(self.prefixes or ())

    def may_apply(self, labels: frozenset[str], tags: frozenset[str], kind: str) -> bool:
        """Whether the rule can apply to a project of this industry, tags and kind.

        What is known before the database round trip: the place and the facts are not
        tested here (a search radius is sized for every rule that may apply).
        """
        return not (
            (self.industries is not None and self.industries.isdisjoint(labels))
            or (self.kinds is not None and kind not in self.kinds)
            or (self.tags_any is not None and self.tags_any.isdisjoint(tags))
            or not self.tags_none.isdisjoint(tags)
        )

    def decide(self, project: ProjectScope) -> tuple[Decision, tuple[str, ...]]:
        """Whether the rule applies (ignoring ``within``, which needs the layer's rows).

        Returns the decision and, for ``missing_facts``, the facts the request lacks. A
        regional rule whose regions the project's known divisions miss is
        ``region_unknown`` when the divisions may be incomplete (``region_known`` false).
        """
        if not self.may_apply(project.labels, project.tags, project.kind):
            return "not_applicable", ()
        elsewhere = self.prefixes is not None and self.prefix_set.isdisjoint(
            project.adcode_prefixes
        )
        if elsewhere and project.region_known:
            return "not_applicable", ()
        missing: list[str] = []
        for condition in self.facts:
            given = project.facts.get(condition.key)
            if given is None:
                missing.append(condition.key)
            elif not condition.holds(given):
                return "not_applicable", ()
        if elsewhere:
            return "region_unknown", ()
        return ("missing_facts", tuple(missing)) if missing else ("applies", ())


def compile_scopes(rules: LoadedRuleSet) -> tuple[RuleScope, ...]:
    """The :class:`RuleScope` of every rule of ``rules``, in order."""

    def frozen(values: tuple[str, ...] | None) -> frozenset[str] | None:
        return None if values is None else frozenset(values)

    return tuple(
        RuleScope(
            rule,
            frozen(rule.applies_to.industries),
            frozen(rule.applies_to.kinds),
            frozen(rule.applies_to.tags_any),
            frozenset(rule.applies_to.tags_none),
            regions_of(rule, rules),
            rule.applies_to.facts,
            jurisdiction_label(rule, rules),
            rule.key,
        )
        for rule in rules.rules
    )


def facts_text(conditions: tuple[FactCondition, ...]) -> list[str]:
    """Fact conditions as written in the rule file."""
    return [str(c) for c in conditions]
