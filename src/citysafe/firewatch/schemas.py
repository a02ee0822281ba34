"""Firewatch's public schemas (DESIGN.md §3): what other domains and the console may read of alarms.

The alarm schemas live with the alarm API (``alarms.schemas``); this module names the ones other
domains may use, so they never reach into a sub-package.
"""

from __future__ import annotations

from citysafe.firewatch.alarms.schemas import AlarmDetail, AlarmFilter, AlarmRead

__all__ = ["AlarmDetail", "AlarmFilter", "AlarmRead"]
