"""HTTP interface: the FastAPI application, its routes and the ecozone CLI."""
