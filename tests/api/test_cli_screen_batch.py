"""`ecozone screen-batch` end to end: the real command on a PostGIS database of its own.

The command commits the repository's rule set into the database it screens against, so
it cannot share the session database whose tests roll back. This module makes its own
database (dropped at the end, also when a test or the setup fails), migrates it with the
Alembic migrations, loads a small known layer set with `ecozone import` and runs the
command through typer's CliRunner and, once, as the installed `ecozone` script.

The oracle for every screened row is `POST /screenings` on the same database (through a
rolled-back session, so it stores nothing); distances are placed and checked with
pyproj.Geod.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from shapely.geometry import Point
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.app import create_app
from api.cli import build_cli
from api.settings import ApiSettings
from layers.screening.rules import verdict_text
from layers.store import schema
from layers.store.catalog import COLLECTIONS
from layers.store.db import DatabaseSettings
from tests.conftest import create_database, drop_database, use_session

GEOD = Geod(ellps="WGS84")
AS_OF = "2025-06-30"
BUFFER_M = 1200.0  # wide enough that the 999 m / 1001 m sites report their distance
DEFAULT_INDUSTRY = "食品"  # --industry, for the site without an industry

LAT = 32.2
MAIN = 119.0  # 长江 mainstem: the meridian 119°E from 32.0°N to 32.5°N
MINOR = 118.994  # 无名河 (yangtze_class none), about 566 m west of the mainstem
UNIT = (118.59, 32.19, 118.61, 32.21)  # a control unit: 化工 banned, 电镀 restricted
OUTFALL = (118.8, 32.2)

COLUMNS = [
    "site",
    "name",
    "industry",
    "kind",
    "verdict",
    "deny",
    "require",
    "flag",
    "error",
    "not_checked",
] + [f"nearest_{c.id}_m" for c in COLLECTIONS]
#: The collections whose nearest distance the sites test: every one but the division,
#: which every site lies in (distance 0).
NEAR = [c for c in COLLECTIONS if c.id != "admin_divisions"]
INPUT_FIELDS = ("name", "lon", "lat", "industry", "industry_code", "kind")

runner = CliRunner()
app = build_cli()


def at(lon: float, lat: float, metres: float, azimuth: float = 90.0) -> tuple[float, float]:
    """The point `metres` from lon/lat along the geodesic of `azimuth` (degrees)."""
    x, y, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return float(x), float(y)


def site(name: str | None, xy: tuple[float, float] | None, industry: str | None, **kw: Any):
    """One input site; `nearest` (test only) maps a collection to its expected metres."""
    lon, lat = xy if xy is not None else (None, None)
    return {
        "name": name,
        "lon": lon,
        "lat": lat,
        "industry": industry,
        "industry_code": kw.get("industry_code"),
        "kind": kw.get("kind", "新建"),
        "nearest": kw.get("nearest", {}),
        "bad": kw.get("bad"),
    }


def designed_sites() -> list[dict[str, Any]]:
    s999, s1001 = at(MAIN, LAT, 999.0), at(MAIN, LAT, 1001.0)
    s600, s500, s800 = at(MAIN, LAT, 600.0), at(MAIN, LAT, 500.0), at(MAIN, LAT, 800.0)
    near_minor = at(MINOR, LAT, 150.0)  # 150 m from 无名河, ~416 m from the mainstem
    west_of_unit = at(UNIT[0], LAT, 300.0, azimuth=270.0)  # 300 m west of the unit's edge
    north_of_outfall = at(*OUTFALL, 250.0, azimuth=0.0)
    return [
        site("化工999", s999, "化工", nearest={"water_bodies": 999.0}),
        site("化工1001", s1001, "化工", nearest={"water_bodies": 1001.0}),
        site("排污口600", s600, "排污口", nearest={"water_bodies": 600.0}),
        site("改建化工500", s500, "化工", kind="改建", nearest={"water_bodies": 500.0}),
        site("代码2661", s800, "其他", industry_code="2661", nearest={"water_bodies": 800.0}),
        site("食品近小河", near_minor, "食品", nearest={"water_bodies": 150.0}),
        site("化工单元内", (118.6, LAT), "化工", nearest={"control_units": 0.0}),
        site("电镀单元内", (118.6, 32.205), "电镀", nearest={"control_units": 0.0}),
        site("单元西300", west_of_unit, "食品", kind="扩建", nearest={"control_units": 300.0}),
        site("排口北250", north_of_outfall, "食品", nearest={"outfalls": 250.0}),
        # no name, industry or kind: "site N", --industry and --kind apply; nothing near
        site(None, (118.3, 31.6), None, kind=None),
        site("缺坐标", None, "化工", bad="coordinates"),
        site("未知行业", at(MAIN, LAT, 300.0), "炼丹", bad="炼丹"),
        site("错误类型", at(MAIN, LAT, 300.0), "化工", kind="拆除", bad="拆除"),
        site("境外", (2.35, 48.85), "化工", bad="China"),
    ]


def grid_sites() -> list[dict[str, Any]]:
    """36 more sites across the mainstem and the minor river, mixed industries and kinds."""
    industries = ("化工", "食品", "排污口", "电镀")
    kinds = ("新建", "扩建", "改建")
    return [
        site(
            f"网格{k:02d}",
            (MAIN + (k % 9 - 4) * 0.004, 32.1 + (k // 9) * 0.05),
            industries[k % 4],
            kind=kinds[k % 3],
        )
        for k in range(36)
    ]


SITES = designed_sites() + grid_sites()
UNNAMED = next(i for i, s in enumerate(SITES) if s["name"] is None)


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _line(lon: float) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[lon, 32.0], [lon, 32.5]]}


def _layer_files(folder: Path) -> dict[str, Path]:
    x0, y0, x1, y1 = UNIT
    unit_ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    box = [[116.0, 29.0], [122.0, 29.0], [122.0, 35.0], [116.0, 35.0], [116.0, 29.0]]
    return {  # the division first: the layers' coverage is the counties they touch
        "admin_divisions": _write_geojson(
            folder / "admin.geojson",
            [
                _feature(
                    {"type": "Polygon", "coordinates": [box]},
                    adcode=adcode,
                    name=name,
                    level=level,
                )
                for adcode, name, level in (
                    ("320000", "江苏省", "province"),
                    ("321100", "镇江市", "city"),
                    ("321102", "京口区", "county"),
                )
            ],
        ),
        "water_bodies": _write_geojson(
            folder / "water.geojson",
            [
                _feature(_line(MAIN), name="长江", yangtze_class="mainstem", kind="river"),
                _feature(_line(MINOR), name="无名河", yangtze_class="none", kind="river"),
            ],
        ),
        "control_units": _write_geojson(
            folder / "units.geojson",
            [
                _feature(
                    {"type": "Polygon", "coordinates": [unit_ring]},
                    code="ZH320000T1",
                    name="测试重点管控单元",
                    unit_class="重点管控单元",
                    banned_industries="化工",
                    restricted_industries="电镀",
                )
            ],
        ),
        "outfalls": _write_geojson(
            folder / "outfalls.geojson",
            [
                _feature(
                    {"type": "Point", "coordinates": list(OUTFALL)},
                    code="PWK1",
                    name="测试排污口",
                    type="入河",
                )
            ],
        ),
    }


def _cli(url: str, *args: object, exit_code: int = 0) -> Any:
    result = runner.invoke(app, [str(a) for a in args], env={"DATABASE_URL": url, "COLUMNS": "200"})
    assert result.exit_code == exit_code, f"{result.output}\n{result.exception!r}"
    return result


@pytest.fixture(scope="module")
def batch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of this module with the known layers imported (committed)."""
    url = create_database("ecozone_batch")
    try:
        schema.upgrade(url)
        folder = tmp_path_factory.mktemp("batch-layers")
        for collection, path in _layer_files(folder).items():
            _cli(
                url,
                "import",
                path,
                "--collection",
                collection,
                "--release",
                "batch-test",
                "--valid-from",
                "2020-01-01",
            )
        yield url
    finally:
        drop_database(url)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sites as a CSV (lon/lat columns) and as a GeoPackage (points, EPSG:4326)."""
    folder = tmp_path_factory.mktemp("batch-sites")
    csv_path = folder / "sites.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(INPUT_FIELDS)
        for s in SITES:  # str(float) round-trips exactly; a missing value is an empty cell
            writer.writerow(["" if s[f] is None else s[f] for f in INPUT_FIELDS])
    frame = gpd.GeoDataFrame(
        {f: [s[f] for s in SITES] for f in ("name", "industry", "industry_code", "kind")},
        geometry=[Point(s["lon"], s["lat"]) if s["lon"] is not None else None for s in SITES],
        crs="EPSG:4326",
    )
    gpkg_path = folder / "sites.gpkg"
    frame.to_file(gpkg_path, layer="sites", driver="GPKG")
    return {"csv": csv_path, "gpkg": gpkg_path}


def _batch_args(sites_path: Path, out: Path, workers: int, buffer_m: float | None) -> list[str]:
    args = [
        "screen-batch",
        str(sites_path),
        "--out",
        str(out),
        "--as-of",
        AS_OF,
        "--industry",
        DEFAULT_INDUSTRY,
        "--workers",
        str(workers),
    ]
    return [*args, "--buffer-m", str(buffer_m)] if buffer_m is not None else args


def _read(out: Path) -> tuple[list[str], list[dict[str, str]]]:
    with out.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def csv_run(batch_url: str, inputs: dict[str, Path], tmp_path_factory) -> dict[str, Any]:
    """The CSV screened in-process with one connection."""
    out = tmp_path_factory.mktemp("batch-out") / "results-w1.csv"
    result = _cli(batch_url, *_batch_args(inputs["csv"], out, 1, BUFFER_M))
    header, rows = _read(out)
    return {"out": out, "header": header, "rows": rows, "stdout": result.stdout}


@pytest.fixture(scope="module")
def csv_run_2_workers(batch_url: str, inputs: dict[str, Path], tmp_path_factory) -> Path:
    """The same CSV screened by the installed `ecozone` script with two connections."""
    out = tmp_path_factory.mktemp("batch-out") / "results-w2.csv"
    script = Path(sys.executable).with_name("ecozone")
    assert script.exists(), f"the ecozone script is not installed next to {sys.executable}"
    proc = subprocess.run(
        [str(script), *_batch_args(inputs["csv"], out, 2, BUFFER_M)],
        env={**os.environ, "DATABASE_URL": batch_url, "COLUMNS": "200"},
        cwd=out.parent,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def gpkg_rows(batch_url: str, inputs: dict[str, Path], tmp_path_factory) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("batch-out") / "results-gpkg.csv"
    _cli(batch_url, *_batch_args(inputs["gpkg"], out, 2, BUFFER_M), "--layer", "sites")
    return _read(out)[1]


@pytest.fixture(scope="module")
def api(batch_url: str, csv_run: dict[str, Any]) -> Iterator[TestClient]:
    """`POST /screenings` on the batch database, rolled back at the end.

    It needs `csv_run` first: the batch commits the repository rule set, which an
    uncommitted copy from this session would otherwise hold locked.
    """
    engine = create_engine(batch_url)
    application = create_app(
        ApiSettings(_env_file=None), DatabaseSettings(url=batch_url, _env_file=None)
    )
    with engine.connect() as connection:
        outer = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            use_session(application, session)
            with TestClient(application, raise_server_exceptions=False) as client:
                yield client
        outer.rollback()
    engine.dispose()


def _request(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": s["name"] or "site",
        "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
        "industry": s["industry"] or DEFAULT_INDUSTRY,
        "industry_code": s["industry_code"],
        "kind": s["kind"] or "新建",
        "as_of": AS_OF,
        "buffer_m": BUFFER_M,
    }


def _row(rows: list[dict[str, str]], name: str) -> dict[str, str]:
    return next(r for r in rows if r["name"] == name)


def _good(s: dict[str, Any]) -> bool:
    return s["bad"] is None


def test_screen_batch_writes_one_row_per_site_in_input_order(csv_run):
    assert csv_run["header"] == COLUMNS
    rows = csv_run["rows"]
    assert [r["site"] for r in rows] == [str(i + 1) for i in range(len(SITES))]
    assert [r["name"] for r in rows] == [s["name"] or f"site {i + 1}" for i, s in enumerate(SITES)]
    denied = sum(r["verdict"] == "DENY" for r in rows)
    assert f"{len(SITES)} sites screened" in csv_run["stdout"]
    assert f"{denied} DENY" in csv_run["stdout"]


def test_screen_batch_applies_industry_and_kind_defaults(csv_run):
    row = csv_run["rows"][UNNAMED]
    assert (row["industry"], row["kind"], row["error"]) == (DEFAULT_INDUSTRY, "新建", "")


def test_screen_batch_chemical_999m_from_yangtze_denied_by_art_26(csv_run):
    row = _row(csv_run["rows"], "化工999")
    assert row["verdict"] == "DENY"
    assert "R-CJBHF-26-2" in row["deny"].split()


def test_screen_batch_chemical_1001m_from_yangtze_not_denied_by_art_26(csv_run):
    row = _row(csv_run["rows"], "化工1001")
    assert row["verdict"] not in ("DENY", "ERROR")
    assert "R-CJBHF-26-2" not in row["deny"].split()


def test_screen_batch_rows_match_post_screenings(csv_run, api):
    rows = csv_run["rows"]
    compared = 0
    for s, row in zip(SITES, rows, strict=True):
        if not _good(s):
            continue
        response = api.post("/screenings", json=_request(s))
        assert response.status_code == 201, response.text
        body = response.json()
        by_outcome = {
            outcome: " ".join(r["rule_id"] for r in body["results"] if r["outcome"] == outcome)
            for outcome in ("DENY", "REQUIRE", "FLAG")
        }
        nearest: dict[str, float] = {}
        for hit in body["hits"]:
            nearest[hit["collection"]] = min(
                hit["distance_m"], nearest.get(hit["collection"], float("inf"))
            )
        assert (row["verdict"], row["deny"], row["require"], row["flag"]) == (
            body["verdict"],
            by_outcome["DENY"],
            by_outcome["REQUIRE"],
            by_outcome["FLAG"],
        ), row["name"]
        for c in COLLECTIONS:
            cell = row[f"nearest_{c.id}_m"]
            if c.id in nearest:
                assert float(cell) == pytest.approx(nearest[c.id], abs=1e-6), (row["name"], c.id)
            else:
                assert cell == "", (row["name"], c.id)
        compared += 1
    assert compared == sum(map(_good, SITES))
    verdicts = {r["verdict"] for r in rows}
    # every outcome exercised (no PASS: most layers have no release here, so a site where
    # nothing is found is INCOMPLETE, naming them)
    assert {"DENY", "REQUIRE", "FLAG", "INCOMPLETE", "ERROR"} <= verdicts
    incomplete = next(r for r in rows if r["verdict"] == "INCOMPLETE")
    assert "red_lines" in incomplete["not_checked"].split()


def test_screen_batch_nearest_distances_agree_with_geod(csv_run):
    for s, row in zip(SITES, csv_run["rows"], strict=True):
        if not s["nearest"]:
            continue
        for c in NEAR:
            cell = row[f"nearest_{c.id}_m"]
            if c.id in s["nearest"]:
                assert abs(float(cell) - s["nearest"][c.id]) < 1.0, (s["name"], c.id, cell)
            else:
                assert cell == "", (s["name"], c.id)


def test_screen_batch_far_site_has_no_nearest_distances(csv_run):
    row = csv_run["rows"][UNNAMED]
    assert all(row[f"nearest_{c.id}_m"] == "" for c in NEAR)
    assert row["nearest_admin_divisions_m"] == "0.0"  # inside the test division


def test_screen_batch_reports_bad_rows_per_row(csv_run):
    for s, row in zip(SITES, csv_run["rows"], strict=True):
        if _good(s):
            assert row["verdict"] != "ERROR" and row["error"] == "", row
            continue
        assert row["verdict"] == "ERROR", row
        assert row["deny"] == row["require"] == row["flag"] == ""
        assert all(row[f"nearest_{c.id}_m"] == "" for c in COLLECTIONS)
        if s["bad"] == "coordinates":
            assert "NaN" in row["error"]
        else:
            assert s["bad"] in row["error"], row


def test_screen_batch_error_rows_are_sites_the_api_refuses(csv_run, api):
    for s in SITES:
        if s["bad"] in (None, "coordinates"):  # JSON has no NaN to send
            continue
        response = api.post("/screenings", json=_request(s))
        assert response.status_code == 422, (s["name"], response.text)


def test_screen_batch_gpkg_gives_the_csv_rows(csv_run, gpkg_rows):
    assert len(gpkg_rows) == len(csv_run["rows"])
    for s, from_csv, from_gpkg in zip(SITES, csv_run["rows"], gpkg_rows, strict=True):
        if s["bad"] == "coordinates":  # NULL geometry in the GeoPackage, NaN in the CSV
            assert from_gpkg["verdict"] == "ERROR"
            assert from_gpkg["error"] == "geometry is empty."
            assert {**from_gpkg, "error": ""} == {**from_csv, "error": ""}
        else:
            assert from_gpkg == from_csv


def test_screen_batch_one_and_two_workers_give_identical_output(csv_run, csv_run_2_workers):
    assert csv_run_2_workers.read_bytes() == csv_run["out"].read_bytes()


def test_screen_batch_stores_no_screening_but_keeps_the_rule_set(batch_url, csv_run):
    engine = create_engine(batch_url)
    with engine.connect() as conn:
        screenings = conn.scalar(text("SELECT count(*) FROM screenings"))
        rule_sets = conn.scalar(text("SELECT count(*) FROM rule_sets"))
    engine.dispose()
    assert screenings == 0
    assert rule_sets == 1  # committed by the batch: the database was fresh


def test_screen_batch_nearest_is_empty_beyond_the_default_buffer(batch_url, inputs, tmp_path):
    out = tmp_path / "default-buffer.csv"
    _cli(batch_url, *_batch_args(inputs["csv"], out, 2, None))
    rows = _read(out)[1]
    row = _row(rows, "化工999")  # DENY at 999 m, beyond the default 500 m buffer
    assert "R-CJBHF-26-2" in row["deny"].split()
    assert row["nearest_water_bodies_m"] == ""
    assert abs(float(_row(rows, "食品近小河")["nearest_water_bodies_m"]) - 150.0) < 1.0


def test_screen_batch_unreadable_sites_file_fails_without_output(batch_url, tmp_path):
    sites = tmp_path / "no-coordinates.csv"
    sites.write_text("name,industry\n甲,化工\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = _cli(batch_url, "screen-batch", sites, "--out", out, "--as-of", AS_OF, exit_code=2)
    assert "longitude" in result.stderr
    assert not out.exists()


def test_screen_batch_reads_an_excel_sheet_with_chinese_headers_and_writes_excel(
    batch_url, csv_run, tmp_path
):
    """A reviewer's site list as it is kept: an .xlsx with 项目名称/经度/纬度/行业 … headers."""
    from openpyxl import Workbook, load_workbook

    headers = {"name": "项目名称", "lon": "经度", "lat": "纬度", "industry": "行业"}
    headers |= {"industry_code": "行业代码", "kind": "建设性质"}
    book = Workbook()
    sheet = book.active
    sheet.title = "拟建项目"
    sheet.append([headers[f] for f in INPUT_FIELDS])
    for s in SITES:  # numbers as numbers, a missing value as an empty cell
        sheet.append([s[f] for f in INPUT_FIELDS])
    sites = tmp_path / "选址清单.xlsx"
    book.save(sites)
    out = tmp_path / "筛查结果.xlsx"
    result = _cli(batch_url, *_batch_args(sites, out, 1, BUFFER_M), "--layer", "拟建项目")
    assert f"{len(SITES)} sites screened" in result.stdout
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "项目名称", "行业", "建设性质", "筛查结论")
    assert len(rows[0]) == len(COLUMNS)

    def cell(v: object) -> object:  # numbers compared as numbers (999 in Excel, 999.0 in CSV)
        try:
            return float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return "" if v is None else v

    excel = [[cell(v) for v in row] for row in rows[1:]]
    # the CSV's rows; the verdict in words too (DENY · 不予准入), the CSV keeps the code
    words = {**{c: lambda v: v for c in COLUMNS}, "verdict": verdict_text}
    assert excel == [[cell(words[c](r[c])) for c in COLUMNS] for r in csv_run["rows"]]
    assert any(" · " in str(row[4]) for row in rows[1:])
    assert [row[1] for row in rows[1:]] == [r["name"] for r in csv_run["rows"]]


