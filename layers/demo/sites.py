"""The worked examples (``data/examples.geojson``) and how the generators keep room for them.

:func:`example_sites` reads them from ``example_sites.yaml``: where each project is, what
screening it should get and what it needs. The zone generators keep every layer clear of
them (:func:`keep_clear`) except where an example needs a zone (the red line of the
quarry example, the grade-2 zone of the outfall example, ...), which they then draw on
purpose.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, model_validator
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from layers.demo.packaged import read_packaged
from layers.demo.sources import PROVINCES
from layers.demo.world import ProvinceWorld, Rng, polygons_only
from layers.store.catalog import COLLECTIONS, UNIT_CLASSES

SITES_FILE = "example_sites.yaml"


class ExampleSite(BaseModel):
    """A worked example: a project, where it is, what it should get, and what it needs.

    Attributes:
        key: stable identifier.
        tag: province (JS/JX).
        name: project name.
        category: the screening category (``rules/00_industries.yaml``).
        industry: industry name (GB/T 4754-2017).
        industry_code: GB/T 4754-2017 code.
        kind: 新建/扩建/改建.
        lon: site longitude (centre of the footprint).
        lat: site latitude.
        buffer_m: footprint radius around the site point (0: the geometry is the footprint).
        expected_verdict: DENY/FLAG/REQUIRE/PASS, or INCOMPLETE where a layer the rules
            read does not cover the site.
        expected_rules: rule ids (rules.md ids; JS-Bn / JX-Bn for the provincial plan
            digests; R-3L1U for the control unit's access list).
        description: Chinese description.
        footprint: optional polygon ring (lon/lat) used instead of point + buffer.
        clear_m: zone layers keep this far away, except those in ``allow``.
        allow: collections that may (or must) cover the site.
        unit: (unit_class, subtype) forced on the control unit that contains the site.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    tag: str
    name: str
    category: str
    industry: str
    industry_code: str
    kind: Literal["新建", "扩建", "改建"]
    lon: float
    lat: float
    buffer_m: int
    expected_verdict: Literal["DENY", "FLAG", "REQUIRE", "INCOMPLETE", "PASS"]
    expected_rules: tuple[str, ...]
    description: str
    footprint: tuple[tuple[float, float], ...] | None = None
    clear_m: float = 2500.0
    allow: frozenset[str] = frozenset()
    unit: tuple[str, str] | None = None

    @model_validator(mode="after")
    def _known_names(self) -> ExampleSite:
        if self.tag not in PROVINCES:
            raise ValueError(f"{self.key}: unknown province {self.tag!r}")
        unknown = self.allow - {c.id for c in COLLECTIONS}
        if unknown:
            raise ValueError(f"{self.key}: unknown collections in allow: {sorted(unknown)}")
        if self.unit is not None and self.unit[0] not in UNIT_CLASSES:
            raise ValueError(f"{self.key}: unknown unit class {self.unit[0]!r}")
        return self


class ExampleSites(BaseModel):
    """The contents of ``example_sites.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sites: tuple[ExampleSite, ...]

    @model_validator(mode="after")
    def _unique_keys(self) -> ExampleSites:
        keys = [s.key for s in self.sites]
        if len(set(keys)) != len(keys):
            raise ValueError("example site keys must be unique")
        return self


@cache
def example_sites() -> tuple[ExampleSite, ...]:
    """Every worked example, in file order (read and validated once)."""
    return read_packaged(SITES_FILE, ExampleSites).sites


def sites(tag: str) -> list[ExampleSite]:
    """Example sites of one province."""
    return [s for s in example_sites() if s.tag == tag]


def site_geometry(site: ExampleSite, world: ProvinceWorld) -> BaseGeometry:
    """The example's footprint in metres (point, buffered point or polygon)."""
    if site.footprint is not None:
        return world.frame.to_m(Polygon(site.footprint))
    p = world.frame.point(site.lon, site.lat)
    return p.buffer(site.buffer_m, 32) if site.buffer_m > 0 else p


def clearance(world: ProvinceWorld, collection: str) -> BaseGeometry:
    """Union of the clearance discs of the example sites that ``collection`` must avoid."""
    key = f"clearance/{collection}"
    if key not in world.cache:
        discs = [
            site_geometry(s, world).buffer(s.clear_m, 32)
            for s in sites(world.tag)
            if collection not in s.allow and s.clear_m > 0
        ]
        world.cache[key] = shapely.union_all(discs) if discs else Polygon()
        shapely.prepare(world.cache[key])
    return world.cache[key]


def keep_clear(geom: BaseGeometry, world: ProvinceWorld, collection: str) -> BaseGeometry:
    """Remove from ``geom`` the clearance discs of example sites that must stay outside it."""
    clear = clearance(world, collection)
    if clear.is_empty or geom.is_empty or not geom.intersects(clear):
        return geom
    return polygons_only(geom.difference(clear))


def fixed_rng() -> Rng:
    """Generator for anchored shapes: independent of the seed, so examples always hold."""
    return np.random.default_rng(0)
