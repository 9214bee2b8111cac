"""Bad files are refused clearly, with exit code != 0, and leave nothing behind."""

import json

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import build_cli
from gis.errors import MissingCRSError, OutOfChinaError
from layers.errors import ImportFileError, MappingError, NoValidFeaturesError, ReleaseConflictError
from layers.ingest.importer import ImportOptions, import_file

runner = CliRunner()
app = build_cli()


def _cli(database_url, monkeypatch, *args):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    return runner.invoke(app, list(args))


def _count(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_cli_refuses_csv_without_crs_naming_both_options(database_url, monkeypatch, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("name,lon,lat\n江阴,120.27,31.95\n", encoding="utf-8")
    result = _cli(
        database_url,
        monkeypatch,
        "import",
        str(path),
        "--collection",
        "monitoring_stations",
        "--release",
        "nocrs",
    )
    assert result.exit_code == 2
    assert "--crs" in result.output and "GCJ-02" in result.output
    assert ".prj" not in result.output  # a CSV has no .prj to add


def test_cli_refuses_swapped_gauss_kruger_axes(database_url, monkeypatch, tmp_path):
    path = tmp_path / "swapped.csv"
    # columns given as x=northing, y=easting: a common mistake
    path.write_text("name,x,y\n江阴,3536000,525000\n", encoding="utf-8")
    result = _cli(
        database_url,
        monkeypatch,
        "import",
        str(path),
        "--collection",
        "monitoring_stations",
        "--release",
        "swapped",
        "--crs",
        "EPSG:4549",
    )
    assert result.exit_code == 2
    assert "swap" in result.output


def test_degrees_declared_as_metres_is_refused(db_session, tmp_path):
    path = tmp_path / "deg.csv"
    path.write_text("name,lon,lat\n江阴,120.27,31.95\n", encoding="utf-8")
    with pytest.raises(OutOfChinaError) as info:
        import_file(
            db_session,
            path,
            ImportOptions(collection="monitoring_stations", release="deg", crs="EPSG:4528"),
        )
    assert "degrees" in info.value.detail


def test_missing_crs_raises_domain_error(db_session, tmp_path):
    path = tmp_path / "nocrs.txt"
    path.write_text("J1,3536000,40525000\n", encoding="utf-8")
    with pytest.raises(MissingCRSError):
        import_file(db_session, path, ImportOptions(collection="monitoring_stations", release="x"))


def test_release_names_are_never_overwritten(db_session, tmp_path):
    path = tmp_path / "a.geojson"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(120.3, 32.0)], crs=4326).to_file(path)
    import_file(db_session, path, ImportOptions(collection="enterprises", release="r1"))
    with pytest.raises(ReleaseConflictError) as info:
        import_file(db_session, path, ImportOptions(collection="enterprises", release="r1"))
    assert info.value.field == "release"


def test_unknown_mapping_target_names_the_fields(db_session, tmp_path):
    path = tmp_path / "a.geojson"
    gpd.GeoDataFrame({"n": ["a"]}, geometry=[shapely.Point(120.3, 32.0)], crs=4326).to_file(path)
    with pytest.raises(MappingError) as info:
        import_file(
            db_session,
            path,
            ImportOptions(collection="enterprises", release="m", mapping={"n": "nom"}),
        )
    assert "industry_category" in info.value.detail


def test_bad_code_list_value_rejects_the_row_with_reason(db_session, tmp_path):
    path = tmp_path / "cu.geojson"
    square = shapely.box(120.0, 32.0, 120.01, 32.01)
    gpd.GeoDataFrame(
        {"单元编码": ["ZH32028110001", "ZH32028120002"], "管控类别": ["优先保护", "特别管控"]},
        geometry=[square, shapely.box(120.02, 32.0, 120.03, 32.01)],
        crs=4326,
    ).to_file(path)
    report = import_file(
        db_session, path, ImportOptions(collection="control_units", release="codes")
    )
    assert report.features_imported == 1 and report.rejected == 1
    assert "unit_class" in report.rejected_examples[0] and "特别管控" in report.rejected_examples[0]
    stored = db_session.execute(
        text("SELECT unit_class FROM control_units WHERE release_id=:r"), {"r": report.release_id}
    ).scalar_one()
    assert stored == "优先保护单元"


