"""The demo's synthetic readings: deterministic, seasonal, and aimed at each city's figures."""

from datetime import date

import numpy as np
import pytest

from gis.quality import (
    AIR_STATISTICS,
    MIN_8H_PER_DAY,
    MIN_HOURS_PER_DAY,
    class_rank,
    daily_max_8h,
    evaluate_air,
    water_class,
)
from layers.demo.readings import (
    AIR_CITIES,
    AIR_PARAMETERS,
    FLAG,
    Station,
    air_frame,
    air_stations,
    air_year,
    demo_year,
    water_frame,
    water_year,
)
from layers.screening.attainment import quality_year

SEED = 20260630


def _daily(parameter: str, grid: np.ndarray) -> list[float]:
    """The valid daily values the attainment evaluation uses (HJ 663 / GB 3095 Table 4)."""
    if parameter == "O3":
        best, counts = daily_max_8h(grid)
        return best[counts >= MIN_8H_PER_DAY].tolist()
    present = (~np.isnan(grid)).sum(axis=1)
    return np.nanmean(grid[present >= MIN_HOURS_PER_DAY], axis=1).tolist()


def test_same_seed_same_readings_other_seed_other_readings() -> None:
    a = air_year("320102A01", "3201", 2025, SEED)
    b = air_year("320102A01", "3201", 2025, SEED)
    c = air_year("320102A01", "3201", 2025, SEED + 1)
    for p in AIR_PARAMETERS:
        np.testing.assert_array_equal(a[p], b[p])
    assert not np.allclose(np.nan_to_num(a["PM2.5"]), np.nan_to_num(c["PM2.5"]))
    w1 = water_year("320102W01", "II", lake=False, miss=None, year=2025, seed=SEED)
    w2 = water_year("320102W01", "II", lake=False, miss=None, year=2025, seed=SEED)
    assert all(np.array_equal(w1[p], w2[p]) for p in w1)


@pytest.mark.parametrize("city", ["3201", "3202", "3207", "3601", "3607"])
def test_seasonal_and_diurnal_shape(city: str) -> None:
    grids = air_year(f"{city}02A01", city, 2025, SEED)
    pm, o3 = grids["PM2.5"], grids["O3"]
    winter = np.r_[0:59, 334:365]  # December, January, February
    summer = np.r_[151:243]  # June to August
    assert np.nanmean(pm[winter]) > 1.5 * np.nanmean(pm[summer])
    assert np.nanmean(grids["NO2"][winter]) > np.nanmean(grids["NO2"][summer])
    assert np.nanmean(o3[summer]) > 1.5 * np.nanmean(o3[winter])
    by_hour = np.nanmean(o3, axis=0)  # column 14 is the hour ending 15:00
    assert by_hour[12:17].mean() > 2 * by_hour[0:6].mean()
    # a few outages, but far fewer than would invalidate the year
    assert 0 < np.isnan(pm).mean() < 0.03


def test_each_city_gets_the_outcome_of_the_table() -> None:
    for city, (_name, levels) in AIR_CITIES.items():
        grids = air_year(f"{city}01A01", city, 2025, SEED)
        for parameter in AIR_PARAMETERS:
            result = evaluate_air(parameter, _daily(parameter, grids[parameter]))
            assert result.value == pytest.approx(levels.target(parameter), abs=0.051), (
                city,
                parameter,
            )
            limit = AIR_STATISTICS[parameter].limit
            assert result.attained is (levels.target(parameter) <= limit)
    attaining = [c for c, (_n, lv) in AIR_CITIES.items() if lv.pm25 <= 35 and lv.o3 <= 160]
    assert {"3202", "3207", "3601", "3607"} <= set(attaining)
    assert {"3201", "3203", "3604"}.isdisjoint(attaining)


def test_water_meets_the_target_unless_told_to_miss() -> None:
    for target, lake in (("II", False), ("III", True), ("IV", False)):
        ok = water_year("X", target, lake=lake, miss=None, year=2025, seed=SEED)
        assert ("TN" in ok) is lake
        worst = max(
            (water_class(p, float(v.mean()), lake=lake) for p, v in ok.items()), key=class_rank
        )
        assert class_rank(worst) <= class_rank(target)
        missed = water_year("X", target, lake=lake, miss="TP", year=2025, seed=SEED)
        assert class_rank(water_class("TP", float(missed["TP"].mean()), lake=lake)) > class_rank(
            target
        )


def test_frames_are_labelled_synthetic_and_pick_one_air_station_per_city() -> None:
    stations = [
        Station("320205A01", "air", "省控", "320205"),
        Station("320211A02", "air", "市控", "320211"),
        Station("320211A01", "air", "国控", "320211"),
        Station("320102A01", "air", "国控", "320102"),
        Station("320205W01", "surface_water", "国控", "320205", "III", "lake"),
        Station("320205W02", "surface_water", "省控", "320205", "IV", "river"),
    ]
    assert [s.code for s in air_stations(stations)] == ["320102A01", "320211A01"]
    air = air_frame(stations, 2025, SEED)
    assert set(air["站点编码"]) == {"320102A01", "320211A01"}
    assert set(air["标记"]) == {FLAG}
    assert air["时间"].iloc[0] == "2025-01-01 01:00"
    assert air["时间"].iloc[-1] == "2025-12-31 24:00"
    water = water_frame(stations, 2025, SEED)
    assert set(water["标记"]) == {FLAG}
    assert set(water.loc[water["站点编码"] == "320205W01", "参数"]) == {
        "DO",
        "CODMn",
        "NH3-N",
        "TP",
        "TN",
    }
    assert len(water) == 12 * (5 + 4)


def test_demo_year_is_the_screenings_quality_year() -> None:
    for day in (date(2026, 1, 1), date(2026, 12, 31), date(2030, 6, 1)):
        assert demo_year(day) == quality_year(day)
