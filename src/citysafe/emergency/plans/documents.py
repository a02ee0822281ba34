"""The original document of a plan: checked by its first bytes and size, kept with the version it belongs to."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.db import first_or_404
from citysafe.core.filekinds import DOCUMENT_KINDS, accepted, safe_name
from citysafe.emergency.plans.models import EmergencyPlan, PlanDocument


def attach(session: Session, *, plan: EmergencyPlan, data: bytes, filename: str, max_bytes: int,
           principal: Principal, now: datetime) -> PlanDocument:
    # A plan is issued as a PDF or a Word file (GB/T 29639-2020 附录C sets its layout, not its format).
    kind = accepted(data, field="file", max_bytes=max_bytes, kinds=DOCUMENT_KINDS)
    document = PlanDocument(plan_id=plan.id, region_code=plan.region_code, version_number=plan.version,
                            filename=safe_name(filename, kind, default="plan"), content_type=kind.content_type,
                            size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
                            uploaded_by=principal.user_id, uploaded_at=now)
    session.add(document)
    session.flush()
    return document


def get(session: Session, *, plan: EmergencyPlan, document_id: int) -> PlanDocument:
    return first_or_404(session, select(PlanDocument).where(PlanDocument.id == document_id,
                                                            PlanDocument.plan_id == plan.id),
                        key=document_id, what="plan document", what_zh="预案原件")


def of_plan(session: Session, plan_id: int) -> list[PlanDocument]:
    return list(session.scalars(select(PlanDocument).where(PlanDocument.plan_id == plan_id)
                                .order_by(PlanDocument.version_number, PlanDocument.id)))
