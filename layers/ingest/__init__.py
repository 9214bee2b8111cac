"""Ingest: reading files, the importer, feature edits, import jobs and the sample loader."""
