"""The risk domain's services. Other layers use these modules through ``citysafe.risk.service``:

``sources`` (the registry), ``assessments`` (assess and derive levels), ``dynamic`` (hazards and alarms
raising levels), ``maps`` (four-colour maps), ``stats`` (counts and lists), ``imports`` and ``workbook``
(files), ``boundaries`` (map units and demo streets), ``reports`` (white paper records), ``versions``
(change counters for caches) and ``config`` (the rulebooks in force).
"""

from citysafe.risk.service import (
    assessments,
    boundaries,
    config,
    dynamic,
    imports,
    maps,
    methods,
    reports,
    sources,
    stats,
    versions,
    workbook,
)

__all__ = ["assessments", "boundaries", "config", "dynamic", "imports", "maps", "methods", "reports", "sources",
           "stats", "versions", "workbook"]
