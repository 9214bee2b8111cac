"""Generator of the monitoring stations: air near seats, surface water on real water, marine.

Every surface-water section gets a GB 3838 ``target_class`` and a ``water_type`` (river /
lake) from :data:`SECTION_TARGETS`, after the plans: 长江 and 赣江 mainstems Ⅱ类 (jiangsu.md
target 21, jiangxi.md target 25), the 东江 source and 赣江's upper reaches Ⅱ类, the large
lakes Ⅲ类, the canals Ⅲ or Ⅳ类 (drawn per section from their own generator, so the other
draws of this module keep their sequence).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Point

from layers.demo.world import (
    Item,
    ProvinceWorld,
    Rng,
    pick,
    pick_weighted,
    rng_for,
    sample_in,
    sample_on,
    with_counties,
)

#: GB 3838 target class of a water's sections: one class, or (class, probability) choices.
SECTION_TARGETS: dict[str, str | tuple[tuple[str, float], ...]] = {
    "长江": "II",
    "赣江": "II",
    "贡水": "II",
    "绵水": "II",
    "东江(寻邬水)": "II",
    "太湖": "III",
    "洪泽湖": "III",
    "高邮湖": "III",
    "白马湖": "III",
    "鄱阳湖": "III",
    "淮河": "III",
    "淮河入江水道": "III",
    "苏北灌溉总渠": "III",
    "通榆运河": "III",
    "新通扬运河": "III",
    "京杭运河(江南运河)": (("III", 0.4), ("IV", 0.6)),
    "京杭运河(里运河)": (("III", 0.7), ("IV", 0.3)),
    "京杭运河(中运河)": (("III", 0.6), ("IV", 0.4)),
    "通扬运河": (("III", 0.5), ("IV", 0.5)),
    "通吕运河": (("III", 0.3), ("IV", 0.7)),
}


def section_target(water: str, rng: Rng) -> str:
    """The GB 3838 target class of a section on ``water`` (Ⅲ for a water not listed)."""
    target = SECTION_TARGETS.get(water, "III")
    if isinstance(target, str):
        return target
    return pick_weighted(rng, target)


def monitoring_stations(world: ProvinceWorld, seed: int) -> list[Item]:
    """监测站点: air stations in every county, water sections on real water, marine points."""
    rng = rng_for(seed, f"monitoring_stations/{world.tag}")
    targets = rng_for(seed, f"section_targets/{world.tag}")
    rows: list[
        tuple[Point, str, str, str, str, str | None, str | None]
    ] = []  # point, medium, level, name stub, water/label, target class, water type
    for county in world.counties:
        n = int(rng.integers(1, 3)) if county.urban else int(rng.integers(2, 4))
        for i in range(n):
            spread = 1500 if i == 0 else 6000
            for _attempt in range(10):
                p = Point(
                    county.seat.x + rng.normal(0, spread), county.seat.y + rng.normal(0, spread)
                )
                if county.geom.contains(p) and not world.water_surfaces.contains(p):
                    break
            else:
                continue
            level = (
                ("国控" if county.urban else "省控")
                if i == 0
                else str(pick(rng, ("省控", "市控"), (0.3, 0.7)))
            )
            rows.append((p, "air", level, "城区空气站" if i == 0 else "空气站", "", None, None))
    plan = {
        "JS": (
            ("长江", 14),
            ("太湖", 10),
            ("洪泽湖", 5),
            ("高邮湖", 3),
            ("白马湖", 2),
            ("淮河", 6),
            ("京杭运河(江南运河)", 5),
            ("京杭运河(里运河)", 4),
            ("京杭运河(中运河)", 4),
            ("通榆运河", 5),
            ("新通扬运河", 3),
            ("通扬运河", 3),
            ("通吕运河", 2),
            ("苏北灌溉总渠", 3),
            ("淮河入江水道", 3),
        ),
        "JX": (
            ("长江", 5),
            ("鄱阳湖", 10),
            ("赣江", 25),
            ("贡水", 4),
            ("绵水", 2),
            ("东江(寻邬水)", 2),
        ),
    }[world.tag]
    for name, count in plan:
        bodies = world.waters(name)
        if not bodies:
            continue
        lake = any(w.body.kind == "lake" for w in bodies)
        national = name in ("长江", "太湖", "鄱阳湖", "赣江", "洪泽湖")
        if lake:
            pts = [
                Point(xy)
                for xy in sample_in(world.surface(name).intersection(world.outline), count, rng)
            ]
        else:
            lines = shapely.union_all([w.geom for w in bodies if not w.polygonal]).intersection(
                world.outline
            )
            pts = sample_on(lines, count, rng)
        for p in pts:
            level = (
                str(pick(rng, ("国控", "省控"), (0.6, 0.4)))
                if national
                else str(pick(rng, ("省控", "市控")))
            )
            rows.append(
                (
                    p,
                    "surface_water",
                    level,
                    "点位" if lake else "断面",
                    name,
                    section_target(name, targets),
                    "lake" if lake else "river",
                )
            )
    if not world.coast.is_empty:
        for p in sample_on(world.coast, 10, rng):
            for r in (rng.uniform(3000, 15000),):
                seaward = [
                    Point(p.x + r * math.cos(a), p.y + r * math.sin(a))
                    for a in np.linspace(0, 2 * math.pi, 16, endpoint=False)
                ]
                off = max(seaward, key=lambda q: world.outline.distance(q))
                if world.outline.distance(off) > 1000:
                    rows.append(
                        (
                            off,
                            "marine",
                            str(pick(rng, ("国控", "省控"))),
                            "近岸海域点位",
                            "",
                            None,
                            None,
                        )
                    )
    counties = with_counties(world, [r[0] for r in rows])
    letter = {"air": "A", "surface_water": "W", "marine": "M"}
    serial: dict[tuple[str, str], int] = {}
    items: list[Item] = []
    for (p, medium, level, stub, water, target, water_type), c in zip(rows, counties, strict=True):
        key_ = (c.adcode, medium)
        serial[key_] = serial.get(key_, 0) + 1
        retired = rng.random() < 0.04
        props = {
            "code": f"{c.adcode}{letter[medium]}{serial[key_]:02d}",
            "name": f"{water}{c.short}{stub}{serial[key_]}",
            "medium": medium,
            "level": level,
            "operator": f"{world.city_name.get(c.unit.parent_adcode or '', '')}环境监测站",
            "status": "retired" if retired else "active",
            "admin_code": c.adcode,
            "target_class": target,
            "water_type": water_type,
        }
        items.append(Item(props, p))
    return items
