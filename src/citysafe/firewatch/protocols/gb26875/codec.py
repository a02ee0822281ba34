"""Frame-level decode and encode of GB/T 26875.3 ("strict framing, tolerant ADU").

Frame layout (offsets 0-based, integers little-endian)::

    0 "@@" | 2 serial u16 | 4 version main, user | 6 time label (6) | 12 source (6) | 18 destination (6)
    | 24 ADU length u16 (<= 1024) | 26 command | 27 ADU (n) | 27+n checksum | 28+n "##"

The checksum is ``sum(frame[2:27+n]) & 0xFF``.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Final

from citysafe.firewatch.protocols.gb26875.adu import decode_adu, encode_adu
from citysafe.firewatch.protocols.gb26875.errors import (
    BadChecksum,
    BadStartMarker,
    BadTail,
    EncodeError,
    LengthMismatch,
    TooLong,
    Truncated,
)
from citysafe.firewatch.protocols.gb26875.model import DeviceTime, Frame

__all__ = [
    "FRAME_OVERHEAD",
    "MAX_ADU_LENGTH",
    "MAX_FRAME_LENGTH",
    "START",
    "TAIL",
    "checksum",
    "decode_frame",
    "dedup_key",
    "encode_frame",
]

START: Final = b"@@"
TAIL: Final = b"##"
FRAME_OVERHEAD: Final = 30
MAX_ADU_LENGTH: Final = 1024
MAX_FRAME_LENGTH: Final = FRAME_OVERHEAD + MAX_ADU_LENGTH

_U16: Final = struct.Struct("<H")
# serial, main version, user version, time(6), source(6), destination(6), ADU length, command
_CONTROL: Final = struct.Struct("<HBB6s6s6sHB")
_ADDRESS_LIMIT: Final = 1 << 48


def checksum(data: bytes | bytearray | memoryview) -> int:
    """Arithmetic sum of ``data`` modulo 256; pass ``frame[2:27+n]`` for a frame's checksum."""
    # sum() over a bytes-like runs in C, far faster than any per-byte Python loop.
    return sum(data) & 0xFF


def decode_frame(data: bytes | bytearray | memoryview) -> Frame:
    """Decode exactly one frame.

    Raises a ``FrameError`` subclass when the framing is wrong (length, markers, checksum). Once the
    checksum passes nothing else raises: the ADU is decoded as far as it follows the standard and
    kept raw where it does not.
    """
    frame = bytes(data)
    size = len(frame)
    if size < FRAME_OVERHEAD:
        raise Truncated(f"{size} bytes is shorter than the 30-byte minimum frame", frame)
    if frame[:2] != START:
        raise BadStartMarker(f"starts with {frame[:2].hex()} instead of 4040 ('@@')", frame)
    length = _U16.unpack_from(frame, 24)[0]
    if length > MAX_ADU_LENGTH:
        raise TooLong(f"ADU length field {length} (0x{length:04x}) exceeds 1024", frame)
    if size != FRAME_OVERHEAD + length:
        raise LengthMismatch(
            f"{size} bytes but the ADU length field {length} implies {FRAME_OVERHEAD + length}", frame
        )
    return _decode_framed(frame, length)


def _decode_framed(frame: bytes, length: int) -> Frame:
    """Check tail and checksum of a frame whose start and length are already known to be right."""
    if frame[-2:] != TAIL:
        raise BadTail(f"ends with {frame[-2:].hex()} instead of 2323 ('##')", frame)
    expected = sum(frame[2 : 27 + length]) & 0xFF
    if frame[27 + length] != expected:
        raise BadChecksum(f"checksum byte 0x{frame[27 + length]:02x}, computed 0x{expected:02x}", frame)
    serial, major, minor, sent, src, dst, _, command = _CONTROL.unpack_from(frame, 2)
    return Frame(
        serial=serial,
        source=int.from_bytes(src, "little"),
        destination=int.from_bytes(dst, "little"),
        command=command,
        sent=DeviceTime(sent),
        adu=decode_adu(frame[27 : 27 + length]),
        version=(major, minor),
        raw=frame,
    )


def encode_frame(frame: Frame) -> bytes:
    """Bytes of ``frame`` (its ``raw`` is ignored). Raises EncodeError for out-of-range fields."""
    adu = encode_adu(frame.adu)
    if len(adu) > MAX_ADU_LENGTH:
        raise EncodeError(f"ADU of {len(adu)} bytes exceeds 1024; split it over several frames")
    for name, address in (("source", frame.source), ("destination", frame.destination)):
        if not 0 <= address < _ADDRESS_LIMIT:
            raise EncodeError(f"{name} address {address} does not fit 6 bytes")
    try:
        control = _CONTROL.pack(
            frame.serial,
            frame.version[0],
            frame.version[1],
            frame.sent.raw,
            frame.source.to_bytes(6, "little"),
            frame.destination.to_bytes(6, "little"),
            len(adu),
            frame.command,
        )
    except struct.error as exc:
        raise EncodeError(f"control unit: {exc}") from exc
    body = control + adu
    return b"".join((START, body, bytes((sum(body) & 0xFF,)), TAIL))


def dedup_key(frame: Frame) -> tuple[int, int, bytes]:
    """(source address, serial, ADU digest): equal for a device's retransmissions of one frame.

    The digest is BLAKE2b rather than ``hash()`` because it must agree across gateway processes and
    restarts (Python's bytes hash is salted per process).
    """
    payload = frame.raw[27:-3] if frame.raw else encode_adu(frame.adu)
    return frame.source, frame.serial, hashlib.blake2b(payload, digest_size=8).digest()
