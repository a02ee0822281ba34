"""Hypothesis properties: round trips for every ADU type, and fuzzing of decode_frame and
StreamFramer with random and mutated input (only FrameError may escape, memory stays bounded)."""

from __future__ import annotations

import json
from datetime import datetime

from gb26875_helpers import wrap_adu
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from citysafe.firewatch.protocols.gb26875 import (
    DOWNLINK_TYPES,
    MAX_FRAME_LENGTH,
    OBJECT_CLASSES,
    UPLOAD_TYPES,
    Adu,
    AduObject,
    AnalogValue,
    ClockSync,
    ComponentConfig,
    ComponentRef,
    ComponentStatus,
    DeviceTime,
    DutyCheck,
    Frame,
    FrameError,
    Operation,
    Preamble,
    RecordQuery,
    Reserved,
    SoftwareVersion,
    StreamFramer,
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
    decode_frame,
    encode_description,
    encode_frame,
    item_to_dict,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
i16 = st.integers(-0x8000, 0x7FFF)
u48 = st.integers(0, (1 << 48) - 1)

device_time = st.one_of(
    st.binary(min_size=6, max_size=6).map(DeviceTime),
    st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31, 23, 59, 59)).map(DeviceTime.of),
)
description = st.one_of(
    st.binary(min_size=31, max_size=31),
    st.text(max_size=7).map(encode_description),  # <= 4 bytes a character in GB18030
)
text = st.binary(max_size=60)


def _objects(adu_type: int, time: st.SearchStrategy[DeviceTime | None]) -> st.SearchStrategy[AduObject]:
    """Objects of one standard ADU type; ``time`` is the per-object time (timed types only)."""
    strategies: dict[int, st.SearchStrategy[AduObject]] = {
        1: st.builds(SystemStatus, u8, u8, u16, time),
        2: st.builds(ComponentStatus, u8, u8, u8, u32, u16, description, time),
        3: st.builds(AnalogValue, u8, u8, u8, u32, u8, i16, time),
        4: st.builds(Operation, u8, u8, u8, u8, time),
        5: st.builds(SoftwareVersion, u8, u8, u8, u8),
        6: st.builds(SystemConfig, u8, u8, text),
        7: st.builds(ComponentConfig, u8, u8, u8, u32, description),
        8: st.builds(SystemTime, u8, u8, device_time),
        21: st.builds(UitdStatus, u8, time),
        24: st.builds(UitdOperation, u8, u8, time),
        25: st.builds(UitdSoftwareVersion, u8, u8),
        26: st.builds(UitdConfig, text),
        28: st.builds(UitdTime, device_time),
        81: st.builds(Reserved, u8),
        84: st.builds(UitdRecordQuery, u8, device_time),
        85: st.builds(Reserved, u8),
        86: st.builds(Reserved, u8),
        88: st.builds(Reserved, u8),
        89: st.builds(Reserved, u8),
        90: st.builds(ClockSync, device_time),
        91: st.builds(DutyCheck, u8),
        64: st.builds(RecordQuery, u8, u8, u8, device_time),
    }
    for code in (61, 65, 66, 68):
        strategies[code] = st.builds(SystemRef, u8, u8)
    for code in (62, 63, 67):
        strategies[code] = st.builds(ComponentRef, u8, u8, u32)
    return strategies[adu_type]


@st.composite
def standard_adus(draw: st.DrawFn) -> Adu:
    adu_type = draw(st.sampled_from(sorted(UPLOAD_TYPES | DOWNLINK_TYPES)))
    # A device either sends every per-object time or (type-21 style) none.
    time = draw(st.sampled_from([device_time, st.none()]))
    objects = draw(st.lists(_objects(adu_type, time), max_size=5))
    return Adu.of(adu_type, *objects)


vendor_adus = st.builds(
    Adu.raw,
    u8.filter(lambda t: t not in OBJECT_CLASSES),
    u8,
    st.binary(max_size=200),
)
adus = st.one_of(st.none(), standard_adus(), vendor_adus, u8.map(lambda t: Adu(t, None)))

frames = st.builds(
    Frame,
    serial=u16,
    source=u48,
    destination=u48,
    command=u8,
    sent=device_time,
    adu=adus,
    version=st.tuples(u8, u8),
)


@given(frames)
@settings(max_examples=500, deadline=None)
def test_round_trip_every_type(frame: Frame) -> None:
    data = encode_frame(frame)
    decoded = decode_frame(data)
    assert decoded == frame
    assert decoded.raw == data
    assert encode_frame(decoded) == data
    json.dumps(item_to_dict(decoded), ensure_ascii=False)


