"""Raster releases in PostGIS: import (atomic, refusals), stats as of a date, the slope rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from rasterio.transform import from_origin
from shapely.geometry import Point, box, mapping
from sqlalchemy import func, select

from gis.errors import MissingCRSError, RasterTooLargeError
from layers.errors import RasterClassesError, ReleaseConflictError
from layers.reads.rasters import raster_stats
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.service import screen
from layers.store.models import RasterFile, Release
from layers.store.rasters import CHECKOUT, RasterSettings, raster_in_force
from tests.admin_fixture import load_admin
from tests.raster_fixture import GK_120, gk_origin, import_test_raster, write_plane, write_raster

LON, LAT = 119.5, 32.0


def _settings(data_dir: Path) -> RasterSettings:
    return RasterSettings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]


def _counts(session) -> tuple[int, int]:
    return (
        session.scalar(
            select(func.count()).select_from(Release).where(Release.collection.like("raster.%"))
        ),
        session.scalar(select(func.count()).select_from(RasterFile)),
    )


def test_import_stores_a_cog_and_its_metadata_and_stats_cite_it(db_session, tmp_path):
    src = write_plane(tmp_path / "src" / "plane.tif", LON, LAT, 30.0, size=300)
    data = tmp_path / "data"
    report = import_test_raster(db_session, src, data, source="test plane", licence="CC0")
    assert report["crs"] == GK_120 and report["resolution_m"] == pytest.approx(10.0)
    stored = raster_in_force(db_session, "dem", date(2024, 1, 1), data)
    assert stored is not None and stored.path.is_file() and stored.path.parent.parent == data
    release = db_session.get(Release, report["release_id"])
    assert release.collection == "raster.dem" and release.coverage is not None
    site = Point(LON, LAT).buffer(0.004)
    out = raster_stats(db_session, "dem", site, date(2024, 1, 1), _settings(data), buffer_m=200)
    assert out["raster"]["release"] == "test" and out["raster"]["source"] == "test plane"
    assert out["geometry"]["slope_mean"] == pytest.approx(30.0, abs=0.1)
    assert out["buffer"]["pixels"] > out["geometry"]["pixels"]
    before = raster_stats(db_session, "dem", site, date(1999, 1, 1), _settings(data))
    assert (
        before["geometry"]["status"] == "no_data" and before["geometry"]["reason"] == "no_release"
    )


def test_a_ten_metre_land_cover_raster_end_to_end(db_session, tmp_path):
    z = np.full((200, 200), 12, dtype=np.uint8)
    z[:, 100:] = 1
    x0, y0 = gk_origin(LON, LAT, 1000)
    src = write_raster(tmp_path / "lc.tif", z, from_origin(x0, y0, 10, 10), GK_120, 255)
    classes = tmp_path / "classes.csv"
    classes.write_text("value,name,color\n1,林地,#00aa00\n12,耕地,#cc4444\n", encoding="utf-8")
    import_test_raster(db_session, src, tmp_path / "data", layer="land_cover", classes=str(classes))
    out = raster_stats(
        db_session,
        "land_cover",
        box(LON - 0.003, LAT - 0.003, LON + 0.003, LAT + 0.003),
        date(2024, 1, 1),
        _settings(tmp_path / "data"),
    )
    shares = {c["name"]: c["share_pct"] for c in out["geometry"]["classes"]}
    assert set(shares) == {"林地", "耕地"}
    assert sum(shares.values()) == pytest.approx(100.0)
    assert "note" not in out  # 10 m is not coarse


@pytest.mark.parametrize(
    ("options", "error", "field"),
    [
        ({"layer": "dem", "crs": None}, MissingCRSError, "crs"),
        ({"layer": "land_cover", "classes": "no-such-table"}, RasterClassesError, "classes"),
        ({"layer": "land_cover", "classes": None}, RasterClassesError, "classes"),
    ],
)
def test_refusals_leave_nothing_behind(db_session, tmp_path, options, error, field):
    z = np.ones((20, 20), dtype=np.uint8)
    src = write_raster(tmp_path / "x.tif", z, from_origin(119, 32, 0.001, 0.001), None)
    layer = options.pop("layer")
    with pytest.raises(error) as err:
        import_test_raster(db_session, src, tmp_path / "data", layer=layer, **options)
    assert err.value.field == field
    assert _counts(db_session) == (0, 0)
    assert not list((tmp_path / "data").rglob("*.tif"))


def test_values_missing_from_the_class_table_are_refused_and_the_cog_removed(db_session, tmp_path):
    z = np.array([[1, 2], [3, 4]], dtype=np.uint8).repeat(10, 0).repeat(10, 1)
    src = write_raster(tmp_path / "x.tif", z, from_origin(119, 32, 0.001, 0.001), "EPSG:4326", 255)
    with pytest.raises(RasterClassesError, match="2, 3, 4"):
        import_test_raster(
            db_session, src, tmp_path / "data", layer="land_cover", classes=_table(tmp_path)
        )
    assert _counts(db_session) == (0, 0)
    assert not list((tmp_path / "data").rglob("*.tif"))


def _table(tmp_path: Path) -> str:
    path = tmp_path / "one.csv"
    path.write_text("value,name\n1,水体\n", encoding="utf-8")
    return str(path)


def test_over_the_size_limit_and_a_second_release_of_the_same_name(
    db_session, tmp_path, monkeypatch
):
    src = write_plane(tmp_path / "p.tif", LON, LAT, 5.0, size=100)
    monkeypatch.setenv("APP_RASTER_MAX_PIXELS", "5000")
    with pytest.raises(RasterTooLargeError, match="10,000"):
        import_test_raster(db_session, src, tmp_path / "data")
    monkeypatch.delenv("APP_RASTER_MAX_PIXELS")
    import_test_raster(db_session, src, tmp_path / "data")
    with pytest.raises(ReleaseConflictError):
        import_test_raster(db_session, src, tmp_path / "data")
    assert _counts(db_session) == (1, 1)


def _project(geometry, as_of=date(2025, 6, 30)) -> ProjectInput:
    return ProjectInput(
        name="坡地项目",
        geometry=mapping(geometry),
        industry="化工",
        kind="新建",
        as_of=as_of,
        buffer_m=300,
    )


def _slope_rule(body):
    (result,) = [r for r in body["results"] if r["rule_id"] == "R-SWCL-20-SLOPE"]
    return result


def test_the_slope_rule_flags_a_steep_footprint_and_cites_the_raster(db_session, tmp_path):
    load_admin(db_session, "321102", (LON, LAT), half_deg=0.6)
    data = tmp_path / "data"
    steep = write_plane(tmp_path / "steep.tif", LON, LAT, 30.0, size=300)
    import_test_raster(db_session, steep, data, release="steep")
    site = box(LON - 0.003, LAT - 0.003, LON + 0.003, LAT + 0.003)
    body = screen(db_session, _project(site), book=RuleBook(data)).body
    result = _slope_rule(body)
    assert result["outcome"] == "FLAG"
    (evidence,) = result["evidence"]
    assert evidence["value"] == pytest.approx(30.0, abs=0.1)
    assert evidence["raster"]["release"] == "steep"
    dem = next(r for r in body["rasters"] if r["layer"] == "dem")
    assert dem["geometry"]["slope_mean"] == pytest.approx(30.0, abs=0.1)


def test_the_slope_rule_is_not_checked_without_a_raster_or_outside_it(db_session, tmp_path):
    load_admin(db_session, "321102", (LON, LAT), half_deg=0.6)
    data = tmp_path / "data"
    site = box(LON - 0.003, LAT - 0.003, LON + 0.003, LAT + 0.003)
    body = screen(db_session, _project(site), book=RuleBook(data)).body
    result = _slope_rule(body)
    assert result["outcome"] == "NOT_CHECKED" and result["evidence"] == []
    assert result["reason"]["code"] == "raster_no_data"
    assert body["verdict"] != "PASS" and body["completeness"]["complete"] is False
    flat = write_plane(tmp_path / "flat.tif", LON, LAT, 2.0, size=100)
    import_test_raster(db_session, flat, data, release="flat")
    away = box(LON + 0.3, LAT + 0.3, LON + 0.31, LAT + 0.31)
    result = _slope_rule(screen(db_session, _project(away), book=RuleBook(data)).body)
    assert result["outcome"] == "NOT_CHECKED" and "范围" in result["reason"]["text"]
    result = _slope_rule(screen(db_session, _project(site), book=RuleBook(data)).body)
    assert result["outcome"] == "PASS" and result["evidence"][0]["value"] < 25


def test_a_relative_data_dir_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    """The server and the CLI started from other folders must read the same raster files."""
    monkeypatch.chdir(tmp_path)
    default = RasterSettings(_env_file=None)  # type: ignore[call-arg]
    assert default.data_dir.is_absolute()
    assert default.data_dir == CHECKOUT / ".cache/rasters"
    assert (CHECKOUT / "pyproject.toml").is_file()  # the checkout, not the package folder
    given = RasterSettings(data_dir=Path("data/rasters"), _env_file=None)  # type: ignore[call-arg]
    assert given.data_dir == CHECKOUT / "data/rasters"
    assert _settings(tmp_path).data_dir == tmp_path  # an absolute folder is kept