def test_screen_batch_site_known_by_its_code_alone(batch_url, tmp_path):
    """No industry column and no --industry: a site with a GB/T 4754 code is 其他,
    matched by the code (a chemical plant 999 m from the 长江 is denied); one without
    either is an error row naming what is missing."""
    lon, lat = at(MAIN, LAT, 999.0)
    sites = tmp_path / "codes.csv"
    sites.write_text(
        f"name,lon,lat,industry_code\n代码化工,{lon},{lat},C2614\n无行业,{lon},{lat},\n",
        "utf-8",
    )
    out = tmp_path / "codes-out.csv"
    result = _cli(batch_url, "screen-batch", str(sites), "--out", str(out), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    rows = _read(out)[1]
    coded = _row(rows, "代码化工")
    assert (coded["industry"], coded["verdict"]) == ("其他", "DENY")
    assert "R-CJBHF-26-2" in coded["deny"].split()
    assert _row(rows, "无行业")["verdict"] == "ERROR"
    assert "industry or industry_code is required" in _row(rows, "无行业")["error"]


def _sites_csv(path: Path, good: list[tuple[int, dict[str, Any]]], columns: str, xy: Any) -> Path:
    """The sites as a reviewer keeps them: 项目名称, two coordinate ``columns`` (``xy(site)``
    gives their cells), 行业, 行业代码, 建设性质."""
    lines = [f"项目名称,{columns},行业,行业代码,建设性质"]
    for _i, s in good:
        x, y = xy(s)
        lines.append(
            f"{s['name'] or ''},{x},{y},{s['industry'] or ''},{s['industry_code'] or ''},"
            f"{s['kind'] or ''}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _same_rows(rows, good, csv_run, metres: float) -> None:
    """Rows of the sites ``good`` that are those of the lon/lat run, distances within ``metres``."""
    assert len(rows) == len(good)
    for row, (i, _s) in zip(rows, good, strict=True):
        expected = csv_run["rows"][i]
        if expected["nearest_water_bodies_m"] and float(expected["nearest_water_bodies_m"]) == 0:
            continue  # on a river line (网格04): intersects or not by nanometres of projection
        for column in ("name", "industry", "kind", "verdict", "deny", "require", "flag"):
            assert row[column] == expected[column], (column, row, expected)
        for c in COLLECTIONS:
            got, want = row[f"nearest_{c.id}_m"], expected[f"nearest_{c.id}_m"]
            assert (got == "") == (want == ""), (c.id, row, expected)
            if got:
                assert abs(float(got) - float(want)) < metres


def test_screen_batch_reads_a_cgcs2000_table_as_surveyors_write_it(batch_url, csv_run, tmp_path):
    """A site list in CGCS2000 Gauss-Krüger as surveyors keep it: X the northing, Y the
    easting with its zone number (40: EPSG:4528), no CRS given. The rows are those of the
    same sites in lon/lat. The same table read as lon/lat (--crs EPSG:4326) lies outside
    China: the command fails naming the CRS instead of writing a file of error rows."""
    from pyproj import Transformer

    to_gk = Transformer.from_crs(4326, 4528, always_xy=True)

    def surveyed(s: dict[str, Any]) -> tuple[str, str]:
        easting, northing = to_gk.transform(s["lon"], s["lat"])
        assert 40_000_000 < easting < 41_000_000
        return f"{northing:.3f}", f"{easting:.3f}"

    good = [(i, s) for i, s in enumerate(SITES) if _good(s)]
    sites = _sites_csv(tmp_path / "拐点坐标清单.csv", good, "X（m）,Y（m）", surveyed)
    out = tmp_path / "gk-out.csv"
    result = _cli(batch_url, *_batch_args(sites, out, 1, BUFFER_M))
    assert "X 为北坐标" in result.stderr and "EPSG:4528" in result.stderr
    _same_rows(_read(out)[1], good, csv_run, 0.05)  # the millimetres of the projection
    wrong = tmp_path / "wrong-crs.csv"
    result = _cli(
        batch_url, *_batch_args(sites, wrong, 1, BUFFER_M), "--crs", "EPSG:4326", exit_code=2
    )
    assert "坐标系" in result.stderr
    assert not wrong.exists()


@pytest.mark.parametrize(("datum", "note"), [("GCJ-02", "GCJ-02"), ("bd-09", "BD-09")])
def test_import_takes_the_web_map_datums_as_crs(batch_url, tmp_path, datum, note):
    """`ecozone import --crs GCJ-02` (the name the map, `screen` and `screen-batch` take)
    converts as --from-gcj02 does, instead of 'Unknown CRS'. The release starts in 2099, so
    the batch screenings as of 2025 do not see it."""
    from gis.offsets import bd09_to_wgs84, gcj02_to_wgs84
    from layers.ingest.importer import ImportOptions

    # the one place that reads it: the CLI's options and the HTTP import form's
    options = ImportOptions(collection="outfalls", release="r", crs=datum)
    assert options.crs is None
    assert (options.from_gcj02, options.from_bd09) == (note == "GCJ-02", note == "BD-09")
    lon, lat = 120.2856, 31.9214  # 江阴 on a Chinese web map
    path = tmp_path / f"stations-{datum}.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [_feature({"type": "Point", "coordinates": [lon, lat]}, name="站")],
            }
        ),
        encoding="utf-8",
    )
    release = f"web-map-{datum.lower()}"
    result = _cli(
        batch_url,
        *("import", path, "--collection", "monitoring_stations", "--release", release),
        *("--crs", datum, "--valid-from", "2099-01-01"),
    )
    assert f"converted from {note}" in result.stdout
    convert = gcj02_to_wgs84 if note == "GCJ-02" else bd09_to_wgs84
    want_lon, want_lat = convert(np.array([lon]), np.array([lat]))
    engine = create_engine(batch_url)
    with engine.connect() as conn:
        x, y = conn.execute(
            text(
                "SELECT ST_X(s.geom), ST_Y(s.geom) FROM monitoring_stations s "
                "JOIN releases r ON r.id = s.release_id WHERE r.name = :n"
            ),
            {"n": release},
        ).one()
    engine.dispose()
    assert abs(x - float(want_lon[0])) < 1e-6 and abs(y - float(want_lat[0])) < 1e-6
    assert GEOD.inv(lon, lat, x, y)[2] > 300  # a web map's shift, undone


