"""What a decoded GB/T 26875.3 frame says about points, pure: frame in, observations out.

Point keys: ``"<uitd address>"`` for the UITD itself, ``"<addr>/<system type>/<system address>"`` for
a facility system and ``"<addr>/<sys type>/<sys addr>/<component address>"`` for a component (the
address is the decimal of the 6-byte source address). Bit 1 means fire whatever bit 0 says: the public
fire samples all send 0x0002 ("test mode + fire"), and a fire is never suppressed for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

from citysafe.core.clock import SHANGHAI
from citysafe.firewatch.enums import PointCondition as C
from citysafe.firewatch.protocols.gb26875 import (
    AnalogValue,
    ComponentStatus,
    DeviceTime,
    Frame,
    Operation,
    SystemStatus,
    UitdOperation,
    UitdStatus,
)
from citysafe.firewatch.protocols.gb26875.tables import (
    COMPONENT_STATUS_BITS,
    SYSTEM_STATUS_BITS,
    UITD_STATUS_BITS,
    FlagBit,
    analog_type_info,
    component_type_name,
    flag_labels,
    system_type_name,
)

_GAS_COMPONENTS = frozenset({10, 11, 12, 13})
_ELECTRICAL_COMPONENTS = frozenset({16, 17, 18})
_MANUAL_ALARM_BIT = 1 << 2
DUTY_REPLY_BIT = 1 << 5
_SEND_DATA, _RESPONSE = 2, 5


class Observation(NamedTuple):
    """What one object of a frame says about one point.

    A NamedTuple rather than a frozen dataclass, immutable all the same: one is built for every status
    object received (thousands a second), and a frozen dataclass's ``__init__`` cost four times as much.
    """

    point_key: str
    observed: frozenset[str]
    momentary: bool
    status: int | None
    labels: tuple[str, ...]
    device_time: datetime | None  # UTC
    system_type: int | None = None
    system_address: int | None = None
    component_type: int | None = None
    component_address: int | None = None
    description: str = ""
    test_mode: bool = False
    cause: str = ""


@dataclass(frozen=True, slots=True)
class AnalogReading:
    device_id: str
    quantity: str
    value: float
    unit: str
    device_time: datetime | None


@dataclass(frozen=True, slots=True)
class DutyReply:
    operator: int
    device_time: datetime | None


class FrameFacts(NamedTuple):  # one per frame received: a NamedTuple for the same reason as Observation
    observations: tuple[Observation, ...] = ()
    readings: tuple[AnalogReading, ...] = ()
    duty_replies: tuple[DutyReply, ...] = ()


NOTHING = FrameFacts()


def device_utc(time: DeviceTime | None) -> datetime | None:
    """A device time label (China local time by convention) as aware UTC; None when invalid."""
    return None if time is None else _label_utc(time.raw)


@lru_cache(maxsize=8192)
def _label_utc(raw: bytes) -> datetime | None:
    # Labels have one-second resolution, so at thousands of frames a second most repeat: cached.
    value = DeviceTime(raw).value
    return None if value is None else value.replace(tzinfo=SHANGHAI).astimezone(UTC)


def _labels(bits: tuple[FlagBit, ...], status: int, conditions: frozenset[str]) -> tuple[str, ...]:
    # Only an abnormal status ever becomes an alarm text; normal reports (nearly all) skip the work.
    return flag_labels(bits, status) if conditions else ()


def _common(status: int) -> set[str]:
    out: set[str] = set()
    if status & 0x04:
        out.add(C.FAULT)
    if status & 0x08:
        out.add(C.SHIELDED)
    if status & 0x10:
        out.add(C.SUPERVISORY)
    if status & 0x20:
        out.add(C.STARTED)
    if status & 0x40:
        out.add(C.FEEDBACK)
    return out


# The conditions are pure functions of (component type, status word), and devices repeat a handful of
# status words, so they are cached (frozensets: safe to share).
@lru_cache(maxsize=4096)
def component_conditions(component_type: int, status: int) -> frozenset[str]:
    out = _common(status)
    if status & 0x100:
        out.add(C.FAULT)  # power fault
    if status & 0x02:
        if component_type in _GAS_COMPONENTS:
            out.add(C.GAS)
        elif component_type in _ELECTRICAL_COMPONENTS:
            out.add(C.ELECTRICAL)
        else:
            out.add(C.FIRE)
    return frozenset(out)


@lru_cache(maxsize=4096)
def system_conditions(status: int) -> frozenset[str]:
    out = _common(status)
    if status & 0x0700:  # main power, standby power, bus fault
        out.add(C.FAULT)
    if status & 0x02:
        out.add(C.FIRE)
    return frozenset(out)


@lru_cache(maxsize=4096)
def uitd_conditions(status: int) -> frozenset[str]:
    out: set[str] = set()
    if status & 0x02:
        out.add(C.FIRE)
    if status & 0x7C:  # fault, main/standby power, centre channel, monitoring line
        out.add(C.FAULT)
    return frozenset(out)


def frame_facts(frame: Frame) -> FrameFacts:
    """Observations, analog readings and 查岗 replies of one frame; nothing for other commands."""
    adu = frame.adu
    if adu is None or frame.command not in (_SEND_DATA, _RESPONSE) or not adu.objects:
        return NOTHING
    addr = str(frame.source)
    obs: list[Observation] = []
    readings: list[AnalogReading] = []
    replies: list[DutyReply] = []
    for obj in adu.objects:
        if isinstance(obj, ComponentStatus):
            key = f"{addr}/{obj.system_type}/{obj.system_address}/{obj.component_address}"
            conditions = component_conditions(obj.component_type, obj.status)
            obs.append(Observation(
                key, conditions, False, obj.status,
                _labels(COMPONENT_STATUS_BITS, obj.status, conditions), device_utc(obj.time),
                obj.system_type, obj.system_address, obj.component_type, obj.component_address,
                obj.description, test_mode=not obj.status & 1,
            ))
        elif isinstance(obj, UitdStatus):
            conditions = uitd_conditions(obj.status)
            obs.append(Observation(addr, conditions, False, obj.status,
                                   _labels(UITD_STATUS_BITS, obj.status, conditions), device_utc(obj.time),
                                   description="用户信息传输装置", test_mode=not obj.status & 1))
        elif isinstance(obj, SystemStatus):
            conditions = system_conditions(obj.status)
            obs.append(Observation(
                f"{addr}/{obj.system_type}/{obj.system_address}", conditions, False,
                obj.status, _labels(SYSTEM_STATUS_BITS, obj.status, conditions), device_utc(obj.time),
                obj.system_type, obj.system_address, description=system_type_name(obj.system_type),
                test_mode=not obj.status & 1,
            ))
        elif isinstance(obj, UitdOperation):
            if obj.operation & DUTY_REPLY_BIT:
                replies.append(DutyReply(obj.operator, device_utc(obj.time)))
            if obj.operation & _MANUAL_ALARM_BIT:
                obs.append(Observation(addr, frozenset({C.FIRE}), True, obj.operation, ("手动报警",),
                                       device_utc(obj.time), description="传输装置手动报警",
                                       cause="manual_alarm"))
        elif isinstance(obj, Operation):
            if obj.operation & _MANUAL_ALARM_BIT:
                obs.append(Observation(
                    f"{addr}/{obj.system_type}/{obj.system_address}", frozenset({C.FIRE}), True,
                    obj.operation, ("手动报警",), device_utc(obj.time), obj.system_type, obj.system_address,
                    description=f"{system_type_name(obj.system_type)}手动报警", cause="manual_alarm",
                ))
        elif isinstance(obj, AnalogValue):
            info = analog_type_info(obj.analog_type)
            if info is not None:
                readings.append(AnalogReading(
                    f"{addr}/{obj.system_type}/{obj.system_address}/{obj.component_address}",
                    f"{component_type_name(obj.component_type)}:{info.name}",
                    round(obj.value * info.resolution, 4), info.unit, device_utc(obj.time),
                ))
    return FrameFacts(tuple(obs), tuple(readings), tuple(replies))
