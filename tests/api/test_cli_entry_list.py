"""ecozone import-entry-list: stores a list, and refuses a bad one with row and column, exit 2."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.cli import build_cli
from layers.store.models import EntryClause
from tests.conftest import migrated_database
from tests.entry_fixture import default_wide_rows, load_units, write_wide_xlsx


def test_cli_import_entry_list_then_refusal(tmp_path):
    with migrated_database("ecozone_cli_el") as url:
        engine = create_engine(url)
        try:
            with Session(engine) as session:
                load_units(session)
                session.commit()
            env = {"DATABASE_URL": url, "COLUMNS": "200"}
            good = write_wide_xlsx(tmp_path / "good.xlsx")
            args = ["import-entry-list", str(good), "--release", "R1", "--valid-from", "2023-01-01"]
            result = CliRunner().invoke(build_cli(), args, env=env)
            assert result.exit_code == 0, result.output
            assert "11 clauses" in result.output
            rows = default_wide_rows()
            rows[1][1] = "ZH320281300"
            bad = write_wide_xlsx(tmp_path / "bad.xlsx", rows)
            args = ["import-entry-list", str(bad), "--release", "R2", "--valid-from", "2023-01-01"]
            result = CliRunner().invoke(build_cli(), args, env=env)
            assert result.exit_code == 2
            assert "row 5, column B" in result.output
            with Session(engine) as session:
                assert session.scalar(select(func.count()).select_from(EntryClause)) == 11
        finally:
            engine.dispose()
