"""A photo's metadata removed at the container level, its compressed pixels copied untouched (lossless, and
~100 times cheaper than decoding and re-encoding them).

JPEG: the marker segments are walked up to the end of the image (EOI). Kept: the frame, scan, Huffman,
quantisation, restart and arithmetic-coding segments the decoder needs, the entropy-coded data, a JFIF APP0
rebuilt without its thumbnail, and an Adobe APP14 cut to its fixed 12 bytes (its colour-transform flag decides
how the pixels are read). Dropped: APP1 (Exif, XMP), APP2 (ICC, MPF), APP13 (IPTC, Photoshop), every other
APPn, comments (COM), and everything after EOI (a phone's MPF second images and vendor trailers, each with an
EXIF of its own). The rule is a whitelist: a marker not named here stops the walk (``NotStrippable``).

PNG: the chunks are walked up to IEND. Kept: the critical chunks and the rendering ones that say nothing about
the device, place or time (tRNS, gAMA, cHRM, sRGB, sBIT, bKGD, pHYs). Dropped: tEXt, zTXt, iTXt, eXIf, tIME,
iCCP and any other ancillary chunk; an unknown critical chunk stops the walk.

Other containers (WebP) are not walked here: the caller re-encodes their pixels. ICC profiles go too, as
in the re-encoding path (the rule of photos.py: no EXIF, XMP, ICC profile or comment survives).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

JPEG_MAGIC = b"\xff\xd8"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# ITU T.81 table B.1: baseline, extended, progressive and lossless frames, Huffman or arithmetic (not the
# differential frames of the hierarchical mode, which neither browsers nor Pillow decode).
_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC9, 0xCA, 0xCB})
_TABLES = frozenset({0xC4, 0xCC, 0xDB, 0xDD, 0xDC})  # DHT, DAC, DQT, DRI, DNL
_SOS, _EOI, _APP0, _APP14, _COM = 0xDA, 0xD9, 0xE0, 0xEE, 0xFE
_APPN = range(0xE0, 0xF0)
# In entropy-coded data 0xFF is followed by 0x00 (a stuffed byte) or a restart marker (D0-D7); anything else
# (after optional 0xFF fill bytes) is the next marker.
_NEXT_MARKER = re.compile(rb"\xff(?=[^\x00\xd0-\xd7\xff])")
_PNG_KEEP = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD",
                       b"pHYs"})


class NotStrippable(ValueError):
    """A container this module cannot vouch for: truncated, out of order, or with a segment it does not know."""


def _jpeg_walk(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start of its payload, end) for each segment up to and including EOI; for SOS, ``end`` also
    covers the entropy-coded data that follows it."""
    if not data.startswith(JPEG_MAGIC):
        raise NotStrippable("not a JPEG")
    pos, size = 2, len(data)
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise NotStrippable(f"no marker at byte {pos}")
        while pos < size and data[pos] == 0xFF:  # fill bytes (T.81 B.1.1.2)
            pos += 1
        if pos >= size:
            raise NotStrippable("truncated before a marker")
        marker, pos = data[pos], pos + 1
        if marker == _EOI:
            yield marker, pos, pos
            return
        if marker not in _FRAMES and marker not in _TABLES and marker not in _APPN and marker not in (_SOS, _COM):
            raise NotStrippable(f"unknown JPEG marker FF{marker:02X}")
        if pos + 2 > size:
            raise NotStrippable("truncated segment length")
        length = int.from_bytes(data[pos:pos + 2], "big")
        end = pos + length
        if length < 2 or end > size:
            raise NotStrippable(f"segment FF{marker:02X} runs past the end")
        if marker == _SOS:
            found = _NEXT_MARKER.search(data, end)
            if found is None:
                raise NotStrippable("entropy-coded data without an end")
            end = found.start()
        yield marker, pos + 2, end
        pos = end


