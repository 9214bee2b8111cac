"""An administrative division for screening tests: a box loaded as county, city and province.

Screenings read the project's jurisdiction from ``admin_divisions`` and each layer's
coverage defaults to the counties its features touch, so tests that load their own layers
load a division first (:func:`load_admin`).
"""

from __future__ import annotations

import uuid
from datetime import date

import geopandas as gpd
from shapely.geometry import box
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source


def load_admin(
    session: Session,
    adcode: str = "321102",
    center: tuple[float, float] = (119.0, 32.2),
    half_deg: float = 0.6,
    *,
    release: str | None = None,
    valid_from: date = date(2000, 1, 1),
) -> int:
    """A square of ``2 × half_deg`` degrees round ``center`` as division ``adcode``.

    The same square is loaded as the county, its city and its province, so a project
    inside it is in all three (adcode prefixes of 2, 4 and 6 digits match). Its release
    (a new name each call) is the newest import, so it is the one in force. Returns the
    release id.
    """
    lon, lat = center
    square = box(lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)
    rows = [
        {"adcode": adcode[:2] + "0000", "name": f"省{adcode[:2]}", "level": "province"},
        {"adcode": adcode[:4] + "00", "name": f"市{adcode[:4]}", "level": "city"},
        {"adcode": adcode, "name": f"县{adcode}", "level": "county"},
    ]
    unique = {r["adcode"]: r for r in rows}  # a city-level code is its own county here
    frame = gpd.GeoDataFrame(
        list(unique.values()), geometry=[square] * len(unique), crs="EPSG:4326"
    )
    report = import_source(
        session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(
            collection="admin_divisions",
            release=release or f"admin-test-{uuid.uuid4().hex[:8]}",
            valid_from=valid_from,
        ),
        label="admin-test",
    )
    return report.release_id
