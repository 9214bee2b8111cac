"""Migrations: one head, up → down → up, and the models equal the migrated schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, inspect, text

from layers.store import schema
from layers.store.models import FEATURE_TABLES, Base
from tests.conftest import create_database, drop_database


def test_single_head():
    heads = ScriptDirectory.from_config(schema.alembic_config("postgresql://unused")).get_heads()
    assert len(heads) == 1


def test_upgrade_downgrade_upgrade():
    url = create_database("ecozone_migr")
    engine = create_engine(url)
    try:
        schema.upgrade(url)
        assert set(FEATURE_TABLES) <= set(inspect(engine).get_table_names())
        schema.downgrade(url, "base")
        remaining = set(inspect(engine).get_table_names()) - {"spatial_ref_sys", "alembic_version"}
        assert remaining == set()
        schema.upgrade(url)
        with engine.connect() as conn:
            srids = conn.execute(
                text(
                    "SELECT f_table_name, srid FROM geometry_columns WHERE f_table_schema = 'public'"
                )
            ).all()
        assert set(FEATURE_TABLES) <= {t for t, _ in srids}
        assert {s for _, s in srids} == {4326}
    finally:
        engine.dispose()
        drop_database(url)


def test_models_match_migrated_schema(engine):
    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and reflected and compare_to is None:
            return False  # PostGIS' own tables
        return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_screening_bodies_are_lz4_compressed(engine):
    """0005: new screenings' request and result are compressed with lz4 (Debian's PostgreSQL has it)."""
    with engine.connect() as conn:
        methods = dict(
            conn.execute(
                text(
                    "SELECT attname, attcompression FROM pg_attribute "
                    "WHERE attrelid = 'screenings'::regclass AND attname IN ('request', 'result')"
                )
            ).all()
        )
    assert methods == {"request": "l", "result": "l"}, methods
