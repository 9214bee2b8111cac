"""The read side: OGC API Features items and features, vector tiles, CQL2 filters, proximity queries, and the pools that serve them."""
