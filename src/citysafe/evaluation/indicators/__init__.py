"""城市安全状况 indicators of a region by year: deaths from the emergency domain's accident ledger, imported
denominators, the five rates and their trend and benchmark verdicts (pure rules in ``evaluation/calc``)."""
