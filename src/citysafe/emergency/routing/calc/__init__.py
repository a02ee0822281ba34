"""Pure road-network code: the graph and its searches, the OSM reader, dispatch answers (no DB, web or clock)."""
