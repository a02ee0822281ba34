"""Photos and documents on an incident's timeline (issue #12 point 4: the timeline holds attachments too).

A file is checked by its bytes (core/filekinds.py: photos, PDF, Word), kept with its incident, and announced
by a timeline entry whose payload carries the file's SHA-256 — so the hash chain that proves the timeline
unchanged also proves each file unchanged, and ``verify`` below re-reads the bytes against it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.db import first_or_404
from citysafe.core.filekinds import DOCUMENT_KINDS, IMAGE_KINDS, accepted, safe_name
from citysafe.emergency import timeline
from citysafe.emergency.models import Incident, IncidentAttachment

KINDS = (*IMAGE_KINDS, *DOCUMENT_KINDS)  # scene photos; reports, faxes and maps as PDF or Word
KIND = "attachment"  # the timeline entry's kind


def attach(session: Session, *, incident: Incident, data: bytes, filename: str, note: str, max_bytes: int,
           principal: Principal, now: datetime) -> IncidentAttachment:
    kind = accepted(data, field="file", max_bytes=max_bytes, kinds=KINDS)
    attachment = IncidentAttachment(incident_id=incident.id, region_code=incident.region_code,
                                    filename=safe_name(filename, kind, default="attachment"),
                                    content_type=kind.content_type, size=len(data),
                                    sha256=hashlib.sha256(data).hexdigest(), data=data,
                                    uploaded_by=principal.display_name, uploaded_at=now)
    session.add(attachment)
    session.flush()
    size_kb = max(1, round(len(data) / 1024))
    text = f"附件：{attachment.filename}（{size_kb} KB）" + (f"。{note.strip()}" if note.strip() else "")
    timeline.append(session, incident=incident, kind=KIND, text=text, actor=principal.display_name,
                    actor_id=principal.user_id, at=now,
                    payload={"attachment_id": attachment.id, "filename": attachment.filename,
                             "content_type": attachment.content_type, "size": attachment.size,
                             "sha256": attachment.sha256})
    return attachment


def get(session: Session, *, incident: Incident, attachment_id: int) -> IncidentAttachment:
    return first_or_404(session, select(IncidentAttachment).where(IncidentAttachment.id == attachment_id,
                                                                  IncidentAttachment.incident_id == incident.id),
                        key=attachment_id, what="incident attachment", what_zh="事件附件")


def of_incident(session: Session, *, incident_id: int) -> list[IncidentAttachment]:
    return list(session.scalars(select(IncidentAttachment).where(IncidentAttachment.incident_id == incident_id)
                                .order_by(IncidentAttachment.id)))


def altered(session: Session, *, incident: Incident) -> list[int]:
    """The attachments whose stored bytes no longer hash to the digest the chained timeline recorded when
    they came in (or whose announcing entry is gone): evidence that something outside the platform changed
    them. The row's own ``sha256`` column is not trusted for this — it could be changed with the bytes."""
    recorded = {int(e.payload.get("attachment_id", 0)): str(e.payload.get("sha256", ""))
                for e in timeline.entries(session, incident_id=incident.id) if e.kind == KIND}
    rows = session.execute(select(IncidentAttachment.id, IncidentAttachment.data)
                           .where(IncidentAttachment.incident_id == incident.id)).all()
    return [row.id for row in rows if hashlib.sha256(row.data).hexdigest() != recorded.get(row.id)]
