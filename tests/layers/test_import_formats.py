"""Every supported format and CRS round-trips to within 0.1 m of pyproj's reference."""

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from sqlalchemy import text

from layers.ingest.importer import ImportOptions, import_file

GEOD = Geod(ellps="WGS84")
# Reference sites in Jiangsu, all inside 3-degree zone 40 (CM 120E).
REF_LON = np.array([120.27, 119.80, 120.90, 120.50, 119.45])
REF_LAT = np.array([31.955, 32.30, 31.40, 34.60, 32.98])
NAMES = ["江阴长江岸", "扬州", "苏州", "连云港", "盐城"]


def _project(epsg: int) -> tuple[np.ndarray, np.ndarray]:
    t = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    return t.transform(REF_LON, REF_LAT)


def _stored_points(session, release_id: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rows = session.execute(
        text(
            "SELECT ST_X(geom), ST_Y(geom), name FROM monitoring_stations "
            "WHERE release_id = :r ORDER BY id"
        ),
        {"r": release_id},
    ).all()
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), [r[2] for r in rows]


def _unit_rows(session, release_id: int, columns: str, order: str) -> list[tuple]:
    """``columns`` of a control_units release, ordered by ``order`` (test-written names)."""
    sql = f"SELECT {columns} FROM control_units WHERE release_id = :r ORDER BY {order}"
    return [tuple(r) for r in session.execute(text(sql), {"r": release_id}).all()]


def _assert_round_trip(session, release_id: int) -> None:
    lon, lat, names = _stored_points(session, release_id)
    assert names == NAMES
    errors = GEOD.inv(REF_LON, REF_LAT, lon, lat)[2]
    assert np.max(errors) < 0.1, f"max error {np.max(errors):.4f} m"


def _frame(x, y, epsg: int | None) -> gpd.GeoDataFrame:
    # "要素" not "监测要素": a .dbf field name is 10 bytes, which cuts a 4-character
    # UTF-8 name mid-character (GBK fits it); the importer cannot repair that.
    return gpd.GeoDataFrame(
        {"名称": NAMES, "要素": ["空气"] * 5},
        geometry=gpd.points_from_xy(x, y),
        crs=f"EPSG:{epsg}" if epsg else None,
    )


def _import(session, path: Path, release: str, **kw):
    return import_file(
        session, path, ImportOptions(collection="monitoring_stations", release=release, **kw)
    )


@pytest.mark.parametrize("epsg", [4326, 4490, 4528, 4549, 4610, 2364, 2385])
def test_geopackage_round_trip_in_crs(db_session, tmp_path, epsg):
    x, y = _project(epsg)
    path = tmp_path / "stations.gpkg"
    _frame(x, y, epsg).to_file(path, driver="GPKG")
    report = _import(db_session, path, f"gpkg-{epsg}")
    assert report.crs_in == f"EPSG:{epsg}"
    assert report.column_mapping == {"名称": "name", "要素": "medium"}
    _assert_round_trip(db_session, report.release_id)


def test_geojson_round_trip(db_session, tmp_path):
    path = tmp_path / "stations.geojson"
    _frame(REF_LON, REF_LAT, 4326).to_file(path, driver="GeoJSON")
    report = _import(db_session, path, "geojson")
    _assert_round_trip(db_session, report.release_id)


def test_kml_with_folders_round_trip(db_session, tmp_path):
    """KML as desktop globes export it: placemarks in several folders, lon/lat with a z."""
    folders = {"苏南": range(0, 3), "苏北": range(3, 5)}
    body = "".join(
        f"<Folder><name>{folder}</name>"
        + "".join(
            f"<Placemark><name>{NAMES[i]}</name><Point><coordinates>{REF_LON[i]},{REF_LAT[i]},12"
            "</coordinates></Point></Placemark>"
            for i in rows
        )
        + "</Folder>"
        for folder, rows in folders.items()
    )
    path = tmp_path / "stations.kml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document>{body}</Document></kml>",
        encoding="utf-8",
    )
    report = _import(db_session, path, "kml")
    assert report.crs_in == "EPSG:4326"
    assert any("2 folders" in n for n in report.notes)
    _assert_round_trip(db_session, report.release_id)


def test_shapefile_folder_gbk_without_cpg(db_session, tmp_path):
    x, y = _project(4549)
    folder = tmp_path / "shp"
    folder.mkdir()
    _frame(x, y, 4549).to_file(folder / "stations.shp", encoding="GBK")
    (folder / "stations.cpg").unlink(missing_ok=True)
    assert "江阴".encode("gbk") in (folder / "stations.dbf").read_bytes()
    report = _import(db_session, folder, "shp-gbk")
    assert any("GB18030" in n for n in report.notes)
    _assert_round_trip(db_session, report.release_id)


