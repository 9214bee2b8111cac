"""Generator of the element control zones (要素管控分区), a few per county, on real geography.

Each county gets, round its real seat and its (synthetic) industrial parks and red lines:

* 大气环境受体敏感区, 水环境城镇生活污染重点管控区 and 高污染燃料禁燃区 round the seat;
* 大气环境高排放重点管控区 and 水环境工业污染重点管控区 round its parks (1 km / 2 km), and
  建设用地污染风险重点管控区 on the parks themselves;
* 生态保护红线 (ecological element) where the demo's red lines lie in it;
* a 地下水禁采区 round the seat in 苏州, 无锡 and 常州 (the cities of 苏锡常 groundwater
  ban), a 地下水限采区 elsewhere.

Codes are ``YS`` + county adcode + element digit + class digit + 4-digit serial. Every
zone is synthetic (its shape and its 准入 clauses, :mod:`layers.demo.entry_lists`).
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry.base import BaseGeometry

from layers.demo.world import County, Item, ProvinceWorld, polygons_only

#: The element digit of each collection in the codes.
ELEMENT_DIGIT = {
    "ecological_control_zones": "1",
    "water_control_zones": "2",
    "air_control_zones": "3",
    "soil_risk_zones": "4",
    "fuel_ban_zones": "5",
    "groundwater_zones": "6",
}
#: Class digit: 1 优先保护, 2 重点管控 (as the composite units).
_PRIORITY, _KEY = "1", "2"
#: The cities of the 苏锡常 groundwater ban (苏州, 无锡, 常州).
GROUNDWATER_BAN_CITIES = ("320500", "320200", "320400")
_MIN_AREA_M2 = 10_000.0


def _seat_radius(county: County) -> float:
    """A seat disc's radius: a fifth of the county's equivalent radius, 2–6 km."""
    return min(6000.0, max(2000.0, math.sqrt(county.area_km2 * 1e6 / math.pi) / 5))


def _clip(geom: BaseGeometry, county: County) -> BaseGeometry | None:
    clipped = polygons_only(shapely.intersection(geom, county.geom))
    if clipped.is_empty or clipped.area < _MIN_AREA_M2:
        return None
    return shapely.simplify(clipped, 20.0)


def element_zones(
    world: ProvinceWorld, red_lines: list[Item], parks: list[Item]
) -> dict[str, list[Item]]:
    """The element zones of one province, by collection."""
    out: dict[str, list[Item]] = {c: [] for c in ELEMENT_DIGIT}
    park_tree = shapely.STRtree([p.geom for p in parks])
    red_tree = shapely.STRtree([r.geom for r in red_lines])
    for county in world.counties:
        serial: dict[tuple[str, str], int] = {}
        radius = _seat_radius(county)
        near_parks = [parks[i].geom for i in park_tree.query(county.geom, "intersects")]
        near_reds = [red_lines[i].geom for i in red_tree.query(county.geom, "intersects")]
        park_union = shapely.union_all(near_parks) if near_parks else None
        city = county.unit.parent_adcode or ""
        plans: list[tuple[str, str, str, BaseGeometry | None]] = [
            ("air_control_zones", _PRIORITY, "大气环境受体敏感区", county.seat.buffer(radius)),
            ("water_control_zones", _KEY, "水环境城镇生活污染重点管控区",
             county.seat.buffer(radius * 1.2)),
            ("fuel_ban_zones", _KEY, "Ⅲ类（严格）", county.seat.buffer(radius * 1.5)),
            ("groundwater_zones", _KEY,
             "地下水禁采区" if city in GROUNDWATER_BAN_CITIES else "地下水限采区",
             county.seat.buffer(radius * 2)),
            ("ecological_control_zones", _PRIORITY, "生态保护红线",
             shapely.union_all(near_reds) if near_reds else None),
        ]  # fmt: skip
        if park_union is not None:
            plans += [
                ("air_control_zones", _KEY, "大气环境高排放重点管控区", park_union.buffer(1000)),
                ("water_control_zones", _KEY, "水环境工业污染重点管控区", park_union.buffer(2000)),
                ("soil_risk_zones", _KEY, "建设用地污染风险重点管控区", park_union),
            ]
        for collection, klass, subtype, shape in plans:
            geom = None if shape is None else _clip(shape, county)
            if geom is None:
                continue
            key = (collection, klass)
            serial[key] = serial.get(key, 0) + 1
            digit = ELEMENT_DIGIT[collection]
            out[collection].append(
                Item(
                    {
                        "code": f"YS{county.adcode}{digit}{klass}{serial[key]:04d}",
                        "name": f"{county.unit.name}{subtype}",
                        "element_subtype": subtype,
                        "unit_class": "优先保护" if klass == _PRIORITY else "重点管控",
                        "admin_code": county.adcode,
                    },
                    geom,
                )
            )
    return out
