"""What kind of file an upload really is, judged by its first bytes rather than its name or declared type,
and the one check every upload passes (empty, too large, not an accepted kind — each naming the form field).

A phone may call a HEIC photo "image/jpeg" and a browser trusts file extensions, so neither the
filename nor the Content-Type header decides what is stored and served back.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from citysafe.core.errors import field_error
from citysafe.core.uploads import UploadTooLarge


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str
    is_image: bool


JPEG = FileKind("image/jpeg", "jpg", True)
PNG = FileKind("image/png", "png", True)
WEBP = FileKind("image/webp", "webp", True)
PDF = FileKind("application/pdf", "pdf", False)
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", False)
DOC = FileKind("application/msword", "doc", False)
# Accepted only where a domain lists it (evaluation evidence); no shared tuple below includes it.
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", False)

IMAGE_KINDS = (JPEG, PNG, WEBP)
EVIDENCE_KINDS = (JPEG, PNG, WEBP, PDF)
DOCUMENT_KINDS = (PDF, DOCX, DOC)

_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")
# How far into a zip a DOCX's word/ part is looked for (it comes early: [Content_Types].xml, _rels, word/).
_DOCX_PROBE = 65536
# A zip's directory is read (never a member) only when it lists at most this many entries (an office file
# has a few dozen); the end-of-directory record sits in the last 64 KiB + 22 bytes.
_MAX_ZIP_ENTRIES = 2000
_EOCD = b"PK\x05\x06"
_EOCD_SPAN = 65536 + 22


def _zip_names(data: bytes) -> set[str] | None:
    """The entry names of a whole zip file, read from its central directory only (nothing is extracted), or
    None when it is not a complete zip or lists more than ``_MAX_ZIP_ENTRIES`` entries (zip64 included)."""
    at = data.rfind(_EOCD, max(0, len(data) - _EOCD_SPAN))
    if at < 0 or len(data) < at + 22:
        return None
    (entries,) = struct.unpack_from("<H", data, at + 10)
    if entries > _MAX_ZIP_ENTRIES:  # 0xFFFF: a zip64 archive, not an office file
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error):
        return None


def _office_kind(data: bytes) -> FileKind | None:
    names = _zip_names(data)
    if names is None:
        # Only the start of the file (a caller's probe) or a damaged zip: a DOCX is known by its word/ part.
        return DOCX if b"word/" in data[:_DOCX_PROBE] else None
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX
    if any(name.startswith("word/") for name in names):
        return DOCX
    return None


def sniff(head: bytes) -> FileKind | None:
    """The kind of a file from its bytes (the first 16 decide an image or a PDF; a DOCX is known from the start
    of the zip, an XLSX only from the whole file's zip directory), or None when it is none of the known kinds."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    # A DOCX is a zip with a word/ part, an XLSX one with [Content_Types].xml and xl/workbook.xml; any other
    # zip (a PPTX, a bundle) is none of the known kinds.
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(head)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    return None


def ends_whole(data: bytes, kind: FileKind) -> bool:
    """Whether an image's container reaches its end: a JPEG's end-of-image marker after its first scan, a
    PNG's IEND chunk, a WebP's RIFF length (True for any other kind). Checked on the bytes, not left to
    Pillow: an upload is accepted before its pixels are decoded (the report photo job decodes later), and a
    Pillow told to accept truncated pictures (WeasyPrint's import does that process-wide; see
    ``refuse_broken_pixels``) decodes a cut-off JPEG with grey where its data stops (a CI run accepted one).
    A byte search, no decode; the end marker is looked for from the end, where it is (searching
    forward through 2 MB of entropy-coded data, full of 0xFF bytes, took ~2 ms)."""
    if kind is JPEG:
        scan = data.find(b"\xff\xda")
        return scan >= 0 and data.rfind(b"\xff\xd9") > scan
    if kind is PNG:
        return data.rfind(b"IEND") >= 8
    if kind is WEBP:
        return len(data) >= 12 and int.from_bytes(data[4:8], "little") + 8 <= len(data)
    return True


def refuse_broken_pixels() -> None:
    """Make Pillow raise on pixels that do not decode, as it does by default. WeasyPrint, when imported (for
    PDFs, core/render/pdf.py), sets ``ImageFile.LOAD_TRUNCATED_IMAGES`` for the whole process, after which
    Pillow silently fills undecodable or missing pixels with grey: a corrupt photo would pass the report photo
    job's decode (public/reports/photos.finish) and be shown. The platform never wants that: the PDFs embed
    only pictures it made or already decoded, so the setting is put back wherever either could have changed it.
    (Pillow reads the module attribute at each decode; setting it, not toggling it, leaves no window.)"""
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False


def accepted(data: bytes, *, field: str, max_bytes: int, kinds: Sequence[FileKind]) -> FileKind:
    """The file's real kind, or a problem naming ``field``: empty, too large, not one of ``kinds``, or an
    image cut off before its end (an interrupted upload: ``ends_whole``)."""
    if not data:
        raise field_error(field, "the file is empty", "文件为空")
    if len(data) > max_bytes:
        raise UploadTooLarge(field, max_bytes)
    kind = sniff(data)
    if kind is None or kind not in kinds:
        names = [k.extension.upper() for k in kinds]
        raise field_error(field, f"only {', '.join(names)} files are accepted (judged by content, not by name)",
                          f"仅接受 {'、'.join(names)} 格式的文件（按文件内容判断）")
    if not ends_whole(data, kind):
        raise field_error(field, "the image is cut off before its end (an interrupted upload?)",
                          "无法识别为完整的图片（文件不完整或上传中断），请重新选择照片")
    return kind


def safe_name(filename: str, kind: FileKind, *, default: str = "file") -> str:
    """A stored name: the uploader's stem without path or odd characters, the extension of the real kind."""
    stem = _UNSAFE.sub("_", PurePath(filename or default).stem)[:80] or default
    return f"{stem}.{kind.extension}"
