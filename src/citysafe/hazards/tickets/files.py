"""Photos and documents: checked by their bytes and size, stored under ``data_dir/uploads``, served back
only to those who may see the ticket they belong to (or, before that, to their uploader)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.db import get_or_404
from citysafe.core.errors import FieldProblem, ValidationFailed, not_found
from citysafe.core.filekinds import EVIDENCE_KINDS, IMAGE_KINDS, FileKind, accepted, safe_name
from citysafe.core.uploads import removed_on_rollback
from citysafe.hazards.tickets.models import HazardAttachment, HazardTicket

UPLOAD_SUBDIR = Path("uploads") / "hazards"


def check_file(data: bytes, *, field: str, max_bytes: int, images_only: bool = False) -> FileKind:
    """The file's real kind, or a problem naming ``field``: empty, too large, or not an accepted kind."""
    return accepted(data, field=field, max_bytes=max_bytes, kinds=IMAGE_KINDS if images_only else EVIDENCE_KINDS)


def store(
    session: Session, *, data: bytes, filename: str, field: str, root: Path, max_bytes: int, region_code: str,
    uploaded_by: int | None, now: datetime, images_only: bool = False,
) -> HazardAttachment:
    kind = check_file(data, field=field, max_bytes=max_bytes, images_only=images_only)
    digest = hashlib.sha256(data).hexdigest()
    relative = UPLOAD_SUBDIR / now.strftime("%Y/%m") / f"{uuid.uuid4().hex}.{kind.extension}"
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    removed_on_rollback(session, target)
    attachment = HazardAttachment(
        content_type=kind.content_type, size=len(data), sha256=digest, path=relative.as_posix(),
        filename=safe_name(filename, kind), uploaded_by=uploaded_by, uploaded_at=now, region_code=region_code)
    session.add(attachment)
    session.flush()
    return attachment


def claim(session: Session, *, ids: Sequence[int], user_id: int | None, ticket: HazardTicket,
          step_id: int | None, field: str = "attachment_ids") -> list[HazardAttachment]:
    """Attach uploads to a ticket step. Only one's own unattached uploads can be claimed."""
    if not ids:
        return []
    unique = list(dict.fromkeys(ids))
    rows = list(session.scalars(select(HazardAttachment).where(HazardAttachment.id.in_(unique))))
    found = {a.id: a for a in rows if a.ticket_id is None and (user_id is None or a.uploaded_by == user_id)}
    missing = [i for i in unique if i not in found]
    if missing:
        raise ValidationFailed(
            detail=f"{field}: uploads {missing} are not yours to attach or are already attached",
            detail_zh=f"{field}：附件 {missing} 不存在、不属于您或已被使用",
            fields=[FieldProblem(field, f"unknown or used uploads {missing}", f"附件 {missing} 无效")])
    for attachment in found.values():
        attachment.ticket_id = ticket.id
        attachment.step_id = step_id
        attachment.region_code = ticket.region_code
    session.flush()
    return [found[i] for i in unique]


def get_for_download(session: Session, *, attachment_id: int, user_id: int) -> HazardAttachment:
    """An attachment the user may see: its ticket is visible to them (scope applies), or it is their upload."""
    def visible(attachment: HazardAttachment) -> bool:
        if attachment.ticket_id is None:
            return attachment.uploaded_by == user_id
        return session.get(HazardTicket, attachment.ticket_id) is not None

    return get_or_404(session, HazardAttachment, attachment_id, what="attachment", what_zh="附件", visible=visible)


def path_of(root: Path, attachment: HazardAttachment) -> Path:
    path = (root / attachment.path).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():  # a tampered row stays inside the upload area
        raise not_found("attachment file", "附件文件", attachment.id)
    return path
