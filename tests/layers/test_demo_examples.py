"""The demo loads as releases, and every worked example gets its expected verdict."""

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from layers.demo.load import load_demo
from layers.demo.readings import AIR_CITIES, FLAG, load_readings
from layers.screening.attainment import quality_year
from web.report import quality_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples.geojson"
#: The demo's layer releases: 12 base layers, 6 element control zones, 6 sensitive areas,
#: the sensitive receptors, the 养殖禁养区.
DEMO_LAYERS = 12 + 6 + 6 + 1 + 1


@pytest.fixture
def demo_client(client, db_session, built):
    reports = load_demo(db_session, built)
    assert len(reports) == DEMO_LAYERS
    return client


def test_demo_releases_carry_source_licence_and_synthetic_label(demo_client, db_session):
    rows = db_session.execute(
        text(
            "SELECT collection, synthetic, source, licence, note FROM releases WHERE name = 'demo-2024'"
        )
    ).all()
    # the collections, the province, city, unit and element zone entry lists, and the DEM
    # and land-cover rasters
    assert len(rows) == DEMO_LAYERS + 4 + 2
    assert all(r.source and r.licence for r in rows)
    by_collection = {r.collection: r for r in rows}
    assert by_collection["control_units"].synthetic is True
    assert by_collection["control_units"].note.startswith("合成演示数据（synthetic demo data）")
    assert by_collection["water_bodies"].synthetic is False
    # wetlands mix real lakes and generated marshes: labelled synthetic, per-feature flags kept
    assert by_collection["wetlands"].synthetic is True
    flags = db_session.execute(
        text("SELECT synthetic, count(*) FROM wetlands GROUP BY synthetic")
    ).all()
    assert {f for f, _ in flags} == {True, False}
    units = db_session.execute(text("SELECT count(*) FROM control_units")).scalar_one()
    assert units >= 20_000


