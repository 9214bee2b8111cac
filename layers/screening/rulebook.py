"""The rule sets and plans one database's screenings use: explicit, per-process state.

Stored rule sets never change, so what a process reads of them is kept: the loaded
rule sets and their compiled plans, keyed by :class:`layers.screening.rules.RuleSetKey`
(id *and* content hash, so two databases, or a database rebuilt with other rule sets
under the same ids, never share an entry), and which rule set was last found in force
per date (only a guess: the screening statement confirms it). The app creates one
book in its lifespan, the CLI one per command; nothing is cached at module level.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from layers.screening.attainment import QualityCache
from layers.screening.plan import Plan, build_plan
from layers.screening.rules import LoadedRuleSet, RuleSetKey
from layers.screening.rulesets import no_rule_set_in_force, read_rule_set, rule_set_key_as_of
from layers.store.rasters import RasterSettings

#: How many dates' guesses a book keeps before it starts again.
MAX_GUESSES = 1024


class RuleBook:
    """Loaded rule sets, their plans, and the rule set last found in force per date."""

    def __init__(self, raster_dir: Path | None = None) -> None:
        """An empty book; ``raster_dir``: the rasters data folder (default: its setting)."""
        self.raster_dir = raster_dir if raster_dir is not None else RasterSettings().data_dir
        self._rule_sets: dict[RuleSetKey, LoadedRuleSet] = {}
        self._plans: dict[RuleSetKey, Plan] = {}
        self._in_force: dict[date, RuleSetKey] = {}
        self._released: dict[date, frozenset[str]] = {}
        #: the cities' attainment the 环境质量底线 conclusion reads (a few minutes each)
        self.quality = QualityCache()

    def rule_set(self, session: Session, key: RuleSetKey) -> LoadedRuleSet:
        """The stored rule set ``key`` names, read once.

        Raises:
            NoRuleSetError: no rule set has the key's id.
        """
        loaded = self._rule_sets.get(key)
        if loaded is None:
            loaded = read_rule_set(session, key.id)
            self._rule_sets[loaded.key] = loaded
        return loaded

    def in_force(self, session: Session, as_of: date) -> LoadedRuleSet:
        """The rule set in force on ``as_of``; nothing is written to the database.

        Raises:
            NoRuleSetError: no rule set is in force on ``as_of``.
        """
        key = rule_set_key_as_of(session, as_of)
        if key is None:
            raise no_rule_set_in_force(as_of)
        return self.rule_set(session, key)

    def plan(self, rule_set: LoadedRuleSet) -> Plan:
        """The plan of ``rule_set``, built once."""
        plan = self._plans.get(rule_set.key)
        if plan is None:
            plan = self._plans[rule_set.key] = build_plan(rule_set)
        return plan

    def found_in_force(self, as_of: date, rule_set: LoadedRuleSet) -> None:
        """Remember that ``rule_set`` was in force on ``as_of`` (and keep it loaded)."""
        if len(self._in_force) >= MAX_GUESSES:
            self._in_force.clear()
        self._in_force[as_of] = rule_set.key
        self._rule_sets.setdefault(rule_set.key, rule_set)

    def found_released(self, as_of: date, collections: frozenset[str]) -> None:
        """Remember which collections had a release in force on ``as_of``."""
        if self._released.get(as_of) != collections:
            if len(self._released) >= MAX_GUESSES:
                self._released.clear()
            self._released[as_of] = collections

    def guess_released(self, as_of: date) -> frozenset[str] | None:
        """The collections last found with a release in force on ``as_of``.

        Only a guess: the screening statement confirms it
        (:func:`layers.screening.service.confirm_released`).
        """
        return self._released.get(as_of)

    def guess_in_force(self, as_of: date) -> LoadedRuleSet | None:
        """The rule set last found in force on ``as_of``, if this book has one."""
        key = self._in_force.get(as_of)
        return None if key is None else self._rule_sets.get(key)
