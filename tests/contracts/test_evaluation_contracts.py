"""Evaluation's subscription to the emergency domain, end to end: the real ``IncidentGraded`` and
``IncidentOpened`` (the contract file's realistic examples, graded 重大/特别重大) go through the real outbox to
the real bus with every domain's reactions registered (``registry.register_handlers``), and evaluation's
subscriber proposes revoking the naming of the named applicant whose area holds the accident — once, however
often the event is delivered."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from tests.contracts.test_event_contracts import EXAMPLES

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import publish
from citysafe.emergency import events as em
from citysafe.evaluation.models import Applicant
from citysafe.evaluation.workflow import handlers
from citysafe.evaluation.workflow.models import Revocation
from citysafe.registry import register_handlers


def test_evaluation_subscribes_to_the_incident_grade_events() -> None:
    from tests.contracts.test_event_contracts import SUBSCRIPTIONS

    ours = {s.name for s in SUBSCRIPTIONS if s.handler is handlers.on_incident_graded}
    assert ours == {"IncidentGraded", "IncidentOpened"}


def test_a_graded_major_accident_reaches_evaluation_through_the_outbox(ctx: AppContext) -> None:
    register_handlers(ctx.bus)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        session.add(Applicant(kind="county", name="玄武区", division_code="320102", region_code="320102",
                              city_code="320100", standing="named"))
    graded = EXAMPLES["IncidentGraded"]
    opened = EXAMPLES["IncidentOpened"]
    assert isinstance(graded, em.IncidentGraded) and isinstance(opened, em.IncidentOpened)
    for event in (dataclasses.replace(graded, grade="major"), dataclasses.replace(graded, grade="major"),
                  dataclasses.replace(opened, grade="especially_major", incident_id=10), graded):
        with unit_of_work(ctx.session_factory, actor="tests") as session:
            publish(session, event)
        ctx.bus.deliver_pending()
    with unit_of_work(ctx.session_factory) as session:
        rows = session.execute(select(Revocation.incident_id, Revocation.reason, Revocation.state)
                               .order_by(Revocation.id)).tuples().all()
    assert rows == [(9, "major_accident", "proposed"), (10, "major_accident", "proposed")]
