"""The console's part of information reports (信息报告): what the incident page's 信息报告 section and the duty desk's
报告时限 panel show, and how the report form's fields become a ``ReportCreate``. The pages and the form's handler
live in web/emergency.py beside the rest of the incident page; they call emergency/reports/service.py as the API
does."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy.orm import Session

from citysafe.core.context import AppContext
from citysafe.emergency.calc import clocks as calc
from citysafe.emergency.models import Incident
from citysafe.emergency.reports import deskcache, reads, service
from citysafe.emergency.reports.schemas import KIND_NAMES_ZH, ReportCreate, ReportKind
from citysafe.emergency.rules import rules
from citysafe.web.forms import optional_moment
from citysafe.web.i18n import N_

FIGURES = ("deaths", "missing", "serious_injuries", "minor_injuries", "loss_yuan")
ITEMS = ("unit_overview", "time_place_scene", "course", "casualty_note", "measures", "other")
REPORT_FIELDS = ("kind", "channel", "to_level", *ITEMS, *FIGURES, "reporting_unit", "issuer", "reporter_phone",
                 "filed_at")
REPORT_LABELS = MappingProxyType({
    "kind": N_("报告类型"), "channel": N_("报告方式"), "to_level": N_("报送至"), "from_level": N_("报送层级"),
    "unit_overview": N_("事故发生单位概况"), "time_place_scene": N_("时间、地点和现场情况"), "course": N_("简要经过"),
    "casualty_note": N_("伤亡情况说明"), "measures": N_("已经采取的措施"), "other": N_("其他应当报告的情况"),
    "deaths": N_("死亡人数"), "missing": N_("下落不明人数"), "serious_injuries": N_("重伤人数"),
    "minor_injuries": N_("轻伤人数"), "loss_yuan": N_("直接经济损失（元）"), "reporting_unit": N_("报送单位"),
    "issuer": N_("签发人"), "reporter_phone": N_("联系电话"), "filed_at": N_("报送时间"),
})


def report_in(values: Mapping[str, str], *, timezone: str) -> ReportCreate:
    body: dict[str, Any] = {name: values[name] for name in (*ITEMS, "kind", "channel", "to_level", "reporting_unit",
                                                           "issuer", "reporter_phone")}
    body |= {name: values[name] or 0 for name in FIGURES}
    return ReportCreate.model_validate(body | {"filed_at": optional_moment(values, "filed_at", timezone)})


def _defaults(incident: Incident, clocks: list[calc.Clock], filed: set[str], ctx: AppContext) -> dict[str, str]:
    """The form as far as the incident knows it: the six items, the first level still waiting, its kind."""
    waiting = [c for c in clocks if c.status is not calc.Status.MET and c.channel is calc.Channel.WRITTEN]
    to_level = (waiting[0].to_level if waiting else clocks[-1].to_level if clocks else calc.Level.COUNTY).value
    kind = ReportKind.FOLLOW_UP if to_level in filed else ReportKind.INITIAL
    return {**service.prefill(incident, settings=ctx.settings), "kind": kind.value, "channel": "written",
            "to_level": to_level, "reporting_unit": incident.unit_name, "issuer": "", "reporter_phone": "",
            "filed_at": ""}


def incident_section(db: Session, ctx: AppContext, incident: Incident,
                     values: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The 信息报告 section of an incident's page: its clocks, its reports and the form."""
    now = ctx.clock.now()
    computed = service.clocks(db, incident=incident, settings=ctx.settings, now=now)
    filed = service.reports_of(db, incident_id=incident.id)
    codes = calc.chain_codes(incident.region_code, rules(ctx.settings).clocks.municipalities)
    return {
        "report_clocks": reads.clock_reads(db, [(incident, c) for c in computed], now=now),
        "reports": reads.report_reads(db, filed, computed),
        "report_levels": [(level.value, code) for level, code in codes.items()],
        "report_kinds": KIND_NAMES_ZH, "level_names": calc.LEVEL_NAMES_ZH, "channel_names": calc.CHANNEL_NAMES_ZH,
        "report_values": dict(values) if values else _defaults(incident, computed, {r.to_level for r in filed}, ctx),
        "report_late": calc.late_count(computed),
    }


def desk_panel(db: Session, ctx: AppContext) -> dict[str, Any]:
    """The duty desk's 报告时限: unmet clocks of the active incidents in scope, overdue first, and the 迟报 count."""
    now = ctx.clock.now()
    rows, late_count = deskcache.desk_clocks(db, settings=ctx.settings, now=now, limit=30)
    items = reads.clock_reads(db, rows, now=now)
    return {"due_clocks": items, "due_overdue": sum(1 for c in items if c.status == calc.Status.OVERDUE.value),
            "late_count": late_count, "level_names": calc.LEVEL_NAMES_ZH}
