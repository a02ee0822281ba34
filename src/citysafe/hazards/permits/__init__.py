"""Dangerous-work permits (特殊作业票) per GB 30871: approval chains, gas tests, conflicts, expiry."""
