"""Re-checking stored screenings (复核): `GET /screenings/{id}/recheck` and `ecozone recheck`.

A stored screening re-run as of its date with its rule set gives the same answer, unless
something changed under it. Here the change is a correction of the monitoring data after
the screening (the O3 of 南京's stations halved in place): the city attains, and the
regional-offset rule that REQUIRED offsets no longer does. The CLI commits, so the module
makes a database of its own (as tests/api/test_cli_screen_batch.py does).

`ecozone screen` is run here too: its table prints attainment figures as evidence (it
raised ``KeyError: 'collection'`` on any screening with attainment or raster evidence).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.app import create_app
from api.cli import build_cli
from api.settings import ApiSettings
from layers.ingest.readings import import_readings
from layers.screening.recheck import differences, stored_ids
from layers.store.db import DatabaseSettings
from tests.admin_fixture import load_admin
from tests.api.test_attainment import _air_rows, _water_rows
from tests.conftest import migrated_database
from tests.readings_fixture import load_stations

NANJING = (118.9, 32.1)
runner = CliRunner()


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> Iterator[str]:
    """A migrated database with 南京's division, its air stations and a year of readings."""
    with migrated_database("ecozone_recheck") as database_url:
        engine = create_engine(database_url)
        with Session(engine) as session:
            load_admin(session, "320113", NANJING, half_deg=0.2)
            load_stations(session)
            f = tmp_path_factory.mktemp("readings") / "year.csv"
            rows = [*_air_rows("1151A", 41, True), *_air_rows("1152A", 39, False)]
            rows += _water_rows()
            f.write_text("station,time,parameter,value\n" + "\n".join(rows) + "\n", "utf-8")
            import_readings(session, f, "long")
            session.commit()
        engine.dispose()
        yield database_url


def _cli(url: str, *args: str):
    return runner.invoke(
        build_cli(), list(args), env={"DATABASE_URL": url, "COLUMNS": "250"}, catch_exceptions=False
    )


@pytest.fixture(scope="module")
def screened(url, tmp_path_factory) -> int:
    """A 化工 project in 南京 screened with `ecozone screen` as of 2024-06-30; its id."""
    lon, lat = NANJING
    site = tmp_path_factory.mktemp("site") / "site.geojson"
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": mapping(box(lon, lat, lon + 0.01, lat + 0.01)),
    }
    site.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    result = _cli(url, "screen", str(site), "--industry", "化工", "--as-of", "2024-06-30")
    assert result.exit_code == 0, result.output
    # the attainment figure the rule fired on, as evidence in the table, before the others
    assert "R-EIAREG-11-AIR" in result.output
    row = next(line for line in result.output.splitlines() if "R-EIAREG-11-AIR " in line)
    assert "O3 2023 166 / 160 μg/m³ 超标" in row
    assert "(+3 more)" in row
    engine = create_engine(url)
    with engine.connect() as conn:
        screening_id = conn.execute(text("SELECT max(id) FROM screenings")).scalar_one()
    engine.dispose()
    return int(screening_id)


@pytest.fixture
def client(url) -> Iterator[TestClient]:
    settings = ApiSettings(public_reads=True, _env_file=None)
    app = create_app(settings, DatabaseSettings(url=url, _env_file=None))
    with TestClient(app) as c:
        yield c


def test_a_stored_screening_rechecks_identical(client, screened):
    stored = client.get("/screenings").json()["numberMatched"]
    response = client.get(f"/screenings/{screened}/recheck")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["identical"] is True, body["differences"]
    assert body["differences"] == []
    assert body["screening_id"] == screened
    assert body["as_of"] == "2024-06-30"
    assert body["verdict"]["stored"] == body["verdict"]["rechecked"]
    assert body["verdict"]["stored"] in ("REQUIRE", "DENY")
    # nothing is stored by a re-check
    assert client.get("/screenings").json()["numberMatched"] == stored


def test_a_recheck_of_a_missing_screening_is_404(client, screened):
    response = client.get(f"/screenings/{screened + 1000}/recheck")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_correction_under_a_screening_shows_in_its_recheck(url, client, screened):
    assert _cli(url, "recheck", str(screened)).exit_code == 0
    engine = create_engine(url)
    with engine.begin() as conn:  # the O3 of 2023 corrected in place: 南京 attains
        conn.execute(text("UPDATE readings_daily SET value = value / 2 WHERE parameter LIKE 'O3%'"))
    engine.dispose()
    body = client.get(f"/screenings/{screened}/recheck").json()
    assert body["identical"] is False
    rule = {d["field"]: d for d in body["differences"] if d.get("rule_id") == "R-EIAREG-11-AIR"}
    outcome = rule["outcome"]
    assert outcome["part"] == "results"
    assert outcome["path"].startswith("results[R-EIAREG-11-AIR@")
    assert outcome["path"].endswith("].outcome")
    assert (outcome["stored"], outcome["rechecked"]) == ("REQUIRE", "PASS")
    o3 = {e["parameter"]: e for e in rule["evidence"]["rechecked"]}["O3"]
    assert o3["status"] == "达标"
    # the command lists it and fails, for a cron job to notice
    result = _cli(url, "recheck", str(screened))
    assert result.exit_code == 1
    assert "1 screenings re-checked: 0 identical, 1 changed" in result.output
    row = next(line for line in result.output.splitlines() if "R-EIAREG-11-AIR" in line)
    assert "R-EIAREG-11-AIR REQUIRE → PASS" in row


