"""Every shipped rule fires on a fixture built for it (tests/layers/rule_fixtures/*.yaml).

Each file is named after a rule file (``rules/<stem>.yaml``) and maps rule ids to cases.
A case loads an administrative division round the project (``region``: its adcode, as
county, city and province), the layers it lists (features placed in metres east/north of
the project point ``at``), screens the project and checks the rule's outcome (``expect``).
A rule of the rule files without a case on which it fires fails the suite.

    JS-B3:
      - region: "320300"
        at: [117.2, 34.3]
        project: {industry: 钢铁, kind: 新建}
        layers:
          water_bodies:
            - {props: {name: 长江, yangtze_class: mainstem}, line_m: [[-5000, 900], [5000, 900]]}
        expect: DENY

Feature shapes: ``point_m: [e, n]``, ``line_m: [[e, n], …]``, ``square_m: {at: [e, n],
half: m}``. The project is the point ``at`` or, with ``geometry_m: {square: m}``, a square;
``project.outfall_m: [e, n]`` places its outfall; ``rasters: {dem: {slope_deg: 30}}``
imports a 10 m DEM of a plane of that slope round ``at``; ``quality: {air: {PM2.5: 50},
water: {target: III, NH3-N: 1.2}}`` gives the region a station with a year of readings (the
last complete year before ``as_of``; values not named are clean, tests/readings_fixture.py).
``expect: NOT_IN_FORCE`` checks that no version of the rule is in force on the case's ``as_of``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import yaml
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, mapping

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.screening.attainment import quality_year
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.rulesets import read_rule_files
from layers.screening.service import screen
from tests.admin_fixture import load_admin
from tests.raster_fixture import import_test_raster, write_plane
from tests.readings_fixture import load_quality_year

FIXTURES = Path(__file__).parent / "rule_fixtures"
GEOD = Geod(ellps="WGS84")
DEFAULT_AT = (119.0, 32.2)
DEFAULT_AS_OF = date(2025, 6, 30)


def _cases() -> list[tuple[str, str, int, dict[str, Any]]]:
    found = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for rule_id, cases in data.items():
            for i, case in enumerate(cases if isinstance(cases, list) else [cases]):
                found.append((path.stem, str(rule_id), i, case))
    return found


CASES = _cases()


def _offset(at: tuple[float, float], east_m: float, north_m: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(at[0], at[1], 90.0, east_m)
    lon, lat, _ = GEOD.fwd(lon, lat, 0.0, north_m)
    return float(lon), float(lat)


def _square(at: tuple[float, float], centre: list[float], half: float) -> Polygon:
    e, n = centre
    return Polygon(
        [
            _offset(at, e - half, n - half),
            _offset(at, e + half, n - half),
            _offset(at, e + half, n + half),
            _offset(at, e - half, n + half),
        ]
    )


def _shape(at: tuple[float, float], feature: dict[str, Any]) -> Any:
    if "point_m" in feature:
        return Point(_offset(at, *feature["point_m"]))
    if "line_m" in feature:
        return LineString([_offset(at, *p) for p in feature["line_m"]])
    square = feature["square_m"]
    return _square(at, square.get("at", [0, 0]), square["half"])


def _load(session: Any, collection: str, at: tuple[float, float], features: list[Any]) -> None:
    frame = gpd.GeoDataFrame(
        [dict(f.get("props", {})) for f in features],
        geometry=[_shape(at, f) for f in features],
        crs="EPSG:4326",
    )
    import_source(
        session,
        SourceData(frame, frame.crs, "fixture"),
        ImportOptions(collection=collection, release="fixture", valid_from=date(2000, 1, 1)),
        label="fixture",
    )


def _project(case: dict[str, Any], at: tuple[float, float]) -> ProjectInput:
    facts = dict(case.get("project", {}))
    outfall = facts.pop("outfall_m", None)
    size = (case.get("geometry_m") or {}).get("square")
    geometry = _square(at, [0, 0], size) if size else Point(at)
    return ProjectInput(
        name="规则夹具",
        geometry=mapping(geometry),
        industry=facts.pop("industry"),
        kind=facts.pop("kind", "新建"),
        industry_code=facts.pop("industry_code", None),
        tags=tuple(facts.pop("tags", ())),
        as_of=case.get("as_of", DEFAULT_AS_OF),
        buffer_m=facts.pop("buffer_m", 500.0),
        outfall=mapping(Point(_offset(at, *outfall))) if outfall else None,
        **facts,
    )


@pytest.mark.parametrize(
    ("stem", "rule_id", "index", "case"),
    CASES,
    ids=[f"{stem}:{rule_id}:{i}" for stem, rule_id, i, _ in CASES],
)
def test_rule_outcome_on_its_fixture(db_session, tmp_path, stem, rule_id, index, case):
    at = tuple(case.get("at", DEFAULT_AT))
    load_admin(db_session, str(case.get("region", "321102")), at, half_deg=0.6)
    for collection, features in (case.get("layers") or {}).items():
        _load(db_session, collection, at, features)
    if quality := case.get("quality"):
        as_of = case.get("as_of", DEFAULT_AS_OF)
        region = str(case.get("region", "321102"))
        year = quality_year(as_of)
        load_quality_year(db_session, tmp_path, region, at, year, **quality)
    rasters = tmp_path / "rasters"
    for layer, spec in (case.get("rasters") or {}).items():
        plane = write_plane(tmp_path / f"{layer}.tif", at[0], at[1], float(spec["slope_deg"]))
        import_test_raster(db_session, plane, rasters, layer=layer)
    body = screen(db_session, _project(case, at), book=RuleBook(rasters)).body
    results = [r for r in body["results"] if r["rule_id"] == rule_id]
    if case["expect"] == "NOT_IN_FORCE":
        assert results == [], f"{rule_id} is in force on {body['as_of']}"
        return
    assert results, f"{rule_id} is not in force on {body['as_of']} ({stem} case {index})"
    (result,) = results
    assert result["outcome"] == case["expect"], (result.get("reason"), result["evidence"])
    if "offset_t_a" in case:  # a 削减替代 computed from the project's emission
        assert result["offset"]["required_t_a"] == pytest.approx(case["offset_t_a"])
        assert f"≥ {case['offset_t_a']:g} t/a" in result["offset"]["text"]
        assert result["measures"][0] == result["offset"]["text"]  # what every report lists


def test_every_rule_fires_on_a_fixture():
    rule_file, _ = read_rule_files()
    firing = {rule_id for _, rule_id, _, case in CASES if case.get("expect") != "NOT_APPLICABLE"}
    outcomes = {r.id: r.outcome for r in rule_file.rules}
    fired = {
        rule_id
        for _, rule_id, _, case in CASES
        if rule_id in outcomes and case.get("expect") == outcomes[rule_id]
    }
    missing = sorted(set(outcomes) - fired)
    assert not missing, f"rules without a fixture on which they fire: {', '.join(missing)}"
    unknown = sorted(firing - set(outcomes))
    assert not unknown, f"fixtures for unknown rules: {', '.join(unknown)}"
