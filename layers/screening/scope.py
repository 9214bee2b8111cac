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
from typing import Literal

from layers.screening.rules import PROVINCES, FactCondition, LoadedRuleSet, Rule

#: The collection the project's administrative divisions (and so a rule's jurisdiction)
#: are read from, and its adcode field.
JURISDICTION = "admin_divisions"
ADCODE_FIELD = "adcode"
#: The collection ``in_park`` is derived from when the request does not give it: the
#: project lies in a park when a park feature covers it.
PARKS = "industrial_parks"

Decision = Literal["applies", "not_applicable", "missing_facts"]


@dataclass(frozen=True)
class ProjectScope:
    """What a project is, as rules scope it: labels, tags, kind, divisions and facts."""

    labels: frozenset[str]
    tags: frozenset[str]
    kind: str
    #: Adcodes of the administrative divisions the project intersects.
    adcodes: frozenset[str]
    facts: dict[str, float | bool]


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
    return "、".join(
        rules.regions[n].title if n in rules.regions else PROVINCES.get(n, n) for n in names
    )


def in_regions(prefixes: tuple[str, ...], adcodes: frozenset[str]) -> tuple[str, ...]:
    """The project's adcodes that lie in one of ``prefixes`` (sorted)."""
    return tuple(sorted(a for a in adcodes if any(a.startswith(p) for p in prefixes)))


def decide(
    rule: Rule, rules: LoadedRuleSet, project: ProjectScope
) -> tuple[Decision, tuple[str, ...]]:
    """Whether the rule applies (ignoring ``within``, which needs the layer's rows).

    Returns the decision and, for ``missing_facts``, the facts the request lacks.
    """
    if not may_apply(rule, project.labels, project.tags, project.kind):
        return "not_applicable", ()
    scope = rule.applies_to
    prefixes = regions_of(rule, rules)
    if prefixes is not None and not in_regions(prefixes, project.adcodes):
        return "not_applicable", ()
    missing: list[str] = []
    for condition in scope.facts:
        given = project.facts.get(condition.fact)
        if given is None:
            missing.append(condition.fact)
        elif not condition.holds(given):
            return "not_applicable", ()
    return ("missing_facts", tuple(missing)) if missing else ("applies", ())


def may_apply(rule: Rule, labels: frozenset[str], tags: frozenset[str], kind: str) -> bool:
    """Whether the rule can apply to a project of this industry, tags and kind.

    What is known before the database round trip: the place and the facts are not
    tested here (a search radius is sized for every rule that may apply).
    """
    scope = rule.applies_to
    return not (
        (scope.industries is not None and not labels & set(scope.industries))
        or (scope.kinds is not None and kind not in scope.kinds)
        or (scope.tags_any is not None and not tags & set(scope.tags_any))
        or tags & set(scope.tags_none)
    )


def facts_text(conditions: tuple[FactCondition, ...]) -> list[str]:
    """Fact conditions as written in the rule file."""
    return [str(c) for c in conditions]
