"""公示: the 拟命名名单 on the public pages while its window is open, objections lodged by anyone without
logging in, and the province's handling of each (the 审定 waits until every objection is handled)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict
from citysafe.evaluation.applicants.schemas import KIND_NAMES_ZH
from citysafe.evaluation.models import Applicant
from citysafe.evaluation.workflow import service
from citysafe.evaluation.workflow.models import Application, Objection
from citysafe.evaluation.workflow.schemas import ObjectionHandleIn, ObjectionIn, PublicityEntry
from citysafe.regions import service as regions


def _open_now(application: Application, now: datetime) -> bool:
    start, end = application.publicity_start, application.publicity_end
    return application.state == "publicity" and start is not None and end is not None and start <= now < end


def current(session: Session, *, now: datetime) -> list[PublicityEntry]:
    """The applicants on 公示 now (public: names, kinds, cities and the window, nothing else)."""
    rows = session.execute(select(Application, Applicant).join(Applicant, Applicant.id == Application.applicant_id)
                           .where(Application.state == "publicity", Application.publicity_end > now)
                           .order_by(Applicant.city_code, Applicant.id)).tuples().all()
    names = regions.cached_names(session)
    return [PublicityEntry(application_id=a.id, applicant_name=p.name, kind_name=KIND_NAMES_ZH.get(p.kind, p.kind),
                           city_name=names.name(p.city_code) or p.city_code, year=a.year,
                           publicity_start=a.publicity_start, publicity_end=a.publicity_end)
            for a, p in rows if _open_now(a, now) and a.publicity_start and a.publicity_end]


def lodge(session: Session, *, application_id: int, data: ObjectionIn, now: datetime) -> Objection:
    """An objection from the public: only to an application on 公示, only while its window is open."""
    application = session.get(Application, application_id)
    if application is None or application.state != "publicity":
        raise Conflict(detail="not on publicity", detail_zh="该对象不在公示中，不能提出异议")
    if not _open_now(application, now):
        raise Conflict(detail="the publicity window is closed", detail_zh="公示期已结束，不能再提出异议")
    objection = Objection(application_id=application.id, text=data.text.strip(), contact=data.contact.strip(),
                          lodged_at=now, region_code=application.region_code)
    session.add(objection)
    session.flush()
    return objection


def handle(session: Session, *, objection_id: int, data: ObjectionHandleIn, principal: Principal,
           now: datetime) -> Objection:
    """The province's finding on an objection (异议成立 / 不成立), with its note; once only."""
    objection = get_or_404(session, Objection, objection_id, what="objection", what_zh="异议")
    application = service.get(session, application_id=objection.application_id)
    applicant = service.applicant_of(session, application)
    if "province" not in service.party_of(principal, applicant):
        service.forbid(session, applicant, "province", "处理公示异议")
    if objection.state != "open":
        raise Conflict(detail="handled already", detail_zh="该异议已处理，不能重复处理")
    objection.state, objection.handling_note = data.state, data.note.strip()
    objection.handled_by, objection.handled_at = principal.username, now
    session.flush()
    return objection
