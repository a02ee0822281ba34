"""Frame decode errors, encoders and builders, checksum, dedup key, tables and rendering."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TypedDict

import pytest
from gb26875_helpers import T0, vector_bytes, wrap_adu

from citysafe.firewatch.protocols import gb26875
from citysafe.firewatch.protocols.gb26875 import (
    DOWNLINK_TYPES,
    OBJECT_CLASSES,
    UPLOAD_TYPES,
    Adu,
    AduObject,
    AduType,
    AnalogValue,
    BadChecksum,
    BadStartMarker,
    BadTail,
    ClockSync,
    Command,
    ComponentConfig,
    ComponentRef,
    ComponentStatus,
    DeviceTime,
    DutyCheck,
    EncodeError,
    Frame,
    FrameError,
    Header,
    LengthMismatch,
    Operation,
    RecordQuery,
    Reserved,
    SoftwareVersion,
    SystemConfig,
    SystemRef,
    SystemStatus,
    SystemTime,
    TooLong,
    Truncated,
    UitdConfig,
    UitdOperation,
    UitdRecordQuery,
    UitdSoftwareVersion,
    UitdStatus,
    UitdTime,
    build_ack,
    build_clock_sync,
    build_downlink,
    build_duty_check,
    build_initialize,
    build_nak,
    build_read_uitd_status,
    build_upload,
    checksum,
    decode_frame,
    dedup_key,
    encode_description,
    encode_frame,
    error_to_dict,
    frame_to_dict,
    item_to_dict,
)
from citysafe.firewatch.protocols.gb26875.tables import (
    COMPONENT_STATUS_BITS,
    SYSTEM_STATUS_BITS,
    UITD_STATUS_BITS,
    component_type_name,
    flag_names,
    system_type_name,
)

NOW = datetime(2024, 5, 6, 7, 8, 9)
T = DeviceTime(T0)
GOOD = wrap_adu(bytes.fromhex("150101") + T0)


def test_public_api_is_pinned() -> None:
    assert gb26875.__all__ == sorted(gb26875.__all__, key=lambda n: (not n.isupper(), n))
    for name in gb26875.__all__:
        assert hasattr(gb26875, name), name


# ------------------------------------------------------------------------------------------------
# Framing errors


def _error(data: bytes) -> FrameError:
    with pytest.raises(FrameError) as info:
        decode_frame(data)
    return info.value


@pytest.mark.parametrize(
    ("data", "cls", "words"),
    [
        (GOOD[:29], Truncated, "29 bytes"),
        (b"", Truncated, "0 bytes"),
        (b"##" + GOOD[2:], BadStartMarker, "2323"),
        (GOOD[:24] + b"\x01\x04" + GOOD[26:], TooLong, "1025"),
        (GOOD + b"\x00", LengthMismatch, "implies"),
        (GOOD[:-3] + bytes((GOOD[-3] ^ 1,)) + b"##", BadChecksum, "checksum"),
        (GOOD[:-1] + b"\x00", BadTail, "2300"),
        (vector_bytes("FM_BAD"), TooLong, "0x3030"),
    ],
    ids=["short", "empty", "start", "too-long", "length", "checksum", "tail", "fm-bad"],
)
def test_framing_errors(data: bytes, cls: type[FrameError], words: str) -> None:
    error = _error(data)
    assert type(error) is cls
    assert isinstance(error, ValueError)
    assert words in str(error)
    assert "\n" not in str(error)
    assert error.data == data
    assert error.kind == cls.__name__


def test_bad_checksum_carries_the_header_for_a_nak() -> None:
    data = wrap_adu(bytes.fromhex("150101") + T0, serial=513, source=889, destination=88888)
    error = _error(data[:-3] + bytes(((data[-3] + 1) & 0xFF,)) + b"##")
    assert error.header == Header(513, (1, 1), T, 889, 88888)
    nak = build_nak(error.header, NOW)
    assert (nak.serial, nak.source, nak.destination, nak.command, nak.adu) == (513, 88888, 889, 6, None)
    rendered = error_to_dict(error)
    assert rendered["valid"] is False
    assert rendered["error"] == "BadChecksum"
    assert rendered["serial"] == 513
    assert item_to_dict(error) == rendered


def test_error_header_is_none_without_a_control_unit() -> None:
    assert _error(b"@@" + bytes(10)).header is None
    assert "serial" not in error_to_dict(_error(b"xx" + bytes(40)))


def test_decode_accepts_bytearray_and_memoryview() -> None:
    assert decode_frame(bytearray(GOOD)) == decode_frame(memoryview(GOOD)) == decode_frame(GOOD)


# ------------------------------------------------------------------------------------------------
# Checksum and dedup


def test_checksum_is_sum_mod_256() -> None:
    assert checksum(b"") == 0
    assert checksum(bytes([0xFF, 0x02])) == 0x01
    data = vector_bytes("SF1")
    assert checksum(data[2:-3]) == data[-3]


def test_dedup_key_ignores_the_send_time_of_a_retransmission() -> None:
    first = decode_frame(wrap_adu(bytes.fromhex("150101") + T0, serial=9))
    again = decode_frame(wrap_adu(bytes.fromhex("150101") + T0, serial=9, time=bytes.fromhex("050009020715")))
    other = decode_frame(wrap_adu(bytes.fromhex("150102") + T0, serial=9))
    next_serial = decode_frame(wrap_adu(bytes.fromhex("150101") + T0, serial=10))
    assert dedup_key(first) == dedup_key(again)
    assert dedup_key(first) != dedup_key(other)
    assert dedup_key(first) != dedup_key(next_serial)
    assert dedup_key(first)[:2] == (889, 9)
    # A frame built in code (no raw bytes) gets the same key as its decoded form.
    built = Frame(9, 889, 88888, 2, T, Adu.of(21, UitdStatus(1, T)))
    assert dedup_key(built) == dedup_key(first)
    hash(dedup_key(first))


# ------------------------------------------------------------------------------------------------
# Builders


def test_ack_echoes_serial_and_version_and_swaps_addresses() -> None:
    frame = decode_frame(wrap_adu(bytes.fromhex("150101") + T0, serial=0xFFFF, version=(1, 32)))
    ack = build_ack(frame, NOW)
    assert ack == Frame(0xFFFF, 88888, 889, Command.ACK, DeviceTime.of(NOW), None, (1, 32))
    data = encode_frame(ack)
    assert len(data) == 30
    assert data[24:27] == b"\x00\x00\x03"
    assert decode_frame(data) == ack


def test_nak_of_a_frame() -> None:
    frame = decode_frame(GOOD)
    nak = build_nak(frame, T)
    assert nak.command == 6
    assert nak.sent == T
    assert decode_frame(encode_frame(nak)) == nak


class _Addr(TypedDict):
    serial: int
    source: int
    destination: int


def _addr() -> _Addr:
    return {"serial": 3, "source": 88888, "destination": 889}


def test_patrol_clock_sync_duty_check_and_initialize() -> None:
    patrol = build_read_uitd_status(sent=NOW, **_addr())
    assert patrol.command == Command.REQUEST
    assert encode_frame(patrol)[27:30] == bytes((81, 1, 0))
    sync = build_clock_sync(sent=NOW, clock=NOW, **_addr())
    assert sync.command == Command.CONTROL
    assert encode_frame(sync)[27:35] == bytes((90, 1, 9, 8, 7, 6, 5, 24))
    check = build_duty_check(sent=NOW, timeout_minutes=10, **_addr())
    assert encode_frame(check)[27:30] == bytes((91, 1, 10))
    init = build_initialize(sent=NOW, **_addr())
    assert encode_frame(init)[27:30] == bytes((89, 1, 0))
    for frame in (patrol, sync, check, init):
        assert decode_frame(encode_frame(frame)) == frame


@pytest.mark.parametrize("minutes", [0, 256, -1])
def test_duty_check_timeout_bounds(minutes: int) -> None:
    with pytest.raises(EncodeError):
        build_duty_check(sent=NOW, timeout_minutes=minutes, **_addr())


DOWNLINK_OBJECTS: dict[int, AduObject] = {
    61: SystemRef(1, 2),
    62: ComponentRef(1, 2, 0x00060011),
    63: ComponentRef(1, 2, 7),
    64: RecordQuery(1, 2, 102, T),
    65: SystemRef(1, 2),
    66: SystemRef(1, 2),
    67: ComponentRef(1, 2, 9),
    68: SystemRef(1, 2),
    81: Reserved(),
    84: UitdRecordQuery(50, T),
    85: Reserved(),
    86: Reserved(),
    88: Reserved(),
    89: Reserved(),
    90: ClockSync(T),
    91: DutyCheck(30),
}

UPLOAD_OBJECTS: dict[int, AduObject] = {
    1: SystemStatus(1, 2, 0x0001, T),
    2: ComponentStatus(1, 2, 40, 0x0002000A, 0x0002, encode_description("一层走廊"), T),
    3: AnalogValue(11, 2, 99, 5, 5, -12, T),
    4: Operation(1, 2, 0x22, 7, T),
    5: SoftwareVersion(1, 2, 3, 4),
    6: SystemConfig(1, 2, "主机".encode("gb18030")),
    7: ComponentConfig(1, 2, 40, 5, encode_description("探测器")),
    8: SystemTime(1, 2, T),
    21: UitdStatus(0x21, T),
    24: UitdOperation(0x20, 1, T),
    25: UitdSoftwareVersion(2, 0),
    26: UitdConfig(b"cfg"),
    28: UitdTime(T),
}


def test_every_standard_type_has_a_builder_case() -> None:
    assert set(DOWNLINK_OBJECTS) == DOWNLINK_TYPES
    assert set(UPLOAD_OBJECTS) == UPLOAD_TYPES
    assert set(OBJECT_CLASSES) == DOWNLINK_TYPES | UPLOAD_TYPES
    assert {int(t) for t in AduType} == DOWNLINK_TYPES | UPLOAD_TYPES


@pytest.mark.parametrize("adu_type", sorted(DOWNLINK_OBJECTS))
def test_every_downlink_type_round_trips(adu_type: int) -> None:
    frame = build_downlink(adu_type, [DOWNLINK_OBJECTS[adu_type]], sent=NOW, **_addr())
    assert frame.command == (Command.CONTROL if adu_type in (89, 90, 91) else Command.REQUEST)
    assert decode_frame(encode_frame(frame)) == frame
    assert frame_to_dict(frame)["adu_type"] == adu_type


@pytest.mark.parametrize("adu_type", sorted(UPLOAD_OBJECTS))
def test_every_upload_type_round_trips(adu_type: int) -> None:
    obj = UPLOAD_OBJECTS[adu_type]
    frame = build_upload(adu_type, [obj, obj], sent=NOW, serial=1, source=889, destination=88888)
    assert frame.command == Command.SEND_DATA
    decoded = decode_frame(encode_frame(frame))
    assert decoded == frame
    assert decoded.adu is not None
    assert decoded.adu.objects == (obj, obj)
    json.dumps(frame_to_dict(decoded), ensure_ascii=False)


def test_upload_as_a_response_to_a_read() -> None:
    frame = build_upload(
        21, [UitdStatus(1, T)], sent=NOW, serial=4, source=889, destination=88888, command=Command.RESPONSE
    )
    assert decode_frame(encode_frame(frame)).command == 5


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: build_upload(61, [], sent=NOW, **_addr()), "upload"),
        (lambda: build_downlink(2, [], sent=NOW, **_addr()), "downlink"),
        (lambda: encode_frame(Frame(1, 1 << 48, 0, 2, T)), "source"),
        (lambda: encode_frame(Frame(1, 0, -1, 2, T)), "destination"),
        (lambda: encode_frame(Frame(1 << 16, 0, 0, 2, T)), "control unit"),
        (lambda: encode_frame(Frame(1, 0, 0, 256, T)), "control unit"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu.of(21, SystemRef(1, 2)))), "UitdStatus"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu.of(6, UitdConfig(b"")))), "cannot carry"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu.of(0xCC, UitdConfig(b"")))), "cannot carry"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu.of(26, UitdConfig(bytes(256))))), "255"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu.of(21, UitdStatus(256, T)))), "ADU type 21"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu.of(3, AnalogValue(1, 1, 1, 1, 3, 40000)))), "ADU type 3"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu(1, None, (SystemStatus(1, 1, 1),)))), "count byte"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu(1, 256))), "not a byte"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu(256, 0))), "not a byte"),
        (lambda: encode_frame(Frame(1, 0, 0, 2, T, Adu.raw(0xCC, 1, bytes(1023)))), "1024"),
        (lambda: encode_description("一" * 16), "32 bytes"),
        (lambda: encode_description("\ud800"), "GB18030"),
        (lambda: ComponentStatus(1, 1, 1, 1, 1, b"short"), "31 bytes"),
        (lambda: DeviceTime(b"\x00"), "6 bytes"),
        (lambda: DeviceTime.of(datetime(1999, 12, 31)), "1999"),
    ],
)
def test_encode_errors(build: object, message: str) -> None:
    with pytest.raises(EncodeError, match=message):
        build()  # type: ignore[operator]


def test_encoder_accepts_exactly_1024_adu_bytes() -> None:
    frame = Frame(1, 0, 0, 2, T, Adu.raw(0xCC, 1, bytes(1022)))
    data = encode_frame(frame)
    assert len(data) == 1054
    assert decode_frame(data) == frame


# ------------------------------------------------------------------------------------------------
# Tables and rendering


def test_status_flag_names() -> None:
    assert flag_names(COMPONENT_STATUS_BITS, 0x0001) == ("normal",)
    assert flag_names(COMPONENT_STATUS_BITS, 0x0002) == ("fire",)
    assert flag_names(COMPONENT_STATUS_BITS, 0x0901) == ("normal", "power_fault", "reserved_bit11")
    assert flag_names(SYSTEM_STATUS_BITS, 0x3FFE)[-5:] == (
        "standby_power_fault", "bus_fault", "manual", "config_changed", "reset",
    )
    assert flag_names(UITD_STATUS_BITS, 0x60) == ("centre_channel_fault", "monitoring_line_fault")
    assert flag_names(UITD_STATUS_BITS, 0) == ()


def test_type_names() -> None:
    assert system_type_name(1) == "火灾报警系统"
    assert system_type_name(24) == "消防电话"
    assert system_type_name(0xC9) == "用户自定义"
    assert system_type_name(5) == "预留"
    assert component_type_name(40) == "感烟火灾探测器"
    assert component_type_name(118) == "防火门监控器"
    assert component_type_name(100) == "预留"


def test_render_analog_without_a_known_scale() -> None:
    rendered = frame_to_dict(Frame(1, 0, 0, 2, T, Adu.of(3, AnalogValue(1, 1, 1, 1, 200, 7, None))))
    obj = rendered["objects"][0]  # type: ignore[index]
    assert obj["engineering_value"] is None
    assert obj["unit"] is None
    assert obj["occurred_at_device"] is None
    assert "occurred_at_device_raw_hex" not in obj


def test_render_frame_built_in_code_and_addresses() -> None:
    rendered = frame_to_dict(Frame(1, 0x010203040506, 889, 200, T, Adu.of(21, UitdStatus(0x61, T))))
    assert rendered["source_hex"] == "010203040506"
    assert rendered["command_name"] == "用户自定义"
    assert rendered["adu_length"] == 9
    assert "frame_hex" not in rendered
    assert rendered["objects"][0]["flags"] == [  # type: ignore[index]
        "normal", "centre_channel_fault", "monitoring_line_fault",
    ]
    assert rendered["objects"][0]["normal_bit"] is True  # type: ignore[index]
    json.dumps(rendered, ensure_ascii=False)
