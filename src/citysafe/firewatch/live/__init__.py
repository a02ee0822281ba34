"""The live alarm feed: the hub that fans committed alarm events out to every operator console (SSE)."""
