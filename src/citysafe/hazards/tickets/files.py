"""Photos and documents: checked by their bytes and size, stored under ``data_dir/uploads``, served back
only to those who may see the ticket they belong to (or, before that, to their uploader)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

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


class Written(NamedTuple):
    """A checked upload's file, written before the row that names it (``write_first``)."""

    kind: FileKind
    sha256: str
    relative: Path  # under the data directory
    size: int


def write_first(data: bytes, *, field: str, root: Path, max_bytes: int, now: datetime,
                images_only: bool = False) -> Written:
    """Check ``data`` and write it to a new file under ``root``; the row naming it is ``record``'s.

    Called before the transaction that records it where it can be (the API's upload): on SQLite a writing
    transaction holds the database's one write lock from its start, and every other writer of the city
    would wait out a 10 MB document's hashing and writing (``core.uploads.removed_unless_kept`` takes the
    file away again if that transaction fails)."""
    kind = check_file(data, field=field, max_bytes=max_bytes, images_only=images_only)
    relative = UPLOAD_SUBDIR / now.strftime("%Y/%m") / f"{uuid.uuid4().hex}.{kind.extension}"
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return Written(kind, hashlib.sha256(data).hexdigest(), relative, len(data))


def record(session: Session, written: Written, *, filename: str, region_code: str, uploaded_by: int | None,
           now: datetime) -> HazardAttachment:
    """The row of an upload ``write_first`` wrote."""
    attachment = HazardAttachment(
        content_type=written.kind.content_type, size=written.size, sha256=written.sha256,
        path=written.relative.as_posix(), filename=safe_name(filename, written.kind), uploaded_by=uploaded_by,
        uploaded_at=now, region_code=region_code)
    session.add(attachment)
    session.flush()
    return attachment


def store(
    session: Session, *, data: bytes, filename: str, field: str, root: Path, max_bytes: int, region_code: str,
    uploaded_by: int | None, now: datetime, images_only: bool = False,
) -> HazardAttachment:
    """``write_first`` and ``record`` inside ``session``'s transaction (a form that stores its ticket and its
    photos at once); the file is removed if the transaction rolls back."""
    written = write_first(data, field=field, root=root, max_bytes=max_bytes, now=now, images_only=images_only)
    removed_on_rollback(session, root / written.relative)
    return record(session, written, filename=filename, region_code=region_code, uploaded_by=uploaded_by, now=now)


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
