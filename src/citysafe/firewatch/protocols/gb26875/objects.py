"""ADU objects of GB/T 26875.3 (one frozen dataclass per layout of Table 3) and the time label.

Values that arrive in a form the standard does not allow are kept as their raw bytes
(``DeviceTime.raw``, ``description_raw``) so that nothing a device sent is lost and a decoded object
re-encodes to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from citysafe.firewatch.protocols.gb26875.encode_error import EncodeError

__all__ = [
    "DESCRIPTION_SIZE",
    "AduObject",
    "AnalogValue",
    "ClockSync",
    "ComponentConfig",
    "ComponentRef",
    "ComponentStatus",
    "DeviceTime",
    "DutyCheck",
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
]

DESCRIPTION_SIZE: Final = 31
_ZERO_TIME: Final = bytes(6)


@dataclass(frozen=True, slots=True)
class DeviceTime:
    """A 6-byte time label as sent: sec, min, hour, day, month, year-2000, plain binary.

    The raw bytes are the value, so an impossible time (all zeros, month 13, 30 February) survives a
    round trip; ``value`` is the naive device-local datetime, or None when the bytes are not a time.
    Device clocks are often years off; that is still a valid time and is returned as such.
    """

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 6:
            raise EncodeError(f"a time label is 6 bytes, got {len(self.raw)}")

    @property
    def value(self) -> datetime | None:
        sec, minute, hour, day, month, year = self.raw
        if self.raw == _ZERO_TIME or sec > 59 or minute > 59 or hour > 23 or year > 99:
            return None
        try:
            # Naive on purpose: device-local time, and the standard names no zone.
            return datetime(2000 + year, month, day, hour, minute, sec)
        except ValueError:  # month 0 or 13, day 0 or 31 June and the like
            return None

    def isoformat(self) -> str | None:
        value = self.value
        return None if value is None else value.isoformat()

    @classmethod
    def of(cls, when: datetime) -> DeviceTime:
        """Time label of a (device-local, naive or aware; tz ignored) datetime in 2000-2099."""
        if not 2000 <= when.year <= 2099:
            raise EncodeError(f"year {when.year} is outside the 2000-2099 range of a time label")
        return cls(bytes((when.second, when.minute, when.hour, when.day, when.month, when.year - 2000)))

    @classmethod
    def zero(cls) -> DeviceTime:
        """The all-zero label some devices send for 'no time'."""
        return cls(_ZERO_TIME)


def clean_text(raw: bytes) -> str:
    """Decode a GB18030 description the way §6.5 of the notes asks.

    Decoded with errors="replace" so vendor garbage never raises; every NUL is removed wherever it is
    (some devices send leading NUL runs); outer whitespace, including the ideographic space some
    panels pad with, is trimmed; inner spaces are kept because they can be meaningful ("6162 切空调").
    """
    return raw.decode("gb18030", errors="replace").replace("\x00", "").strip()


def encode_description(text: str, size: int = DESCRIPTION_SIZE) -> bytes:
    """GB18030 bytes of ``text`` padded with NULs to ``size`` (the fixed 31 bytes of types 2 and 7)."""
    try:
        data = text.encode("gb18030")
    except UnicodeEncodeError as exc:  # only lone surrogates: GB18030 covers all of Unicode
        raise EncodeError(f"description is not encodable in GB18030: {exc.reason}") from exc
    if len(data) > size:
        raise EncodeError(f"description is {len(data)} bytes in GB18030, more than {size}")
    return data.ljust(size, b"\x00")


def _check_description(raw: bytes) -> None:
    if len(raw) != DESCRIPTION_SIZE:
        raise EncodeError(f"description_raw must be {DESCRIPTION_SIZE} bytes, got {len(raw)}")


# ---------------------------------------------------------------------------------------------------
# Upload objects (UITD -> centre). ``time`` is the per-object time label; None when the device left it
# out (seen for type 21).


@dataclass(frozen=True, slots=True)
class SystemStatus:
    """Type 1: 建筑消防设施系统状态. ``status`` bits: tables.SYSTEM_STATUS_BITS."""

    system_type: int
    system_address: int
    status: int
    time: DeviceTime | None = None


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    """Type 2: 部件运行状态, the carrier of fire alarms. ``status`` bits: COMPONENT_STATUS_BITS."""

    system_type: int
    system_address: int
    component_type: int
    component_address: int
    status: int
    description_raw: bytes
    time: DeviceTime | None = None

    def __post_init__(self) -> None:
        _check_description(self.description_raw)

    @property
    def description(self) -> str:
        return clean_text(self.description_raw)


@dataclass(frozen=True, slots=True)
class AnalogValue:
    """Type 3: 部件模拟量值. ``value`` is the raw int16; see ``tables.ANALOG_TYPES`` for the scale."""

    system_type: int
    system_address: int
    component_type: int
    component_address: int
    analog_type: int
    value: int
    time: DeviceTime | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """Type 4: 建筑消防设施操作信息. ``operation`` bits: tables.OPERATION_BITS."""

    system_type: int
    system_address: int
    operation: int
    operator: int
    time: DeviceTime | None = None


@dataclass(frozen=True, slots=True)
class SoftwareVersion:
    """Type 5: facility software version; also the reply layout to type 65."""

    system_type: int
    system_address: int
    major: int
    minor: int


@dataclass(frozen=True, slots=True)
class SystemConfig:
    """Type 6: system configuration, a length-prefixed GB18030 text of up to 255 bytes."""

    system_type: int
    system_address: int
    description_raw: bytes

    @property
    def description(self) -> str:
        return clean_text(self.description_raw)


@dataclass(frozen=True, slots=True)
class ComponentConfig:
    """Type 7: component configuration with the fixed 31-byte description."""

    system_type: int
    system_address: int
    component_type: int
    component_address: int
    description_raw: bytes

    def __post_init__(self) -> None:
        _check_description(self.description_raw)

    @property
    def description(self) -> str:
        return clean_text(self.description_raw)


@dataclass(frozen=True, slots=True)
class SystemTime:
    """Type 8: the facility's clock; the time label is the body, there is no per-object time."""

    system_type: int
    system_address: int
    clock: DeviceTime


