"""The 准入清单 (entry list) of a demo control unit: banned/restricted industries and texts.

The four texts of a unit are composed from clauses quoted from real plans and statutes.
The clauses are data, not code: ``clauses/documents.yaml`` names the cited documents and
``clauses/<province>.yaml`` lists the clauses of each theme, both read with
:func:`layers.demo.packaged.read_packaged` and validated on load (an unknown theme or
document key fails loudly).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from pydantic import BaseModel, ConfigDict

from layers.demo.packaged import read_packaged
from layers.demo.world import Rng, pick
from layers.store.catalog import UNIT_CLASSES

PRIORITY, KEY, GENERAL = UNIT_CLASSES  # 优先保护单元, 重点管控单元, 一般管控单元

DOCUMENTS_FILE = "clauses/documents.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clause(_Strict):
    """One clause: verbatim text, the document (key of ``documents.yaml``) and article cited.

    A clause without a document is the demo's own wording, used as it is.
    """

    text: str
    document: str | None = None
    article: str = ""


class Themes(_Strict):
    """The clauses of a province by theme; which theme a unit draws from is code's choice."""

    capacity: tuple[Clause, ...]
    red_line: tuple[Clause, ...]
    eco_space: tuple[Clause, ...]
    waterside: tuple[Clause, ...]
    poyang: tuple[Clause, ...]
    yangtze: tuple[Clause, ...]
    park: tuple[Clause, ...]
    urban: tuple[Clause, ...]
    farmland: tuple[Clause, ...]
    coast: tuple[Clause, ...]
    emission_priority: tuple[Clause, ...]
    emission_general: tuple[Clause, ...]
    emission_key: tuple[Clause, ...]
    emission_basin: tuple[Clause, ...]
    emission_yangtze: tuple[Clause, ...]
    emission_coast: tuple[Clause, ...]
    risk_general: tuple[Clause, ...]
    risk_park: tuple[Clause, ...]
    risk_water: tuple[Clause, ...]
    risk_yangtze: tuple[Clause, ...]
    resource_general: tuple[Clause, ...]
    resource_park: tuple[Clause, ...]
    resource_urban: tuple[Clause, ...]
    resource_eco: tuple[Clause, ...]


class ProvinceClauses(_Strict):
    """The contents of ``clauses/<province>.yaml``."""

    province: str
    themes: Themes


class Documents(_Strict):
    """The contents of ``clauses/documents.yaml``: document key -> title as cited (《…》)."""

    documents: dict[str, str]


@cache
def documents() -> dict[str, str]:
    """The cited documents, by key."""
    return read_packaged(DOCUMENTS_FILE, Documents).documents


@cache
def clause_texts(tag: str) -> dict[str, tuple[str, ...]]:
    """The clauses of one province (``clauses/<tag>.yaml``) as access-list sentences, by theme.

    Raises:
        ValueError: the file is invalid, is for another province or cites an unknown document.
    """
    name = f"clauses/{tag}.yaml"
    data = read_packaged(name, ProvinceClauses)
    if data.province != tag:
        raise ValueError(f"{name}: province is {data.province!r}, expected {tag!r}")
    try:
        return sentences(data.themes, documents())
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc


