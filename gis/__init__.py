"""Pure geometry and CRS functions: no database, no HTTP, no settings."""
