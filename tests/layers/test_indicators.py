"""Indicators against the plans' targets on a fixture county (江阴, 320281) with known areas.

The county is a 0.2° square round (120.3, 31.9), also loaded as its city and province.
Areas expected here are computed with pyproj's geodesic polygon area on WGS84, the same
quantity as PostGIS's ``ST_Area(geography)`` (within 1e-4 relative).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from layers.reads.attainment import area_daily_air
from layers.reads.indicators import INDICATORS, indicators, load_targets, target_for
from layers.store.adcodes import adcode_name
from tests.admin_fixture import load_admin
from tests.diff_fixture import load_release
from tests.outfall_fixture import load_outfalls
from tests.readings_fixture import load_quality_year

DOMAIN = Path(__file__).resolve().parents[3] / "shared" / "domain"
GEOD = Geod(ellps="WGS84")
COUNTY = "320281"
CENTER = (120.3, 31.9)
SQUARE = box(120.2, 31.8, 120.4, 32.0)

LAKE = box(120.22, 31.82, 120.26, 31.86)  # natural (湖泊); its west half in a reserve
RESERVE = box(120.20, 31.80, 120.24, 31.88)
RIVER_PARK = box(120.30, 31.90, 120.31, 31.91)  # natural (河流), a 湿地公园: all protected
FISH_POND = box(120.33, 31.83, 120.36, 31.86)  # 人工: not counted at all
RED_2020 = box(120.35, 31.95, 120.39, 31.99)
RED_2023_SMALLER = box(120.35, 31.95, 120.38, 31.99)
RED_2023_LARGER = box(120.34, 31.94, 120.39, 31.99)


def area(geom: BaseGeometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def by_key(body: dict) -> dict[str, dict]:
    return {i["key"]: i for i in body["indicators"]}


def load_county(session) -> None:
    load_admin(session, COUNTY, CENTER, 0.1)


def load_wetlands(session) -> None:
    load_release(
        session,
        "wetlands",
        "wl-2020",
        date(2020, 1, 1),
        [
            {"code": "WL-1", "name": "湖", "category": "湖泊", "geometry": LAKE},
            {
                "code": "WL-2",
                "name": "河",
                "category": "河流",
                "protection_status": "湿地公园",
                "geometry": RIVER_PARK,
            },
            {"code": "WL-3", "name": "塘", "category": "人工", "geometry": FISH_POND},
        ],
    )
    load_release(
        session,
        "protected_areas",
        "pa-2020",
        date(2020, 1, 1),
        [{"code": "PA-1", "name": "保护区", "type": "自然保护区", "geometry": RESERVE}],
    )


def load_red_lines(session, second) -> None:
    load_release(
        session,
        "red_lines",
        "rl-2020",
        date(2020, 1, 1),
        [{"code": "HX-1", "name": "红线", "geometry": RED_2020}],
    )
    if second is not None:
        load_release(
            session,
            "red_lines",
            "rl-2023",
            date(2023, 1, 1),
            [{"code": "HX-1", "name": "红线", "geometry": second}],
        )


def test_targets_file_loads_and_names_known_indicators():
    targets = load_targets()
    assert {t.indicator for t in targets.targets} <= set(INDICATORS)
    assert {t.jurisdiction for t in targets.targets} == {"32", "36", "3207", "320281"}
    assert {adcode_name(t.jurisdiction) for t in targets.targets} == {
        "江苏省",
        "江西省",
        "连云港市",
        "江阴市",
    }
    for t in targets.targets:
        assert t.document.split()[0] in targets.documents, t
        assert t.comparator in ("no_decrease", "qualitative") or t.value is not None, t


def test_every_target_quotes_its_digest_line():
    if not DOMAIN.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: the plan digests are not at {DOMAIN}")
    for t in load_targets().targets:
        name, line = t.source.split(":")
        text = (DOMAIN / name).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert t.quote.strip("「」") in text, f"{t.indicator}/{t.jurisdiction}: {t.source}"


def test_the_most_specific_jurisdiction_gives_the_target():
    assert target_for("pm25_annual_mean", "320281").jurisdiction == "320281"
    assert target_for("pm25_annual_mean", "320706").jurisdiction == "3207"
    assert target_for("pm25_annual_mean", "320102").jurisdiction == "32"
    assert target_for("good_air_days_ratio", "360100").value == 94
    # 江阴's 表2 has no 劣Ⅴ row: Jiangsu's target applies
    assert target_for("section_worse_than_v", "320281").jurisdiction == "32"
    assert target_for("pm25_annual_mean", "110000") is None


def test_wetland_protection_and_red_line_share_on_known_areas(db_session):
    load_county(db_session)
    load_wetlands(db_session)
    load_red_lines(db_session, None)
    body = indicators(db_session, COUNTY, date(2024, 6, 1))
    got = by_key(body)
    assert body["division"]["name"] == f"县{COUNTY}"
    assert body["division"]["area_m2"] == pytest.approx(area(SQUARE), rel=1e-4)

    wet = got["natural_wetland_protection_rate"]
    natural = area(LAKE) + area(RIVER_PARK)
    protected = area(LAKE.intersection(RESERVE)) + area(RIVER_PARK)
    assert wet["details"]["natural_wetland_m2"] == pytest.approx(natural, rel=1e-4)
    assert wet["details"]["protected_natural_wetland_m2"] == pytest.approx(protected, rel=1e-4)
    assert wet["value"] == pytest.approx(protected / natural * 100, abs=0.01)
    # about 52 % against 江阴's 24.8 % (表2 #13, 预期性)
    assert wet["status"] == "达标"
    assert wet["target"]["value"] == 24.8
    assert wet["target"]["binding"] == "预期性"
    assert wet["target"]["baseline_year"] == 2020
    assert wet["target"]["source"] == "jiangyin.md:233"

    share = got["red_line_share"]
    assert share["value"] == pytest.approx(area(RED_2020) / area(SQUARE) * 100, abs=0.01)
    # 江阴's red-line target is 「面积不减少，性质不改变，功能不降低」: no number
    assert share["status"] == "无目标"
    # one release only: 只增不减 cannot be judged
    assert got["red_line_area"]["status"] == "无数据"
    assert got["red_line_area"]["value"] == pytest.approx(area(RED_2020) / 1e6, abs=1e-4)
    assert got["ecological_space_share"]["status"] == "无数据"


def test_a_red_line_release_that_shrinks_fails_only_grows(db_session):
    load_county(db_session)
    load_red_lines(db_session, RED_2023_SMALLER)
    got = by_key(indicators(db_session, COUNTY, date(2024, 6, 1)))
    red = got["red_line_area"]
    assert red["status"] == "未达标"
    change = red["details"]["only_grows"]
    assert change["older"] == "rl-2020"
    assert change["newer"] == "rl-2023"
    assert change["only_grows"] is False
    assert change["lost_m2"] == pytest.approx(area(RED_2020.difference(RED_2023_SMALLER)), rel=1e-3)
    assert "减少" in red["reason"]
    # before the second release took effect, the first one is in force alone
    assert (
        by_key(indicators(db_session, COUNTY, date(2022, 6, 1)))["red_line_area"]["status"]
        == "无数据"
    )


def test_a_red_line_release_that_grows_meets_only_grows(db_session):
    load_county(db_session)
    load_red_lines(db_session, RED_2023_LARGER)
    red = by_key(indicators(db_session, COUNTY, date(2024, 6, 1)))["red_line_area"]
    assert red["status"] == "达标"
    assert red["details"]["only_grows"]["lost_m2"] < 1.0


def test_no_wetland_release_is_no_data_with_the_reason(db_session):
    load_county(db_session)
    load_red_lines(db_session, None)
    wet = by_key(indicators(db_session, COUNTY, date(2024, 6, 1)))[
        "natural_wetland_protection_rate"
    ]
    assert wet["status"] == "无数据"
    assert wet["value"] is None
    assert "湿地" in wet["reason"]
    assert wet["target"]["value"] == 24.8  # the target is still shown


def test_air_and_water_of_the_last_complete_year(db_session, tmp_path):
    load_county(db_session)
    # PM2.5 80 μg/m³ every hour of 2023: IAQI 107 every day → no 优良 day
    load_quality_year(
        db_session,
        tmp_path,
        COUNTY,
        (120.3, 31.9),
        2023,
        air={"PM2.5": 80.0},
        water={"target": "III"},
    )
    got = by_key(indicators(db_session, COUNTY, date(2024, 3, 1)))
    pm = got["pm25_annual_mean"]
    assert pm["value"] == 80
    assert pm["details"]["year"] == 2023
    assert pm["status"] == "未达标"  # > 33 (江阴 表2 #5, 约束性)
    assert pm["target"]["binding"] == "约束性"
    good = got["good_air_days_ratio"]
    assert good["details"]["valid_days"] == 365
    assert good["value"] == 0
    assert good["status"] == "未达标"
    # the section is class Ⅱ: 100 % 优Ⅲ, no 劣Ⅴ
    assert got["section_class_iii_share"]["value"] == 100
    assert got["section_class_iii_share"]["status"] == "达标"
    assert got["section_worse_than_v"]["value"] == 0
    assert got["section_worse_than_v"]["status"] == "达标"
    # as of 2025 the last complete year is 2024: no readings
    later = by_key(indicators(db_session, COUNTY, date(2025, 3, 1)))
    assert later["pm25_annual_mean"]["status"] == "无数据"
    assert "324" in later["pm25_annual_mean"]["reason"]


def test_clean_air_days_are_all_good(db_session, tmp_path):
    load_county(db_session)
    load_quality_year(db_session, tmp_path, COUNTY, (120.3, 31.9), 2023, air={})
    got = by_key(indicators(db_session, COUNTY, date(2024, 3, 1)))
    assert got["good_air_days_ratio"]["value"] == 100
    assert got["good_air_days_ratio"]["status"] == "达标"
    assert got["pm25_annual_mean"]["value"] == 20
    assert got["pm25_annual_mean"]["status"] == "达标"
    # the daily AQI also reads O3's daily maximum 1-hour value (HJ 633-2012)
    stations, series = area_daily_air(db_session, 2023, COUNTY)
    assert stations == 1
    assert len(series["O3_1h"]) == 365
    assert set(series["O3_1h"].values()) == {80.0}


def test_outfall_progress_against_the_deadlines(db_session, tmp_path):
    load_county(db_session)
    load_outfalls(db_session, tmp_path)  # 3202-A2 and 3202-A3 lie in 320281
    on_time = by_key(indicators(db_session, COUNTY, date(2024, 1, 1)))
    assert on_time["outfall_survey_progress"]["value"] == 100
    assert on_time["outfall_survey_progress"]["status"] == "达标"
    assert on_time["outfall_remediation_progress"]["value"] == 0
    assert on_time["outfall_remediation_progress"]["status"] == "达标"  # nothing due yet
    late = by_key(indicators(db_session, COUNTY, date(2026, 1, 10)))
    assert late["outfall_remediation_progress"]["status"] == "未达标"
    assert late["outfall_remediation_progress"]["details"]["remediation_overdue"] == 2


def test_control_units_are_counted_by_class(db_session):
    load_county(db_session)
    load_release(
        db_session,
        "control_units",
        "cu-2020",
        date(2020, 1, 1),
        [
            {
                "code": f"ZH320281{cls}000{i}",
                "name": f"单元{i}",
                "unit_class": name,
                "admin_code": COUNTY,
                "geometry": box(120.2 + i * 0.01, 31.8, 120.205 + i * 0.01, 31.805),
            }
            for i, (cls, name) in enumerate(
                [(1, "优先保护单元"), (2, "重点管控单元"), (2, "重点管控单元"), (3, "一般管控单元")]
            )
        ],
    )
    units = by_key(indicators(db_session, COUNTY, date(2024, 1, 1)))["control_units_by_class"]
    assert units["value"] == 4
    assert units["details"]["by_class"] == {"优先保护单元": 1, "重点管控单元": 2, "一般管控单元": 1}
    assert units["status"] == "无目标"
