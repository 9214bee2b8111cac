"""A project to screen, as the API and CLI receive it, and the checks the rules cannot make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from gis.crs import WGS84
from gis.errors import ProjectGeometryError
from layers.errors import UnknownKindError
from layers.screening.rules import KINDS

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

    def echo(self) -> dict[str, Any]:
        """The project as echoed in a result (input geometry kept as given)."""
        return {
            "name": self.name,
            "industry": self.industry,
            "industry_code": self.industry_code,
            "kind": self.kind,
            "tags": list(self.tags),
            "crs": self.crs or WGS84,
            "buffer_m": self.buffer_m,
        }


def check_input(project: ProjectInput) -> None:
    """What the rules cannot check themselves: the buffer and the kind.

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
