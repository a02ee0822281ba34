"""Enforcement (执法检查、打非治违), penalties, and the joint-punishment list (联合惩戒)."""
