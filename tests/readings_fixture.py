"""Monitoring stations for the readings and attainment tests (air in two cities, water sections)."""

from datetime import date

import geopandas as gpd
import shapely
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source

#: code → (medium, admin_code, target_class, water_type)
STATIONS = {
    "1151A": ("air", "320113", None, None),
    "1152A": ("air", "320114", None, None),
    "2001A": ("air", "320281", None, None),
    "W001": ("surface_water", "320281", "III", "river"),
    "W002": ("surface_water", "320282", "II", "lake"),
}


def load_stations(session: Session) -> None:
    """Import :data:`STATIONS` as a release of monitoring_stations."""
    codes = list(STATIONS)
    frame = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [f"站{c}" for c in codes],
            "medium": [STATIONS[c][0] for c in codes],
            "admin_code": [STATIONS[c][1] for c in codes],
            "target_class": [STATIONS[c][2] for c in codes],
            "water_type": [STATIONS[c][3] for c in codes],
        },
        geometry=[shapely.Point(119.0 + i * 0.1, 32.0) for i in range(len(codes))],
        crs=4326,
    )
    import_source(
        session,
        SourceData(frame=frame, crs=frame.crs, format="test"),
        ImportOptions(
            collection="monitoring_stations", release="st-readings", valid_from=date(2020, 1, 1)
        ),
        label="test",
    )
