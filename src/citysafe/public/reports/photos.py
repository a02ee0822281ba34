"""A reporter's photo as the platform keeps it, in two steps (issue #15: ≥ 200 reports/s with 2 MB photos on two
cores leaves no room to decode 12 megapixels inside the request).

``receive`` (in the request, no pixel decoded): checked to be an image within the size limits and whole (its
container reaches its end: ``filekinds.ends_whole``), what its EXIF says about where and when it was taken read
from the header, then its metadata removed at the container level (``metastrip``: a JPEG or a PNG of any pixel
size keeps its compressed pixels byte for byte) and the result checked to carry none: a photo that still does is
refused, never stored as it came. A WebP, or a JPEG/PNG the container walk cannot vouch for, is the rare case
still decoded and encoded anew here, from its pixels alone.

``finish`` (off the request, core/jobs.py via ``photo_jobs``): the pixels decoded (a photo that does not decode
is removed), the perceptual hash (pHash) that finds the same photo sent again, even re-compressed, and the copy
shown to staff and the public: as received when it is upright and within ``MAX_SIDE``, else scaled and turned
upright (its EXIF orientation, read by ``receive`` before the EXIF went) and encoded anew.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import imagehash
from PIL import Image, UnidentifiedImageError

from citysafe.core import filekinds
from citysafe.core.errors import field_error
from citysafe.public.reports import metastrip

MAX_PIXELS = 50_000_000  # a decompression bomb is refused before its pixels are decoded
MAX_SIDE = 2000  # photos are shown at most this long side: enough to read a sign or a crack
QUALITY = 85
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL, _ORIENTATION = 36867, 36881, 0x0112
_SHANGHAI = ZoneInfo("Asia/Shanghai")
_METADATA_KEYS = ("exif", "xmp", "icc_profile", "comment", "photoshop", "XML:com.adobe.xmp", "mp")
# The pHash reads a 32×32 grey picture (imagehash's default, hash_size 8 × highfreq_factor 4): decoding more
# than a few times that is work thrown away. 128 lets libjpeg decode a phone's 4000×3000 JPEG at 1/8 scale.
_HASH_SIDE = 128
# EXIF orientation (TIFF 6.0 tag 274) → the turn that makes the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


@dataclass(frozen=True)
class Received:
    """A photo as stored at once: metadata-free ``content``, not yet decoded; ``orientation`` is what its EXIF
    said (1: upright), kept so the shown copy can be turned after the EXIF is gone."""

    content: bytes
    content_type: str
    width: int
    height: int
    orientation: int
    taken_at: datetime | None
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class Finished:
    """What decoding a received photo gave: its pHash, and the copy to show (``content`` None: the received
    bytes as they are)."""

    content: bytes | None
    content_type: str
    width: int
    height: int
    phash: str


class Undecodable(ValueError):
    """The pixels of a received photo do not decode."""


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


def upright(image: Image.Image, orientation: int = 1) -> Image.Image:
    """The picture the right way up (``orientation`` as its EXIF said), in RGB, at most ``MAX_SIDE`` long."""
    turn = _UPRIGHT.get(orientation)
    turned = image.transpose(turn) if turn is not None else image
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
    PNG) a segment or chunk outside what ``metastrip`` keeps. Reads the header only, no pixel."""
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


def _unreadable(field: str) -> Exception:
    return field_error(field, "not a readable image", "无法识别为图片，请上传手机拍摄的 JPG、PNG 或 WEBP 照片")


def _decoded_anew(image: Image.Image, orientation: int) -> tuple[bytes, Image.Image]:
    """``image`` decoded straight at the shown size where libjpeg scales (a quarter of the pixels of a phone's
    12-megapixel JPEG), turned upright, encoded from its pixels alone: the bytes and the upright picture."""
    filekinds.refuse_broken_pixels()
    longest = max(image.size)
    if longest > MAX_SIDE:
        image.draft("RGB", (max(1, MAX_SIDE * image.width // longest), max(1, MAX_SIDE * image.height // longest)))
    image.load()
    picture = upright(image, orientation)
    return reencode(picture), picture


def receive(data: bytes, *, field: str, max_bytes: int, strip: Callable[[bytes], bytes] = metastrip.strip) -> Received:
    """The photo to store now, or a problem naming ``field``: empty, too large, not an image, cut off, too many
    pixels, or its metadata could not be removed. Only the header is parsed and the container walked (a JPEG
    or PNG); ``strip``: that removal (a test may pass one that removes nothing, to see the upload refused)."""
    kind = filekinds.accepted(data, field=field, max_bytes=max_bytes, kinds=filekinds.IMAGE_KINDS)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise field_error(field, "the image has too many pixels", "图片像素过多，请用手机相机正常拍摄的照片")
            exif = image.getexif()
            orientation = int(exif.get(_ORIENTATION, 1) or 1)
            taken_at, (lon, lat) = _taken_at(exif), _place(exif)
            width, height = image.size
            content, content_type = b"", kind.content_type
            if kind in (filekinds.JPEG, filekinds.PNG):
                try:
                    content = strip(data)
                except metastrip.NotStrippable:
                    content = b""
            if not content:  # a WebP, or a container the walk cannot vouch for: its pixels, encoded anew
                content, picture = _decoded_anew(image, orientation)
                width, height = picture.size
                content_type, orientation = filekinds.JPEG.content_type, 1
        dirty = has_metadata(content)
    except _DECODE_ERRORS as exc:
        raise _unreadable(field) from exc
    if dirty:
        raise field_error(field, "the photo's metadata (location, device) could not be removed; it was not stored",
                          "无法去除照片中的位置等附加信息，照片未保存，请换一张照片或截图后再传")
    return Received(content=content, content_type=content_type, width=width, height=height,
                    orientation=orientation if orientation in _UPRIGHT else 1, taken_at=taken_at, lon=lon, lat=lat)


def finish(content: bytes, *, orientation: int = 1) -> Finished:
    """Decode a received photo: its pHash and the copy to show; ``Undecodable`` when its pixels do not decode
    (libjpeg's DCT scaling still reads every coefficient, so a corrupt stream is caught at 1/8 scale too)."""
    filekinds.refuse_broken_pixels()  # in case WeasyPrint was imported by something else in this process
    try:
        with Image.open(io.BytesIO(content)) as image:
            if max(image.size) > MAX_SIDE or orientation in _UPRIGHT:
                shown, picture = _decoded_anew(image, orientation)
                return Finished(content=shown, content_type=filekinds.JPEG.content_type, width=picture.width,
                                height=picture.height, phash=_phash(picture))
            width, height = image.size
            if image.format == "JPEG":
                image.draft("L", (_HASH_SIDE, _HASH_SIDE))
            image.load()
            return Finished(content=None, content_type=Image.MIME.get(image.format or "", "image/jpeg"),
                            width=width, height=height, phash=_phash(image))
    except _DECODE_ERRORS as exc:
        raise Undecodable(str(exc) or type(exc).__name__) from exc


def distance(a: str, b: str) -> int:
    """Bits that differ between two pHashes (hex)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
