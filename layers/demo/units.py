"""Generator of the control units (环境管控单元): a Voronoi tiling of every county.

Each unit gets a class (30/35/35 by count, biased by red lines, parks, water and seats),
its banned/restricted industries and its four 准入清单 texts (:mod:`layers.demo.clauses`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry

from layers.demo.clauses import GENERAL, KEY, PRIORITY, access_lists, access_texts
from layers.demo.sites import sites
from layers.demo.world import (
    County,
    FloatArray,
    Item,
    NearestDistance,
    ProvinceWorld,
    Rng,
    polygons_only,
    rng_for,
    sample_in,
)

CLASS_DIGIT = {PRIORITY: "1", KEY: "2", GENERAL: "3"}

#: Target share of units per class (by count) and the total unit count to aim for.
CLASS_MIX = {PRIORITY: 0.30, KEY: 0.35, GENERAL: 0.35}
UNIT_TARGET = 21_000


def _cells(county: County, n: int, rng: Rng) -> list[BaseGeometry]:
    """Gap-free Voronoi tiling of a county from ``n`` seeds (half clustered near the seat)."""
    uniform = sample_in(county.geom, n - n // 2, rng)
    sigma = math.sqrt(county.area_km2 * 1e6) / 4
    near = np.column_stack(
        [county.seat.x + rng.normal(0, sigma, 4 * n), county.seat.y + rng.normal(0, sigma, 4 * n)]
    )
    near = near[shapely.contains_xy(county.geom, near[:, 0], near[:, 1])][: n // 2]
    if len(near) < n // 2:
        near = np.vstack([near, sample_in(county.geom, n // 2 - len(near), rng)])
    seeds = np.unique(np.round(np.vstack([uniform, near]), 1), axis=0)
    extent = county.geom.envelope.buffer(2000)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(MultiPoint(seeds), extend_to=extent, ordered=True)
    )
    clipped = shapely.intersection(cells, county.geom)
    out = []
    for g in clipped:
        g = polygons_only(g)
        if not g.is_empty and g.area > 1.0:
            out.append(g)
    return out


def _overlap(
    cells: Sequence[BaseGeometry], zones: Sequence[BaseGeometry]
) -> tuple[FloatArray, NDArray[np.int64]]:
    """Share of each cell covered by ``zones`` (disjoint) and the zone covering most of it (-1)."""
    share = np.zeros(len(cells))
    best = np.full(len(cells), -1, dtype=np.int64)
    if not zones:
        return share, best
    tree = shapely.STRtree(list(zones))
    ci, zi = tree.query(np.array(cells, dtype=object), predicate="intersects")
    if len(ci) == 0:
        return share, best
    areas = shapely.area(
        shapely.intersection(np.array(cells, dtype=object)[ci], np.array(zones, dtype=object)[zi])
    )
    np.add.at(share, ci, areas)
    best_area = np.zeros(len(cells))
    for c, z, a in zip(ci.tolist(), zi.tolist(), areas.tolist(), strict=True):
        if a > best_area[c]:
            best_area[c], best[c] = a, z
    cell_area = shapely.area(np.array(cells, dtype=object))
    return share / np.maximum(cell_area, 1.0), best


JS_TAIHU_CITIES = ("320200", "320400", "320500")


def control_units(
    world: ProvinceWorld, seed: int, reds: Sequence[Item], parks: Sequence[Item], density: float
) -> list[Item]:
    """环境管控单元: Voronoi tiling of every county, classes 30/35/35 with spatial biases.

    Args:
        world: the province.
        seed: dataset seed.
        reds: red lines of the province (units mostly inside them are 优先保护).
        parks: industrial parks of the province (units mostly inside them are 重点管控).
        density: units per km² (at least 30 per county).
    """
    rng = rng_for(seed, f"control_units/{world.tag}")
    cells: list[BaseGeometry] = []
    owner: list[County] = []
    for county in world.counties:
        n = max(30, round(density * county.area_km2))
        got = _cells(county, n, rng)
        cells += got
        owner += [county] * len(got)
    cell_arr = np.array(cells, dtype=object)
    points = shapely.point_on_surface(cell_arr)
    red_share, _ = _overlap(cells, [r.geom for r in reds])
    park_share, park_best = _overlap(cells, [p.geom for p in parks])
    d_water = world.water_distance(points)
    d_main = world.mainstem_distance(points)
    d_seat = world.seat_distance(points)
    d_coast = (
        NearestDistance([world.coast])(points)
        if not world.coast.is_empty
        else np.full(len(cells), np.inf)
    )
    d_poyang = (
        NearestDistance([world.surface("鄱阳湖")])(points)
        if world.tag == "JX"
        else np.full(len(cells), np.inf)
    )
    noise = rng.random((2, len(cells)))

    n = len(cells)
    klass: list[str | None] = [None] * n
    subtype: list[str] = [""] * n
    park_cat: list[str | None] = [
        parks[int(i)].props["industry_category"] if i >= 0 and park_share[k] > 0 else None
        for k, i in enumerate(park_best)
    ]
    tree = shapely.STRtree(cells)
    for site in sites(world.tag):
        if site.unit is None:
            continue
        at = world.frame.point(site.lon, site.lat)
        hit = tree.query(at, predicate="intersects")
        for k in hit.tolist():
            klass[k], subtype[k] = site.unit
            inside = [p for p in parks if p.geom.contains(at)]
            park_cat[k] = inside[0].props["industry_category"] if inside else park_cat[k]
    for k in range(n):
        if klass[k] is not None:
            continue
        if red_share[k] >= 0.3:
            klass[k], subtype[k] = PRIORITY, "生态保护红线"
        elif park_share[k] >= 0.3 or (park_cat[k] == "化工" and park_share[k] > 0.05):
            # a chemical park is where its plants are to go: the unit round it is the park's
            # 重点管控 unit, never a 优先保护 unit whose list bans 化工 (连云港's only park was)
            klass[k], subtype[k] = KEY, "产业园区"
    prio = 1.5 * red_share + np.exp(-d_water / 2500) + 0.4 * noise[0]
    key = np.exp(-d_seat / 5000) + 1.5 * park_share + 0.3 * (d_main < 3000) + 0.4 * noise[1]
    for cls, score in ((PRIORITY, prio), (KEY, key)):
        need = round(CLASS_MIX[cls] * n) - sum(1 for c in klass if c == cls)
        free = [k for k in np.argsort(-score, kind="stable").tolist() if klass[k] is None]
        for k in free[: max(need, 0)]:
            klass[k] = cls
    for k in range(n):
        if klass[k] is None:
            klass[k] = GENERAL
        if subtype[k]:
            continue
        if klass[k] == PRIORITY:
            subtype[k] = (
                "生态保护红线"
                if red_share[k] > 0.05
                else "水域岸线"
                if d_water[k] < 2000
                else "一般生态空间"
            )
        elif klass[k] == KEY:
            subtype[k] = (
                "产业园区" if park_share[k] > 0.1 else "沿江" if d_main[k] < 5000 else "城镇生活"
            )
        else:
            subtype[k] = "农业农村" if d_seat[k] > 6000 else "城乡结合"

    serial: dict[tuple[str, str], int] = {}
    items: list[Item] = []
    for k in range(n):
        county, cls, sub = owner[k], str(klass[k]), subtype[k]
        key_ = (county.adcode, cls)
        serial[key_] = serial.get(key_, 0) + 1
        banned, restricted = access_lists(
            world.tag, cls, sub, park_cat[k] if sub == "产业园区" else None
        )
        basin = (
            (county.unit.parent_adcode in JS_TAIHU_CITIES)
            if world.tag == "JS"
            else bool(d_poyang[k] < 20_000)
        )
        texts = access_texts(
            world.tag,
            cls,
            sub,
            rng,
            near_mainstem=bool(d_main[k] < 3000),
            near_water=bool(d_water[k] < 1500),
            coastal=bool(d_coast[k] < 8000),
            basin=basin,
        )
        props = {
            "code": f"ZH{county.adcode}{CLASS_DIGIT[cls]}{serial[key_]:04d}",
            "name": f"{county.unit.name}{sub}{cls}{serial[key_]:04d}",
            "unit_class": cls,
            "admin_code": county.adcode,
            **texts,
            "banned_industries": banned,
            "restricted_industries": restricted,
        }
        items.append(Item(props, cells[k]))
    return items
