"""Two counties and three releases of red lines for the release-diff tests.

County 321102 spans lon 119.0–119.5 and 321111 lon 119.5–120.0 (lat 32.0–32.5). From
``RL-2020`` to ``RL-2023``: HX-1 moves east across the county line, HX-2 is removed,
HX-5 is added, HX-3 is unchanged and a feature without a code keeps its polygon but is
renamed (matched by geometry). ``RL-2024`` is ``RL-2023`` plus HX-6: it only grows.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
from shapely.geometry import box
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source

COUNTIES = {"321102": box(119.0, 32.0, 119.5, 32.5), "321111": box(119.5, 32.0, 120.0, 32.5)}

HX1_OLD = box(119.40, 32.10, 119.45, 32.15)
HX1_NEW = box(119.48, 32.10, 119.53, 32.15)  # straddles the county line at 119.5
HX2 = box(119.10, 32.30, 119.12, 32.32)
HX3 = box(119.20, 32.20, 119.22, 32.22)
HX5 = box(119.70, 32.30, 119.72, 32.32)
HX6 = box(119.80, 32.40, 119.81, 32.41)
NO_CODE = box(119.30, 32.05, 119.32, 32.07)

#: release name → valid_from, [(code, name, geometry)]
RELEASES = {
    "RL-2020": (
        date(2020, 1, 1),
        [
            ("HX-1", "甲", HX1_OLD),
            ("HX-2", "乙", HX2),
            ("HX-3", "丙", HX3),
            (None, "无编码", NO_CODE),
        ],
    ),
    "RL-2023": (
        date(2023, 1, 1),
        [
            ("HX-1", "甲", HX1_NEW),
            ("HX-3", "丙", HX3),
            ("HX-5", "戊", HX5),
            (None, "无编码（更名）", NO_CODE),
        ],
    ),
}
RELEASES["RL-2024"] = (date(2024, 1, 1), [*RELEASES["RL-2023"][1], ("HX-6", "己", HX6)])


def load_release(
    session: Session, collection: str, release: str, valid_from: date, rows: list[dict]
) -> None:
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs="EPSG:4326",
    )
    import_source(
        session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(collection=collection, release=release, valid_from=valid_from),
        label=release,
    )


def load_diff_fixture(session: Session, admin_valid_from: date = date(2000, 1, 1)) -> None:
    """The two counties, the three red-line releases and one ecological space.

    The counties are in force from ``admin_valid_from`` (later than another admin release's
    start, they are the divisions the diffs split by).
    """
    load_release(
        session,
        "admin_divisions",
        "admin-diff",
        admin_valid_from,
        [
            {"adcode": code, "name": f"县{code}", "level": "county", "geometry": geom}
            for code, geom in COUNTIES.items()
        ],
    )
    for name, (valid_from, features) in RELEASES.items():
        load_release(
            session,
            "red_lines",
            name,
            valid_from,
            [{"code": c, "name": n, "geometry": g} for c, n, g in features],
        )
    load_release(
        session,
        "ecological_spaces",
        "ES-2020",
        date(2020, 1, 1),
        [{"code": "ES-1", "name": "湿地", "geometry": HX3}],
    )
