"""The store: the catalogue of collections, their tables, releases, API keys, the database settings and the schema (Alembic)."""
