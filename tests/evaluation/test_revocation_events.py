"""A 重大/特别重大 accident in a named applicant's area proposes revoking its naming, once; other grades, drills
and other areas propose nothing. The province decides: kept."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy import select
from tests.evaluation.wf_support import acting, people, refused

from citysafe.core.context import AppContext
from citysafe.core.errors import Conflict
from citysafe.emergency.events import IncidentGraded, IncidentOpened
from citysafe.evaluation.applicants import service as applicants
from citysafe.evaluation.applicants.schemas import ApplicantCreate
from citysafe.evaluation.models import Applicant
from citysafe.evaluation.workflow import handlers, revocations
from citysafe.evaluation.workflow.models import Revocation
from citysafe.evaluation.workflow.schemas import RevocationDecideIn

GRADED = IncidentGraded(incident_id=41, region_code="320115011", category="accident", subtype="fire", grade="major",
                        state="handling", alarm_id=None, previous_grade="larger")


def test_a_major_accident_proposes_revocation_once(ctx: AppContext) -> None:
    who = people(ctx)
    with acting(ctx, who["province"]) as db:
        for code in ("320115", "320102"):
            applicant = applicants.create(db, data=ApplicantCreate(kind="county", division_code=code),
                                          principal=who["province"])
            applicant.standing = "named"
        applicants.create(db, data=ApplicantCreate(kind="city", division_code="320100"), principal=who["province"])
    events = [GRADED, GRADED,  # redelivered
              dataclasses.replace(GRADED, grade="especially_major", incident_id=41),  # graded up: same incident
              dataclasses.replace(GRADED, grade="larger", incident_id=42),
              dataclasses.replace(GRADED, is_drill=True, incident_id=43),
              dataclasses.replace(GRADED, category="natural_disaster", incident_id=44),
              IncidentOpened(incident_id=45, region_code="320102002", category="accident", subtype="explosion",
                             grade="especially_major", state="received", alarm_id=None)]
    for event in events:
        with acting(ctx, None) as db:
            handlers.on_incident_graded(db, event)
    with acting(ctx, None) as db:
        rows = db.execute(select(Applicant.name, Revocation.incident_id, Revocation.state)
                          .join(Applicant, Applicant.id == Revocation.applicant_id).order_by(Revocation.id)).all()
        assert [tuple(r) for r in rows] == [("江宁区", 41, "proposed"), ("玄武区", 45, "proposed")]
    with acting(ctx, who["province"]) as db:
        first = revocations.listing(db, state="proposed")[-1]
        revocations.decide(db, revocation_id=first.id, data=RevocationDecideIn(state="kept", note="事故不在考核期内"),
                           principal=who["province"], now=datetime(2026, 7, 1, tzinfo=UTC))
    with acting(ctx, who["province"]) as db, refused(Conflict, "不能重复决定"):
        revocations.decide(db, revocation_id=first.id, data=RevocationDecideIn(state="revoked", note="再议"),
                           principal=who["province"], now=datetime(2026, 7, 2, tzinfo=UTC))
    with acting(ctx, None) as db:
        assert db.scalar(select(Applicant.standing).where(Applicant.name == "江宁区")) == "named"