@dataclass(frozen=True, slots=True)
class UitdStatus:
    """Type 21: UITD running status, one byte. Bits: tables.UITD_STATUS_BITS. Doubles as heartbeat."""

    status: int
    time: DeviceTime | None = None


@dataclass(frozen=True, slots=True)
class UitdOperation:
    """Type 24: UITD operation; bit 5 is the reply to a 查岗. Bits: tables.UITD_OPERATION_BITS."""

    operation: int
    operator: int
    time: DeviceTime | None = None


@dataclass(frozen=True, slots=True)
class UitdSoftwareVersion:
    """Type 25: UITD software version."""

    major: int
    minor: int


@dataclass(frozen=True, slots=True)
class UitdConfig:
    """Type 26: UITD configuration, a length-prefixed GB18030 text."""

    description_raw: bytes

    @property
    def description(self) -> str:
        return clean_text(self.description_raw)


@dataclass(frozen=True, slots=True)
class UitdTime:
    """Type 28: the UITD's clock."""

    clock: DeviceTime


# ---------------------------------------------------------------------------------------------------
# Downlink objects (centre -> UITD).


@dataclass(frozen=True, slots=True)
class SystemRef:
    """A facility system: the body of types 61, 65, 66 and 68."""

    system_type: int
    system_address: int


@dataclass(frozen=True, slots=True)
class ComponentRef:
    """A component by address (no component type in the standard's layout): types 62, 63 and 67."""

    system_type: int
    system_address: int
    component_address: int


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """Type 64: read up to ``record_count`` facility operation records from ``start``."""

    system_type: int
    system_address: int
    record_count: int
    start: DeviceTime


@dataclass(frozen=True, slots=True)
class UitdRecordQuery:
    """Type 84: read up to ``record_count`` UITD operation records from ``start``."""

    record_count: int
    start: DeviceTime


@dataclass(frozen=True, slots=True)
class Reserved:
    """The single reserved byte (normally 0) of types 81, 85, 86, 88 and 89."""

    value: int = 0


@dataclass(frozen=True, slots=True)
class ClockSync:
    """Type 90: the centre's time for the UITD to adopt."""

    clock: DeviceTime


@dataclass(frozen=True, slots=True)
class DutyCheck:
    """Type 91 (查岗): the operator must answer within ``timeout_minutes``."""

    timeout_minutes: int


AduObject = (
    SystemStatus
    | ComponentStatus
    | AnalogValue
    | Operation
    | SoftwareVersion
    | SystemConfig
    | ComponentConfig
    | SystemTime
    | UitdStatus
    | UitdOperation
    | UitdSoftwareVersion
    | UitdConfig
    | UitdTime
    | SystemRef
    | ComponentRef
    | RecordQuery
    | UitdRecordQuery
    | Reserved
    | ClockSync
    | DutyCheck
)