def test_differences_name_the_rule_field_and_list_items():
    stored = {
        "verdict": "DENY",
        "results": [
            {"rule_id": "A", "valid_from": "2020-01-01", "outcome": "DENY", "evidence": [1]},
            {"rule_id": "B", "valid_from": "2020-01-01", "outcome": "PASS", "evidence": []},
        ],
        "hits": [{"id": 1}, {"id": 2}],
        "warnings": ["x", "y"],
    }
    again = {
        "verdict": "PASS",
        "results": [
            {"rule_id": "A", "valid_from": "2020-01-01", "outcome": "PASS", "evidence": []},
            {"rule_id": "B", "valid_from": "2020-01-01", "outcome": "PASS", "evidence": []},
        ],
        "hits": [{"id": 2}, {"id": 3}],
        "warnings": ["y", "x"],
    }
    found = {d["path"]: d for d in differences(stored, again)}
    assert set(found) == {
        "verdict",
        "results[A@2020-01-01].outcome",
        "results[A@2020-01-01].evidence",
        "hits",
        "warnings",
    }
    assert (found["verdict"]["stored"], found["verdict"]["rechecked"]) == ("DENY", "PASS")
    assert found["hits"]["stored"] == [{"id": 1}] and found["hits"]["rechecked"] == [{"id": 3}]
    assert found["warnings"]["note"] == "the same items in another order"
    rule = found["results[A@2020-01-01].outcome"]
    assert (rule["part"], rule["rule_id"], rule["field"]) == ("results", "A", "outcome")
    assert {d["part"] for d in found.values()} == {"verdict", "results", "hits", "warnings"}
    assert list(differences(stored, stored)) == []


def test_recheck_and_the_reports_are_in_the_openapi_document(client, screened):
    paths = client.get("/api").json()["paths"]
    assert "get" in paths["/screenings/{screening_id}/recheck"]
    # a client finds every report of a screening in /api, with its media type
    for path, media in [
        ("report", "text/html"),
        ("report.pdf", "application/pdf"),
        ("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("conformity.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("map.html", "text/html"),
    ]:
        get = paths[f"/screenings/{{screening_id}}/{path}"]["get"]
        assert media in get["responses"]["200"]["content"], (path, get["responses"])
        assert "404" in get["responses"]


def test_a_stored_request_that_cannot_be_screened_again_is_a_409_naming_the_field(
    url, client, screened
):
    engine = create_engine(url)
    with engine.begin() as conn:  # a stored request without its kind (hand-edited, or old)
        broken = conn.execute(
            text(
                "INSERT INTO screenings (name, rule_set_id, verdict, geom, request, result) "
                "SELECT name, rule_set_id, verdict, geom, request - 'kind', result "
                "FROM screenings WHERE id = :id RETURNING id"
            ),
            {"id": screened},
        ).scalar_one()
    engine.dispose()
    response = client.get(f"/screenings/{broken}/recheck")
    assert response.status_code == 409
    problem = response.json()
    assert problem["field"] == "kind" and "cannot be screened again" in problem["detail"]
    result = _cli(url, "recheck", str(broken))
    assert result.exit_code == 1
    assert "1 could not be screened" in result.output


def test_ecozone_screen_takes_the_facts_rules_ask_about(url, tmp_path):
    lon, lat = NANJING
    site = tmp_path / "site.geojson"
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": mapping(box(lon, lat, lon + 0.01, lat + 0.01)),
    }
    site.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    base = ["screen", str(site), "--industry", "化工", "--as-of", "2024-06-30"]
    without = json.loads(_cli(url, *base, "--json").output)
    assert "emissions.VOCs" in without["completeness"]["missing_facts"]
    given = _cli(
        url, *base, "--emission", "VOCs=12.5", "--energy-tce", "6000", "--not-in-park", "--json"
    )
    assert given.exit_code == 0, given.output
    body = json.loads(given.output)
    assert body["emissions"] == {"VOCs": 12.5} and body["in_park"] is False
    assert body["energy_tce"] == 6000
    assert "emissions.VOCs" not in body["completeness"]["missing_facts"]
    outcomes = {r["rule_id"]: r["outcome"] for r in body["results"]}
    assert outcomes["JS-B32"] == "REQUIRE"  # VOCs 减二增一 for a new emitter in Jiangsu
    # the table names the stored screening's report and how to re-check it
    shown = _cli(url, *base, "--emission", "VOCs=12.5")
    assert "report: /screenings/" in shown.output and "re-check: ecozone recheck" in shown.output
    # a malformed option, and a fact the engine refuses, name what to fix
    bad = _cli(url, *base, "--emission", "VOCs")
    assert bad.exit_code == 2 and "KEY=NUMBER" in bad.output
    negative = _cli(url, *base, "--emission", "VOCs=-1")
    assert negative.exit_code == 2 and "emissions.VOCs" in negative.output
    # a project known by its GB/T 4754 code alone; neither the category nor the code: 2
    coded = ["screen", str(site), "--industry-code", "C2614", "--as-of", "2024-06-30"]
    by_code = json.loads(_cli(url, *coded, "--emission", "VOCs=12.5", "--json").output)
    assert (by_code["industry"], by_code["industry_code"]) == ("其他", "C2614")
    assert {r["rule_id"]: r["outcome"] for r in by_code["results"]}["JS-B32"] == "REQUIRE"
    neither = _cli(url, "screen", str(site), "--as-of", "2024-06-30")
    assert neither.exit_code == 2 and "industry_code" in neither.output


