"""One constructed frame per class of real-device deviation listed in the notes (section 0 point 7
and section 3): each must decode without raising, keep what it cannot interpret, and re-encode to
the same bytes ("strict framing, tolerant ADU")."""

from __future__ import annotations

from datetime import datetime

import pytest
from gb26875_helpers import T0, wrap_adu

from citysafe.firewatch.protocols.gb26875 import (
    Adu,
    ComponentStatus,
    DeviceTime,
    Frame,
    Preamble,
    StreamFramer,
    SystemConfig,
    UitdConfig,
    UitdStatus,
    build_ack,
    decode_frame,
    encode_frame,
    frame_to_dict,
)
from citysafe.firewatch.protocols.gb26875.tables import is_reserved_command


def _component(desc: bytes, time: bytes = T0, status: int = 2) -> bytes:
    """ADU of type 2 with one smoke-detector object and the given 31-byte description."""
    assert len(desc) == 31
    return bytes.fromhex("0201" "01" "01" "28" "0A000200") + status.to_bytes(2, "little") + desc + time


def _roundtrip(data: bytes) -> Frame:
    frame = decode_frame(data)
    assert encode_frame(frame) == data
    return frame


@pytest.mark.parametrize("version", [(0, 1), (1, 6), (1, 32), (2, 0), (2, 3), (0, 0), (255, 255)])
def test_any_protocol_version_is_accepted(version: tuple[int, int]) -> None:
    frame = _roundtrip(wrap_adu(_component(b"\x00" * 31), version=version))
    assert frame.version == version
    assert frame_to_dict(frame)["version"] == f"{version[0]}.{version[1]}"
    assert isinstance(frame.adu, Adu)
    assert frame.adu.objects[0] == ComponentStatus(1, 1, 40, 0x0002000A, 2, b"\x00" * 31, DeviceTime(T0))
    # The ACK echoes the device's version, whatever it is.
    assert build_ack(frame, datetime(2021, 7, 2, 9, 0, 5)).version == version


@pytest.mark.parametrize("adu_type", [0x09, 0x3C, 0x87, 0x88, 0x96, 0x97, 0xCC, 0xCD, 0, 22, 27, 99, 255])
def test_reserved_and_vendor_types_are_kept_raw(adu_type: int) -> None:
    adu = bytes((adu_type, 1)) + bytes.fromhex("00011100000001010000203a091a090c0a")
    frame = _roundtrip(wrap_adu(adu))
    assert frame.adu == Adu(adu_type, 1, (), adu[2:])
    rendered = frame_to_dict(frame)
    assert rendered["adu_type"] == adu_type
    assert rendered["objects"] == []
    assert rendered["raw_hex"] == adu.hex()
    assert rendered["raw_adu_kept"] is True


def test_type_21_without_its_time_label() -> None:
    frame = _roundtrip(wrap_adu(bytes.fromhex("150108")))
    assert frame.adu is not None
    assert frame.adu.objects == (UitdStatus(8, None),)
    obj = frame_to_dict(frame)["objects"][0]  # type: ignore[index]
    assert obj["occurred_at_device"] is None
    assert obj["flags"] == ["main_power_fault"]


def test_last_object_without_its_time_label() -> None:
    frame = _roundtrip(wrap_adu(bytes.fromhex("150201") + T0 + b"\x09"))
    assert frame.adu is not None
    assert frame.adu.objects == (UitdStatus(1, DeviceTime(T0)), UitdStatus(9, None))
    assert frame.adu.rest == b""


def test_all_zero_times_become_none() -> None:
    zero = bytes(6)
    frame = _roundtrip(wrap_adu(_component(b"\x00" * 31, time=zero), time=zero))
    rendered = frame_to_dict(frame)
    assert frame.sent.value is None
    assert rendered["sent_at_device"] is None
    assert rendered["objects"][0]["occurred_at_device"] is None  # type: ignore[index]


