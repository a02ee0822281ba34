"""Frames and ADUs of GB/T 26875.3: the control unit, the ADU container and the frame.

All dataclasses are frozen. What does not follow the standard is kept as bytes (``Adu.rest``, the
objects' raw fields, ``Frame.raw``) so that nothing a device sent is lost and a decoded frame
re-encodes to the same bytes. The object classes live in ``objects`` and are re-exported here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Final

from citysafe.firewatch.protocols.gb26875.objects import (
    DESCRIPTION_SIZE,
    AduObject,
    AnalogValue,
    ClockSync,
    ComponentConfig,
    ComponentRef,
    ComponentStatus,
    DeviceTime,
    DutyCheck,
    Operation,
    RecordQuery,
    Reserved,
    SoftwareVersion,
    SystemConfig,
    SystemRef,
    SystemStatus,
    SystemTime,
    UitdConfig,
    UitdOperation,
    UitdRecordQuery,
    UitdSoftwareVersion,
    UitdStatus,
    UitdTime,
    clean_text,
    encode_description,
)

__all__ = [
    "DESCRIPTION_SIZE",
    "Adu",
    "AduObject",
    "AnalogValue",
    "ClockSync",
    "ComponentConfig",
    "ComponentRef",
    "ComponentStatus",
    "DeviceTime",
    "DutyCheck",
    "Frame",
    "Header",
    "Operation",
    "RecordQuery",
    "Reserved",
    "SoftwareVersion",
    "SystemConfig",
    "SystemRef",
    "SystemStatus",
    "SystemTime",
    "UitdConfig",
    "UitdOperation",
    "UitdRecordQuery",
    "UitdSoftwareVersion",
    "UitdStatus",
    "UitdTime",
    "clean_text",
    "encode_description",
    "parse_header",
]


@dataclass(frozen=True, slots=True)
class Adu:
    """An application data unit.

    ``count`` is the count byte as sent (None when the ADU is a lone type byte) and may disagree with
    ``len(objects)``. ``rest`` holds the bytes that were not interpreted: the whole body of a reserved
    or vendor type, or what is left after the objects that fitted.
    """

    type: int
    count: int | None
    objects: tuple[AduObject, ...] = ()
    rest: bytes = b""

    @classmethod
    def of(cls, adu_type: int, *objects: AduObject) -> Adu:
        """A well-formed ADU whose count byte is the number of objects."""
        return cls(int(adu_type), len(objects), tuple(objects))

    @classmethod
    def raw(cls, adu_type: int, count: int, body: bytes) -> Adu:
        """An ADU kept as bytes, e.g. a vendor type such as 0xCC."""
        return cls(int(adu_type), count, (), bytes(body))


_U16: Final = struct.Struct("<H")


@dataclass(frozen=True, slots=True)
class Header:
    """The part of the control unit needed to answer a frame (bytes 2-23)."""

    serial: int
    version: tuple[int, int]
    sent: DeviceTime
    source: int
    destination: int


def parse_header(data: bytes) -> Header | None:
    """Control unit of ``data`` when it starts with ``@@`` and holds at least 24 bytes, else None."""
    if len(data) < 24 or data[:2] != b"@@":
        return None
    return Header(
        serial=_U16.unpack_from(data, 2)[0],
        version=(data[4], data[5]),
        sent=DeviceTime(bytes(data[6:12])),
        source=int.from_bytes(data[12:18], "little"),
        destination=int.from_bytes(data[18:24], "little"),
    )


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame. Addresses are the 6-byte little-endian integers; ``version`` is (main, user).

    ``raw`` is the frame as received (empty for a frame built in code) and takes no part in equality,
    so ``decode_frame(encode_frame(f)) == f``.
    """

    serial: int
    source: int
    destination: int
    command: int
    sent: DeviceTime
    adu: Adu | None = None
    version: tuple[int, int] = (1, 1)
    raw: bytes = field(default=b"", compare=False, repr=False)

    @property
    def header(self) -> Header:
        return Header(self.serial, self.version, self.sent, self.source, self.destination)

    @property
    def version_text(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"
