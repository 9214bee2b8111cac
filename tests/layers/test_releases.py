"""As-of selection: the release in force on a date, supersession and retirement."""

from datetime import date

import geopandas as gpd
import shapely

from layers.features import list_features
from layers.importer import ImportOptions, import_file
from layers.releases import release_as_of, retire_release


def _release(session, tmp_path, name: str, valid_from: date, label: str) -> None:
    path = tmp_path / f"{name}.geojson"
    gpd.GeoDataFrame(
        {"名称": [label]}, geometry=[shapely.box(120, 32, 120.01, 32.01)], crs=4326
    ).to_file(path)
    import_file(
        session, path, ImportOptions(collection="red_lines", release=name, valid_from=valid_from)
    )


def test_as_of_picks_the_release_in_force(db_session, tmp_path):
    _release(db_session, tmp_path, "JS-2020", date(2020, 6, 1), "旧红线")
    _release(db_session, tmp_path, "JS-2023", date(2023, 1, 1), "新红线")
    assert release_as_of(db_session, "red_lines", date(2019, 12, 31)) is None
    assert release_as_of(db_session, "red_lines", date(2021, 1, 1)).name == "JS-2020"
    assert release_as_of(db_session, "red_lines", date(2023, 1, 1)).name == "JS-2023"
    page = list_features(db_session, "red_lines", as_of=date(2022, 12, 31))
    assert [f["properties"]["name"] for f in page.features] == ["旧红线"]
    assert page.features[0]["properties"]["release"] == "JS-2020"


def test_retiring_closes_validity_but_keeps_history(db_session, tmp_path):
    _release(db_session, tmp_path, "A", date(2020, 1, 1), "甲")
    _release(db_session, tmp_path, "B", date(2022, 1, 1), "乙")
    retire_release(db_session, "red_lines", "B", date(2024, 1, 1))
    assert release_as_of(db_session, "red_lines", date(2023, 6, 1)).name == "B"
    # after B retires, A (still open) is in force again
    assert release_as_of(db_session, "red_lines", date(2024, 6, 1)).name == "A"
    assert (
        list_features(db_session, "red_lines", as_of=date(2023, 6, 1)).features[0]["properties"][
            "name"
        ]
        == "乙"
    )
