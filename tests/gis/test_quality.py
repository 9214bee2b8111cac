"""The standards' statistics: HJ 663 percentile, GB/T 8170 rounding, 8-hour O3, GB 3838 classes."""

import numpy as np
import pytest

from gis.quality import (
    daily_aqi,
    daily_max_8h,
    evaluate_air,
    iaqi,
    parameter_code,
    percentile_hj663,
    round_gbt8170,
    unit_factor,
    water_class,
)


def test_percentile_is_hj663_linear_between_order_statistics():
    values = list(range(10, 0, -1))  # unsorted on purpose
    # k = 1 + (10 − 1)·0.95 = 9.55 → X(9) + (X(10) − X(9))·0.55 = 9 + 0.55
    assert percentile_hj663(values, 95) == pytest.approx(9.55)
    # k = 1 + 9·0.90 = 9.1 → 9.1
    assert percentile_hj663(values, 90) == pytest.approx(9.1)
    assert percentile_hj663([4.0], 95) == 4.0


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(34.5, 0, 34), (35.5, 0, 36), (70.5, 0, 70), (2.25, 1, 2.2), (2.35, 1, 2.4), (2.251, 1, 2.3)],
)
def test_rounding_is_gbt8170_half_to_even(value, digits, expected):
    assert round_gbt8170(value, digits) == expected


def test_daily_max_8h_needs_6_hours_per_window_and_14_windows():
    day = np.zeros(24)
    day[8:16] = 100.0  # hours ending 09:00 … 16:00
    best, count = daily_max_8h(day[None, :])
    assert best[0] == 100.0 and count[0] == 17
    sparse = np.full(24, np.nan)
    sparse[:12] = 50.0  # hours ending 01:00 … 12:00 only
    best, count = daily_max_8h(sparse[None, :])
    # the window ending at e covers e−7 … e, of which 20 − e are ≤ 12: ≥ 6 for e = 8 … 14
    assert count[0] == 7
    assert best[0] == 50.0


def test_a_year_one_day_short_is_invalid_with_the_reason():
    result = evaluate_air("PM2.5", [10.0] * 323)
    assert result.value is None and result.status == "无效"
    assert "323" in str(result.reason) and "324" in str(result.reason)
    assert evaluate_air("PM2.5", [10.0] * 324).status == "达标"


def test_water_classes_by_gb3838():
    assert water_class("NH3-N", 0.5, lake=False) == "II"
    assert water_class("NH3-N", 1.01, lake=False) == "IV"
    assert water_class("DO", 5.5, lake=False) == "III"
    assert water_class("DO", 1.0, lake=False) == "worse_than_V"
    assert water_class("TP", 0.06, lake=True) == "IV"
    assert water_class("TP", 0.06, lake=False) == "II"


def test_parameters_and_units():
    assert parameter_code("pm2.5") == "PM2.5"
    assert parameter_code("臭氧") == "O3"
    assert parameter_code("Hg") is None
    assert unit_factor("CO", "μg/m3") == 0.001
    assert unit_factor("PM10", "mg/m³") == 1000
    assert unit_factor("CO", "ppm") is None
    assert unit_factor("NH3-N", "mg/L") == 1


# --- HJ 633-2012 daily AQI ---


def test_iaqi_interpolates_between_breakpoints_and_rounds_up():
    assert iaqi("PM2.5", 35) == 50
    assert iaqi("PM2.5", 75) == 100  # exactly on a breakpoint: still 良
    assert iaqi("PM2.5", 80) == 107  # 100 + 50/40·5 = 106.25 → 107
    assert iaqi("CO", 0.5) == 13  # 12.5 → 13
    assert iaqi("O3", 160) == 100  # daily maximum 8-hour
    assert iaqi("PM2.5", 600) == 500  # above the table: its last level, a lower bound
    assert iaqi("O3", 900) == 300
    assert iaqi("SO2", -1) is None


def test_daily_aqi_needs_all_six_and_is_the_largest_index():
    clean = {"PM2.5": 20, "PM10": 40, "NO2": 20, "SO2": 8, "CO": 0.5, "O3": 80}
    assert daily_aqi(clean) == 40  # PM10 40 μg/m³ → 40
    assert daily_aqi(clean | {"NO2": 100}) == 110  # 100 + (150 − 100)/(180 − 80)·(100 − 80)
    assert daily_aqi({k: v for k, v in clean.items() if k != "CO"}) is None
    # the daily maximum 1-hour O3 counts when given: 250 → 100 + 50/100·50 = 125
    assert daily_aqi(clean | {"O3_1h": 250}) == 125