@pytest.mark.parametrize(
    "raw",
    [
        "00003C010112",  # hour 60
        "3C0000010112",  # second 60
        "000000010D12",  # month 13
        "0000001E0214",  # 30 February 2020
        "000000000112",  # day 0
        "000000010164",  # year 100
        "FFFFFFFFFFFF",
    ],
)
def test_impossible_times_become_none_and_keep_their_bytes(raw: str) -> None:
    data = wrap_adu(bytes.fromhex("1501") + b"\x01" + bytes.fromhex(raw), time=bytes.fromhex(raw))
    frame = _roundtrip(data)
    rendered = frame_to_dict(frame)
    assert rendered["sent_at_device"] is None
    assert rendered["sent_at_device_raw_hex"] == raw.lower()
    assert rendered["objects"][0]["occurred_at_device"] is None  # type: ignore[index]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("020A0C1A090C", datetime(2012, 9, 26, 12, 10, 2)),  # FM12-style clock years off
        ("000000010100", datetime(2000, 1, 1)),
        ("3B3B171F0C63", datetime(2099, 12, 31, 23, 59, 59)),
    ],
)
def test_device_clock_years_off_is_still_a_time(raw: str, expected: datetime) -> None:
    frame = _roundtrip(wrap_adu(_component(b" " * 31, time=bytes.fromhex(raw)), time=bytes.fromhex(raw)))
    assert frame.sent.value == expected
    assert frame.adu is not None
    obj = frame.adu.objects[0]
    assert isinstance(obj, ComponentStatus)
    assert obj.time is not None
    assert obj.time.value == expected


@pytest.mark.parametrize(
    ("desc", "expected"),
    [
        (b"\x00" * 17 + "消防泵房".encode("gb18030").ljust(14, b"\x00"), "消防泵房"),  # leading NUL run
        ("A区\x00\x001层".encode("gb18030").ljust(31, b"\x00"), "A区1层"),  # inner NULs removed
        ("  6162 切空调  ".encode("gb18030").ljust(31, b" "), "6162 切空调"),  # inner space kept
        ("\u3000烟感\u3000".encode("gb18030").ljust(31, b"\x00"), "烟感"),  # ideographic padding
        (b" " * 30 + b"\x00", ""),  # FM12: spaces and a NUL
        (b"\xff\xfe" + b"\x00" * 29, "\ufffd\ufffd"),  # undecodable bytes replaced, never raised
        (b"\xaa\xa1\xaa\xa2" + b"\x00" * 27, "\ue000\ue001"),  # GB18030 private-use area
        (b"\x81" + b"\x00" * 30, "\ufffd"),  # a lead byte cut off by padding
    ],
)
def test_descriptions_are_cleaned_and_raw_is_kept(desc: bytes, expected: str) -> None:
    frame = _roundtrip(wrap_adu(_component(desc)))
    assert frame.adu is not None
    obj = frame.adu.objects[0]
    assert isinstance(obj, ComponentStatus)
    assert obj.description == expected
    assert obj.description_raw == desc
    assert frame_to_dict(frame)["objects"][0]["description_raw_hex"] == desc.hex()  # type: ignore[index]


def test_config_texts_are_cleaned_too() -> None:
    text = b"\x00\x00" + "火灾报警 系统".encode("gb18030") + b"\x00"
    frame = _roundtrip(wrap_adu(bytes((6, 1, 1, 2, len(text))) + text))
    assert frame.adu is not None
    assert frame.adu.objects == (SystemConfig(1, 2, text),)
    assert frame.adu.objects[0].description == "火灾报警 系统"
    uitd = _roundtrip(wrap_adu(bytes((26, 1, 3)) + b"abc"))
    assert uitd.adu is not None
    assert uitd.adu.objects == (UitdConfig(b"abc"),)


def test_count_larger_than_the_objects_sent() -> None:
    adu = _component(b"\x00" * 31)
    frame = _roundtrip(wrap_adu(adu[:1] + b"\x03" + adu[2:]))
    assert frame.adu is not None
    assert frame.adu.count == 3
    assert len(frame.adu.objects) == 1
    assert frame.adu.rest == b""


def test_count_smaller_than_the_objects_sent_still_yields_every_alarm() -> None:
    one = _component(b"\x00" * 31)[2:]
    frame = _roundtrip(wrap_adu(b"\x02\x01" + one + one))
    assert frame.adu is not None
    assert frame.adu.count == 1
    assert len(frame.adu.objects) == 2


