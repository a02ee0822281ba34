"""Pure rules of hazard work: no database, no web framework, no clock (time is always passed in)."""