def test_file_with_no_valid_feature_is_refused(db_session, tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": None}],
            }
        )
    )
    with pytest.raises(NoValidFeaturesError):
        import_file(db_session, path, ImportOptions(collection="enterprises", release="none"))


def test_unsupported_suffix_is_refused(db_session, tmp_path):
    path = tmp_path / "x.docx"
    path.write_bytes(b"PK")
    with pytest.raises(ImportFileError) as info:
        import_file(db_session, path, ImportOptions(collection="enterprises", release="docx"))
    assert ".gpkg" in info.value.detail


@pytest.mark.parametrize(("suffix", "advice"), [(".xls", ".xlsx"), (".dwg", "DXF")])
def test_a_format_to_save_as_another_says_which(db_session, tmp_path, suffix, advice):
    path = tmp_path / f"sites{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError) as info:
        import_file(db_session, path, ImportOptions(collection="enterprises", release="old"))
    assert "save the" in info.value.detail and advice in info.value.detail


def test_import_failing_half_way_leaves_zero_rows(database_url, engine, monkeypatch, tmp_path):
    """12,000 rows; the last overflows an integer column after two COPY chunks were sent."""
    n = 12_000
    ranks = [1] * (n - 1) + [10**12]
    frame = gpd.GeoDataFrame(
        {"name": [f"河{i}" for i in range(n)], "kind": ["river"] * n, "rank": ranks},
        geometry=[
            shapely.LineString([(120 + i * 1e-5, 32), (120 + i * 1e-5, 32.001)]) for i in range(n)
        ],
        crs=4326,
    )
    path = tmp_path / "rivers.gpkg"
    frame.to_file(path, driver="GPKG")
    before = _count(engine, "SELECT count(*) FROM water_bodies")
    result = _cli(
        database_url,
        monkeypatch,
        "import",
        str(path),
        "--collection",
        "water_bodies",
        "--release",
        "half-way",
    )
    assert result.exit_code == 2
    assert "nothing was imported" in result.output
    assert _count(engine, "SELECT count(*) FROM water_bodies") == before
    assert _count(engine, "SELECT count(*) FROM releases WHERE name = 'half-way'") == 0


def test_cli_import_then_releases_lists_it(database_url, engine, monkeypatch, tmp_path):
    path = tmp_path / "parks.geojson"
    gpd.GeoDataFrame(
        {"园区名称": ["江阴临港化工园"], "行业类别": ["化工"], "行业代码": ["C26"]},
        geometry=[shapely.box(120.2, 31.9, 120.25, 31.93)],
        crs=4326,
    ).to_file(path)
    result = _cli(
        database_url,
        monkeypatch,
        "import",
        str(path),
        "--collection",
        "industrial_parks",
        "--release",
        "cli-parks",
        "--valid-from",
        "2023-01-01",
        "--source",
        "测试",
        "--licence",
        "CC0",
    )
    assert result.exit_code == 0, result.output
    assert "imported" in result.output and "1" in result.output
    listing = _cli(database_url, monkeypatch, "releases", "industrial_parks")
    assert listing.exit_code == 0 and "cli-parks" in listing.output
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM releases WHERE name = 'cli-parks'"))


@pytest.mark.parametrize("zipped", [False, True])
def test_a_shapefile_without_its_shx_and_dbf_says_so(db_session, tmp_path, zipped):
    """A lone .shp (the rest of the set forgotten): named, with the fix; not GDAL's message
    about the server's copy and SHAPE_RESTORE_SHX."""
    import zipfile

    folder = tmp_path / "set"
    folder.mkdir()
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(120.3, 32.0)], crs=4326).to_file(
        folder / "water.shp"
    )
    lone = tmp_path / "water.shp"
    lone.write_bytes((folder / "water.shp").read_bytes())
    if zipped:
        path = tmp_path / "water.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.write(lone, "water.shp")
            zf.write(folder / "water.prj", "water.prj")
    else:
        path = lone
    with pytest.raises(ImportFileError) as err:
        import_file(db_session, path, ImportOptions(collection="enterprises", release="lone"))
    assert err.value.field == "file"
    assert ".shx and .dbf" in err.value.detail and "zip" in err.value.detail
    assert path.name in err.value.detail  # the file as the user named it
    assert "SHAPE_RESTORE_SHX" not in err.value.detail
