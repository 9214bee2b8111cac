"""HTTP contract of /screenings: 201 with the stored screening, GET, list, problem+json 4xx."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import LineString
from sqlalchemy import func, select

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.store.models import Screening
from tests.admin_fixture import load_admin

GEOD = Geod(ellps="WGS84")


@pytest.fixture
def yangtze(db_session) -> int:
    load_admin(db_session, "321102", (119.0, 32.2), half_deg=1.0)
    frame = gpd.GeoDataFrame(
        [{"name": "长江", "yangtze_class": "mainstem", "kind": "river"}],
        geometry=[LineString([(119.0, 32.0), (119.0, 32.5)])],
        crs="EPSG:4326",
    )
    return import_source(
        db_session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(collection="water_bodies", release="api-test", valid_from=date(2020, 1, 1)),
        label="test",
    ).release_id


def body(**kw):
    lon, lat, _ = GEOD.fwd(119.0, 32.2, 90.0, 800.0)
    base = {
        "name": "某化工新建项目",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "crs": "EPSG:4490",
        "industry": "化工",
        "industry_code": "C26",
        "kind": "新建",
        "as_of": "2025-06-30",
        "buffer_m": 1000,
    }
    base.update(kw)
    return base


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Screening))


def test_post_screening_returns_201_with_verdict_and_evidence(client, yangtze):
    response = client.post("/screenings", json=body())
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["id"]
    assert data["created_at"]
    assert data["as_of"] == "2025-06-30"
    assert response.headers["location"] == f"/screenings/{data['id']}"
    assert data["verdict"] == "DENY"
    assert data["project"]["name"] == "某化工新建项目"
    rule = next(r for r in data["results"] if r["rule_id"] == "R-CJBHF-26-2")
    assert rule["outcome"] == "DENY"
    assert rule["citation"]["article"] == "第二十六条第二款"
    assert rule["measures"]
    assert abs(rule["evidence"][0]["distance_m"] - 800.0) < 1.0
    assert {x["collection"] for x in data["layers"]} >= {"water_bodies", "red_lines"}
    assert (
        next(x for x in data["layers"] if x["collection"] == "water_bodies")["release_id"]
        == yangtze
    )
    assert data["hits"][0]["name"] == "长江"


def test_get_and_list_screenings(client, yangtze):
    first = client.post("/screenings", json=body(name="甲")).json()
    second = client.post(
        "/screenings", json=body(name="乙", industry="食品", industry_code=None)
    ).json()
    assert second["verdict"] == "INCOMPLETE"  # no red lines, wetlands … loaded here
    again = client.get(f"/screenings/{first['id']}")
    assert again.status_code == 200
    assert again.json() == first
    listing = client.get("/screenings", params={"limit": 2}).json()
    assert [s["id"] for s in listing["screenings"]] == [second["id"], first["id"]]
    assert (
        client.get("/screenings", params={"limit": 1, "offset": 1}).json()["screenings"][0]["id"]
        == first["id"]
    )


def test_list_screenings_by_name_and_verdict(client, yangtze):
    """A reviewer finds an earlier screening by part of its name and by verdict; `%` and
    `_` in the name are letters, not wildcards; an unknown verdict is a 400 naming it."""
    denied = client.post("/screenings", json=body(name="滨江化工园 100%_扩建")).json()
    other = client.post(
        "/screenings", json=body(name="滨江食品厂", industry="食品", industry_code=None)
    ).json()
    assert (denied["verdict"], other["verdict"]) == ("DENY", "INCOMPLETE")

    def ids(**params):
        listing = client.get("/screenings", params={"limit": 1000, **params}).json()
        assert listing["numberMatched"] == listing["numberReturned"]
        return [s["id"] for s in listing["screenings"]]

    assert ids(q="滨江") == [other["id"], denied["id"]]
    assert ids(q="100%_") == [denied["id"]]
    assert ids(q="100%x") == [] and ids(q="滨江_") == []  # literal, not LIKE patterns
    assert ids(q="滨江", verdict="INCOMPLETE") == [other["id"]]
    assert ids(q="滨江", verdict=["DENY", "INCOMPLETE"]) == [other["id"], denied["id"]]
    every = client.get("/screenings", params={"verdict": "DENY", "limit": 1000}).json()
    assert {s["verdict"] for s in every["screenings"]} == {"DENY"}
    bad = client.get("/screenings", params={"verdict": "MAYBE"})
    assert bad.status_code == 400  # a query parameter, as limit/offset
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["field"].startswith("verdict")  # verdict.0: the first value
    assert "DENY" in bad.json()["detail"]  # the values it may take


def test_get_unknown_screening_404(client):
    response = client.get("/screenings/987654321")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"industry": "炼丹"}, 422, "industry"),
        ({"geometry": {"type": "Polygon", "coordinates": [[1, 2]]}}, 422, "geometry"),
        (
            {"geometry": {"type": "Point", "coordinates": [2.35, 48.85]}, "crs": None},
            422,
            "geometry",
        ),
        ({"crs": "EPSG:999999"}, 400, "crs"),
        ({"buffer_m": -1}, 422, "buffer_m"),
        ({"buffer_m": 60000}, 422, "buffer_m"),
        ({"kind": "拆除"}, 422, "kind"),
    ],
)
def test_bad_input_is_problem_naming_field_and_stores_nothing(
    client, db_session, change, status, field
):
    before = count(db_session)
    response = client.post("/screenings", json=body(**change))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    named = problem.get("field") or " ".join(
        ".".join(map(str, e["loc"])) for e in problem.get("errors", [])
    )
    assert field in named
    if field == "industry":
        assert "化工" in problem["detail"]
    assert count(db_session) == before


@pytest.mark.parametrize(
    ("geometry", "form"),
    [
        ({"type": "Point", "coordinates": [115.9]}, "[x, y]"),
        ({"type": "Point", "coordinates": "115.9,28.6"}, "[x, y]"),
        ({"type": "LineString", "coordinates": [[115.9, 28.6]]}, "at least 2 positions"),
        ({"type": "Polygon", "coordinates": [[115.9, 28.6], [115.91, 28.6]]}, "rings"),
        ({"type": "MultiPolygon", "coordinates": [[[115.9, 28.6]]]}, "polygons of rings"),
        ({"type": "LineString", "coordinates": [[115.9, "北"], [115.91, 28.6]]}, "numbers"),
    ],
)
def test_malformed_coordinates_are_422_saying_the_form(client, db_session, geometry, form):
    """A GeoJSON geometry whose coordinates are not nested as its type needs is a 422 that
    says the form (a line of one position was a 500: GEOS refused it)."""
    before = count(db_session)
    response = client.post("/screenings", json=body(geometry=geometry))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "geometry"
    assert form in problem["detail"] and geometry["type"] in problem["detail"]
    assert "gufunc" not in problem["detail"] and "operand" not in problem["detail"]
    assert count(db_session) == before


def test_self_intersecting_polygon_is_repaired_and_warned(client):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[119, 32], [119.01, 32.01], [119.01, 32], [119, 32.01], [119, 32]]],
    }
    response = client.post("/screenings", json=body(geometry=bowtie))
    assert response.status_code == 201
    assert any("修复" in w for w in response.json()["warnings"])


def test_industries_are_those_of_the_rule_set_screenings_use(client):
    listed = client.get("/industries").json()
    names = [i["name"] for i in listed["industries"]]
    assert "化工" in names and "排污口" in names
    assert next(i for i in listed["industries"] if i["name"] == "化工")["codes"][0].startswith(
        "C26"
    )
    site = {"type": "Point", "coordinates": [120.27, 31.95]}
    body = client.post(
        "/screenings", json={"name": "x", "geometry": site, "industry": "化工", "kind": "新建"}
    ).json()
    assert body["rule_set"]["id"] == listed["rule_set"]["id"]
    refused = client.post(
        "/screenings", json={"name": "x", "geometry": site, "industry": "火电", "kind": "新建"}
    )
    assert refused.status_code == 422
    assert "化工" in refused.json()["detail"]


def test_the_kinds_of_project_are_one_list(client, db_session):
    from layers.screening.rules import KINDS

    assert KINDS == ("新建", "扩建", "改建", "迁建")
    schema = client.get("/api").json()["components"]["schemas"]["ScreeningCreate"]
    assert tuple(schema["properties"]["kind"]["enum"]) == KINDS
    before = count(db_session)
    r = client.post("/screenings", json=body(kind="翻建"))
    assert r.status_code == 422 and r.json()["field"] == "kind"
    assert count(db_session) == before


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"tags": ["不存在的标签"]}, "tags"),
        ({"emissions": {"VOCs": -1}}, "emissions.VOCs"),
        ({"capacity": {"value": 30}}, "capacity.unit"),
        ({"outfall": {"type": "Point", "coordinates": [2.35, 48.85]}}, "outfall"),
        ({"industry": "纺织", "industry_code": "C26"}, "industry_code"),
        # not GB/T 4754-2017 codes: not a code at all, no such 大类, a 大类 of another section
        ({"industry": None, "industry_code": "hello"}, "industry_code"),
        ({"industry": None, "industry_code": "C99"}, "industry_code"),
        ({"industry": "化工", "industry_code": "Z99"}, "industry_code"),
        ({"industry": None, "industry_code": "C47"}, "industry_code"),
        # a rebuild's purpose on a new tailings pond: the exception is for 改建 only
        ({"industry": "尾矿库", "kind": "新建", "tags": ["提升安全环保改建"]}, "tags"),
    ],
)
def test_bad_project_facts_are_422_naming_the_field(client, yangtze, extra, field):
    response = client.post("/screenings", json=body(**extra))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem.get("field") == field or field in str(problem.get("errors")), problem
    assert count_screenings_is_zero(client)


def count_screenings_is_zero(client) -> bool:
    return client.get("/screenings").json()["numberMatched"] == 0


def test_project_facts_are_echoed_and_used(client, yangtze):
    response = client.post(
        "/screenings",
        json=body(emissions={"VOCs": 3.5}, energy_tce=1500, in_park=False, water_m3d=20),
    )
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["project"]["emissions"] == {"VOCs": 3.5}
    assert data["project"]["facts"]["in_park"] is False
    assert "emissions.VOCs" not in data["completeness"]["missing_facts"]
    vocs = next(r for r in data["results"] if r["rule_id"] == "JS-B32")
    assert vocs["outcome"] == "REQUIRE"  # 减二增一, a new chemical project in Jiangsu
    assert vocs["offset"]["required_t_a"] == 7.0  # 2 × 3.5 t/a
    assert vocs["measures"][0] == "需落实VOCs削减替代量 ≥ 7 t/a（2 × 新增排放量 3.5 t/a）"
    stored = client.get(f"/screenings/{data['id']}").json()  # read back as it was returned
    assert next(r for r in stored["results"] if r["rule_id"] == "JS-B32") == vocs


def test_a_project_known_by_its_code_alone_is_screened_as_its_category(client, yangtze, db_session):
    """Other systems know a project by its GB/T 4754 code: ``industry`` may be left out
    (其他, the categories matched by the code); with neither, a 422 names ``industry``."""
    named = client.post("/screenings", json=body()).json()
    by_code = client.post("/screenings", json=body(industry=None, industry_code="C2614"))
    assert by_code.status_code == 201, by_code.text
    data = by_code.json()
    assert (data["industry"], data["industry_code"]) == ("其他", "C2614")
    outcomes = {r["rule_id"]: r["outcome"] for r in data["results"]}
    assert outcomes["R-CJBHF-26-2"] == "DENY"  # a chemical plant 800 m from the 长江
    assert data["verdict"] == named["verdict"] == "DENY"
    # the reports say which category the code was screened as
    import io

    from docx import Document

    from web import router as web_router

    client.app.dependency_overrides[web_router.get_session] = lambda: db_session
    shown = "其他（C2614，按代码归入：化工）"
    html = client.get(f"/screenings/{data['id']}/report")
    assert html.status_code == 200 and shown in html.text
    docx = client.get(f"/screenings/{data['id']}/report.docx")
    cells = {
        c.text for t in Document(io.BytesIO(docx.content)).tables for r in t.rows for c in r.cells
    }
    assert shown in cells
    named_html = client.get(f"/screenings/{named['id']}/report").text
    assert "化工（C26）" in named_html and "按代码归入" not in named_html
    neither = body(industry_code=None)
    del neither["industry"]
    response = client.post("/screenings", json=neither)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "industry"
    assert "GB/T 4754" in response.json()["detail"]


def test_an_as_of_after_today_is_screened_with_a_warning(client, yangtze):
    """A future date is answered with the versions known today, and says so."""
    from datetime import timedelta

    from gis.civil_time import today

    later = (today() + timedelta(days=400)).isoformat()
    data = client.post("/screenings", json=body(as_of=later)).json()
    assert data["as_of"] == later
    assert any(w.startswith(f"现状日期 {later} 晚于今日") for w in data["warnings"])
    now = client.post("/screenings", json=body(as_of=today().isoformat())).json()
    assert not any("晚于今日" in w for w in now["warnings"])


@pytest.mark.parametrize("datum", ["GCJ-02", "bd09"])
def test_lon_lat_from_a_chinese_web_map_is_converted(client, yangtze, datum):
    """Another system holding 高德/百度 coordinates says crs GCJ-02 / BD-09: the project and
    its outfall are screened where they really are (a few hundred metres away)."""
    import numpy as np

    from gis.offsets import bd09_to_wgs84, gcj02_to_wgs84

    lon, lat = 119.01, 32.2
    data = client.post(
        "/screenings",
        json=body(
            geometry={"type": "Point", "coordinates": [lon, lat]},
            outfall={"type": "Point", "coordinates": [lon - 0.002, lat]},
            crs=datum,
        ),
    )
    assert data.status_code == 201, data.text
    data = data.json()
    convert = gcj02_to_wgs84 if datum == "GCJ-02" else bd09_to_wgs84
    want = convert(np.array([lon, lon - 0.002]), np.array([lat, lat]))
    assert data["geometry"]["coordinates"] == pytest.approx([want[0][0], want[1][0]], abs=1e-9)
    # the top level is lon/lat like the project's geometry (the map draws it, the map file
    # measures from it); the request's own coordinates stay under ``project``
    assert data["outfall"]["coordinates"] == pytest.approx([want[0][1], want[1][1]], abs=1e-9)
    assert data["project"]["outfall"]["coordinates"] == [lon - 0.002, lat]
    # … and measured from where it really is: the 长江 (the meridian 119°E) from the outfall
    outfall_lon, outfall_lat = want[0][1], want[1][1]
    [rule] = [r for r in data["results"] if r["rule_id"] == "R-CJBHF-47-OUTFALL"]
    assert rule["outcome"] == "REQUIRE" and rule["measured_from"] == "outfall"
    real = GEOD.inv(outfall_lon, outfall_lat, 119.0, outfall_lat)[2]
    as_given = GEOD.inv(lon - 0.002, lat, 119.0, lat)[2]
    assert abs(rule["evidence"][0]["distance_m"] - real) < 2.0 < abs(real - as_given)
    assert GEOD.inv(lon, lat, *data["geometry"]["coordinates"])[2] > 200  # moved back
    assert any("WGS84" in w for w in data["warnings"] if isinstance(w, str))
    assert data["project"]["crs"] == ("GCJ-02" if datum == "GCJ-02" else "BD-09")


def test_the_word_report_carries_what_a_reviewer_needs(client, yangtze, db_session):
    """The .docx is the report reviewers paste into their EIA: A4, what was not checked,
    the measures and evidence of each rule, the evidence table, layer titles, sources."""
    import io

    from docx import Document

    from web import router as web_router
    from web.report import INCOMPLETE_NOTE

    client.app.dependency_overrides[web_router.get_session] = lambda: db_session
    data = client.post("/screenings", json=body()).json()
    assert data["verdict"] == "DENY" and data["completeness"]["complete"] is False
    document = Document(io.BytesIO(client.get(f"/screenings/{data['id']}/report.docx").content))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    paragraphs = [p.text for p in document.paragraphs]
    assert INCOMPLETE_NOTE in paragraphs
    missing = data["completeness"]["not_checked"][0]["title"]
    assert any(p.startswith(f"· {missing}：") for p in paragraphs)
    assert "七、数据来源与许可" in paragraphs and any(p.startswith("图例：") for p in paragraphs)
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    deny = next(r for r in data["results"] if r["rule_id"] == "R-CJBHF-26-2")
    metres = round(deny["evidence"][0]["distance_m"])
    assert any(c.startswith(deny["measures"][0]) and f"证据：长江（{metres} m" in c for c in cells)
    assert "不符合" in cells and "DENY" not in cells
    assert "水体与岸线" in cells and "water_bodies" not in cells  # layers by their titles
    assert any(c == f"{metres} m" for c in cells)  # the 证据要素 table
