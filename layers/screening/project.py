"""A project to screen, as the API and CLI receive it, and the checks the rules cannot make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from gis.crs import WGS84
from gis.errors import ProjectGeometryError
from layers.errors import ProjectFactError, ScreeningNotRecheckableError, UnknownKindError
from layers.screening.rules import CAPACITY, EMISSION_KEYS, KINDS, OTHER_INDUSTRY, capacity_unit

#: The largest hit-list buffer (README, "Limits").
MAX_BUFFER_M = 50_000.0


@dataclass(frozen=True)
class ProjectInput:
    """A project to screen, as the API and CLI receive it."""

    name: str
    geometry: dict[str, Any]
    industry: str
    kind: str
    crs: str | None = None
    industry_code: str | None = None
    as_of: date | None = None
    buffer_m: float = 500.0
    tags: tuple[str, ...] = ()
    #: Whether the project lies in an industrial park (None: derived from industrial_parks).
    in_park: bool | None = None
    #: The outfall (排污口) as GeoJSON in ``crs``, when the project has one of its own.
    outfall: dict[str, Any] | None = None
    #: Annual emissions in t/a by pollutant (:data:`layers.screening.rules.EMISSION_KEYS`).
    emissions: dict[str, float] | None = None
    #: Production capacity: ``{"value": 30, "unit": "万吨/年"}``.
    capacity: dict[str, Any] | None = None
    #: Annual energy use, tonnes of standard coal equivalent.
    energy_tce: float | None = None
    #: Water use, m³ per day.
    water_m3d: float | None = None
    #: The CGCS2000 3-degree zone (``EPSG:N``) the reports list the corners in; default
    #: ``crs`` when it is one, else the zone of the project's centre.
    report_crs: str | None = None

    def echo(self) -> dict[str, Any]:
        """The project as echoed in a result (input geometry kept as given)."""
        echo: dict[str, Any] = {
            "name": self.name,
            "industry": self.industry,
            "industry_code": self.industry_code,
            "kind": self.kind,
            "tags": list(self.tags),
            "crs": self.crs or WGS84,
            "buffer_m": self.buffer_m,
        }
        for key in FACT_FIELDS:
            value = getattr(self, key)
            if value is not None:
                echo[key] = value
        if self.report_crs is not None:
            echo["report_crs"] = self.report_crs
        return echo

    @classmethod
    def from_request(cls, request: dict[str, Any]) -> ProjectInput:
        """The project a stored screening's ``request`` column holds.

        That is :meth:`echo`, ``geometry`` and ``as_of``
        (:func:`layers.screening.storage.insert_args`).

        Raises:
            ScreeningNotRecheckableError: it lacks a field every screening needs.
        """
        missing = [k for k in ("name", "geometry", "industry", "kind") if not request.get(k)]
        if missing:
            raise ScreeningNotRecheckableError(
                f"The stored request lacks {', '.join(missing)}: it cannot be screened again.",
                field=missing[0],
            )
        given = {k: v for k, v in request.items() if k in cls.__dataclass_fields__}
        as_of = given.get("as_of")
        return cls(
            **{
                **given,
                "tags": tuple(given.get("tags") or ()),
                "as_of": date.fromisoformat(as_of) if isinstance(as_of, str) else as_of,
            }
        )

    def facts(self) -> dict[str, float | bool]:
        """The facts the request gives, by the names rules test (:data:`FACTS`)."""
        given: dict[str, float | bool] = {}
        if self.in_park is not None:
            given["in_park"] = self.in_park
        given["outfall"] = self.outfall is not None
        if self.capacity is not None:
            value = float(self.capacity["value"])
            given[CAPACITY] = value
            # in its unit too: a condition naming a unit reads only a capacity given in it
            given[f"{CAPACITY}@{capacity_unit(str(self.capacity['unit']))}"] = value
        if self.energy_tce is not None:
            given["energy_tce"] = self.energy_tce
        if self.water_m3d is not None:
            given["water_m3d"] = self.water_m3d
        for name, value in (self.emissions or {}).items():
            given[f"emissions.{name}"] = value
        return given


def project_industry(industry: str | None, industry_code: str | None) -> str:
    """The industry category of a request: as given, or 其他 when only the code is.

    Another system often knows a project by its GB/T 4754 code alone; the category
    :data:`layers.screening.rules.OTHER_INDUSTRY` makes the rules match the categories
    by that code (:meth:`layers.screening.rules.LoadedRuleSet.project_labels`).

    Raises:
        ProjectFactError: neither is given (field ``industry``).
    """
    if industry:
        return industry
    if industry_code:
        return OTHER_INDUSTRY
    raise ProjectFactError(
        "industry or industry_code is required: a category of the rule set (e.g. 化工) "
        "or a GB/T 4754 code (e.g. C2614).",
        field="industry",
    )


#: The optional facts of a request, echoed when given.
FACT_FIELDS = ("in_park", "outfall", "emissions", "capacity", "energy_tce", "water_m3d")


def check_input(project: ProjectInput) -> None:
    """What the rules cannot check themselves: the buffer, the kind and the facts.

    A kind outside :data:`layers.screening.rules.KINDS` would make every kind-scoped rule
    silently not apply (the HTTP body's model refuses it too; this guards every other
    caller).

    Raises:
        ProjectGeometryError: ``buffer_m`` is outside 0 … :data:`MAX_BUFFER_M`.
        UnknownKindError: ``kind`` is not one of :data:`layers.screening.rules.KINDS`.
    """
    if not 0 <= project.buffer_m <= MAX_BUFFER_M:
        raise ProjectGeometryError(
            f"buffer_m must be between 0 and {MAX_BUFFER_M:,.0f} m.", field="buffer_m"
        )
    if project.kind not in KINDS:
        raise UnknownKindError(
            f"kind must be one of {', '.join(KINDS)}; got {project.kind!r}.", field="kind"
        )
    for name, value in (project.emissions or {}).items():
        if name not in EMISSION_KEYS:
            raise ProjectFactError(
                f"emissions.{name}: unknown pollutant; use {', '.join(EMISSION_KEYS)} (t/a).",
                field=f"emissions.{name}",
            )
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ProjectFactError(
                f"emissions.{name} must be a number of tonnes per year ≥ 0; got {value!r}.",
                field=f"emissions.{name}",
            )
    if project.capacity is not None:
        size, unit = project.capacity.get("value"), project.capacity.get("unit")
        if not isinstance(size, int | float) or isinstance(size, bool) or size < 0:
            raise ProjectFactError(
                'capacity.value must be a number ≥ 0, e.g. {"value": 30, "unit": "万吨/年"}.',
                field="capacity.value",
            )
        if not isinstance(unit, str) or not unit.strip():
            raise ProjectFactError(
                'capacity needs its unit, e.g. {"value": 30, "unit": "万吨/年"}.',
                field="capacity.unit",
            )
    for name in ("energy_tce", "water_m3d"):
        amount = getattr(project, name)
        if amount is not None and (not isinstance(amount, int | float) or amount < 0):
            raise ProjectFactError(f"{name} must be a number ≥ 0; got {amount!r}.", field=name)
