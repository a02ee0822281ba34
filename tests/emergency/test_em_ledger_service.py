"""The accident ledger's service on SQLite and PostgreSQL: a 事故灾难 incident enters it when its response
ends (same transaction), casualties re-reported within the 补报 window update it and outside do not, archiving
keeps one entry; other categories and drills stay out; statistics roll up by year (China time), district, city,
门类 and grade, in the caller's scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.scope import Scope, bind_scope
from citysafe.emergency import service
from citysafe.emergency.calc.lifecycle import Action
from citysafe.emergency.ledger import service as ledger
from citysafe.emergency.ledger.models import LedgerEntry
from citysafe.emergency.ledger.schemas import LedgerFilter
from citysafe.emergency.models import Incident
from citysafe.emergency.schemas import CasualtiesIn, IncidentCreate, TransitionIn

T0 = datetime(2026, 5, 12, 6, 30, tzinfo=UTC)


def _open(session: Session, ctx: AppContext, **extra: Any) -> Incident:
    body = {"category": "accident", "subtype": "collapse", "description": "基坑边坡坍塌", "place": "玄武区某工地",
            "region_code": "320102002", "occurred_at": "2026-05-12T14:05:00+08:00", "deaths": 1,
            "serious_injuries": 2} | extra
    return service.open_incident(session, incident_in=IncidentCreate.model_validate(body), principal=None,
                                 settings=ctx.settings, now=ctx.clock.now())


def _step(session: Session, ctx: AppContext, incident: Incident, *actions: str) -> None:
    for action in actions:
        level = "4" if action == "respond" else None
        service.transition(session, incident=incident, change=TransitionIn(action=Action(action),
                                                                           response_level=level),
                           principal=None, settings=ctx.settings, now=ctx.clock.now())


UNTIL_ENDED = ("verify", "respond", "handle", "end_response")


@pytest.fixture
def clocked(ctx: AppContext) -> AppContext:
    ctx.clock = FixedClock(T0)
    return ctx


def test_an_accident_enters_the_ledger_when_its_response_ends(clocked: AppContext) -> None:
    ctx = clocked
    with unit_of_work(ctx.session_factory) as session:
        incident = _open(session, ctx)
        _step(session, ctx, incident, "verify", "respond", "handle")
        assert ledger.entry_of(session, incident_id=incident.id) is None  # still running: not closed
        _step(session, ctx, incident, "end_response")
        entry = ledger.entry_of(session, incident_id=incident.id)
        assert entry is not None
        assert (entry.source, entry.region_code, entry.subtype, entry.deaths, entry.serious_injuries) == (
            "platform", "320102002", "collapse", 1, 2)
        assert entry.grade == "general" and entry.occurred_year == 2026 and entry.industry_code == ""
        incident_id = incident.id
    ctx.clock.advance(days=3)  # type: ignore[attr-defined]
    with unit_of_work(ctx.session_factory) as session:
        incident = service.get(session, incident_id=incident_id)
        service.report_casualties(session, incident=incident, change=CasualtiesIn(deaths=3, loss_yuan=12_000_000),
                                  principal=None, settings=ctx.settings, now=ctx.clock.now())
    with unit_of_work(ctx.session_factory) as session:
        entry = ledger.entry_of(session, incident_id=incident_id)
        assert entry is not None
        assert (entry.deaths, entry.direct_loss_yuan, entry.grade, entry.grade_decided_by) == (
            3, 12_000_000, "larger", "deaths")
    ctx.clock.advance(days=40)  # type: ignore[attr-defined]  # past the 30-day 补报 window
    with unit_of_work(ctx.session_factory) as session:
        incident = service.get(session, incident_id=incident_id)
        service.report_casualties(session, incident=incident, change=CasualtiesIn(deaths=11),
                                  principal=None, settings=ctx.settings, now=ctx.clock.now())
        _step(session, ctx, incident, "aftermath", "archive")
    with unit_of_work(ctx.session_factory) as session:
        rows = session.scalars(select(LedgerEntry)).all()
        assert len(rows) == 1  # archiving rewrites the same entry
        assert rows[0].deaths == 3 and rows[0].grade == "larger"  # the late figure counts neither in grade nor ledger


def test_the_entry_is_written_in_the_closing_transaction(clocked: AppContext) -> None:
    ctx = clocked
    with unit_of_work(ctx.session_factory) as session:
        incident = _open(session, ctx)
        _step(session, ctx, incident, "verify", "respond", "handle")
        incident_id = incident.id
    def close_then_fail() -> None:
        with unit_of_work(ctx.session_factory) as session:
            _step(session, ctx, service.get(session, incident_id=incident_id), "end_response")
            assert ledger.entry_of(session, incident_id=incident_id) is not None
            raise RuntimeError("the request fails after closing")

    with pytest.raises(RuntimeError):
        close_then_fail()
    with unit_of_work(ctx.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
        assert service.get(session, incident_id=incident_id).state == "handling"


def test_other_categories_and_drills_stay_out(clocked: AppContext) -> None:
    ctx = clocked
    with unit_of_work(ctx.session_factory) as session:
        flood = _open(session, ctx, category="natural_disaster", subtype="flood_drought", deaths=0,
                      serious_injuries=0)
        _step(session, ctx, flood, *UNTIL_ENDED)
        assert ledger.entry_of(session, incident_id=flood.id) is None
        drill = _open(session, ctx, place="演练场")
        drill.is_drill = True  # type: ignore[attr-defined]  # the flag drill mode will add (issue #12 point 6)
        assert not ledger.counts_in_ledger(drill)
        assert ledger.record_incident(session, incident=drill, settings=ctx.settings, now=ctx.clock.now()) is None
        real = _open(session, ctx)
        assert ledger.counts_in_ledger(real)


def _entry(session: Session, ctx: AppContext, *, at: datetime, region: str, industry: str, deaths: int,
           loss: int = 0, subtype: str = "fire", unit: str = "") -> None:
    entry = LedgerEntry(source="import", import_file="t.xlsx", import_row=2, occurred_at=at, region_code=region,
                        occurred_year=ledger.to_local(at).year, subtype=subtype, industry_code=industry,
                        unit_name=unit, description="", created_at=T0, updated_at=T0,
                        natural_key=ledger.natural_key(occurred_at=at, region_code=region, subtype=subtype, uscc=None,
                                                       unit_name=unit))
    ledger.set_figures(entry, ledger.rules(ctx.settings), deaths=deaths, missing=0, serious_injuries=1,
                       minor_injuries=2, direct_loss_yuan=loss)
    session.add(entry)


def test_statistics_by_year_district_city_industry_and_grade_in_scope(clocked: AppContext) -> None:
    ctx = clocked
    with unit_of_work(ctx.session_factory) as session:
        # 2023-12-31 20:00 UTC is 2024-01-01 04:00 in Nanjing: counted in 2024
        _entry(session, ctx, at=datetime(2023, 12, 31, 20, 0, tzinfo=UTC), region="320102002", industry="E",
               deaths=1, loss=500_000)
        _entry(session, ctx, at=datetime(2023, 6, 1, 2, 0, tzinfo=UTC), region="320104", industry="C", deaths=3,
               loss=20_000_000, unit="甲")
        _entry(session, ctx, at=datetime(2024, 3, 1, 2, 0, tzinfo=UTC), region="320102", industry="E", deaths=0,
               unit="乙")
        _entry(session, ctx, at=datetime(2024, 3, 1, 2, 0, tzinfo=UTC), region="320205", industry="C", deaths=10,
               unit="丙")  # Wuxi
    with unit_of_work(ctx.session_factory) as session:
        stats = ledger.stats(session, filters=LedgerFilter(), region_code="320000", settings=ctx.settings)
        assert stats.total.accidents == 4 and stats.total.deaths == 14 and stats.total.minor_injuries == 8
        assert [(r.key, r.accidents, r.deaths) for r in stats.by_year] == [(2023, 1, 3), (2024, 3, 11)]
        assert [(r.key, r.name, r.accidents) for r in stats.by_district] == [
            ("320102", "玄武区", 2), ("320104", "秦淮区", 1), ("320205", "锡山区", 1)]
        assert [(r.key, r.name, r.accidents) for r in stats.by_city] == [("320100", "南京市", 3),
                                                                          ("320200", "无锡市", 1)]
        assert {r.key: (r.name, r.accidents) for r in stats.by_industry} == {"C": ("制造业", 2),
                                                                            "E": ("建筑业", 2)}
        assert [(r.name, r.accidents) for r in stats.by_grade] == [("重大", 1), ("较大", 1), ("一般", 2)]
        assert stats.by_grade[1].direct_loss_yuan == 20_000_000
        only_2024 = ledger.stats(session, filters=LedgerFilter(year_from=2024, industry="e"), region_code="320000",
                                 settings=ctx.settings)
        assert only_2024.total.accidents == 2 and only_2024.total.direct_loss_yuan == 500_000
    with unit_of_work(ctx.session_factory) as session:
        bind_scope(session, Scope(region_code="320102"))
        xuanwu = ledger.stats(session, filters=LedgerFilter(), region_code="320102", settings=ctx.settings)
        assert xuanwu.total.accidents == 2 and [r.key for r in xuanwu.by_district] == ["320102"]
        rows, total = ledger.list_entries(session, filters=LedgerFilter(), params=None)
        assert total == 2 and {r.region_code for r in rows} == {"320102002", "320102"}


def test_an_imported_row_of_the_same_accident_becomes_the_platforms_entry(clocked: AppContext) -> None:
    ctx = clocked
    at = datetime(2026, 5, 12, 6, 5, tzinfo=UTC)
    with unit_of_work(ctx.session_factory) as session:
        _entry(session, ctx, at=at, region="320102002", industry="E", deaths=1, subtype="collapse")
        incident = _open(session, ctx)
        _step(session, ctx, incident, *UNTIL_ENDED)
    with unit_of_work(ctx.session_factory) as session:
        rows = session.scalars(select(LedgerEntry)).all()
        assert len(rows) == 1 and rows[0].source == "platform" and rows[0].incident_id is not None
        assert rows[0].industry_code == "E"  # what the import knew and the incident does not is kept


