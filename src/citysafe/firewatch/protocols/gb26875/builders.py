"""Frames the centre and the device simulator send.

Times are passed in, never read from a clock: the codec stays pure and tests are deterministic.
``sent`` accepts a datetime (device-local, i.e. China time by convention) or a ready DeviceTime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from citysafe.firewatch.protocols.gb26875.errors import EncodeError
from citysafe.firewatch.protocols.gb26875.model import (
    Adu,
    AduObject,
    ClockSync,
    DeviceTime,
    DutyCheck,
    Frame,
    Header,
    Reserved,
)
from citysafe.firewatch.protocols.gb26875.tables import AduType, Command

__all__ = [
    "DOWNLINK_TYPES",
    "UPLOAD_TYPES",
    "build_ack",
    "build_clock_sync",
    "build_downlink",
    "build_duty_check",
    "build_initialize",
    "build_nak",
    "build_read_uitd_status",
    "build_upload",
]

UPLOAD_TYPES: Final = frozenset((1, 2, 3, 4, 5, 6, 7, 8, 21, 24, 25, 26, 28))
DOWNLINK_TYPES: Final = frozenset((61, 62, 63, 64, 65, 66, 67, 68, 81, 84, 85, 86, 88, 89, 90, 91))
# Table 2 ties 时间同步 to the control command; initialisation and 查岗 are commands too, the reads
# are requests answered by cmd 5. Devices accept both for 89-91 in practice, so it can be overridden.
_CONTROL_TYPES: Final = frozenset((89, 90, 91))


def _time(sent: datetime | DeviceTime) -> DeviceTime:
    return sent if isinstance(sent, DeviceTime) else DeviceTime.of(sent)


def _reply(to: Frame | Header, command: Command, sent: datetime | DeviceTime) -> Frame:
    # Same serial and version as the frame answered, addresses swapped, empty ADU (FM_ACK vector).
    return Frame(
        serial=to.serial,
        source=to.destination,
        destination=to.source,
        command=int(command),
        sent=_time(sent),
        adu=None,
        version=to.version,
    )


def build_ack(to: Frame | Header, sent: datetime | DeviceTime) -> Frame:
    """ACK (cmd 3) of a frame: serial echoed, addresses swapped, ``sent`` as the new time label."""
    return _reply(to, Command.ACK, sent)


def build_nak(to: Frame | Header, sent: datetime | DeviceTime) -> Frame:
    """NAK (cmd 6) of a frame, e.g. from ``FrameError.header`` of a frame with a bad checksum."""
    return _reply(to, Command.NAK, sent)


def build_upload(
    adu_type: int,
    objects: tuple[AduObject, ...] | list[AduObject],
    *,
    serial: int,
    source: int,
    destination: int,
    sent: datetime | DeviceTime,
    command: int = Command.SEND_DATA,
    version: tuple[int, int] = (1, 1),
) -> Frame:
    """A device frame of upload type 1-8 or 21-28 (cmd 2; pass cmd 5 when answering a read)."""
    if adu_type not in UPLOAD_TYPES:
        raise EncodeError(f"{adu_type} is not an upload ADU type")
    return Frame(serial, source, destination, int(command), _time(sent), Adu.of(adu_type, *objects), version)


def build_downlink(
    adu_type: int,
    objects: tuple[AduObject, ...] | list[AduObject],
    *,
    serial: int,
    source: int,
    destination: int,
    sent: datetime | DeviceTime,
    command: int | None = None,
    version: tuple[int, int] = (1, 1),
) -> Frame:
    """A centre frame of type 61-68 or 81-91; cmd 4 (request) for reads, cmd 1 (control) for 89-91."""
    if adu_type not in DOWNLINK_TYPES:
        raise EncodeError(f"{adu_type} is not a downlink ADU type")
    if command is None:
        command = Command.CONTROL if adu_type in _CONTROL_TYPES else Command.REQUEST
    return Frame(serial, source, destination, int(command), _time(sent), Adu.of(adu_type, *objects), version)


def build_read_uitd_status(
    *, serial: int, source: int, destination: int, sent: datetime | DeviceTime
) -> Frame:
    """Type 81, the patrol query: the UITD answers with its type-21 status."""
    return build_downlink(
        AduType.READ_UITD_STATUS, [Reserved()],
        serial=serial, source=source, destination=destination, sent=sent,
    )


def build_initialize(*, serial: int, source: int, destination: int, sent: datetime | DeviceTime) -> Frame:
    """Type 89: initialise the UITD."""
    return build_downlink(
        AduType.INITIALIZE_UITD, [Reserved()],
        serial=serial, source=source, destination=destination, sent=sent,
    )


def build_clock_sync(
    *, serial: int, source: int, destination: int, sent: datetime | DeviceTime, clock: datetime | DeviceTime
) -> Frame:
    """Type 90: set the UITD's clock to ``clock`` (normally the same instant as ``sent``)."""
    return build_downlink(
        AduType.SYNC_UITD_CLOCK, [ClockSync(_time(clock))],
        serial=serial, source=source, destination=destination, sent=sent,
    )


def build_duty_check(
    *, serial: int, source: int, destination: int, sent: datetime | DeviceTime, timeout_minutes: int
) -> Frame:
    """Type 91 (查岗): the operator must press the reply key within ``timeout_minutes`` (1-255).

    The reply arrives as a type-24 upload with bit 5 (duty_check_reply) set.
    """
    if not 1 <= timeout_minutes <= 255:
        raise EncodeError(f"查岗 timeout {timeout_minutes} min is outside 1-255")
    return build_downlink(
        AduType.DUTY_CHECK, [DutyCheck(timeout_minutes)],
        serial=serial, source=source, destination=destination, sent=sent,
    )
