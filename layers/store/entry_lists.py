"""The vocabulary of 生态环境准入清单 (entry lists): levels, dimensions, conditions, releases.

An entry list is stored one row per clause (``entry_list``), each at a level (the
province's 总体准入要求, a city's, or one control unit's), in one of the four dimensions,
with optional machine-readable conditions (``entry_list_conditions``). Each level has its
own line of releases in the ``releases`` table, under the collection name
:func:`release_collection` gives: a new release of a level supersedes the previous one
of that level from its ``valid_from`` (:func:`layers.store.releases.select_in_force`).
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from layers.store.catalog import UNIT_CLASSES

Level = Literal["province", "city", "unit", "element"]
#: The levels, broadest first (the order EIA reports check them in); ``element``: an
#: element control zone's own clauses (生态/水/大气/土壤/资源 要素管控分区), scoped by
#: the zone's code, checked after the composite unit's.
LEVELS: tuple[Level, ...] = get_args(Level)
LEVEL_TITLES: dict[Level, str] = {
    "province": "省级",
    "city": "市级",
    "unit": "管控单元",
    "element": "要素管控分区",
}

#: The four dimensions of a list, by key (the ``control_units`` text fields of the same
#: names hold a unit's list as one text each), with their official titles.
DIMENSIONS: dict[str, str] = {
    "spatial_constraints": "空间布局约束",
    "emission_controls": "污染物排放管控",
    "risk_controls": "环境风险防控",
    "resource_efficiency": "资源开发效率要求",
}

ConditionKind = Literal["banned_industries", "restricted_industries", "park_only", "emission_cap"]
#: What each machine condition tests, in words.
CONDITION_KINDS: dict[ConditionKind, str] = {
    "banned_industries": "禁止类行业",
    "restricted_industries": "限制类行业",
    "park_only": "须入园行业",
    "emission_cap": "排放量上限",
}

#: The longest clause text stored (a longer cell is refused, not cut).
MAX_CLAUSE_CHARS = 5000
#: A control unit code: ``ZH`` + 6-digit county adcode + class digit + 4-digit serial.
UNIT_CODE_PATTERN = r"^ZH\d{6}[123]\d{4}$"


def unit_code_parts(code: str) -> tuple[str, str] | None:
    """The county adcode and the class of a control unit code, or None when it is not one.

    ``ZH32028120001`` → ``("320281", "重点管控单元")``: characters 3-8 are the county's
    GB/T 2260 code, the ninth the class (1 优先保护, 2 重点管控, 3 一般管控;
    ``../shared/domain/data-standards.md`` §1.2).
    """
    text = code.strip()
    if not re.match(UNIT_CODE_PATTERN, text):
        return None
    return text[2:8], UNIT_CLASSES[int(text[8]) - 1]


#: An element control zone code: ``YS`` + 6-digit county adcode + digits (element, class
#: and serial; provinces number them differently, so only the shape is checked).
ELEMENT_CODE_PATTERN = r"^YS\d{6}\d{3,9}$"

_RELEASE_PREFIX = "entry_list."


def release_collection(level: Level) -> str:
    """The ``releases.collection`` of a level's entry-list releases (``entry_list.unit``)."""
    return _RELEASE_PREFIX + level


#: How many leading digits of a 6-digit adcode name the province's and the city's list.
SCOPE_DIGITS: dict[Level, int] = {"province": 2, "city": 4}


def scope_of(level: Level, adcode: str) -> str:
    """The scope code of the ``level`` list that covers a division (6-digit adcode)."""
    return adcode[: SCOPE_DIGITS[level]].ljust(6, "0")
