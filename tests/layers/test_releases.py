"""As-of selection: the release in force on a date, supersession and retirement."""

from datetime import date

import geopandas as gpd
import shapely
from sqlalchemy import select

from layers.ingest.importer import ImportOptions, import_file
from layers.reads.cql import release_as_of_subquery
from layers.store.releases import in_force_sql, release_as_of, retire_release


def _release(session, tmp_path, name: str, valid_from: date, label: str) -> None:
    path = tmp_path / f"{name}.geojson"
    gpd.GeoDataFrame(
        {"名称": [label]}, geometry=[shapely.box(120, 32, 120.01, 32.01)], crs=4326
    ).to_file(path)
    import_file(
        session, path, ImportOptions(collection="red_lines", release=name, valid_from=valid_from)
    )


def _names_as_of(client, day: date) -> list[tuple[str, str]]:
    body = client.get("/collections/red_lines/items", params={"datetime": day.isoformat()}).json()
    return [(f["properties"]["name"], f["properties"]["release"]) for f in body["features"]]


def test_as_of_picks_the_release_in_force(client, db_session, tmp_path):
    _release(db_session, tmp_path, "JS-2020", date(2020, 6, 1), "旧红线")
    _release(db_session, tmp_path, "JS-2023", date(2023, 1, 1), "新红线")
    assert release_as_of(db_session, "red_lines", date(2019, 12, 31)) is None
    assert release_as_of(db_session, "red_lines", date(2021, 1, 1)).name == "JS-2020"
    assert release_as_of(db_session, "red_lines", date(2023, 1, 1)).name == "JS-2023"
    assert _names_as_of(client, date(2022, 12, 31)) == [("旧红线", "JS-2020")]
    assert _names_as_of(client, date(2023, 1, 1)) == [("新红线", "JS-2023")]


def test_retiring_closes_validity_but_keeps_history(client, db_session, tmp_path):
    _release(db_session, tmp_path, "A", date(2020, 1, 1), "甲")
    _release(db_session, tmp_path, "B", date(2022, 1, 1), "乙")
    retire_release(db_session, "red_lines", "B", date(2024, 1, 1))
    assert release_as_of(db_session, "red_lines", date(2023, 6, 1)).name == "B"
    # after B retires, A (still open) is in force again
    assert release_as_of(db_session, "red_lines", date(2024, 6, 1)).name == "A"
    assert _names_as_of(client, date(2023, 6, 1)) == [("乙", "B")]
    assert _names_as_of(client, date(2024, 6, 1)) == [("甲", "A")]


def test_every_reader_picks_the_same_release(db_session, tmp_path):
    """The ORM, CQL2's COLLECTION(...) subquery and the hot paths' SQL text agree."""
    _release(db_session, tmp_path, "A", date(2020, 1, 1), "甲")
    _release(db_session, tmp_path, "B", date(2022, 1, 1), "乙")
    _release(db_session, tmp_path, "C", date(2022, 1, 1), "丙")  # same start, later import
    retire_release(db_session, "red_lines", "C", date(2023, 1, 1))
    sql = in_force_sql(("id", "name"), "c", "d")
    assert "%(c)s" in sql and "%(d)s" in sql
    for day, expected in [
        (date(2019, 12, 31), None),
        (date(2020, 1, 1), "A"),
        (date(2022, 1, 1), "C"),
        (date(2022, 12, 31), "C"),
        (date(2023, 1, 1), "B"),
    ]:
        orm = release_as_of(db_session, "red_lines", day)
        rows = db_session.connection().exec_driver_sql(sql, {"c": "red_lines", "d": day}).all()
        cql = db_session.scalar(select(release_as_of_subquery("red_lines", day)))
        assert (orm.name if orm else None) == (rows[0][1] if rows else None) == expected
        assert cql == (orm.id if orm else None)
