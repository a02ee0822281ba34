"""Pure parts of warnings: the level table, the GB/T 35965.1 identifier, the area checks, the CAP document."""