def test_zipped_shapefile_utf8_with_cpg(db_session, tmp_path):
    x, y = _project(2364)
    folder = tmp_path / "z"
    folder.mkdir()
    _frame(x, y, 2364).to_file(folder / "s.shp", encoding="UTF-8")
    assert (folder / "s.cpg").exists()
    archive = tmp_path / "stations.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, f"data/{part.name}")
    report = _import(db_session, archive, "shp-zip")
    assert report.crs_in == "EPSG:2364"
    _assert_round_trip(db_session, report.release_id)


@pytest.mark.parametrize("datum", ["GCJ-02", "BD-09"])
def test_csv_in_a_web_maps_lon_lat_needs_no_other_crs(db_session, tmp_path, datum):
    """高德/百度 coordinates in a CSV (no CRS of its own): ``crs`` GCJ-02 or BD-09 is enough."""
    from gis.offsets import bd09_to_wgs84, gcj02_to_bd09, gcj02_to_wgs84, wgs84_to_gcj02

    shifted = wgs84_to_gcj02(REF_LON, REF_LAT)
    if datum == "BD-09":
        shifted = gcj02_to_bd09(*shifted)
    path = tmp_path / "stations.csv"
    lines = ["名称,经度,纬度,监测要素"] + [
        f"{n},{float(lon)!r},{float(lat)!r},空气"
        for n, lon, lat in zip(NAMES, *shifted, strict=True)
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    report = _import(db_session, path, datum.lower(), crs=datum)
    lon, lat, _ = _stored_points(db_session, report.release_id)
    back = (gcj02_to_wgs84 if datum == "GCJ-02" else bd09_to_wgs84)(*shifted)
    assert np.allclose(lon, back[0], atol=1e-9) and np.allclose(lat, back[1], atol=1e-9)
    # the conversion itself is exact to a metre or so (its inverse is iterative)
    assert np.max(GEOD.inv(REF_LON, REF_LAT, lon, lat)[2]) < 2.0
    assert any(datum in n for n in report.notes)


def test_csv_lon_lat_with_declared_crs(db_session, tmp_path):
    path = tmp_path / "stations.csv"
    lines = ["名称,经度,纬度,监测要素"] + [
        f"{n},{float(lon)!r},{float(lat)!r},空气"
        for n, lon, lat in zip(NAMES, REF_LON, REF_LAT, strict=True)
    ]
    path.write_text("\n".join(lines), encoding="gbk")
    report = _import(db_session, path, "csv", crs="EPSG:4490")
    _assert_round_trip(db_session, report.release_id)


def test_csv_gauss_kruger_eastings_without_prefix_declared_prefixed(db_session, tmp_path):
    x, y = _project(4549)  # no prefix in the data
    path = tmp_path / "gk.csv"
    path.write_text(
        "name,x,y\n"
        + "\n".join(f"{n},{a:.4f},{b:.4f}" for n, a, b in zip(NAMES, x, y, strict=True)),
        encoding="utf-8",
    )
    report = _import(db_session, path, "csv-gk", crs="EPSG:4528")  # CRS with prefix
    assert any("added zone prefix 40" in n for n in report.notes)
    _assert_round_trip(db_session, report.release_id)


@pytest.mark.parametrize(
    ("data_epsg", "declared"), [(4528, "EPSG:4528"), (4528, "EPSG:4549"), (4549, "EPSG:4528")]
)
def test_parcel_text_gauss_kruger_with_and_without_prefix(
    db_session, tmp_path, data_epsg, declared
):
    """拐点坐标: x is the northing, y the easting; prefixes are reconciled with the CRS."""
    x, y = _project(data_epsg)
    lines = [
        f"J{i + 1},{north:.4f},{east:.4f}" for i, (east, north) in enumerate(zip(x, y, strict=True))
    ]
    # one point per parcel: each '@' header starts a new parcel
    text_ = "\n".join(
        f"1,,{i + 1},{name},点,,,@\n{line}"
        for i, (name, line) in enumerate(zip(NAMES, lines, strict=True))
    )
    path = tmp_path / "parcel.txt"
    path.write_text(text_, encoding="gbk")
    report = _import(db_session, path, f"txt-{data_epsg}-{declared}", crs=declared)
    _assert_round_trip(db_session, report.release_id)


def test_parcel_polygon_area_matches_geodesic(db_session, tmp_path):
    x, y = _project(4528)
    cx, cy = x[0], y[0]
    ring = [(cx, cy), (cx + 1000, cy), (cx + 1000, cy + 1000), (cx, cy + 1000), (cx, cy)]
    path = tmp_path / "site.txt"
    path.write_text(
        "\n".join(f"J{i},{n:.3f},{e:.3f}" for i, (e, n) in enumerate(ring)), encoding="utf-8"
    )
    report = import_file(
        db_session, path, ImportOptions(collection="red_lines", release="txt-poly", crs="EPSG:4528")
    )
    area = db_session.execute(
        text("SELECT area_m2 FROM red_lines WHERE release_id = :r"), {"r": report.release_id}
    ).scalar_one()
    # a 1 km square on the GK grid near the central meridian: ~1e6 m² (scale factor ~1.00000x)
    assert area == pytest.approx(1_000_000, rel=2e-3)


def test_invalid_polygon_is_repaired_and_counted(db_session, tmp_path):
    bowtie = shapely.from_wkt("POLYGON((120 32, 120.01 32.01, 120.01 32, 120 32.01, 120 32))")
    good = shapely.from_wkt("POLYGON((120.1 32, 120.11 32, 120.11 32.01, 120.1 32))")
    path = tmp_path / "rl.geojson"
    gpd.GeoDataFrame(
        {"HXMC": ["蝴蝶", "好"], "HXLX": ["水源涵养", "水土保持"]},
        geometry=[bowtie, good],
        crs=4326,
    ).to_file(path)
    report = import_file(db_session, path, ImportOptions(collection="red_lines", release="repair"))
    assert report.repaired == 1 and report.features_imported == 2
    valid = db_session.execute(
        text("SELECT bool_and(ST_IsValid(geom)) FROM red_lines WHERE release_id=:r"),
        {"r": report.release_id},
    ).scalar()
    assert valid is True


def test_gcj02_boundary_converted_to_tianditu(db_session, realdata):
    """The Amap (GCJ-02) 江阴 boundary lands on the Tianditu one after --from-gcj02."""
    fixture = realdata / "admin_cnmaps_gcj02_fixture.geojson"
    truth = gpd.read_file(realdata / "admin_tianditu_district_js_jx.geojson")
    truth_geom = truth.loc[truth["adcode"].astype(str) == "320281"].geometry.iloc[0]

    def centroid_shift(release: str, **kw) -> float:
        report = import_file(
            db_session, fixture, ImportOptions(collection="admin_divisions", release=release, **kw)
        )
        wkt = db_session.execute(
            text(
                "SELECT ST_AsText(ST_Centroid(geom)) FROM admin_divisions WHERE release_id=:r AND adcode='320281'"
            ),
            {"r": report.release_id},
        ).scalar_one()
        c = shapely.from_wkt(wkt)
        return GEOD.inv(c.x, c.y, truth_geom.centroid.x, truth_geom.centroid.y)[2]

    assert centroid_shift("gcj-raw") > 300  # as shipped: ~500 m off
    assert centroid_shift("gcj-fixed", from_gcj02=True) < 100


def test_imported_areas_agree_with_postgis_geodesic_area(db_session, tmp_path):
    rng = np.random.default_rng(3)
    polys = [
        shapely.Point(x, y).buffer(r, quad_segs=16)
        for x, y, r in zip(
            rng.uniform(114, 122, 50),
            rng.uniform(25, 35, 50),
            rng.uniform(0.001, 0.1, 50),
            strict=True,
        )
    ]
    path = tmp_path / "zones.gpkg"
    gpd.GeoDataFrame({"name": [f"z{i}" for i in range(50)]}, geometry=polys, crs=4326).to_file(
        path, driver="GPKG"
    )
    report = import_file(
        db_session, path, ImportOptions(collection="farmland_zones", release="areas")
    )
    worst = db_session.execute(
        text(
            "SELECT max(abs(area_m2 - ST_Area(geom::geography)) / ST_Area(geom::geography)) "
            "FROM farmland_zones WHERE release_id = :r"
        ),
        {"r": report.release_id},
    ).scalar_one()
    assert worst < 1e-4


def test_text_with_csv_specials_round_trips_exactly(db_session, tmp_path):
    # the COPY writer quotes every string: quotes, commas, newlines and blanks stay text
    names = ['引号"内"', "逗号,分隔", "换行\n第二行", "回车\r结束", "  两端空格  "]
    frame = gpd.GeoDataFrame(
        {"名称": names, "要素": ["空气", "地表水", None, "", "大气"]},
        geometry=gpd.points_from_xy(REF_LON, REF_LAT),
        crs="EPSG:4326",
    )
    path = tmp_path / "specials.gpkg"
    frame.to_file(path, driver="GPKG")
    report = _import(db_session, path, "specials")
    rows = db_session.execute(
        text("SELECT name, medium FROM monitoring_stations WHERE release_id = :r ORDER BY id"),
        {"r": report.release_id},
    ).all()
    assert [r[0] for r in rows] == [*names[:4], "两端空格"]
    # code-list synonyms mapped; missing and blank are both NULL
    assert [r[1] for r in rows] == ["air", "surface_water", None, None, "air"]


def test_control_units_get_class_and_county_from_their_codes(db_session, tmp_path):
    """A 管控单元 layer without 管控单元分类 (the ZHGKDYFL column): the class and the county
    come from the ZH code (data-standards §1.2), so the 重点管控单元 rules apply to it.
    A code of another shape and a class that contradicts its code are kept and reported."""
    from layers.store.entry_lists import unit_code_parts

    assert unit_code_parts("ZH32028120001") == ("320281", "重点管控单元")
    assert unit_code_parts(" ZH36010410007 ") == ("360104", "优先保护单元")
    assert unit_code_parts("ZH3202812001") is None and unit_code_parts("YS32028120001") is None
    square = shapely.box(120.27, 31.9, 120.28, 31.91)
    path = tmp_path / "units.geojson"
    gpd.GeoDataFrame(
        {
            "HJZHGKDYBM": ["ZH32028120001", "ZH32028130002", "ZH320281001", "ZH32028110003"],
            "HJZHGKDYMC": ["甲", "乙", "丙", "丁"],
            "ZHGKDYFL": [None, None, "重点管控单元", "一般管控单元"],
        },
        geometry=[shapely.affinity.translate(square, 0.02 * i) for i in range(4)],
        crs=4326,
    ).to_file(path, driver="GeoJSON")
    report = import_file(
        db_session, path, ImportOptions(collection="control_units", release="codes")
    )
    rows = _unit_rows(db_session, report.release_id, "code, unit_class, admin_code", "name")
    assert rows == [
        ("ZH32028110003", "一般管控单元", "320281"),  # 丁: the file's class, kept
        ("ZH320281001", "重点管控单元", None),  # 丙: not a unit code, as given
        ("ZH32028130002", "一般管控单元", "320281"),  # 乙
        ("ZH32028120001", "重点管控单元", "320281"),  # 甲
    ]
    notes = " ".join(report.notes)
    assert "unit_class from the unit code (its 9th character): 2" in notes
    assert "admin_code from the unit code (characters 3-8): 3" in notes
    assert "1 codes are not control unit codes" in notes and "ZH320281001" in notes
    assert "ZH32028110003（编码为优先保护单元，文件为一般管控单元）" in notes


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL (gdal-bin) is not installed")
def test_lists_written_by_gdal_come_back_as_lists(db_session, tmp_path):
    """An exported collection copied by ogr2ogr into a GeoPackage (the README's recipe) keeps
    its arrays as GDAL's ``(n:a,b)`` text; re-imported, they are lists again, so a banned
    industry still bans (a list read as one string would let a 化工 project pass)."""
    source = tmp_path / "units.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "code": f"ZH3202812000{i}",
                            "name": name,
                            "banned_industries": banned,
                            "restricted_industries": ["印染"] if i == 0 else [],
                        },
                        "geometry": shapely.geometry.mapping(
                            shapely.box(120.27 + i / 50, 31.9, 120.28 + i / 50, 31.91)
                        ),
                    }
                    for i, (name, banned) in enumerate(
                        [("甲", ["化工", "石化", "钢铁"]), ("乙", ["电镀"]), ("丙", ["[不是列表"])]
                    )
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    copied = tmp_path / "units.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(copied), str(source)], check=True)
    as_gdal_wrote = subprocess.run(
        ["ogrinfo", "-ro", "-al", str(copied)], capture_output=True, text=True, check=True
    ).stdout
    assert "(3:化工,石化,钢铁)" in as_gdal_wrote  # the form this test is about
    report = import_file(
        db_session, copied, ImportOptions(collection="control_units", release="gdal-lists")
    )
    rows = _unit_rows(
        db_session, report.release_id, "name, banned_industries, restricted_industries", "code"
    )
    assert rows == [
        ("甲", ["化工", "石化", "钢铁"], ["印染"]),
        ("乙", ["电镀"], []),
        ("丙", ["[不是列表"], []),
    ]
