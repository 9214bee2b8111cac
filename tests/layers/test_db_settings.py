from layers.store.db import DatabaseSettings


def test_explicit_url_wins_and_scheme_is_normalised(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://env@h/envdb")
    settings = DatabaseSettings(url="postgresql://x@h/db", _env_file=None)
    assert settings.url == "postgresql+psycopg://x@h/db"


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://env@h/envdb")
    assert DatabaseSettings(_env_file=None).url == "postgresql+psycopg://env@h/envdb"
