"""Outfall lifecycle: history order and current stage, the deadline view at two dates, CSV,
problems, and the events import refusing bad rows with nothing written."""

import csv
import io

import pytest
from sqlalchemy import text

from layers.errors import OutfallEventsRejectedError
from layers.ingest.outfall_events import import_outfall_events
from tests.outfall_fixture import load_outfalls


@pytest.fixture
def outfalls(db_session, tmp_path):
    load_outfalls(db_session, tmp_path)


def test_history_in_order_with_current_stage_and_feature(client, outfalls):
    r = client.get("/outfalls/3202-A1/history", params={"as_of": "2024-01-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(e["stage"], e["date"]) for e in body["events"]] == [
        ("排查", "2022-03-01"),
        ("监测", "2022-06-01"),
        ("溯源", "2022-09-01"),
        ("整治", "2023-03-01"),
        ("销号", "2023-11-30"),
    ]
    assert body["events"][-1]["document"] == "锡环〔2023〕12号"
    assert body["current_stage"] == "销号"
    assert body["feature"]["properties"]["code"] == "3202-A1"
    assert body["feature"]["properties"]["hj1312_class"] == "工业排污口"
    assert body["feature"]["geometry"]["type"] == "Point"
    assert body["deadlines"]["remediation"]["due"] == "2023-12-31"  # 太湖
    earlier = client.get("/outfalls/3202-A1/history", params={"as_of": "2022-07-01"}).json()
    assert earlier["current_stage"] == "监测"


def test_history_of_an_outfall_without_events(client, outfalls):
    body = client.get("/outfalls/3207-B2/history").json()
    assert body["events"] == []
    assert body["current_stage"] is None
    assert body["deadlines"]["remediation"]["due"] == "2025-12-31"


def _cities(body):
    return {
        c["city"]: (
            c["outfalls"],
            c["surveyed"],
            c["survey_overdue"],
            c["closed"],
            c["remediation_overdue"],
        )
        for c in body["cities"]
    }


def test_deadlines_at_the_end_of_2023(client, outfalls):
    r = client.get("/outfalls/deadlines", params={"as_of": "2024-01-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert _cities(body) == {"3202": (3, 3, 0, 1, 0), "3207": (2, 0, 2, 0, 0)}
    assert body["totals"]["survey_overdue"] == 2
    stages = {o["code"]: o["stage"] for o in body["items"]}
    assert stages == {
        "3202-A1": "销号",
        "3202-A2": "监测",
        "3202-A3": "溯源",
        "3207-B1": None,
        "3207-B2": None,
    }
    assert body["deadlines"]["survey"]["due"] == "2023-12-31"


def test_deadlines_after_2025(client, outfalls):
    body = client.get("/outfalls/deadlines", params={"as_of": "2026-01-10"}).json()
    assert _cities(body) == {"3202": (3, 3, 0, 1, 2), "3207": (2, 1, 1, 0, 2)}
    progress = {o["code"]: o["progress"] for o in body["items"]}
    assert progress == {
        "3202-A1": "done",
        "3202-A2": "overdue",
        "3202-A3": "overdue",
        "3207-B1": "overdue",
        "3207-B2": "overdue",
    }
    a3 = next(o for o in body["items"] if o["code"] == "3202-A3")
    assert a3["remediation_due"] == "2024-06-30"
    later = client.get("/outfalls/deadlines", params={"as_of": "2026-02-01"}).json()
    assert _cities(later)["3207"][3:] == (1, 1)  # B1 closed (late) on 2026-01-15


def test_deadlines_filtered_by_admin(client, outfalls):
    body = client.get("/outfalls/deadlines", params={"as_of": "2024-01-01", "admin": "3207"}).json()
    assert {o["code"] for o in body["items"]} == {"3207-B1", "3207-B2"}
    assert list(_cities(body)) == ["3207"]


def test_deadlines_csv(client, outfalls):
    r = client.get("/outfalls/deadlines", params={"as_of": "2026-01-10", "f": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["code"], x["stage"], x["remediation_overdue"]) for x in rows] == [
        ("3202-A2", "整治", "True"),
        ("3202-A3", "溯源", "True"),
        ("3202-A1", "销号", "False"),
        ("3207-B1", "排查", "True"),
        ("3207-B2", "", "True"),
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"admin": "32x"}, "admin"),
        ({"admin": "3"}, "admin"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"f": "pdf"}, "f"),
    ],
)
def test_bad_parameters_are_problems(client, outfalls, params, field):
    r = client.get("/outfalls/deadlines", params=params)
    assert r.status_code in (400, 422)
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.text


def test_unknown_outfall_is_404(client, outfalls):
    r = client.get("/outfalls/NOPE/history")
    assert r.status_code == 404
    assert r.json()["field"] == "code"


def test_import_refuses_bad_rows_and_writes_nothing(db_session, outfalls, tmp_path):
    before = db_session.execute(text("SELECT count(*) FROM outfall_events")).scalar_one()
    f = tmp_path / "bad.csv"
    f.write_text(
        "code,stage,date,document,note\n"
        "3207-B2,排查,2024-02-01,,\n"  # good
        "NOPE,排查,2024-02-01,,\n"  # unknown code
        "3207-B2,验收,2024-03-01,,\n"  # unknown stage
        "3207-B2,监测,2024-13-01,,\n"  # not a date
        "3202-A2,溯源,2023-04-01,,\n",  # before its stored 排查 of 2023-05-01
        encoding="utf-8",
    )
    with pytest.raises(OutfallEventsRejectedError) as caught:
        import_outfall_events(db_session, f)
    rows = {(p["row"], p["field"]) for p in caught.value.rows}
    assert rows == {(3, "code"), (4, "stage"), (5, "date"), (6, "date")}
    assert "2023-05-01" in next(p["reason"] for p in caught.value.rows if p["row"] == 6)
    after = db_session.execute(text("SELECT count(*) FROM outfall_events")).scalar_one()
    assert after == before


def test_import_refuses_stages_out_of_order_within_a_file(db_session, outfalls, tmp_path):
    f = tmp_path / "order.csv"
    f.write_text(
        "排污口编码,阶段,日期\n3207-B2,整治,2024-01-01\n3207-B2,排查,2024-06-01\n",
        encoding="utf-8",
    )
    with pytest.raises(OutfallEventsRejectedError) as caught:
        import_outfall_events(db_session, f)
    assert [(p["row"], p["field"]) for p in caught.value.rows] == [(2, "date")]
