"""`ecozone import-readings` as a command: a good file is committed, a bad one leaves nothing."""

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.cli import build_cli
from layers.store import schema
from tests.conftest import create_database, drop_database
from tests.readings_fixture import load_stations

runner = CliRunner()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """A migrated database of this module with the fixture stations (committed)."""
    url = create_database("ecozone_readings_cli")
    try:
        schema.upgrade(url)
        engine = create_engine(url)
        with Session(engine) as session:
            load_stations(session)
            session.commit()
        engine.dispose()
        yield url
    finally:
        drop_database(url)


def _count(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM readings")).scalar_one()
    engine.dispose()
    return int(n)


def _run(url: str, *args: str):
    return runner.invoke(
        build_cli(), ["import-readings", *args], env={"DATABASE_URL": url, "COLUMNS": "200"}
    )


def test_wide_file_is_imported_and_committed(url, tmp_path):
    f = tmp_path / "wide.csv"
    f.write_text(
        "站点编码,时间,PM2.5,PM10,AQI\n1151A,2024-01-01 01:00,30,60,40\n"
        "1152A,2024-01-01 01:00,31,,41\n",
        encoding="utf-8",
    )
    result = _run(url, str(f), "--layout", "wide")
    assert result.exit_code == 0, result.output
    assert "导入 3 条读数" in result.output
    assert "跳过空值 1 个" in result.output
    assert _count(url) == 3


def test_bad_rows_are_listed_and_nothing_is_written(url, tmp_path):
    before = _count(url)
    f = tmp_path / "bad.csv"
    f.write_text(
        "station,time,parameter,value\n1151A,2024-02-01 01:00,PM2.5,30\n"
        "NOPE,2024-02-01 01:00,PM2.5,30\n",
        encoding="utf-8",
    )
    result = _run(url, str(f))
    assert result.exit_code == 2
    assert "1 行有误" in result.output
    assert "NOPE" in result.output
    assert _count(url) == before


def test_an_import_over_its_statement_timeout_says_so_and_writes_nothing(url, tmp_path):
    before = _count(url)
    f = tmp_path / "year.csv"
    lines = ["station,time,parameter,value"]
    lines += [
        f"{s},2022-{m:02d}-{d:02d} {h:02d}:00,PM2.5,{h}"
        for s in ("1151A", "1152A")
        for m in range(1, 13)
        for d in range(1, 29)
        for h in range(1, 25)
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        build_cli(),
        ["import-readings", str(f)],
        env={"DATABASE_URL": url, "COLUMNS": "200", "APP_DB_IMPORT_TIMEOUT_MS": "1"},
    )
    assert result.exit_code == 2, result.output
    assert "APP_DB_IMPORT_TIMEOUT_MS" in result.output
    assert "Traceback" not in result.output
    assert _count(url) == before