def test_count_zero_with_an_object_present() -> None:
    frame = _roundtrip(wrap_adu(b"\x02\x00" + _component(b"\x00" * 31)[2:]))
    assert frame.adu is not None
    assert len(frame.adu.objects) == 1


def test_partial_object_is_kept_raw() -> None:
    adu = _component(b"\x00" * 31)
    tail = b"\x01\x02\x03"
    frame = _roundtrip(wrap_adu(adu[:1] + b"\x02" + adu[2:] + tail))
    assert frame.adu is not None
    assert len(frame.adu.objects) == 1
    assert frame.adu.rest == tail
    rendered = frame_to_dict(frame)
    assert rendered["raw_hex"] == tail.hex()
    assert rendered["raw_adu_kept"] is True


def test_truncated_config_text_is_kept_raw() -> None:
    frame = _roundtrip(wrap_adu(bytes((6, 2, 1, 2, 3)) + b"abc" + bytes((1, 2, 9)) + b"xy"))
    assert frame.adu is not None
    assert frame.adu.objects == (SystemConfig(1, 2, b"abc"),)
    assert frame.adu.rest == bytes((1, 2, 9)) + b"xy"


def test_lone_type_byte_and_empty_adu() -> None:
    lone = _roundtrip(wrap_adu(b"\x15"))
    assert lone.adu == Adu(21, None)
    assert frame_to_dict(lone)["count"] is None
    empty = _roundtrip(wrap_adu(b"", command=3))
    assert empty.adu is None


def test_hash_byte_inside_the_source_address() -> None:
    # The BLE1 capture's source address contains 0x23; a framer that searches for "##" breaks on it.
    source = bytes.fromhex("B22396604001")
    data = wrap_adu(bytes.fromhex("150101") + T0, source=source)
    frame = _roundtrip(data)
    assert frame.source == int.from_bytes(source, "little")
    framer = StreamFramer()
    items = framer.feed(data[:20]) + framer.feed(data[20:] + data)
    assert [type(i) for i in items] == [Frame, Frame]


def test_markers_inside_a_description() -> None:
    desc = "##@@A区##".encode("gb18030").ljust(31, b"#")
    data = wrap_adu(_component(desc))
    items = StreamFramer().feed(data + data)
    assert [type(i) for i in items] == [Frame, Frame]
    assert items[0] == decode_frame(data)


def test_checksum_byte_zero() -> None:
    # Choose the operator byte so the checksum wraps to exactly 0x00.
    base = wrap_adu(bytes.fromhex("180104") + b"\x00" + T0)
    operator = (256 - base[-3]) % 256
    data = wrap_adu(bytes.fromhex("180104") + bytes((operator,)) + T0)
    assert data[-3] == 0
    frame = _roundtrip(data)
    assert frame.adu is not None
    assert frame.adu.objects[0].operator == operator  # type: ignore[union-attr]


@pytest.mark.parametrize("command", [0, 7, 0x33, 127, 128, 255])
def test_reserved_and_user_commands_are_decoded_not_dropped(command: int) -> None:
    frame = _roundtrip(wrap_adu(bytes.fromhex("150101") + T0, command=command))
    assert frame.command == command
    assert is_reserved_command(command) == (command == 0 or 7 <= command <= 127)


@pytest.mark.parametrize("command", [1, 4])
@pytest.mark.parametrize("adu", ["590100", "5A01" + T0.hex(), "5B010A"])
def test_init_clock_sync_and_duty_check_accepted_with_cmd_1_or_4(command: int, adu: str) -> None:
    frame = _roundtrip(wrap_adu(bytes.fromhex(adu), command=command))
    assert frame.adu is not None
    assert len(frame.adu.objects) == 1


def test_vendor_preamble_before_a_frame() -> None:
    data = wrap_adu(bytes.fromhex("150101") + T0)
    items = StreamFramer().feed(b"TD1234567890\r\n" + data)
    assert items[0] == Preamble(b"TD1234567890\r\n")
    assert isinstance(items[1], Frame)
