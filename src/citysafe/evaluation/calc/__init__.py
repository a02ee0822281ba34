"""Pure rules of evaluation: criteria sets as data, the scoring engine, the 城市安全状况 indicators."""
