"""The platform's own evidence as other layers ask for it: fill a score sheet's mapped items with the facts of
its region and year (compute.py does the work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from citysafe.core.config import Settings
from citysafe.evaluation.facts.compute import refresh_sheet_facts
from citysafe.evaluation.sheets import service as sheets


def refresh_sheet(session: Session, *, sheet_id: int, now: datetime, settings: Settings) -> int:
    """Refresh the facts on sheet ``sheet_id``; how many items were filled."""
    return refresh_sheet_facts(session, sheet=sheets.get(session, sheet_id=sheet_id), now=now, settings=settings)
