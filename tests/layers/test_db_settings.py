import asyncio
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from layers.reads.fastread import make_read_pool
from layers.store.db import DatabaseSettings, make_engine


def test_explicit_url_wins_and_scheme_is_normalised(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://env@h/envdb")
    settings = DatabaseSettings(url="postgresql://x@h/db", _env_file=None)
    assert settings.url == "postgresql+psycopg://x@h/db"


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://env@h/envdb")
    assert DatabaseSettings(_env_file=None).url == "postgresql+psycopg://env@h/envdb"


def test_connections_run_without_jit_and_the_pools_with_generic_plans(database_url):
    """JIT compiled the screening statement at every execution (0.8 s): off everywhere."""
    settings = DatabaseSettings(url=database_url, _env_file=None)
    engine = make_engine(settings)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar_one() == "off"
    engine.dispose()

    async def pooled() -> tuple[str, str]:
        pool = make_read_pool(settings)
        await pool.open()
        try:
            async with pool.connection() as conn:
                jit = await (await conn.execute("SHOW jit")).fetchone()
                mode = await (await conn.execute("SHOW plan_cache_mode")).fetchone()
                return jit[0], mode[0]
        finally:
            await pool.close()

    with ThreadPoolExecutor(1) as worker:  # its own event loop, whatever runs in this thread
        assert worker.submit(asyncio.run, pooled()).result() == ("off", "force_generic_plan")
    on = DatabaseSettings(url=database_url, jit=True, _env_file=None)
    engine = make_engine(on)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar_one() == "on"
    engine.dispose()


def test_engine_connections_parse_json_with_orjson(database_url):
    """A screening's rows are JSON; the engine's connections parse them with orjson."""
    import orjson
    from psycopg.pq import Format

    engine = make_engine(DatabaseSettings(url=database_url, _env_file=None))
    with engine.connect() as conn:
        row = conn.execute(text("""SELECT '{"中": [1, 2.5e3, null]}'::jsonb""")).scalar_one()
        assert row == {"中": [1, 2500.0, None]}
        driver = conn.connection.driver_connection
        for oid in (114, 3802):  # json, jsonb
            loader = driver.adapters.get_loader(oid, Format.TEXT)
            assert loader(oid, driver).loads is orjson.loads
    engine.dispose()
