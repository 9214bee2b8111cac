"""GET /indicators: the division's indicators as JSON, and its bad input as problems."""

from datetime import date

import pytest

from tests.admin_fixture import load_admin


def test_indicators_answer_every_indicator_with_a_status(client, db_session):
    load_admin(db_session, "320281", (120.3, 31.9), 0.1)
    r = client.get("/indicators", params={"admin": "320281", "as_of": "2024-06-01"})
    assert r.status_code == 200
    body = r.json()
    assert body["division"]["adcode"] == "320281"
    assert body["as_of"] == "2024-06-01"
    assert body["quality_year"] == 2023
    keys = [i["key"] for i in body["indicators"]]
    assert "natural_wetland_protection_rate" in keys
    assert "good_air_days_ratio" in keys
    # nothing but the division is loaded: every value is missing and says why
    for item in body["indicators"]:
        assert item["status"] == "无数据", item["key"]
        assert item["reason"], item["key"]


def test_a_city_adcode_of_four_digits_is_its_division(client, db_session):
    load_admin(db_session, "320281", (120.3, 31.9), 0.1, valid_from=date(2000, 1, 1))
    body = client.get("/indicators", params={"admin": "3202", "as_of": "2024-06-01"}).json()
    assert body["division"]["adcode"] == "320200"
    assert body["division"]["level"] == "city"


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({}, 400, "admin"),
        ({"admin": "32x"}, 400, "admin"),
        ({"admin": "320"}, 400, "admin"),
        ({"admin": "3202811"}, 400, "admin"),
        ({"admin": "320281", "as_of": "yesterday"}, 400, "as_of"),
        ({"admin": "110000", "as_of": "2024-01-01"}, 404, "admin"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(client, db_session, params, status, field):
    load_admin(db_session, "320281", (120.3, 31.9), 0.1)
    r = client.get("/indicators", params=params)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field


def test_collections_say_which_features_have_readings_and_indicators(client):
    stations = client.get("/collections/monitoring_stations").json()
    assert stations["readings"]["path"] == "/stations/{code}/readings"
    assert "PM2.5" in stations["readings"]["parameters"]["air"]
    assert "NH3-N" in stations["readings"]["parameters"]["surface_water"]
    divisions = client.get("/collections/admin_divisions").json()
    assert divisions["indicators"] == {"path": "/indicators", "code_field": "adcode"}
    assert client.get("/collections/red_lines").json()["indicators"] is None
