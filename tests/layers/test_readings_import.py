"""import-readings: long and wide layouts, CST times, units, bad rows refused with row numbers."""

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from layers.errors import ImportFileError, ReadingsRejectedError
from layers.ingest.readings import import_readings
from tests.readings_fixture import load_stations

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


@pytest.fixture
def stations(db_session):
    load_stations(db_session)


def _stored(session, station, parameter, columns="time, value, unit", table="readings", by="time"):
    return session.execute(
        text(f"SELECT {columns} FROM {table} WHERE station = :s AND parameter = :p ORDER BY {by}"),
        {"s": station, "p": parameter},
    ).all()


def test_long_csv_naive_times_are_china_standard_time(db_session, stations, tmp_path):
    f = tmp_path / "long.csv"
    f.write_text(
        "站点编码,时间,参数,值,单位\n"
        "1151A,2024-01-01 01:00,PM2.5,35,μg/m³\n"
        "1151A,2024-01-01 02:00:00+08:00,细颗粒物,36,ug/m3\n"
        "1151A,2024-01-01 24:00,CO,1200,μg/m³\n"
        "1151A,2024-01-01 03:00,SO2,,μg/m³\n",
        encoding="utf-8",
    )
    report = import_readings(db_session, f, "long")
    assert report.rows == 3
    assert report.skipped_missing == 1
    assert report.years == [2024]
    pm = _stored(db_session, "1151A", "PM2.5")
    assert [r.time for r in pm] == [
        datetime(2023, 12, 31, 17, tzinfo=UTC),
        datetime(2023, 12, 31, 18, tzinfo=UTC),
    ]
    assert [r.value for r in pm] == [35, 36]
    co = _stored(db_session, "1151A", "CO")
    # 24:00 of 1 January is 00:00 of 2 January (CST); μg/m³ converted to mg/m³
    assert co[0].time == datetime(2024, 1, 1, 16, tzinfo=UTC)
    assert co[0].value == pytest.approx(1.2)
    assert co[0].unit == "mg/m³"


def test_wide_xlsx_cnemc_style(db_session, stations, tmp_path):
    f = tmp_path / "wide.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        ["监测点编码", "时间", "AQI", "PM2.5", "PM10", "SO2", "NO2", "O3", "CO(mg/m³)", "PM2.5_24h"]
    )
    ws.append(["1151A", "2025-03-01 01:00", 50, 30, 60, 8, 25, 70, 0.6, 31])
    ws.append(["1152A", "2025-03-01 01:00", 51, 31, None, 9, 26, 71, 0.7, 32])
    wb.save(f)
    report = import_readings(db_session, f, "wide")
    assert report.rows == 11  # 12 cells, one empty
    assert report.skipped_missing == 1
    assert set(report.skipped_columns) == {"AQI", "PM2.5_24h"}
    assert [r.value for r in _stored(db_session, "1152A", "CO")] == [0.7]
    partitions = (
        db_session.execute(
            text(
                "SELECT relname FROM pg_inherits JOIN pg_class c ON c.oid = inhrelid "
                "WHERE inhparent = 'readings'::regclass"
            )
        )
        .scalars()
        .all()
    )
    assert "readings_y2025" in partitions


def test_bad_rows_are_reported_by_row_and_nothing_is_loaded(db_session, stations, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(
        "station,time,parameter,value,unit\n"
        "1151A,2024-05-01 01:00,PM2.5,35,μg/m³\n"  # row 2: fine
        "9999X,2024-05-01 01:00,PM2.5,35,μg/m³\n"  # row 3: unknown station
        "1151A,2024-05-01 01:00,PM2.5,36,μg/m³\n"  # row 4: duplicate of row 2
        "1151A,2024-05-01 02:00,PM2.5,-3,μg/m³\n"  # row 5: negative
        "1151A,2024-05-01 02:00,CO,1,ppm\n"  # row 6: unit not understood
        "1151A,2024-05-01 02:00,Hg,1,μg/m³\n"  # row 7: unknown parameter
        "1151A,yesterday,NO2,1,μg/m³\n"  # row 8: bad time
        "1151A,2024-05-01 03:00,NO2,abc,μg/m³\n",  # row 9: not a number
        encoding="utf-8",
    )
    with pytest.raises(ReadingsRejectedError) as info:
        import_readings(db_session, f, "long")
    by_row = {r["row"]: (r["field"], r["reason"]) for r in info.value.rows}
    assert info.value.count == 7
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9]
    assert by_row[3][0] == "station" and "9999X" in by_row[3][1]
    assert "第 2 行" in by_row[4][1]
    assert by_row[5][0] == "value" and "物理范围" in by_row[5][1]
    assert by_row[6][0] == "unit" and "ppm" in by_row[6][1]
    assert by_row[7][0] == "parameter" and "Hg" in by_row[7][1]
    assert by_row[8][0] == "time"
    assert by_row[9][0] == "value" and "abc" in by_row[9][1]
    db_session.rollback()
    assert db_session.execute(text("SELECT count(*) FROM readings")).scalar() == 0