def _jfif(payload: bytes) -> bytes | None:
    """A JFIF APP0 with its version and pixel density, without the thumbnail it may carry (a thumbnail can
    show what a crop removed)."""
    if not payload.startswith(b"JFIF\x00") or len(payload) < 12:
        return None
    body = payload[:12] + b"\x00\x00"
    return b"\xff\xe0" + (len(body) + 2).to_bytes(2, "big") + body


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG without metadata, its entropy-coded data byte for byte; ``NotStrippable`` when the walk fails."""
    # Views, not slices, joined once: the scan's entropy-coded data (nearly all of a 2 MB photo) is copied
    # once, into the result (a slice, then ``+``, then the join copied it three times, each under the GIL).
    view = memoryview(data)
    parts: list[bytes | memoryview] = [JPEG_MAGIC]
    seen_app0 = False
    for marker, start, end in _jpeg_walk(data):
        if marker == _EOI:
            parts.append(b"\xff\xd9")
            return b"".join(parts)
        if marker == _APP0 and not seen_app0:
            seen_app0 = True
            rebuilt = _jfif(data[start:end])
            if rebuilt is not None:
                parts.append(rebuilt)
        elif marker == _APP14 and data[start:end].startswith(b"Adobe") and end - start >= 12:
            parts.append(b"\xff\xee\x00\x0e" + data[start:start + 12])
        elif marker in _APPN or marker == _COM:
            continue
        else:
            parts += (bytes((0xFF, marker)), view[start - 2:end])
    raise NotStrippable("no end of image")  # pragma: no cover - _jpeg_walk returns only at EOI


def jpeg_leftovers(data: bytes) -> list[str]:
    """What of a JPEG could still be metadata: every APPn other than a bare JFIF APP0 or a 12-byte Adobe
    APP14, every comment, any byte after EOI. Empty for what ``strip_jpeg`` returns."""
    found: list[str] = []
    for marker, start, end in _jpeg_walk(data):
        payload = data[start:min(end, start + 16)]  # enough for what is checked; a scan is not copied
        if marker == _EOI:
            if end < len(data):
                found.append(f"{len(data) - end} bytes after the end of the image")
        elif marker == _APP0 and not (payload.startswith(b"JFIF\x00") and payload[12:14] == b"\x00\x00"
                                      and end - start == 14):
            found.append("APP0 other than a bare JFIF header")
        elif marker == _APP14 and not (payload.startswith(b"Adobe") and end - start == 12):
            found.append("APP14 other than Adobe's colour transform")
        elif marker in _APPN and marker not in (_APP0, _APP14):
            found.append(f"APP{marker - 0xE0}")
        elif marker == _COM:
            found.append("COM")
    return found


def _png_walk(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(chunk type, start of the chunk, end including its CRC) up to and including IEND."""
    if not data.startswith(PNG_MAGIC):
        raise NotStrippable("not a PNG")
    pos, size = len(PNG_MAGIC), len(data)
    while True:
        if pos + 12 > size:
            raise NotStrippable("truncated PNG chunk")
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > size or not kind.isalpha():
            raise NotStrippable("malformed PNG chunk")
        yield kind, pos, end
        if kind == b"IEND":
            return
        pos = end


def strip_png(data: bytes) -> bytes:
    """The PNG without text, EXIF, time or ICC chunks, its image data byte for byte."""
    parts = [PNG_MAGIC]
    for kind, start, end in _png_walk(data):
        if kind in _PNG_KEEP:
            parts.append(data[start:end])
        elif kind[0] & 0x20 == 0:  # an upper-case first letter: critical, the image cannot be read without it
            raise NotStrippable(f"unknown critical PNG chunk {kind.decode('ascii')}")
    return b"".join(parts)


def png_leftovers(data: bytes) -> list[str]:
    """Chunks of a PNG outside the kept list, and any byte after IEND."""
    found, last = [], 0
    for kind, _start, end in _png_walk(data):
        last = end
        if kind not in _PNG_KEEP:
            found.append(kind.decode("ascii"))
    if last < len(data):
        found.append(f"{len(data) - last} bytes after IEND")
    return found


def strip(data: bytes) -> bytes:
    """A JPEG or a PNG without its metadata; ``NotStrippable`` for any other container or a malformed one."""
    if data.startswith(JPEG_MAGIC):
        return strip_jpeg(data)
    if data.startswith(PNG_MAGIC):
        return strip_png(data)
    raise NotStrippable("only JPEG and PNG are stripped at the container level")


def leftovers(data: bytes) -> list[str]:
    """What in a stored JPEG or PNG could still be metadata (empty: nothing); ``NotStrippable`` when unreadable."""
    if data.startswith(JPEG_MAGIC):
        return jpeg_leftovers(data)
    if data.startswith(PNG_MAGIC):
        return png_leftovers(data)
    raise NotStrippable("only JPEG and PNG are checked at the container level")
