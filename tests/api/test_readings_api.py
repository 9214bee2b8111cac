"""GET /stations/{code}/readings: hourly values, daily validity (≥ 20 hours), months, CSV, problems."""

import csv
import io

import pytest

from layers.ingest.readings import import_readings
from tests.readings_fixture import load_stations


@pytest.fixture
def readings(db_session, tmp_path):
    load_stations(db_session)
    lines = ["station,time,parameter,value,unit"]
    # 1 January: 24 hours labelled 01:00 … 24:00 with values 1 … 24 → daily mean 12.5
    lines += [f"1151A,2024-01-01 {h:02d}:00,PM2.5,{h},μg/m³" for h in range(1, 25)]
    # 2 January: 19 hours only → no valid daily mean
    lines += [f"1151A,2024-01-02 {h:02d}:00,PM2.5,100,μg/m³" for h in range(1, 20)]
    # 1 February: 20 hours of 30 → valid
    lines += [f"1151A,2024-02-01 {h:02d}:00,PM2.5,30,μg/m³" for h in range(1, 21)]
    f = tmp_path / "r.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_readings(db_session, f, "long")


def test_hourly_values_keep_their_cnemc_labels(client, readings):
    r = client.get(
        "/stations/1151A/readings",
        params={"parameter": "PM2.5", "from": "2024-01-01", "to": "2024-01-02"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unit"] == "μg/m³"
    times = [v["time"] for v in body["values"]]
    assert len(times) == 24
    assert times[0] == "2024-01-01T01:00:00+08:00"
    assert times[-1] == "2024-01-02T00:00:00+08:00"  # 24:00 ends 1 January's last hour


def test_daily_means_need_20_hours(client, readings):
    r = client.get("/stations/1151A/readings", params={"parameter": "pm25", "interval": "day"})
    days = {v["time"][:10]: (v["value"], v["n"]) for v in r.json()["values"]}
    assert days == {
        "2024-01-01": (12.5, 24),
        "2024-01-02": (None, 19),
        "2024-02-01": (30.0, 20),
    }


@pytest.mark.parametrize("interval", ["day", "month"])
def test_kept_daily_values_and_hourly_readings_give_the_same_series(client, readings, interval):
    """Bounds at CST midnight read the importer's daily values; others the hours: same days."""

    def series(start):
        params = {"parameter": "PM2.5", "interval": interval, "from": start, "to": "2024-03-01"}
        r = client.get("/stations/1151A/readings", params=params)
        assert r.status_code == 200, r.text
        return [(v["time"], v["value"], v["n"]) for v in r.json()["values"]]

    kept = series("2024-01-01")  # midnight: readings_daily
    hourly = series("2023-12-31T23:00:00+08:00")  # an hour earlier (no readings): readings
    assert kept == hourly
    assert len(kept) == (3 if interval == "day" else 2)


def test_months_and_years_short_of_valid_days_have_no_value(client, readings):
    months = client.get(
        "/stations/1151A/readings", params={"parameter": "PM2.5", "interval": "month"}
    ).json()["values"]
    assert [(m["time"], m["value"], m["n"]) for m in months] == [
        ("2024-01-01T00:00:00+08:00", None, 1),
        ("2024-02-01T00:00:00+08:00", None, 1),
    ]
    year = client.get(
        "/stations/1151A/readings", params={"parameter": "PM2.5", "interval": "year"}
    ).json()["values"]
    assert [(y["value"], y["n"]) for y in year] == [(None, 2)]


def test_a_month_needs_27_valid_days_february_25(client, db_session, tmp_path):
    """GB 3095-2012 Table 4: February 2023 with 25 valid days is a month; April with 26 is not."""
    load_stations(db_session)
    days = [f"2023-02-{d:02d}" for d in range(1, 26)] + [f"2023-04-{d:02d}" for d in range(1, 27)]
    lines = ["station,time,parameter,value"]
    for day in days:
        value = 40 if day.startswith("2023-02") else 20
        lines += [f"1152A,{day} {h:02d}:00,NO2,{value}" for h in range(1, 25)]
    f = tmp_path / "months.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_readings(db_session, f, "long")
    months = client.get(
        "/stations/1152A/readings", params={"parameter": "NO2", "interval": "month"}
    ).json()["values"]
    assert [(m["time"][:7], m["value"], m["n"]) for m in months] == [
        ("2023-02", 40.0, 25),
        ("2023-04", None, 26),
    ]


def test_csv(client, readings):
    r = client.get(
        "/stations/1151A/readings",
        params={"parameter": "PM2.5", "interval": "day", "f": "csv"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["time"][:10], x["value"], x["n"]) for x in rows] == [
        ("2024-01-01", "12.5", "24"),
        ("2024-01-02", "", "19"),
        ("2024-02-01", "30.0", "20"),
    ]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"parameter": "Hg"}, 400, "parameter"),
        ({"parameter": "PM2.5", "from": "yesterday"}, 400, "from"),
        ({"parameter": "PM2.5", "to": "9999-12-31T23:59"}, 400, "to"),
        ({"parameter": "PM2.5", "from": "2024-02-01", "to": "2024-01-01"}, 400, "to"),
        ({"parameter": "PM2.5", "interval": "week"}, 400, "interval"),
    ],
)
def test_bad_parameters_are_problems_naming_the_field(client, readings, params, status, field):
    r = client.get("/stations/1151A/readings", params=params)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field


def test_unknown_station_is_404(client, readings):
    r = client.get("/stations/NOPE/readings", params={"parameter": "PM2.5"})
    assert r.status_code == 404
    assert r.json()["field"] == "code"
