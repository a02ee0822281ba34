"""ADU layouts (Table 3) and their tolerant decoder and strict encoder.

Decoding never raises: the frame's checksum has already passed, so whatever the device meant is kept,
interpreted where it fits the standard's layout and raw where it does not (real devices send types
the standard reserves, objects without their time label, and counts that disagree with the length).
Encoding is strict and raises ``EncodeError`` for anything the wire cannot carry.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from citysafe.firewatch.protocols.gb26875.errors import EncodeError
from citysafe.firewatch.protocols.gb26875.model import (
    Adu,
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
)

__all__ = ["OBJECT_CLASSES", "decode_adu", "encode_adu", "known_adu_type"]

T = TypeVar("T")
_Time = DeviceTime | None


@dataclass(frozen=True, slots=True)
class _Fixed(Generic[T]):
    """A fixed-size object layout. ``timed`` layouts are followed by a 6-byte time label."""

    cls: type[T]
    size: int
    timed: bool
    unpack: Callable[[bytes, int, _Time], T]
    pack: Callable[[T], bytes]


def _t(obj: Any) -> bytes:
    # Objects whose device left the time out re-encode without it, keeping round trips exact.
    time: _Time = obj.time
    return b"" if time is None else time.raw


_B2 = struct.Struct("<BB")
_B3 = struct.Struct("<BBB")
_B4 = struct.Struct("<BBBB")
_S1 = struct.Struct("<BBH")
_S2 = struct.Struct("<BBBIH31s")
_S3 = struct.Struct("<BBBIBh")
_S7 = struct.Struct("<BBBI31s")
_BBI = struct.Struct("<BBI")


def _dt(buf: bytes, off: int) -> DeviceTime:
    return DeviceTime(buf[off : off + 6])


def _u1(buf: bytes, off: int, time: _Time) -> SystemStatus:
    st, sa, status = _S1.unpack_from(buf, off)
    return SystemStatus(st, sa, status, time)


def _u2(buf: bytes, off: int, time: _Time) -> ComponentStatus:
    st, sa, ct, ca, status, desc = _S2.unpack_from(buf, off)
    return ComponentStatus(st, sa, ct, ca, status, desc, time)


def _u3(buf: bytes, off: int, time: _Time) -> AnalogValue:
    st, sa, ct, ca, kind, value = _S3.unpack_from(buf, off)
    return AnalogValue(st, sa, ct, ca, kind, value, time)


def _u4(buf: bytes, off: int, time: _Time) -> Operation:
    st, sa, operation, operator = _B4.unpack_from(buf, off)
    return Operation(st, sa, operation, operator, time)


_SYSTEM_TIME: Final = _Fixed(
    SystemTime, 8, False,
    lambda b, o, _: SystemTime(b[o], b[o + 1], _dt(b, o + 2)),
    lambda x: bytes((x.system_type, x.system_address)) + x.clock.raw,
)
_SYSTEM_REF: Final = _Fixed(
    SystemRef, 2, False,
    lambda b, o, _: SystemRef(b[o], b[o + 1]),
    lambda x: _B2.pack(x.system_type, x.system_address),
)
_COMPONENT_REF: Final = _Fixed(
    ComponentRef, 6, False,
    lambda b, o, _: ComponentRef(*_BBI.unpack_from(b, o)),
    lambda x: _BBI.pack(x.system_type, x.system_address, x.component_address),
)
_RESERVED: Final = _Fixed(
    Reserved, 1, False,
    lambda b, o, _: Reserved(b[o]),
    lambda x: bytes((x.value,)),
)

_FIXED: Final[dict[int, _Fixed[Any]]] = {
    1: _Fixed(
        SystemStatus, 4, True, _u1,
        lambda x: _S1.pack(x.system_type, x.system_address, x.status) + _t(x),
    ),
    2: _Fixed(
        ComponentStatus, 40, True, _u2,
        lambda x: _S2.pack(
            x.system_type, x.system_address, x.component_type, x.component_address, x.status,
            x.description_raw,
        ) + _t(x),
    ),
    3: _Fixed(
        AnalogValue, 10, True, _u3,
        lambda x: _S3.pack(
            x.system_type, x.system_address, x.component_type, x.component_address, x.analog_type,
            x.value,
        ) + _t(x),
    ),
    4: _Fixed(
        Operation, 4, True, _u4,
        lambda x: _B4.pack(x.system_type, x.system_address, x.operation, x.operator) + _t(x),
    ),
    5: _Fixed(
        SoftwareVersion, 4, False,
        lambda b, o, _: SoftwareVersion(*_B4.unpack_from(b, o)),
        lambda x: _B4.pack(x.system_type, x.system_address, x.major, x.minor),
    ),
    7: _Fixed(
        ComponentConfig, 38, False,
        lambda b, o, _: ComponentConfig(*_S7.unpack_from(b, o)),
        lambda x: _S7.pack(
            x.system_type, x.system_address, x.component_type, x.component_address, x.description_raw
        ),
    ),
    8: _SYSTEM_TIME,
    21: _Fixed(
        UitdStatus, 1, True,
        lambda b, o, t: UitdStatus(b[o], t),
        lambda x: bytes((x.status,)) + _t(x),
    ),
    24: _Fixed(
        UitdOperation, 2, True,
        lambda b, o, t: UitdOperation(b[o], b[o + 1], t),
        lambda x: _B2.pack(x.operation, x.operator) + _t(x),
    ),
    25: _Fixed(
        UitdSoftwareVersion, 2, False,
        lambda b, o, _: UitdSoftwareVersion(b[o], b[o + 1]),
        lambda x: _B2.pack(x.major, x.minor),
    ),
    28: _Fixed(UitdTime, 6, False, lambda b, o, _: UitdTime(_dt(b, o)), lambda x: x.clock.raw),
    61: _SYSTEM_REF,
    62: _COMPONENT_REF,
    63: _COMPONENT_REF,
    64: _Fixed(
        RecordQuery, 9, False,
        lambda b, o, _: RecordQuery(b[o], b[o + 1], b[o + 2], _dt(b, o + 3)),
        lambda x: _B3.pack(x.system_type, x.system_address, x.record_count) + x.start.raw,
    ),
    65: _SYSTEM_REF,
    66: _SYSTEM_REF,
    67: _COMPONENT_REF,
    68: _SYSTEM_REF,
    81: _RESERVED,
    84: _Fixed(
        UitdRecordQuery, 7, False,
        lambda b, o, _: UitdRecordQuery(b[o], _dt(b, o + 1)),
        lambda x: bytes((x.record_count,)) + x.start.raw,
    ),
    85: _RESERVED,
    86: _RESERVED,
    88: _RESERVED,
    89: _RESERVED,
    90: _Fixed(ClockSync, 6, False, lambda b, o, _: ClockSync(_dt(b, o)), lambda x: x.clock.raw),
    91: _Fixed(
        DutyCheck, 1, False,
        lambda b, o, _: DutyCheck(b[o]),
        lambda x: bytes((x.timeout_minutes,)),
    ),
}

# Types 6 and 26 carry a length-prefixed text: [sysType sysAddr] L text(L).
_VARIABLE: Final[dict[int, type[SystemConfig] | type[UitdConfig]]] = {6: SystemConfig, 26: UitdConfig}

OBJECT_CLASSES: Final[dict[int, type[Any]]] = {
    **{code: layout.cls for code, layout in _FIXED.items()},
    **_VARIABLE,
}
"""The object class each standard ADU type carries; types not listed are kept raw."""


def known_adu_type(adu_type: int) -> bool:
    """True when the codec interprets this ADU type rather than keeping it raw."""
    return adu_type in OBJECT_CLASSES


def _decode_fixed(layout: _Fixed[Any], body: bytes, count: int) -> tuple[list[AduObject], int]:
    size, n_body = layout.size, len(body)
    timed = layout.timed
    # A whole ADU sent without time labels (seen for type 21): the count times the bare size is
    # exactly the body. Count is trusted over the alternative reading when both would fit.
    if timed and count and n_body == count * size:
        timed = False
    step = size + 6 if timed else size
    wanted = count
    if n_body % step == 0 and n_body // step > count:
        # The count understates what the (checksum-protected) length holds; a fire alarm must not
        # vanish into the raw remainder because of a wrong count byte.
        wanted = n_body // step
    objects: list[AduObject] = []
    off = 0
    while len(objects) < wanted and off + step <= n_body:
        time = DeviceTime(body[off + size : off + step]) if timed else None
        objects.append(layout.unpack(body, off, time))
        off += step
    if timed and len(objects) < wanted and n_body - off >= size:
        # The last object lost its time label.
        objects.append(layout.unpack(body, off, None))
        off += size
    return objects, off


def _parse_texts(adu_type: int, body: bytes, off: int, limit: int) -> tuple[list[AduObject], int]:
    prefix = 3 if adu_type == 6 else 1
    objects: list[AduObject] = []
    while len(objects) < limit and off + prefix <= len(body):
        length = body[off + prefix - 1]
        end = off + prefix + length
        if end > len(body):
            break
        text = body[off + prefix : end]
        objects.append(SystemConfig(body[off], body[off + 1], text) if prefix == 3 else UitdConfig(text))
        off = end
    return objects, off


def _decode_texts(adu_type: int, body: bytes, count: int) -> tuple[list[AduObject], int]:
    objects, off = _parse_texts(adu_type, body, 0, count)
    if len(objects) == count and off < len(body):
        # More whole objects than counted: take them only if they use up the body exactly.
        extra, end = _parse_texts(adu_type, body, off, len(body))
        if end == len(body):
            return objects + extra, end
    return objects, off


def decode_adu(data: bytes) -> Adu | None:
    """Decode an ADU; None for an empty one (ACK, NAK). Never raises."""
    if not data:
        return None
    adu_type = data[0]
    if len(data) == 1:
        return Adu(adu_type, None)
    count, body = data[1], bytes(data[2:])
    layout = _FIXED.get(adu_type)
    if layout is not None:
        objects, used = _decode_fixed(layout, body, count)
    elif adu_type in _VARIABLE:
        objects, used = _decode_texts(adu_type, body, count)
    else:
        return Adu(adu_type, count, (), body)
    return Adu(adu_type, count, tuple(objects), body[used:])


def _encode_object(adu_type: int, obj: AduObject) -> bytes:
    layout = _FIXED.get(adu_type)
    if layout is not None:
        if not isinstance(obj, layout.cls):
            raise EncodeError(f"ADU type {adu_type} carries {layout.cls.__name__}, not {type(obj).__name__}")
        return layout.pack(obj)
    if isinstance(obj, SystemConfig) and adu_type == 6:
        prefix = _B2.pack(obj.system_type, obj.system_address)
    elif isinstance(obj, UitdConfig) and adu_type == 26:
        prefix = b""
    else:
        raise EncodeError(f"ADU type {adu_type} cannot carry {type(obj).__name__}")
    if len(obj.description_raw) > 255:
        raise EncodeError("a configuration text is at most 255 bytes")
    return prefix + bytes((len(obj.description_raw),)) + obj.description_raw


def encode_adu(adu: Adu | None) -> bytes:
    """Bytes of an ADU (empty for None). Raises EncodeError for values the wire cannot carry."""
    if adu is None:
        return b""
    if not 0 <= adu.type <= 255:
        raise EncodeError(f"ADU type {adu.type} is not a byte")
    if adu.count is None:
        if adu.objects or adu.rest:
            raise EncodeError("an ADU without a count byte cannot carry objects or bytes")
        return bytes((adu.type,))
    if not 0 <= adu.count <= 255:
        raise EncodeError(f"object count {adu.count} is not a byte")
    parts = [bytes((adu.type, adu.count))]
    try:
        parts.extend(_encode_object(adu.type, obj) for obj in adu.objects)
    except EncodeError:
        raise
    except (struct.error, TypeError, ValueError) as exc:
        # struct and bytes() report out-of-range fields; say which ADU they belong to.
        raise EncodeError(f"ADU type {adu.type}: {exc}") from exc
    parts.append(adu.rest)
    return b"".join(parts)
