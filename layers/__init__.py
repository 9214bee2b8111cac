"""The store: collections, releases, PostGIS tables, queries and imports."""
