"""screen-batch reads the project facts of each site's row (issue 13)."""

from __future__ import annotations

from datetime import date

from shapely.geometry import Point

from api.cli.screening import _site_projects


def test_fact_columns_become_project_facts():
    records = [
        {
            "name": "甲",
            "industry": "化工",
            "tags": "排放污染物; 危化品码头",
            "in_park": "否",
            "energy_tce": "1200",
            "water_m3d": 35.5,
            "capacity": 30,
            "capacity_unit": "万吨/年",
            "emissions_VOCs": "2.5",
            "emissions_COD": float("nan"),  # an empty cell
        },
        {"name": "乙", "industry": "食品"},
    ]
    first, second = _site_projects(
        records, [Point(119, 32), Point(119.1, 32)], None, "新建", date(2025, 6, 30), 500.0
    )
    assert first.tags == ("排放污染物", "危化品码头")
    assert first.in_park is False
    assert (first.energy_tce, first.water_m3d) == (1200.0, 35.5)
    assert first.capacity == {"value": 30.0, "unit": "万吨/年"}
    assert first.emissions == {"VOCs": 2.5}
    assert (second.tags, second.in_park, second.emissions, second.capacity) == (
        (),
        None,
        None,
        None,
    )


def test_a_fact_that_is_not_a_number_is_kept_for_the_engine_to_refuse():
    (project,) = _site_projects(
        [{"industry": "化工", "emissions_VOCs": "很多"}],
        [Point(119, 32)],
        None,
        "新建",
        date(2025, 6, 30),
        500.0,
    )
    assert project.emissions == {"VOCs": "很多"}
