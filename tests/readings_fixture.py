"""Monitoring stations for the readings and attainment tests (air in two cities, water sections)."""

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.ingest.readings import import_readings

#: code → (medium, admin_code, target_class, water_type)
STATIONS = {
    "1151A": ("air", "320113", None, None),
    "1152A": ("air", "320114", None, None),
    "2001A": ("air", "320281", None, None),
    "W001": ("surface_water", "320281", "III", "river"),
    "W002": ("surface_water", "320282", "II", "lake"),
}


def load_stations(
    session: Session, extra: dict[str, tuple[Any, ...]] | None = None, release: str = "st-readings"
) -> None:
    """Import :data:`STATIONS` (and ``extra``) as a release of monitoring_stations."""
    stations = STATIONS | (extra or {})
    codes = list(stations)
    frame = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [f"站{c}" for c in codes],
            "medium": [stations[c][0] for c in codes],
            "admin_code": [stations[c][1] for c in codes],
            "target_class": [stations[c][2] for c in codes],
            "water_type": [stations[c][3] for c in codes],
        },
        geometry=[shapely.Point(119.0 + i * 0.1, 32.0) for i in range(len(codes))],
        crs=4326,
    )
    import_source(
        session,
        SourceData(frame=frame, crs=frame.crs, format="test"),
        ImportOptions(
            collection="monitoring_stations", release=release, valid_from=date(2020, 1, 1)
        ),
        label="test",
    )


#: A year under every GB 3095 二级 limit (hourly values; O3 is constant, so its daily
#: maximum 8-hour mean is the value itself).
CLEAN_AIR = {"PM2.5": 20.0, "PM10": 40.0, "NO2": 20.0, "SO2": 8.0, "CO": 0.5, "O3": 80.0}
#: A section's monthly values of class Ⅱ (GB 3838-2002 表1).
CLEAN_WATER = {"DO": 7.0, "NH3-N": 0.3, "TP": 0.05}


def load_quality_year(
    session: Session,
    folder: Path,
    adcode: str,
    at: tuple[float, float],
    year: int,
    *,
    air: dict[str, float] | None = None,
    water: dict[str, Any] | None = None,
) -> None:
    """One station (and its year of readings) in county ``adcode``: air, water or both.

    ``air`` overrides :data:`CLEAN_AIR` (constant hourly values all year); ``water`` gives
    the section's ``target`` class and overrides :data:`CLEAN_WATER` (monthly samples).
    The stations are a new release of monitoring_stations, so they are the ones in force.
    """
    stations = []
    rows = ["station,time,parameter,value"]
    if air is not None:
        stations.append(("FA1", "air", None))
        values = CLEAN_AIR | air
        for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days):
            day = (date(year, 1, 1) + timedelta(days=i)).isoformat()
            for h in range(1, 25):  # hours labelled by their end, as CNEMC publishes them
                rows += [f"FA1,{day} {h:02d}:00,{p},{v}" for p, v in values.items()]
    if water is not None:
        stations.append(("FW1", "surface_water", water.get("target", "III")))
        values = CLEAN_WATER | {k: v for k, v in water.items() if k != "target"}
        for month in range(1, 13):
            rows += [f"FW1,{year}-{month:02d}-15 10:00,{p},{v}" for p, v in values.items()]
    frame = gpd.GeoDataFrame(
        {
            "code": [s[0] for s in stations],
            "name": [f"夹具站{s[0]}" for s in stations],
            "medium": [s[1] for s in stations],
            "admin_code": [adcode] * len(stations),
            "target_class": [s[2] for s in stations],
            "water_type": ["river" if s[1] == "surface_water" else None for s in stations],
        },
        geometry=[shapely.Point(at)] * len(stations),
        crs=4326,
    )
    import_source(
        session,
        SourceData(frame=frame, crs=frame.crs, format="test"),
        ImportOptions(
            collection="monitoring_stations",
            release=f"st-quality-{uuid.uuid4().hex[:8]}",
            valid_from=date(2000, 1, 1),
        ),
        label="test",
    )
    path = folder / f"quality-{year}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_readings(session, path, "long")
