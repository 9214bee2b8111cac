"""GET /attainment: a year of hourly readings judged by GB 3095/HJ 663 and GB 3838, by hand.

Year 2023 (365 days, CST). Station 1151A (city 3201):
- PM2.5: day i has 24 hours of 30 + i % 10 → annual mean (36·45 + 0+1+2+3+4)/365 + 30
  = 34.4658 → 34 → 达标.
- PM10: 71 on odd days, 70 on even days; day 364 (even, 70) has 19 hours → invalid, so 364
  valid days, 182 × 70 and 182 × 71 → mean 70.5 → GB/T 8170 half to even → 70 → 达标
  (rounding half up would say 71 → 超标).
- SO2: 42 days have 19 hours → 323 valid days → 无效, one day short of 324.
- NO2: 41 every hour → 41 > 40 → 超标.
- CO: day i has 24 hours of i/100 mg/m³ → sorted X(s) = (s − 1)/100; k = 1 + 364·0.95 = 346.8
  → X(346) + (X(347) − X(346))·0.8 = 3.45 + 0.008 = 3.458 → 3.5 → 达标.
- O3: hours ending 09:00 … 16:00 of day i are 100 + 0.2·i, the others 0 → daily max 8-h
  = 100 + 0.2·i; k = 1 + 364·0.9 = 328.6 → 165.4 + 0.2·0.6 = 165.52 → 166 → 超标.
Station 1152A (city 3201) is the same except NO2 = 39 and SO2 complete (10): the city's
daily NO2 is (41 + 39)/2 = 40 → 达标; its SO2 has 365 valid days (1152A's) → 10 → 达标.
Station 2001A (city 3202) has no readings → 无效 with 0 valid days.
"""

from datetime import date, timedelta

import pytest

from layers.ingest.readings import import_readings
from tests.readings_fixture import load_stations

DAYS = 365


def _air_rows(code: str, no2: float, so2_gaps: bool) -> list[str]:
    rows = []
    for i in range(DAYS):
        day = date(2023, 1, 1) + timedelta(days=i)
        for h in range(1, 25):
            t = f"{day.isoformat()} {h:02d}:00"
            o3 = 100 + 0.2 * i if 9 <= h <= 16 else 0
            vals = {
                "PM2.5": 30 + i % 10,
                "NO2": no2,
                "CO": i / 100,
                "O3": round(o3, 1),
            }
            if not (i == 364 and h > 19):
                vals["PM10"] = 71 if i % 2 else 70
            if not (so2_gaps and i < 42 and h > 19):
                vals["SO2"] = 10
            rows += [f"{code},{t},{p},{v}" for p, v in vals.items()]
    return rows


def _water_rows() -> list[str]:
    rows = []
    for m in range(1, 13):
        t = f"2023-{m:02d}-15 10:00"
        # W001 river: DO 6.5 (II), NH3-N 1.2 (IV), TP 0.15 (III), TN 5 (not counted in rivers)
        rows += [
            f"W001,{t},{p},{v}" for p, v in (("DO", 6.5), ("NH3-N", 1.2), ("TP", 0.15), ("TN", 5))
        ]
        # W002 lake: DO 7 (II), TP 0.02 (lake II), TN 0.4 (II)
        rows += [f"W002,{t},{p},{v}" for p, v in (("DO", 7), ("TP", 0.02), ("TN", 0.4))]
    return rows


@pytest.fixture
def year_of_readings(db_session, tmp_path):
    load_stations(db_session)
    f = tmp_path / "year.csv"
    lines = ["station,time,parameter,value", *_air_rows("1151A", 41, True)]
    lines += _air_rows("1152A", 39, False) + _water_rows()
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_readings(db_session, f, "long")


def _pollutants(entry):
    return {p["parameter"]: p for p in entry["pollutants"]}


