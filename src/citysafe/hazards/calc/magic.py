"""What kind of file an upload really is, judged by its first bytes rather than its name or declared type.

A phone may call a HEIC photo "image/jpeg" and a browser trusts file extensions, so neither the
filename nor the Content-Type header decides what is stored and served back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str
    is_image: bool


JPEG = FileKind("image/jpeg", "jpg", True)
PNG = FileKind("image/png", "png", True)
WEBP = FileKind("image/webp", "webp", True)
PDF = FileKind("application/pdf", "pdf", False)

IMAGE_KINDS = (JPEG, PNG, WEBP)
EVIDENCE_KINDS = (JPEG, PNG, WEBP, PDF)


def sniff(head: bytes) -> FileKind | None:
    """The kind of a file from its first 16 bytes, or None when it is none of the accepted kinds."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None