@given(
    st.one_of(
        st.binary(max_size=1024),
        # Start with a standard type byte so the layouts' tolerant paths get exercised, not just raw.
        st.tuples(st.sampled_from(sorted(OBJECT_CLASSES)), st.binary(max_size=300)).map(
            lambda p: bytes((p[0],)) + p[1]
        ),
    ),
    u8,
)
@FUZZ
def test_any_adu_in_a_checksum_valid_frame_decodes_and_reencodes_exactly(adu: bytes, command: int) -> None:
    data = wrap_adu(adu, command=command)
    frame = decode_frame(data)  # must never raise: strict framing, tolerant ADU
    assert encode_frame(frame) == data
    json.dumps(item_to_dict(frame), ensure_ascii=False)


def _only_frame_errors(data: bytes) -> None:
    try:
        frame = decode_frame(data)
    except FrameError as exc:
        assert str(exc)
        assert "\n" not in str(exc)
        json.dumps(item_to_dict(exc))
    else:
        assert encode_frame(frame) == data


@given(st.binary(max_size=1200))
@FUZZ
def test_random_bytes_raise_only_frame_errors(data: bytes) -> None:
    _only_frame_errors(data)
    _only_frame_errors(b"@@" + data)


mutations = st.lists(
    st.tuples(st.sampled_from(["flip", "insert", "delete", "set"]), st.integers(0, 2000), u8),
    min_size=1,
    max_size=4,
)


def _mutate(data: bytes, ops: list[tuple[str, int, int]]) -> bytes:
    buf = bytearray(data)
    for op, where, value in ops:
        i = where % (len(buf) + 1)
        if op == "insert":
            buf[i:i] = bytes((value,))
        elif buf and i < len(buf):
            if op == "flip":
                buf[i] ^= value or 1
            elif op == "delete":
                del buf[i]
            else:
                buf[i] = value
    return bytes(buf)


@given(frames, mutations)
@FUZZ
def test_mutated_valid_frames_raise_only_frame_errors(frame: Frame, ops: list[tuple[str, int, int]]) -> None:
    data = _mutate(encode_frame(frame), ops)
    _only_frame_errors(data)
    framer = StreamFramer()
    for item in framer.feed(data):
        assert isinstance(item, Frame | FrameError | Preamble)
    assert framer.buffered < MAX_FRAME_LENGTH


def _chunks(data: bytes, sizes: list[int]) -> list[bytes]:
    out, pos = [], 0
    for size in sizes:
        out.append(data[pos : pos + size])
        pos += size
    out.append(data[pos:])
    return out


# Garbage that can neither start a frame ("@") nor a vendor preamble ("T").
garbage = st.binary(max_size=40).map(lambda b: b.replace(b"@", b"").replace(b"T", b""))


@given(st.lists(st.tuples(garbage, frames), max_size=6), garbage, st.lists(st.integers(0, 300), max_size=30))
@FUZZ
def test_framer_recovers_every_frame_through_garbage_and_any_chunking(
    pairs: list[tuple[bytes, Frame]], tail: bytes, sizes: list[int]
) -> None:
    stream = b"".join(g + encode_frame(f) for g, f in pairs) + tail
    framer = StreamFramer()
    items = []
    for chunk in _chunks(stream, sizes):
        items += framer.feed(chunk)
        assert framer.buffered < MAX_FRAME_LENGTH
    assert items == [f for _, f in pairs]
    assert framer.discarded_bytes == sum(len(g) for g, _ in pairs) + len(tail)


@given(st.lists(st.one_of(st.binary(max_size=200), frames.map(encode_frame)), max_size=8), mutations,
       st.lists(st.integers(0, 400), max_size=20))
@FUZZ
def test_framer_never_raises_and_stays_bounded(
    parts: list[bytes], ops: list[tuple[str, int, int]], sizes: list[int]
) -> None:
    stream = _mutate(b"".join(parts), ops)
    assume(stream)
    framer = StreamFramer()
    for chunk in _chunks(stream, sizes):
        for item in framer.feed(chunk):
            json.dumps(item_to_dict(item), ensure_ascii=False)
        assert framer.buffered < MAX_FRAME_LENGTH


@given(st.binary(min_size=1, max_size=5000), st.lists(st.integers(1, 700), max_size=20))
@FUZZ
def test_framer_on_random_streams(data: bytes, sizes: list[int]) -> None:
    framer = StreamFramer()
    count = 0
    for chunk in _chunks(data, sizes):
        count += len(framer.feed(chunk))
        assert framer.buffered < MAX_FRAME_LENGTH
    assert framer.frames + framer.errors + framer.preambles == count