def test_a_reading_already_stored_is_refused(db_session, stations, tmp_path):
    f = tmp_path / "one.csv"
    f.write_text("station,time,parameter,value\n1151A,2024-06-01 01:00,O3,80\n", encoding="utf-8")
    import_readings(db_session, f, "long")
    with pytest.raises(ReadingsRejectedError) as info:
        import_readings(db_session, f, "long")
    assert info.value.rows[0]["row"] == 2
    assert "已入库" in info.value.rows[0]["reason"]


def test_wide_unknown_column_names_it(db_session, stations, tmp_path):
    f = tmp_path / "wide.csv"
    f.write_text("站点,时间,PM2.5,汞\n1151A,2024-01-01 01:00,3,1\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="汞"):
        import_readings(db_session, f, "wide")


def test_a_second_file_adds_to_the_year_partition(db_session, stations, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text(
        "station,time,parameter,value\n1151A,2024-06-01 01:00,O3,80\n", encoding="utf-8"
    )
    second = tmp_path / "b.csv"
    second.write_text(
        "station,time,parameter,value\n1151A,2024-06-01 02:00,O3,81\n1151A,2023-06-01 02:00,O3,9\n",
        encoding="utf-8",
    )
    import_readings(db_session, first, "long")  # new partition: filled, indexed, attached
    report = import_readings(db_session, second, "long")  # 2024 through the parent, 2023 new
    assert report.years == [2023, 2024]
    assert [r.value for r in _stored(db_session, "1151A", "O3")] == [9, 80, 81]
    indexes = (
        db_session.execute(
            text("SELECT indexdef FROM pg_indexes WHERE tablename = 'readings_y2024'")
        )
        .scalars()
        .all()
    )
    assert indexes == [
        "CREATE UNIQUE INDEX readings_y2024_pkey ON public.readings_y2024 "
        'USING btree (station, parameter, "time")'
    ]


def _daily(session, station, parameter):
    return _stored(session, station, parameter, "day, value, n", "readings_daily", "day")


def test_daily_values_are_recomputed_for_the_days_an_import_touches(db_session, stations, tmp_path):
    morning = tmp_path / "am.csv"
    morning.write_text(
        "station,time,parameter,value\n"
        + "".join(f"1151A,2024-03-05 {h:02d}:00,PM2.5,{h}\n" for h in range(1, 13)),
        encoding="utf-8",
    )
    evening = tmp_path / "pm.csv"
    evening.write_text(
        "station,time,parameter,value\n"
        + "".join(f"1151A,2024-03-05 {h:02d}:00,PM2.5,{h}\n" for h in range(13, 25)),
        encoding="utf-8",
    )
    import_readings(db_session, morning, "long")
    [(day, value, n)] = _daily(db_session, "1151A", "PM2.5")
    assert (day.isoformat(), value, n) == ("2024-03-05", pytest.approx(6.5), 12)
    import_readings(db_session, evening, "long")  # the same day: recomputed with all 24 hours
    [(day, value, n)] = _daily(db_session, "1151A", "PM2.5")
    assert (day.isoformat(), value, n) == ("2024-03-05", pytest.approx(12.5), 24)


def test_o3_daily_max_8h_kept_and_equal_to_the_migration_backfill(db_session, stations, tmp_path):
    """The importer's O3 and mean daily values equal migration 0018's SQL snapshot of them."""
    rows = ["station,time,parameter,value"]
    for day in (1, 2):
        for h in range(1, 25):
            if day == 2 and h in (3, 4, 5, 11, 12, 13, 14, 15):  # gaps: some windows invalid
                continue
            rows.append(f"1151A,2024-07-0{day} {h:02d}:00,O3,{50 + 3 * h + day}")
            rows.append(f"1151A,2024-07-0{day} {h:02d}:00,NO2,{20 + h}")
    f = tmp_path / "o3.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_readings(db_session, f, "long")
    o3 = _daily(db_session, "1151A", "O3_8h")
    # day 1: windows ending 8 … 24 all complete; the last (hours 17 … 24) is the highest
    assert o3[0].n == 17
    assert o3[0].value == pytest.approx(sum(50 + 3 * h + 1 for h in range(17, 25)) / 8)
    assert o3[1].n < 17
    kept = db_session.execute(
        text("SELECT station, parameter, day, value, n FROM readings_daily ORDER BY 1, 2, 3")
    ).all()
    path = next(MIGRATIONS.glob("*_0018_readings_daily.py"))
    spec = importlib.util.spec_from_file_location("migration_0018", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db_session.execute(text("DELETE FROM readings_daily"))
    db_session.execute(text(migration._BACKFILL_MEANS))
    db_session.execute(text(migration._BACKFILL_O3))
    backfilled = db_session.execute(
        text("SELECT station, parameter, day, value, n FROM readings_daily ORDER BY 1, 2, 3")
    ).all()
    assert [r[:3] for r in backfilled] == [r[:3] for r in kept]
    assert [r.n for r in backfilled] == [r.n for r in kept]
    assert [r.value for r in backfilled] == pytest.approx([r.value for r in kept])


def test_daily_means_equal_sql_avg_in_time_order_with_stored_hours(db_session, stations, tmp_path):
    """The importer's daily means (numpy) are exactly SQL's avg() of the day's hours in time order,
    counting the hours a previous import stored on the same day."""
    first = ["station,time,parameter,value"]
    second = ["station,time,parameter,value"]
    for i in range(48):  # two days; every third hour in the first file, the rest in the second
        day, hour = divmod(i, 24)
        co = 0.1 * ((7 * i) % 13) + 0.07  # not exact in binary: the summation order shows
        for station in ("1151A", "2001A"):
            for parameter, value in (("CO", co), ("NO2", co * 100)):
                line = f"{station},2024-03-0{5 + day} {hour + 1:02d}:00,{parameter},{value!r}"
                (first if i % 3 == 0 else second).append(line)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("\n".join(first) + "\n", encoding="utf-8")
    b.write_text("\n".join(second) + "\n", encoding="utf-8")
    import_readings(db_session, a, "long")
    import_readings(db_session, b, "long")
    kept = db_session.execute(
        text("SELECT station, parameter, day, value, n FROM readings_daily ORDER BY 1, 2, 3")
    ).all()
    in_sql = db_session.execute(
        text(
            "SELECT station, parameter, ((time - interval '1 hour') AT TIME ZONE 'Asia/Shanghai')::date,"
            " avg(value ORDER BY time), count(*) FROM readings GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        )
    ).all()
    assert len(kept) == 8  # 2 stations × 2 parameters × 2 days
    assert [tuple(r) for r in kept] == [tuple(r) for r in in_sql]  # exactly, not approximately
    assert {r.n for r in kept} == {24}


def test_rows_of_varying_text_lengths_and_flags_are_stored_as_given(db_session, stations, tmp_path):
    """The binary COPY groups rows by the byte lengths of their texts; every row lands intact."""
    flags = ["", "H", "标记", "", "", "BB"]
    lines = ["station,time,parameter,value,unit,flag"]
    expected = set()
    for h in range(1, 25):
        flag = flags[h % len(flags)]
        lines.append(f"1151A,2024-05-01 {h:02d}:00,PM2.5,{h},μg/m³,{flag}")
        lines.append(f"W001,2024-05-01 {h:02d}:00,DO,{h / 4},mg/L,{flag}")
        expected |= {("1151A", "PM2.5", h, float(h), "μg/m³", flag)}
        expected |= {("W001", "DO", h, h / 4, "mg/L", flag)}
    f = tmp_path / "flags.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert import_readings(db_session, f, "long").rows == 48
    stored = db_session.execute(
        text(
            "SELECT station, parameter, "
            "extract(hour FROM time AT TIME ZONE 'Asia/Shanghai')::int, value, unit, flag "
            "FROM readings"
        )
    ).all()
    as_hours = {(s, p, 24 if h == 0 else h, v, u, fl) for s, p, h, v, u, fl in stored}
    assert len(stored) == 48
    assert as_hours == expected


def test_a_station_code_with_spaces_is_the_same_station_and_a_duplicate(
    db_session, stations, tmp_path
):
    f = tmp_path / "spaces.csv"
    f.write_text(
        "station,time,parameter,value\n1151A,2024-06-01 01:00,O3,80\n 1151A ,2024-06-01 01:00,O3,81\n",
        encoding="utf-8",
    )
    with pytest.raises(ReadingsRejectedError) as info:
        import_readings(db_session, f, "long")
    assert [(r["row"], r["field"]) for r in info.value.rows] == [(3, "time")]
    assert "第 2 行" in info.value.rows[0]["reason"]


def test_a_station_code_with_spaces_counts_in_the_same_daily_value(db_session, stations, tmp_path):
    f = tmp_path / "spaces.csv"
    f.write_text(
        "station,time,parameter,value\n1151A,2024-06-01 01:00,NO2,10\n 1151A,2024-06-01 02:00,NO2,20\n",
        encoding="utf-8",
    )
    assert import_readings(db_session, f, "long").rows == 2
    [(day, value, n)] = _daily(db_session, "1151A", "NO2")
    assert (day.isoformat(), value, n) == ("2024-06-01", 15.0, 2)
