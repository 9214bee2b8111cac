"""ecozone import-raster / rasters: a release stored, a raster without CRS refused (exit 2, nothing stored)."""

from __future__ import annotations

import numpy as np
from rasterio.transform import from_origin
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.cli import build_cli
from layers.store.models import RasterFile
from tests.conftest import migrated_database
from tests.raster_fixture import write_raster


def test_cli_import_raster_then_refusal(tmp_path):
    z = (np.arange(400, dtype=np.int16).reshape(20, 20)) * 3
    nocrs = write_raster(tmp_path / "dem.tif", z, from_origin(119.0, 32.0, 0.001, 0.001), None)
    with migrated_database("ecozone_cli_raster") as url:
        engine = create_engine(url)
        try:
            env = {
                "DATABASE_URL": url,
                "COLUMNS": "200",
                "APP_RASTER_DATA_DIR": str(tmp_path / "d"),
            }
            base = ["import-raster", str(nocrs), "--layer", "dem", "--valid-from", "2024-01-01"]
            result = CliRunner().invoke(build_cli(), [*base, "--release", "R0"], env=env)
            assert result.exit_code == 2, result.output
            assert "has no CRS" in result.output and "--crs" in result.output
            result = CliRunner().invoke(
                build_cli(), [*base, "--release", "R1", "--crs", "EPSG:4326"], env=env
            )
            assert result.exit_code == 0, result.output
            assert "EPSG:4326" in result.output and "20×20" in result.output
            assert len(list((tmp_path / "d" / "dem").glob("*.tif"))) == 1
            listing = CliRunner().invoke(build_cli(), ["rasters"], env=env)
            assert listing.exit_code == 0 and "R1" in listing.output
            with Session(engine) as session:
                assert session.scalar(select(func.count()).select_from(RasterFile)) == 1
        finally:
            engine.dispose()
