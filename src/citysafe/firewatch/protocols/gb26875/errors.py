"""Exceptions of the GB/T 26875.3 codec.

::

    ValueError
     ├── FrameError          bytes that are not a valid frame; the gateway NAKs or drops them
     │    ├── Truncated      fewer bytes than the fixed 30-byte frame overhead
     │    ├── BadStartMarker does not start with "@@"
     │    ├── TooLong        ADU length field over 1024
     │    ├── LengthMismatch byte count differs from 30 + ADU length
     │    ├── BadTail        does not end with "##"
     │    └── BadChecksum    checksum byte differs from the sum of bytes 2 .. 26+n
     └── EncodeError         a value cannot be put on the wire (out of range, wrong object kind)

Decoding raises only FrameError subclasses, and only for framing: once the checksum passes, ADU
content never raises (see ``adu.decode_adu``). ``EncodeError`` is defined below the objects (which
raise it) in ``encode_error`` and re-exported here; a FrameError parses its ``header`` with the model.
"""

from __future__ import annotations

from citysafe.firewatch.protocols.gb26875.encode_error import EncodeError
from citysafe.firewatch.protocols.gb26875.model import Header, parse_header

__all__ = [
    "BadChecksum",
    "BadStartMarker",
    "BadTail",
    "EncodeError",
    "FrameError",
    "LengthMismatch",
    "TooLong",
    "Truncated",
]


class FrameError(ValueError):
    """Bytes that do not form a valid frame.

    ``str(exc)`` is a one-line human reason. ``data`` holds the offending bytes (at most one frame)
    and ``header`` the control unit when at least 24 bytes of it were present, so a gateway can NAK
    with the sender's serial and addresses.
    """

    def __init__(self, reason: str, data: bytes = b"") -> None:
        super().__init__(reason)
        self.reason = reason
        self.data = bytes(data)

    @property
    def header(self) -> Header | None:
        return parse_header(self.data)

    @property
    def kind(self) -> str:
        """Class name, for logs and JSON."""
        return type(self).__name__


class Truncated(FrameError):
    """Fewer than 30 bytes: not even the fixed part of a frame."""


class BadStartMarker(FrameError):
    """The first two bytes are not ``@@``."""


class TooLong(FrameError):
    """The ADU length field exceeds 1024."""


class LengthMismatch(FrameError):
    """The byte count is not 30 + the ADU length field."""


class BadTail(FrameError):
    """The last two bytes are not ``##``."""


class BadChecksum(FrameError):
    """The checksum byte does not match."""