def sentences(themes: Themes, titles: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Render each theme's clauses: ``执行《document》article「text」``, or the bare text.

    Raises:
        ValueError: a clause cites a document that ``titles`` does not name.
    """
    out: dict[str, tuple[str, ...]] = {}
    for theme in Themes.model_fields:
        rendered = []
        for clause in getattr(themes, theme):
            if clause.document is None:
                rendered.append(clause.text)
            elif clause.document in titles:
                title = titles[clause.document]
                rendered.append(f"执行{title}{clause.article}「{clause.text}」")
            else:
                raise ValueError(f"{theme} cites unknown document {clause.document!r}")
        out[theme] = tuple(rendered)
    return out


#: Heavy-industry categories used in the access lists, in a fixed order.
HEAVY = (
    "化工",
    "石化",
    "钢铁",
    "焦化",
    "有色",
    "电镀",
    "制革",
    "印染",
    "造纸",
    "水泥",
    "平板玻璃",
    "电解铝",
    "炼油",
)
JS_B3 = ("钢铁", "焦化", "炼油", "电解铝", "水泥", "平板玻璃")
JX_B17 = ("钢铁", "水泥", "平板玻璃")


def _ordered(cats: Iterable[str]) -> list[str]:
    wanted = set(cats)
    return [c for c in HEAVY if c in wanted]


def access_lists(
    tag: str, unit_class: str, subtype: str, park_category: str | None
) -> tuple[list[str], list[str]]:
    """Banned and restricted industry categories of a unit (see SOURCES.md)."""
    if unit_class == PRIORITY:
        return list(HEAVY), []
    if tag == "JS":
        banned: set[str] = set(JS_B3)
        if subtype == "产业园区":
            restricted = {"化工", "石化", "电镀", "印染", "制革", "造纸"}
            if park_category != "化工":
                banned |= {"化工", "石化"}
        elif subtype == "沿江":
            restricted = {"化工", "石化", "电镀", "制革", "印染"}
        elif subtype == "城镇生活":
            banned |= {"化工", "电镀", "制革", "印染", "造纸"}
            restricted = {"石化", "有色"}
        else:
            restricted = {"化工", "石化", "有色", "电镀", "制革", "焦化"}
    else:
        banned = set()
        if subtype == "产业园区":
            restricted = {*JX_B17, "化工", "有色", "电镀"}
            if park_category != "化工":
                banned |= {"化工", "石化"}
        elif subtype == "沿江":
            restricted = {*JX_B17, "化工", "石化", "有色"}
        elif subtype == "城镇生活":
            banned |= {"化工", "电镀", "制革"}
            restricted = {*JX_B17, "印染", "有色"}
        else:
            restricted = {*JX_B17, "有色", "电镀", "制革"}
    return _ordered(banned), _ordered(restricted - banned)


def _numbered(clauses: Sequence[str]) -> str:
    return "；".join(f"{i}. {c}" for i, c in enumerate(clauses, start=1)) + "。"


def access_texts(
    tag: str,
    unit_class: str,
    subtype: str,
    rng: Rng,
    *,
    near_mainstem: bool,
    near_water: bool,
    coastal: bool,
    basin: bool,
) -> dict[str, str]:
    """The four 准入清单 texts of a unit, composed from quoted clauses."""
    c = clause_texts(tag)

    def one(theme: str) -> list[str]:
        options = c[theme]
        return [pick(rng, options)] if options else []

    spatial: list[str] = []
    emission: list[str] = []
    risk: list[str] = []
    resource: list[str] = []
    if unit_class == PRIORITY:
        spatial += (
            one("red_line")
            if subtype == "生态保护红线"
            else one("waterside" if subtype == "水域岸线" else "eco_space")
        )
        spatial += one("poyang") if tag == "JX" and basin and near_water else []
        emission += list(c["emission_priority"])
        risk += one("risk_water") if near_water else one("risk_general")
        resource += one("resource_eco")
    elif unit_class == KEY:
        spatial += one(
            "park" if subtype == "产业园区" else "yangtze" if subtype == "沿江" else "urban"
        )
        spatial += one("yangtze") if near_mainstem and subtype != "沿江" else []
        spatial += list(c["capacity"])
        emission += one("emission_key")
        emission += (
            one("emission_yangtze" if near_mainstem else "emission_basin")
            if basin or near_mainstem
            else []
        )
        risk += one(
            "risk_park"
            if subtype == "产业园区"
            else "risk_yangtze"
            if near_mainstem
            else "risk_general"
        )
        resource += one("resource_park" if subtype == "产业园区" else "resource_urban")
    else:
        spatial += one("farmland")
        spatial += list(c["capacity"])
        emission += one("emission_general")
        risk += one("risk_water") if near_water else one("risk_general")
        resource += one("resource_general")
    if coastal:
        spatial += one("coast")
        emission += one("emission_coast")
    return {
        "spatial_constraints": _numbered(spatial),
        "emission_controls": _numbered(emission),
        "risk_controls": _numbered(risk),
        "resource_efficiency": _numbered(resource),
    }
