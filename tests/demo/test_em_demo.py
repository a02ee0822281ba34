"""The emergency demo (issue #12 point 9): a year of incidents in Nanjing, most closed and archived, with
their reports and ledger entries; today's desk with an overdue 首报 (迟报); plans with versions and records;
a year of drills with units overdue; the duty roster of the city and every district covering today."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from tests.support.demo_parts import seed_city

from citysafe.core.clock import to_local, utcnow
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo.city import DEMO_CITY
from citysafe.emergency import roster
from citysafe.emergency.drills import service as drills
from citysafe.emergency.drills.models import Drill
from citysafe.emergency.ledger.models import LedgerEntry
from citysafe.emergency.models import Incident
from citysafe.emergency.plans.models import EmergencyPlan, PlanRecord, PlanVersion
from citysafe.emergency.reports import service as reports
from citysafe.emergency.reports.models import IncidentReport
from citysafe.regions import service as regions_service


def test_emergency_demo_reads_as_a_year(ctx: AppContext) -> None:
    started = time.monotonic()
    seed_city(ctx, with_firewatch=False, with_emergency=True)
    assert time.monotonic() - started < 90  # the whole foundation and the emergency demo, on a loaded machine
    now = utcnow()
    with unit_of_work(ctx.session_factory) as session:
        found = session.scalars(select(Incident)).all()
        assert 40 <= len(found) <= 60
        assert all(i.region_code.startswith(DEMO_CITY[:4]) for i in found)
        categories = Counter(i.category for i in found)
        assert categories["accident"] > len(found) / 2
        assert categories["natural_disaster"] >= 2 and categories["public_health"] >= 1
        assert categories["social_security"] >= 1
        states = Counter(i.state for i in found)
        assert states["archived"] > len(found) / 2
        assert states["received"] == 1 and states["responding"] == 1
        # Spread over the year, none in the future.
        assert max(i.occurred_at for i in found) <= now
        assert now - min(i.occurred_at for i in found) > timedelta(days=200)
        assert len({to_local(i.occurred_at).month for i in found}) >= 9
        # Reports, as the clocks require: every closed incident reached the county and the city.
        filed = session.execute(select(IncidentReport.incident_id, IncidentReport.kind, IncidentReport.to_level)).all()
        closed = [i for i in found if i.state == "archived"]
        for incident in closed:
            mine = {(kind, level) for iid, kind, level in filed if iid == incident.id}
            assert {("initial", "county"), ("initial", "city"), ("final", "city")} <= mine, incident.id
        larger = [i for i in found if i.grade == "larger"]
        assert larger and all(("initial", "province") in {(k, lv) for iid, k, lv in filed if iid == i.id}
                              for i in larger)  # 较大: up to the province (493号令 第十条)
        # The ledger: every closed 事故灾难, with its 门类 and unit filled.
        entries = session.scalars(select(LedgerEntry)).all()
        accidents_closed = [i for i in found if i.category == "accident"
                            and i.state in ("response_ended", "aftermath", "archived")]
        assert len(entries) == len(accidents_closed) >= 30
        assert all(e.industry_code and e.unit_name for e in entries)
        assert all(e.region_code.startswith(DEMO_CITY[:4]) for e in entries)
        # Today's desk: the call taken 100 minutes ago has its 首报 overdue (迟报).
        desk = reports.due(session, settings=ctx.settings, now=now)
        assert desk.late_count >= 1
        assert any(c.status.value == "overdue" and i.state == "received" for i, c in desk.rows)
        responding = next(i for i in found if i.state == "responding")
        assert reports.count_reports(session, incident_id=responding.id) >= 1
        # Plans: 总体, 专项 and enterprise ones, some revised, all reviewed and filed.
        plans = session.scalars(select(EmergencyPlan)).all()
        kinds = Counter(p.kind for p in plans)
        assert 7 <= len(plans) <= 12 and kinds["gov_overall"] >= 1 and kinds["gov_special"] >= 3
        assert kinds["ent_onsite"] >= 1
        assert session.scalar(select(func.count()).select_from(PlanVersion)) > len(plans)
        records = Counter(r.kind for r in session.scalars(select(PlanRecord)))
        assert records["review"] >= len(plans) and records["filing"] >= len(plans)
        assert all(p.region_code.startswith(DEMO_CITY[:4]) for p in plans)
        # Drills over the year, some ahead; someone is overdue.
        held = session.scalars(select(Drill).where(Drill.state == "held")).all()
        assert len(held) >= 10 and len({d.held_on.month for d in held if d.held_on}) >= 6
        assert session.scalar(select(func.count()).select_from(Drill).where(Drill.state == "scheduled"))
        assert drills.overdue(session, today=to_local(now).date())
        # The roster: the city and every district, today, a month back and a week ahead.
        today = to_local(now).date()
        for district in [DEMO_CITY] + [d.code for d in regions_service.children(session, code=DEMO_CITY)]:
            for day in (today - timedelta(days=30), today, today + timedelta(days=7)):
                code, shifts = roster.on_duty(session, region_code=district, day=day)
                assert code == district, (district, day)
                posts = {s.post for s in shifts}
                assert posts == {"带班领导", "值班员"} and all(s.phone and s.name for s in shifts)