def test_ecozone_screen_of_a_corner_file_keeps_its_zone_for_the_reports(url, tmp_path):
    """A 拐点坐标 txt in CGCS2000 zone 39 (南京's 118.8°E lies in zone 40 by its centre):
    the stored screening asks its reports for zone 39, as the map's upload does."""
    from pyproj import Transformer

    lon, lat = NANJING
    to_zone = Transformer.from_crs(4490, 4527, always_xy=True)
    corners = [to_zone.transform(x, y) for x, y in [(lon, lat), (lon + 0.01, lat), (lon + 0.01, lat + 0.01), (lon, lat + 0.01), (lon, lat)]]  # fmt: skip
    site = tmp_path / "拐点坐标.txt"
    site.write_text(
        "".join(f"J{i + 1},{n:.3f},{e:.3f}\n" for i, (e, n) in enumerate(corners)), "utf-8"
    )
    result = _cli(url, "screen", str(site), "--industry", "化工", "--as-of", "2024-06-30", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output[result.output.index("{") :])
    assert body["project"]["report_crs"] == "EPSG:4527"


def test_since_is_a_day_in_beijing_time(url, screened):
    engine = create_engine(url)
    with engine.begin() as conn:  # 2026-03-01 17:00 UTC is 2026-03-02 01:00 北京时间
        late = conn.execute(
            text(
                "INSERT INTO screenings (name, rule_set_id, verdict, geom, request, result, "
                "created_at) SELECT name, rule_set_id, verdict, geom, request, result, "
                "'2026-03-01 17:00:00+00' FROM screenings WHERE id = :id RETURNING id"
            ),
            {"id": screened},
        ).scalar_one()
    with Session(engine) as session:
        assert late in stored_ids(session, date(2026, 3, 2))
        assert late not in stored_ids(session, date(2026, 3, 3))
        assert late in stored_ids(session)
    engine.dispose()


def test_ecozone_screen_reads_a_corner_table_as_the_map_does(url, tmp_path):
    """`ecozone screen 拐点坐标表.csv`: the points in row order are the site's polygon (not
    a multipoint), X the northing and the zone read from Y's zone number, as on the map."""
    from pyproj import Transformer

    to_gk = Transformer.from_crs(4326, 4528, always_xy=True)  # CGCS2000 3° zone 40, CM 120°E
    e, n = to_gk.transform(*NANJING)
    corners = [(n, e), (n, e + 400), (n - 400, e + 400), (n - 400, e), (n, e)]
    table = tmp_path / "拐点坐标表.csv"
    table.write_text(
        "点号,X坐标,Y坐标\n"
        + "\n".join(f"J{i},{x:.3f},{y:.3f}" for i, (x, y) in enumerate(corners)),
        "utf-8",
    )
    result = _cli(
        url, "screen", str(table), "--industry", "化工", "--as-of", "2024-06-30", "--json"
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output[result.output.index("{") :])
    assert body["geometry"]["type"] == "Polygon"
    assert body["project"]["area_m2"] == pytest.approx(160_000, rel=0.01)
    divisions = [d["adcode"] for d in body["jurisdiction"]["divisions"]]
    assert "320113" in divisions  # in 南京, where the file's zone puts it
    # the outfall is given in the file's CRS (easting,northing) and stored in lon/lat
    out_e, out_n = e + 200.0, n - 600.0
    given = _cli(
        url,
        "screen",
        str(table),
        "--industry",
        "化工",
        "--as-of",
        "2024-06-30",
        "--outfall",
        f"{out_e:.3f},{out_n:.3f}",
        "--json",
    )
    assert given.exit_code == 0, given.output
    outfall = json.loads(given.output[given.output.index("{") :])["outfall"]
    lon, lat = Transformer.from_crs(4528, 4326, always_xy=True).transform(out_e, out_n)
    assert outfall["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
