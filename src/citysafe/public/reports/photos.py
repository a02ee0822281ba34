"""A reporter's photo as the platform keeps it: checked to be an image within the size limit, what its EXIF
says about where and when it was taken read, then its metadata removed, and the result checked to carry none: a
photo that still does is refused, never stored as it came. The perceptual hash (pHash) finds the same photo sent
again, even re-compressed.

Two ways to remove the metadata (``metastrip`` says what goes):
- as sent: a JPEG or PNG already upright and within ``MAX_SIDE`` keeps its compressed pixels byte for byte and
  loses its metadata segments (a few milliseconds; the pixels are decoded once, at 1/8 scale where the JPEG
  allows, only to check them and to hash them);
- re-encoded: a WebP, a picture to turn upright (EXIF orientation), one over ``MAX_SIDE``, or a container the
  walk cannot vouch for is decoded (at the stored size where libjpeg can scale) and encoded anew from its
  pixels alone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import imagehash
from PIL import Image, ImageOps, UnidentifiedImageError

from citysafe.core import filekinds
from citysafe.core.errors import field_error
from citysafe.public.reports import metastrip

MAX_PIXELS = 50_000_000  # a decompression bomb is refused before its pixels are decoded
MAX_SIDE = 2000  # stored photos are scaled to this longest side: enough to read a sign or a crack
QUALITY = 85
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL, _ORIENTATION = 36867, 36881, 0x0112
_SHANGHAI = ZoneInfo("Asia/Shanghai")
_METADATA_KEYS = ("exif", "xmp", "icc_profile", "comment", "photoshop", "XML:com.adobe.xmp", "mp")
# The pHash reads a 32×32 grey picture (imagehash's default, hash_size 8 × highfreq_factor 4): decoding more
# than a few times that is work thrown away. 128 lets libjpeg decode a phone's 4000×3000 JPEG at 1/8 scale.
_HASH_SIDE = 128


@dataclass(frozen=True)
class Photo:
    content: bytes
    content_type: str
    width: int
    height: int
    phash: str
    taken_at: datetime | None
    lon: float | None
    lat: float | None


def _rational(value: Any) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def _degrees(parts: Any, ref: Any) -> float | None:
    try:
        d, m, s = (_rational(p) for p in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return -value if str(ref).upper() in ("S", "W") else value


def _taken_at(exif: Image.Exif) -> datetime | None:
    ifd = exif.get_ifd(_EXIF_IFD)
    text = str(ifd.get(_DATETIME_ORIGINAL) or "").strip("\x00 ")
    try:
        moment = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = str(ifd.get(_OFFSET_ORIGINAL) or "").strip("\x00 ")
    try:
        return datetime.fromisoformat(moment.isoformat() + offset) if offset else moment.replace(tzinfo=_SHANGHAI)
    except ValueError:
        return moment.replace(tzinfo=_SHANGHAI)  # a camera without an offset: the city's wall time


def _place(exif: Image.Exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(_GPS_IFD)
    if 2 not in gps or 4 not in gps:
        return None, None
    lat, lon = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lon, 7), round(lat, 7)


def upright(image: Image.Image) -> Image.Image:
    """The picture the right way up (EXIF orientation applied), in RGB, at most ``MAX_SIDE`` on its long side."""
    turned = ImageOps.exif_transpose(image) if image.getexif().get(_ORIENTATION, 1) != 1 else image
    rgb = turned if turned.mode == "RGB" else turned.convert("RGB")
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    return rgb


def reencode(image: Image.Image) -> bytes:
    """The pixels alone, as a JPEG: a new image is built from them, so nothing of the original's ``info``
    (EXIF, XMP, ICC, comments) can be carried over."""
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=QUALITY, optimize=False)
    return out.getvalue()


def has_metadata(content: bytes) -> bool:
    """Whether Pillow still finds EXIF, XMP, ICC, a comment, IPTC or MPF in ``content``, or (for a JPEG or a
    PNG) a segment or chunk outside what ``metastrip`` keeps."""
    with Image.open(io.BytesIO(content)) as image:
        if bool(image.getexif()) or any(key in image.info for key in _METADATA_KEYS):
            return True
    try:
        return bool(metastrip.leftovers(content))
    except metastrip.NotStrippable:
        return True  # what is stored is a JPEG or a PNG this module wrote or walked: anything else is refused


def _phash(image: Image.Image) -> str:
    """The pHash of ``image`` made small first (a box filter, then imagehash's 32×32 Lanczos): a fraction of
    the work of hashing it whole, and the same photo sent small and as sent, or large and re-encoded, stays
    within the duplicate distance (tests/public/test_reports_photo_strip.py)."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("L")  # Image.reduce takes neither a palette nor a 16-bit picture
    factor = min(image.size) // _HASH_SIDE
    small = image.reduce(factor) if factor > 1 else image
    return str(imagehash.phash(small if small.mode == "L" else small.convert("L")))


def _as_sent(data: bytes, kind: filekinds.FileKind, strip: Callable[[bytes], bytes]) -> tuple[bytes, str] | None:
    """The upload without its metadata segments, and its pHash; None when the container walk cannot vouch
    for it (the caller re-encodes). Its pixels are decoded once, from the stripped bytes (what is stored
    must decode), at 1/8 scale for a JPEG (libjpeg's DCT scaling still reads every coefficient, so a corrupt
    or truncated stream is caught)."""
    try:
        content = strip(data)
    except metastrip.NotStrippable:
        return None
    with Image.open(io.BytesIO(content)) as image:
        if kind is filekinds.JPEG:
            image.draft("L", (_HASH_SIDE, _HASH_SIDE))
        image.load()
        return content, _phash(image)


def _ends_whole(data: bytes, kind: filekinds.FileKind) -> bool:
    """Whether the upload's container reaches its end: a JPEG's end-of-image marker after its first scan, a
    PNG's IEND chunk, a WebP's RIFF length. Pillow cannot be trusted to refuse a cut-off picture: WeasyPrint
    sets ``ImageFile.LOAD_TRUNCATED_IMAGES`` for the whole process when it is imported (for PDFs), after which
    a truncated JPEG decodes with grey where its data stops (a CI run accepted one)."""
    if kind is filekinds.JPEG:
        scan = data.find(b"\xff\xda")
        return scan >= 0 and data.find(b"\xff\xd9", scan) >= 0
    if kind is filekinds.PNG:
        return data.find(b"IEND", 8) >= 0
    return len(data) >= 12 and int.from_bytes(data[4:8], "little") + 8 <= len(data)


def _unreadable(field: str) -> Exception:
    return field_error(field, "not a readable image", "无法识别为图片，请上传手机拍摄的 JPG、PNG 或 WEBP 照片")


def process(data: bytes, *, field: str, max_bytes: int,
            strip: Callable[[bytes], bytes] = metastrip.strip) -> Photo:
    """The photo to store, or a problem naming ``field``: empty, too large, not an image, unreadable, too many
    pixels, or its metadata could not be removed. ``strip``: the container-level removal (a test may pass
    one that fails to remove anything, to see the upload refused)."""
    kind = filekinds.accepted(data, field=field, max_bytes=max_bytes, kinds=filekinds.IMAGE_KINDS)
    if not _ends_whole(data, kind):
        raise _unreadable(field)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise field_error(field, "the image has too many pixels", "图片像素过多，请用手机相机正常拍摄的照片")
            exif = image.getexif()
            taken_at = _taken_at(exif)
            lon, lat = _place(exif)
            width, height = image.size
            sent = None
            if kind in (filekinds.JPEG, filekinds.PNG) and max(image.size) <= MAX_SIDE \
                    and exif.get(_ORIENTATION, 1) == 1 and image.mode in ("L", "RGB", "RGBA", "P", "LA"):
                sent = _as_sent(data, kind, strip)
            if sent is not None:
                (content, phash), content_type = sent, kind.content_type
            else:
                # A phone's 12-megapixel JPEG is decoded straight at the stored size (libjpeg's DCT scaling):
                # a quarter of the pixels, and of the time, of decoding it whole and scaling it after.
                longest = max(image.size)
                image.draft("RGB", (max(1, MAX_SIDE * width // longest), max(1, MAX_SIDE * height // longest)))
                image.load()
                picture = upright(image)
                width, height = picture.size
                phash = _phash(picture)
                content, content_type = reencode(picture), filekinds.JPEG.content_type
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _unreadable(field) from exc
    try:
        dirty = has_metadata(content)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _unreadable(field) from exc
    if dirty:
        raise field_error(field, "the photo's metadata (location, device) could not be removed; it was not stored",
                          "无法去除照片中的位置等附加信息，照片未保存，请换一张照片或截图后再传")
    return Photo(content=content, content_type=content_type, width=width, height=height, phash=phash,
                 taken_at=taken_at, lon=lon, lat=lat)


def distance(a: str, b: str) -> int:
    """Bits that differ between two pHashes (hex)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
