"""Command groups of the `citysafe` CLI, one module per domain (composition layer)."""
