"""Reports and clocks as the API and the console read them: levels named, the receiving government named."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from citysafe.core.clock import as_utc
from citysafe.emergency.calc import clocks as calc
from citysafe.emergency.models import Incident
from citysafe.emergency.reports.models import IncidentReport
from citysafe.emergency.reports.schemas import KIND_NAMES_ZH, ClockRead, ReportRead
from citysafe.regions import service as regions_service


def _names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """Names of the receiving governments, read outside the caller's scope (a county names the city above it)."""
    cache = regions_service.cached_names(session)
    return {code: name for code in {c for c in codes if c} if (name := cache.name(code))}


def target_name(level: str, code: str | None, names: dict[str, str]) -> str:
    """"玄武区（县级）", or the level alone where the division is not known."""
    level_name = calc.LEVEL_NAMES_ZH.get(level, level)
    name = names.get(code or "", "")
    return f"{name}（{level_name}）" if name else level_name


def clock_reads(session: Session, rows: Sequence[tuple[Incident, calc.Clock]], *, now: datetime) -> list[ClockRead]:
    names = _names(session, [c.to_code for _, c in rows])
    out = []
    for incident, c in rows:
        until = c.met_at if c.met_at is not None else now
        out.append(ClockRead(
            incident_id=incident.id, incident_number=incident.number, incident_title=incident.title,
            is_drill=incident.is_drill,
            from_level=c.from_level, to_level=c.to_level, to_code=c.to_code,
            who=f"{calc.LEVEL_NAMES_ZH[c.from_level]} → {target_name(c.to_level, c.to_code, names)}",
            channel=c.channel, channel_name=calc.CHANNEL_NAMES_ZH[c.channel], deadline=c.deadline,
            status=c.status.value, status_name=calc.STATUS_NAMES_ZH[c.status], met_at=c.met_at, late=c.late,
            remaining_minutes=int((c.deadline - until).total_seconds() // 60), rule=c.rule))
    return out


def report_reads(session: Session, rows: Sequence[IncidentReport],
                 clocks: Sequence[calc.Clock] = ()) -> list[ReportRead]:
    names = _names(session, [r.to_code for r in rows])
    late_at = {(c.to_level.value, c.met_at) for c in clocks if c.late and c.met_at is not None}
    return [ReportRead.model_validate(r).model_copy(update={
        "kind_name": KIND_NAMES_ZH.get(r.kind, r.kind), "channel_name": calc.CHANNEL_NAMES_ZH.get(r.channel, r.channel),
        "to_name": target_name(r.to_level, r.to_code, names),
        "late": any(level == r.to_level and met == as_utc(r.filed_at) for level, met in late_at)}) for r in rows]