def test_every_worked_example_gets_its_expected_verdict(demo_client):
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))["features"]
    assert len(examples) >= 8
    outcomes = {}
    conformity = {}
    targets: dict[str, list[dict]] = {}
    for feature in examples:
        p = feature["properties"]
        response = demo_client.post(
            "/screenings",
            json={
                "name": p["name"],
                "geometry": feature["geometry"],
                "industry": p["industry"],
                "industry_code": p["industry_code"],
                "kind": p["kind"],
                "buffer_m": p["buffer_m"],
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        conformity[feature["id"]] = body["conformity"]
        targets[feature["id"]] = body["protection_targets"]
        triggered = {r["rule_id"] for r in body["results"] if r["outcome"] == body["verdict"]}
        outcomes[feature["id"]] = (
            body["verdict"],
            p["expected_verdict"],
            triggered,
            set(p["expected_rules"]),
        )
    wrong = {k: v for k, v in outcomes.items() if v[0] != v[1]}
    assert wrong == {}
    # every national rule the example was designed around is among those that decided it
    # (an engine rule id may refine it: R-WPL-19 → R-WPL-19-GENERAL)
    for key, (_, _, triggered, expected_rules) in outcomes.items():
        for rule in (r for r in expected_rules if r.startswith("R-") and r != "R-3L1U"):
            assert any(t == rule or t.startswith(rule + "-") for t in triggered), (
                key,
                rule,
                triggered,
            )
    # the entry lists' worked examples: a clause 不符合 (steel in a unit and a province that
    # ban new steel capacity), and one with nothing 不符合, its free-text clauses 需人工核实
    # the chemical plant 300 m from a school: the school heads its 环境保护目标 table
    school = next(t for t in targets["huaian-chemical-school-300m"] if t["type"] == "学校")
    assert school["name"] == "淮安区某中心小学（合成）" and school["synthetic"] is True
    assert (school["bearing"], school["bearing_zh"], school["medium"]) == ("N", "北", "air")
    # the example is screened as its point (buffer_m is the search buffer): 300 m from the
    # 100 m footprint's edge is 400 m from the point
    assert abs(school["distance_m"] - 400) <= 10
    # the town points are real: GeoNames places with their Chinese names are listed
    assert any(t["type"] == "居民区" for k in targets for t in targets[k])
    steel = conformity["xuzhou-steel"]
    assert steel["summary"]["不符合"] >= 2
    assert {d["level"] for d in steel["denied_by"]} == {"province", "unit"}
    assert any("钢铁" in d["text"] for d in steel["denied_by"])
    office = conformity["nanchang-software-office"]
    assert office["summary"]["不符合"] == 0
    assert office["summary"]["需人工核实"] > 0
    levels = [g["level"] for g in office["lists"]]
    assert levels[:2] == ["province", "unit"]  # 南昌 has no city list in the demo
    assert set(levels) <= {"province", "unit", "element"}
    assert office["lists"][0]["scope"] == "360000"
    assert office["synthetic"] is True
    # a 江阴 project shows the province's, the city's (无锡) and its unit's clauses
    jiangyin = conformity["jiangyin-chemical-600m"]
    scopes = [(g["level"], g["scope"]) for g in jiangyin["lists"]]
    assert scopes[:2] == [("province", "320000"), ("city", "320200")]
    assert "unit" in {level for level, _ in scopes}
    city = next(g for g in jiangyin["lists"] if g["level"] == "city")
    assert city["dimensions"][0]["clauses"][0]["source"].startswith("《江阴市“十四五”")
    # the 三线一单 conclusions head every block
    assert [c["title"] for c in jiangyin["three_lines"]] == [
        "生态保护红线",
        "环境质量底线",
        "资源利用上线",
        "生态环境准入清单",
    ]


def test_demo_entry_lists_load_per_level(demo_client, db_session):
    rows = db_session.execute(
        text(
            "SELECT r.collection, r.synthetic, count(e.id) AS n FROM releases r "
            "JOIN entry_list e ON e.release_id = r.id WHERE r.name = 'demo-2024' "
            "GROUP BY r.collection, r.synthetic ORDER BY r.collection"
        )
    ).all()
    assert [(r.collection, r.synthetic) for r in rows] == [
        ("entry_list.city", False),
        ("entry_list.element", True),
        ("entry_list.province", False),
        ("entry_list.unit", True),
    ]
    assert rows[3].n > 100_000
    assert rows[1].n > 500  # a few zones per county, each with its clauses


def test_demo_outfalls_have_synthetic_histories_with_a_mix_of_progress(demo_client, db_session):
    events = db_session.execute(
        text("SELECT count(*), bool_and(synthetic) FROM outfall_events")
    ).one()
    assert events[0] > 1000
    assert events[1] is True
    body = demo_client.get("/outfalls/deadlines", params={"as_of": "2026-11-30"}).json()
    totals = body["totals"]
    assert totals["outfalls"] > 1000
    assert totals["closed"] > totals["outfalls"] / 2  # most closed
    assert 0 < totals["remediation_overdue"] < totals["outfalls"] / 2  # some overdue
    at_2024 = demo_client.get("/outfalls/deadlines", params={"as_of": "2024-01-01"}).json()
    # the layer's status is the stage on the release day
    status = dict(db_session.execute(text("SELECT code, status FROM outfalls")).all())
    assert all(o["stage"] == status[o["code"]] for o in at_2024["items"])
    classes = db_session.execute(
        text("SELECT count(DISTINCT hj1312_class) FROM outfalls")
    ).scalar_one()
    assert classes == 4


def test_demo_readings_make_some_cities_attain_and_some_not(demo_client, db_session):
    year = quality_year(date.today())  # the year a screening run today judges
    flags = db_session.execute(
        text("SELECT flag, count(*), count(DISTINCT station) FROM readings GROUP BY flag")
    ).all()
    assert [f[0] for f in flags] == [FLAG]
    assert 1_000_000 < flags[0][1] < 1_500_000
    response = demo_client.get("/attainment", params={"year": year})
    assert response.status_code == 200, response.text
    cities = {c["city"]: c for c in response.json()["cities"]}
    air = {city: c["air"]["status"] for city, c in cities.items() if "air" in c}
    # every demo city has a year of air readings, judged as the generator's table says
    assert set(air) == set(AIR_CITIES)
    assert air["3202"] == air["3207"] == air["3601"] == air["3607"] == "达标"
    assert air["3201"] == air["3203"] == air["3604"] == "超标"
    assert cities["3203"]["air"]["reasons"] == ["PM2.5 超标", "PM10 超标", "O3 超标"]
    water = {city: c["water"] for city, c in cities.items() if "water" in c}
    missed = {city for city, w in water.items() if w["target_met"] < w["with_target"]}
    assert missed == {"3203", "3213", "3604"}
    assert all(w["with_target"] > 0 for w in water.values())
    # the new emitter at 宝应 (扬州, O3 above the limit): the figures say they are synthetic
    site = next(
        f
        for f in json.loads(EXAMPLES.read_text(encoding="utf-8"))["features"]
        if f["id"] == "baoying-machinery-ozone"
    )
    p = site["properties"]
    body = demo_client.post(
        "/screenings",
        json={
            "name": p["name"],
            "geometry": site["geometry"],
            "industry": p["industry"],
            "industry_code": p["industry_code"],
            "kind": p["kind"],
            "buffer_m": p["buffer_m"],
        },
    ).json()
    rule = next(r for r in body["results"] if r["rule_id"] == "R-EIAREG-11-AIR")
    o3 = next(e for e in rule["evidence"] if e["parameter"] == "O3")
    assert (rule["outcome"], o3["value"], o3["status"], o3["synthetic"]) == (
        "REQUIRE",
        166,
        "超标",
        True,
    )
    floor = next(c for c in body["conformity"]["three_lines"] if c["title"] == "环境质量底线")
    assert "演示合成数据" in floor["finding"]
    assert all("演示合成监测数据" in row["basis"] for row in quality_rows(body))
    # a second load finds the year's synthetic readings and writes none
    assert load_readings(db_session, "demo-2024", 20260630) == 0