def test_station_air_statistics_by_hand(client, year_of_readings):
    r = client.get("/attainment", params={"year": 2023, "admin": "3201"})
    assert r.status_code == 200, r.text
    body = r.json()
    stations = {s["code"]: s for s in body["stations"]}
    assert set(stations) == {"1151A", "1152A"}
    p = _pollutants(stations["1151A"])
    assert (p["PM2.5"]["value"], p["PM2.5"]["status"], p["PM2.5"]["valid_days"]) == (
        34,
        "达标",
        365,
    )
    assert (p["PM10"]["value"], p["PM10"]["status"], p["PM10"]["valid_days"]) == (70, "达标", 364)
    assert p["SO2"]["value"] is None and p["SO2"]["status"] == "无效"
    assert p["SO2"]["valid_days"] == 323 and "324" in p["SO2"]["reason"]
    assert (p["NO2"]["value"], p["NO2"]["status"]) == (41, "超标")
    assert (p["CO"]["value"], p["CO"]["status"], p["CO"]["unit"]) == (3.5, "达标", "mg/m³")
    assert (p["O3"]["value"], p["O3"]["status"]) == (166, "超标")
    assert stations["1151A"]["status"] == "超标"


def test_city_is_the_mean_of_its_stations(client, year_of_readings):
    body = client.get("/attainment", params={"year": 2023}).json()
    cities = {c["city"]: c for c in body["cities"]}
    air = _pollutants(cities["3201"]["air"])
    assert (air["NO2"]["value"], air["NO2"]["status"]) == (40, "达标")
    assert (air["SO2"]["value"], air["SO2"]["valid_days"]) == (10, 365)
    assert cities["3201"]["air"]["status"] == "超标"  # O3
    empty = next(s for s in body["stations"] if s["code"] == "2001A")
    assert empty["status"] == "无效"
    assert all(x["valid_days"] == 0 and x["value"] is None for x in empty["pollutants"])


def test_water_class_by_worst_parameter_and_target(client, year_of_readings):
    body = client.get("/attainment", params={"year": 2023}).json()
    stations = {s["code"]: s for s in body["stations"]}
    river = stations["W001"]
    assert river["class"] == "IV" and river["class_label"] == "Ⅳ类"
    assert river["target_met"] is False and river["status"] == "未达标"
    assert river["reasons"] == ["NH3-N 为 Ⅳ类"]
    assert "TN" not in {x["parameter"] for x in river["parameters"]}
    lake = stations["W002"]
    assert lake["class"] == "II" and lake["target_met"] is True
    assert {x["parameter"] for x in lake["parameters"]} == {"DO", "TP", "TN"}
    water = {c["city"]: c for c in body["cities"]}["3202"]["water"]
    assert water == {
        "sections": 2,
        "classified": 2,
        "class_iii_or_better": 1,
        "worse_than_v": 0,
        "with_target": 2,
        "target_met": 1,
    }


def test_readings_flagged_synthetic_are_labelled(client, db_session, year_of_readings, tmp_path):
    f = tmp_path / "2024.csv"
    lines = ["station,time,parameter,value,flag"]
    lines += [
        f"W002,2024-{m:02d}-20 10:00,{p},0.2,synthetic" for m in range(1, 13) for p in ("DO", "TP")
    ]
    lines += [f"1151A,2024-03-01 {h:02d}:00,PM2.5,30," for h in range(1, 25)]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_readings(db_session, f, "long")
    body = client.get("/attainment", params={"year": 2024}).json()
    assert {s["code"] for s in body["stations"] if s["synthetic"]} == {"W002"}
    assert {c["city"]: c["synthetic"] for c in body["cities"]} == {"3201": False, "3202": True}
    # the measured year (no flag) is not labelled
    body = client.get("/attainment", params={"year": 2023}).json()
    assert not any(s["synthetic"] for s in body["stations"] + body["cities"])


@pytest.mark.parametrize(
    ("params", "field"),
    [({"year": 2023, "admin": "32x"}, "admin"), ({"year": 1700}, "year"), ({}, "year")],
)
def test_bad_parameters(client, params, field):
    r = client.get("/attainment", params=params)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field
