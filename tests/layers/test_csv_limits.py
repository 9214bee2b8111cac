"""A CSV's header is bounded before pandas parses it (columns and header length)."""

from __future__ import annotations

import time

import pytest

from layers.errors import ImportFileError
from layers.ingest.files import MAX_CSV_COLUMNS, MAX_CSV_HEADER_CHARS, read_source


def test_a_million_header_columns_is_refused_in_well_under_a_second(tmp_path):
    path = tmp_path / "million.csv"
    path.write_text("lon,lat" + ",c" * 1_000_000 + "\n119,31\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as info:
        read_source(path)
    assert time.perf_counter() - started < 2
    assert info.value.field == "file"


def test_many_columns_within_the_header_length_are_refused_by_count(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("lon,lat" + ",c" * 20_000 + "\n119,31\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="20,002 columns"):
        read_source(path)


def test_a_header_line_over_the_length_cap_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("lon,lat," + "x" * MAX_CSV_HEADER_CHARS + "\n119,31\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="header line"):
        read_source(path)


def test_one_column_over_the_limit_is_refused_and_at_the_limit_read(tmp_path):
    extra = [f"c{i}" for i in range(MAX_CSV_COLUMNS - 2)]
    ok = tmp_path / "ok.csv"
    ok.write_text(",".join(["lon", "lat", *extra]) + "\n" + "119,31" + ",v" * len(extra) + "\n")
    assert len(read_source(ok).frame.columns) == MAX_CSV_COLUMNS - 1  # geometry replaces lon/lat
    over = tmp_path / "over.csv"
    over.write_text(",".join(["lon", "lat", *extra, "one_more"]) + "\n119,31\n")
    with pytest.raises(ImportFileError, match="1,001 columns"):
        read_source(over)
