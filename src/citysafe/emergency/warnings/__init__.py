"""Warnings (预警) and their broadcast, issue #13 point 4: CAP 1.2 messages (GB/T 35965.1 identifiers), signed,
validated against the OASIS schema, sent to the recipients inside the area through ``core.outbound``."""