def _dms(value: float) -> str:
    seconds = round(value * 3600, 4)  # rounded first: 59.99999″ is 1′, not 60.0000″
    degrees, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{int(degrees)}°{int(minutes)}′{seconds:.4f}″"


def test_screen_batch_reads_degrees_minutes_seconds(batch_url, csv_run, tmp_path):
    """经度/纬度 cells as EIA tables write them (120°16′12.3456″) give the rows of the same
    sites in decimal degrees; a cell that is neither names its row and column."""
    good = [(i, s) for i, s in enumerate(SITES) if _good(s)][:12]
    dms = _sites_csv(
        tmp_path / "度分秒.csv", good, "经度,纬度", lambda s: (_dms(s["lon"]), _dms(s["lat"]))
    )
    out = tmp_path / "dms-out.csv"
    result = _cli(batch_url, *_batch_args(dms, out, 1, BUFFER_M))
    assert "经度/纬度 按度分秒读取" in result.stderr
    _same_rows(_read(out)[1], good, csv_run, 0.1)
    lines = dms.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad-cell.csv"
    bad.write_text(lines[0] + "\n" + lines[1] + "\n甲,东经一百二十度,31.9,化工,,新建\n", "utf-8")
    result = _cli(batch_url, *_batch_args(bad, tmp_path / "bad-out.csv", 1, BUFFER_M), exit_code=2)
    assert "'经度' (row 3)" in result.stderr
