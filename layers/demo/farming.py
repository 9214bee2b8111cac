"""Generator of the livestock and aquaculture no-farming zones (养殖禁养区) at three places.

Everything is synthetic but drawn on the real geography, where the plans' clauses need it:

* 南昌 (Jiangxi, JX-B14): 畜禽养殖禁养区 round the seats of 南昌县, 新建区 and 进贤县 (the
  技术指南's 城镇居民区 class, 3 km here), 水产养殖禁养区 on the 赣江 in 南昌市 and on
  鄱阳湖 round 南矶;
* 江阴 (320281, JY-B8-BAN): 水产养殖禁养区 on the 长江 and a 200 m bank strip, a western
  and an eastern reach, split at the seat;
* 海州湾 off 连云港 (JS-B15, LYG-B12): 海水养殖禁养区 in the near-shore sea, discs round the
  shore point nearest to a place with the land cut away, so that they reach the coast (a
  site wholly at sea lies in no division: its regional rules are not checked).

Each zone keeps clear of the worked examples (:func:`layers.demo.sites.keep_clear`).
Codes are ``JYQ`` + county adcode + 3-digit serial; every shape is fixed (no seed), so
the layer never changes with the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
import shapely.ops
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from layers.demo.sites import keep_clear
from layers.demo.world import Item, ProvinceWorld, polygons_only, with_counties

SYN = "（合成）"
COLLECTION = "farming_ban_zones"
LIVESTOCK, AQUACULTURE, MARICULTURE = "畜禽养殖禁养区", "水产养殖禁养区", "海水养殖禁养区"
_MIN_AREA_M2 = 10_000.0
#: Counties round whose seat 南昌's 畜禽养殖禁养区 are drawn, and their radius (m).
LIVESTOCK_SEATS = ("360121", "360112", "360124")
SEAT_RADIUS_M = 3000.0
JIANGYIN = "320281"
#: Width of the 长江 bank strip of 江阴's 水产养殖禁养区 (m).
BANK_STRIP_M = 200.0


@dataclass(frozen=True)
class SeaZone:
    """A synthetic 海水养殖禁养区 off 连云港: a disc round a shore point, the land cut away.

    The disc's centre is the point of the province's shore nearest to (``lon``, ``lat``).
    """

    name: str
    lon: float
    lat: float
    radius: float
    basis: str


SEA_ZONES: tuple[SeaZone, ...] = (
    SeaZone("临洪河口海水养殖禁养区" + SYN, 119.30, 34.83, 3000,
            "合成演示数据：河口生态红线区周边近岸海域（半径为演示值）"),
    SeaZone("海州湾近岸海水养殖禁养区" + SYN, 119.42, 34.82, 3000,
            "合成演示数据：海水浴场与滨海旅游区近岸海域（半径为演示值）"),
    SeaZone("连云港港航道海水养殖禁养区" + SYN, 119.55, 34.78, 3000,
            "合成演示数据：港口航道及锚地海域（半径为演示值）"),
)  # fmt: skip

#: 鄱阳湖 at 南矶 (新建区): centre and radius of the lake's 水产养殖禁养区.
POYANG_NANJI = (116.28, 28.93, 5000.0)


def _row(name: str, kind: str, basis: str) -> dict[str, object]:
    return {"name": name, "farming_type": kind, "basis": basis}


def _jiangxi(world: ProvinceWorld) -> list[tuple[dict[str, object], BaseGeometry]]:
    rows: list[tuple[dict[str, object], BaseGeometry]] = []
    for adcode in LIVESTOCK_SEATS:
        county = world.county(adcode)
        rows.append((
            _row(f"{county.unit.name}城镇居民区畜禽养殖禁养区{SYN}", LIVESTOCK,
                 "合成演示数据：县城城镇居民区周边3公里（技术指南城镇居民区类，半径为演示值）"),
            county.seat.buffer(SEAT_RADIUS_M, 64).intersection(county.geom),
        ))  # fmt: skip
    nanchang = shapely.union_all([c.geom for c in world.counties if c.adcode.startswith("3601")])
    rows.append((
        _row(f"赣江南昌段水产养殖禁养区{SYN}", AQUACULTURE,
             "合成演示数据：赣江南昌段水域（含饮用水水源保护区）"),
        world.surface("赣江").intersection(nanchang),
    ))  # fmt: skip
    lon, lat, radius = POYANG_NANJI
    rows.append((
        _row(f"鄱阳湖南矶水域水产养殖禁养区{SYN}", AQUACULTURE,
             "合成演示数据：自然保护区水域（半径为演示值）"),
        world.surface("鄱阳湖").intersection(world.frame.point(lon, lat).buffer(radius, 64)),
    ))  # fmt: skip
    return rows


def _jiangsu(world: ProvinceWorld) -> list[tuple[dict[str, object], BaseGeometry]]:
    rows: list[tuple[dict[str, object], BaseGeometry]] = []
    county = world.county(JIANGYIN)
    reach = world.surface("长江").buffer(BANK_STRIP_M).intersection(county.geom)
    minx, miny, maxx, maxy = reach.bounds
    split = county.seat.x
    for part, (x0, x1) in (("西段", (minx, split)), ("东段", (split, maxx))):
        rows.append((
            _row(f"长江江阴{part}水产养殖禁养区{SYN}", AQUACULTURE,
                 "合成演示数据：长江干流江阴段水域及沿岸200米"),
            reach.intersection(box(x0, miny, x1, maxy)),
        ))  # fmt: skip
    shore = world.outline.boundary
    for z in SEA_ZONES:
        at = shapely.ops.nearest_points(shore, world.frame.point(z.lon, z.lat))[0]
        sea = at.buffer(z.radius, 64).difference(world.outline)
        rows.append((_row(z.name, MARICULTURE, z.basis), sea))
    return rows


def farming_ban_zones(world: ProvinceWorld) -> list[Item]:
    """The 养殖禁养区 of one province (南昌 in Jiangxi; 江阴 and 海州湾 in Jiangsu)."""
    made = _jiangxi(world) if world.tag == "JX" else _jiangsu(world)
    rows = []
    for props, geom in made:
        kept = keep_clear(polygons_only(geom), world, COLLECTION)
        if not kept.is_empty and kept.area >= _MIN_AREA_M2:
            rows.append((props, shapely.simplify(kept, 20.0)))
    counties = with_counties(world, [g for _, g in rows])
    serial: dict[str, int] = {}
    items = []
    for (props, geom), county in zip(rows, counties, strict=True):
        serial[county.adcode] = serial.get(county.adcode, 0) + 1
        code = f"JYQ{county.adcode}{serial[county.adcode]:03d}"
        items.append(Item({**props, "code": code, "admin_code": county.adcode}, geom))
    return items
