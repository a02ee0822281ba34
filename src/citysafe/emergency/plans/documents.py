"""The original document of a plan: checked by its first bytes and size, kept with the version it belongs to."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.db import first_or_404
from citysafe.core.errors import field_error
from citysafe.core.uploads import UploadTooLarge
from citysafe.emergency.plans.models import EmergencyPlan, PlanDocument

# A plan is issued as a PDF or a Word file (GB/T 29639-2020 附录C sets its layout, not its format).
_KINDS: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword", "doc"),
)
_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def _kind(data: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in _KINDS:
        if data.startswith(magic):
            # A DOCX is a zip with a word/ part; another zip (an XLSX, a bundle) is not a plan document.
            if extension == "docx" and b"word/" not in data[:65536]:
                return None
            return content_type, extension
    return None


def attach(session: Session, *, plan: EmergencyPlan, data: bytes, filename: str, max_bytes: int,
           principal: Principal, now: datetime) -> PlanDocument:
    if not data:
        raise field_error("file", "the file is empty", "文件为空")
    if len(data) > max_bytes:
        raise UploadTooLarge("file", max_bytes)
    kind = _kind(data)
    if kind is None:
        raise field_error("file", "only PDF, DOCX and DOC files are accepted (judged by content, not by name)",
                          "预案原件仅接受 PDF、DOCX、DOC 格式（按文件内容判断）")
    content_type, extension = kind
    stem = _UNSAFE.sub("_", PurePath(filename or "plan").stem)[:80] or "plan"
    document = PlanDocument(plan_id=plan.id, region_code=plan.region_code, version_number=plan.version,
                            filename=f"{stem}.{extension}", content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by=principal.user_id,
                            uploaded_at=now)
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
