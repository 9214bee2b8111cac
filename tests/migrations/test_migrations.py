from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine

from layers import schema
from layers.models import Base
from tests.conftest import create_database, drop_database


def test_models_match_migrations_and_downgrade_works():
    url = create_database("ecozone_mig")
    try:
        schema.upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": alembic_helpers.include_object}
            )
            assert compare_metadata(ctx, Base.metadata) == []
        engine.dispose()
        schema.downgrade(url, "0001")
        schema.upgrade(url)
    finally:
        drop_database(url)
