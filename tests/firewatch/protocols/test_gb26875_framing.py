"""StreamFramer: half frames, garbage and resync, oversize lengths, bad frames, vendor preambles,
bounded memory."""

from __future__ import annotations

import pytest
from gb26875_helpers import T0, public_vectors, vector_bytes, wrap_adu

from citysafe.firewatch.protocols.gb26875 import (
    MAX_FRAME_LENGTH,
    BadChecksum,
    BadTail,
    Frame,
    FramerItem,
    Preamble,
    StreamFramer,
    TooLong,
    decode_frame,
)

GOOD_IDS = ["SF1", "FM12", "FM_ACK", "FM1", "FM3", "FM5"]
GOOD = [vector_bytes(i) for i in GOOD_IDS]
STREAM = b"".join(GOOD)


def _kinds(items: list[FramerItem]) -> list[str]:
    return [type(i).__name__ for i in items]


def _feed_chunks(data: bytes, sizes: list[int]) -> tuple[StreamFramer, list[FramerItem]]:
    framer = StreamFramer()
    out: list[FramerItem] = []
    pos = 0
    for size in sizes:
        out += framer.feed(data[pos : pos + size])
        pos += size
        assert framer.buffered < MAX_FRAME_LENGTH
    out += framer.feed(data[pos:])
    return framer, out


def test_back_to_back_frames_in_one_feed() -> None:
    framer = StreamFramer()
    items = framer.feed(STREAM)
    assert items == [decode_frame(g) for g in GOOD]
    assert [i.raw for i in items if isinstance(i, Frame)] == GOOD
    assert framer.buffered == 0
    assert (framer.frames, framer.errors, framer.preambles, framer.discarded_bytes) == (6, 0, 0, 0)


def test_byte_by_byte() -> None:
    _, items = _feed_chunks(STREAM, [1] * len(STREAM))
    assert items == [decode_frame(g) for g in GOOD]


@pytest.mark.parametrize("cut", range(1, len(GOOD[0]) + len(GOOD[1])))
def test_split_anywhere_across_two_feeds(cut: int) -> None:
    data = GOOD[0] + GOOD[1]
    framer = StreamFramer()
    items = framer.feed(data[:cut]) + framer.feed(data[cut:])
    assert items == [decode_frame(GOOD[0]), decode_frame(GOOD[1])]
    assert framer.buffered == 0


def test_half_frame_waits() -> None:
    framer = StreamFramer()
    assert framer.feed(GOOD[0][:40]) == []
    assert framer.buffered == 40
    assert _kinds(framer.feed(GOOD[0][40:])) == ["Frame"]


def test_garbage_before_between_and_after_frames_is_dropped() -> None:
    garbage = bytes(range(0x41, 0x61)) * 3 + b"\x00\xff#"
    framer = StreamFramer()
    items = framer.feed(garbage + GOOD[0] + garbage + GOOD[1] + garbage)
    assert _kinds(items) == ["Frame", "Frame"]
    assert framer.discarded_bytes == 3 * len(garbage)
    assert framer.buffered == 0


def test_lone_at_sign_is_kept_for_the_next_feed() -> None:
    framer = StreamFramer()
    assert framer.feed(b"xyz" + GOOD[0][:1]) == []
    assert framer.buffered == 1
    assert _kinds(framer.feed(GOOD[0][1:])) == ["Frame"]


def test_oversize_length_is_reported_dropped_and_resynced() -> None:
    bad = b"@@" + bytes(22) + b"\xff\xff" + bytes(40)
    framer = StreamFramer()
    items = framer.feed(bad + GOOD[0])
    assert _kinds(items) == ["TooLong", "Frame"]
    assert framer.buffered == 0


def test_oversize_length_never_makes_the_framer_wait() -> None:
    framer = StreamFramer()
    items = framer.feed(b"@@" + bytes(22) + b"\x01\x04")  # 1025
    assert _kinds(items) == ["TooLong"]
    assert framer.buffered <= 2


def test_fm_bad_then_frames() -> None:
    framer = StreamFramer()
    items = framer.feed(vector_bytes("FM_BAD") + STREAM)
    assert isinstance(items[0], TooLong)
    assert items[0].header is not None
    assert items[1:] == [decode_frame(g) for g in GOOD]


def test_bad_checksum_is_reported_and_skipped_whole() -> None:
    broken = bytearray(GOOD[0])
    broken[-3] ^= 0xFF
    items = StreamFramer().feed(bytes(broken) + GOOD[1])
    assert _kinds(items) == ["BadChecksum", "Frame"]
    error = items[0]
    assert isinstance(error, BadChecksum)
    assert error.data == bytes(broken)
    assert error.header is not None
    assert error.header.serial == 0


def test_bad_tail_is_reported_and_the_next_frame_read() -> None:
    broken = GOOD[0][:-2] + b"#\x00"
    items = StreamFramer().feed(broken + GOOD[1])
    assert _kinds(items) == ["BadTail", "Frame"]
    assert isinstance(items[0], BadTail)
    assert items[0].data == broken


def test_false_start_marker_spanning_a_real_frame() -> None:
    # A false "@@" whose length field spans into a real frame: report it, then read the real one.
    fake = b"@@" + bytes(22) + (10).to_bytes(2, "little") + b"\x02"
    items = StreamFramer().feed(fake + GOOD[1])
    assert _kinds(items) == ["BadTail", "Frame"]
    assert items[1] == decode_frame(GOOD[1])


def test_frame_cut_short_by_the_next_frame_does_not_stall() -> None:
    # The device resets mid-frame and sends the next frame; the framer must not wait for bytes
    # that will never come (the device waits for our ACK before it sends more).
    framer = StreamFramer()
    assert framer.feed(GOOD[0][:50]) == []
    items = framer.feed(GOOD[1])
    # Here the cut frame's declared length is covered by the next frame, so its tail is wrong.
    assert _kinds(items) == ["BadTail", "Frame"]
    assert items[1] == decode_frame(GOOD[1])
    assert framer.buffered == 0


def test_frame_cut_short_inside_one_feed_is_a_bad_tail_then_the_frame() -> None:
    items = StreamFramer().feed(GOOD[0][:50] + GOOD[1])
    assert _kinds(items) == ["BadTail", "Frame"]
    assert items[1] == decode_frame(GOOD[1])


def test_long_frame_cut_short_by_a_short_frame_does_not_stall() -> None:
    long_frame = wrap_adu(b"\xcc\x01" + bytes(500))
    framer = StreamFramer()
    items = framer.feed(long_frame[:100] + GOOD[1])
    assert _kinds(items) == ["LengthMismatch", "Frame"]
    assert items[1] == decode_frame(GOOD[1])
    assert framer.buffered == 0


def test_incomplete_frame_with_an_inner_marker_keeps_waiting() -> None:
    desc = "@@A区@@".encode("gb18030").ljust(31, b"\x00")
    adu = bytes.fromhex("0201" "01" "01" "28" "0A000200" "0200") + desc + T0
    data = wrap_adu(adu)
    framer = StreamFramer()
    assert framer.feed(data[:60]) == []
    assert _kinds(framer.feed(data[60:])) == ["Frame"]


@pytest.mark.parametrize(
    ("before", "text"),
    [
        (b"TD0001\r\n", "TD0001"),
        (b"TD:LOGIN 12345", "TD:LOGIN 12345"),
        (b"\x00\x01TDXYZ", "TDXYZ"),
    ],
)
def test_preamble_before_frames(before: bytes, text: str) -> None:
    framer = StreamFramer()
    items = framer.feed(before + GOOD[0])
    assert _kinds(items) == ["Preamble", "Frame"]
    preamble = items[0]
    assert isinstance(preamble, Preamble)
    assert preamble.text == text
    assert framer.preambles == 1


def test_preamble_alone_is_reported_at_once() -> None:
    # The device waits for "OK!" before it sends anything else.
    framer = StreamFramer()
    assert framer.feed(b"TD12345678") == [Preamble(b"TD12345678")]
    assert framer.buffered == 0


def test_preamble_between_frames_and_long_preamble_is_capped() -> None:
    framer = StreamFramer()
    items = framer.feed(GOOD[0] + b"TD" + b"x" * 1000 + GOOD[1])
    assert _kinds(items) == ["Frame", "Preamble", "Frame"]
    assert len(items[1].data) == 256  # type: ignore[union-attr]
    assert framer.discarded_bytes == 1002 - 256


def test_buffer_stays_bounded_under_garbage_and_partial_frames() -> None:
    framer = StreamFramer()
    for _ in range(200):
        framer.feed(b"\x40\x00" * 500)
        assert framer.buffered < MAX_FRAME_LENGTH
    # A huge declared (but legal) length keeps at most one frame's worth of bytes.
    framer.reset()
    framer.feed(b"@@" + bytes(22) + (1024).to_bytes(2, "little"))
    for _ in range(100):
        framer.feed(bytes(50))
        assert framer.buffered < MAX_FRAME_LENGTH


def test_largest_frame_across_many_feeds() -> None:
    data = wrap_adu(b"\xcc\x01" + b"@" * 1022)
    assert len(data) == MAX_FRAME_LENGTH
    _, items = _feed_chunks(data, [100] * 10)
    assert _kinds(items) == ["Frame"]


def test_every_public_vector_through_one_stream() -> None:
    ids = list(public_vectors())
    stream = b"".join(vector_bytes(i) for i in ids)
    items = StreamFramer().feed(stream)
    assert _kinds(items) == ["Frame"] * 6 + ["TooLong"]


def test_a_run_of_at_signs_is_one_error_not_one_per_byte() -> None:
    # "@" bytes once came back as one TooLong (and one NAK) per byte: 18 s of CPU in 20 s for one peer.
    # Inside a run of "@" no start can be a frame while its length field (offsets 24-25) reads 0x4040.
    framer = StreamFramer()
    items = [item for _ in range(16) for item in framer.feed(b"@" * 4096)]
    assert len(items) <= 16
    assert all(isinstance(item, TooLong) for item in items)
    assert framer.buffered < 26


def test_a_frame_starting_inside_a_run_of_at_signs_is_found() -> None:
    # The last "@@" of a run can be a real frame's start (its serial or version bytes may be "@").
    frame = bytearray(GOOD[0])
    frame[2:6] = b"@@@@"
    frame[-3] = sum(frame[2:-3]) & 0xFF
    items = StreamFramer().feed(b"@" * 1000 + bytes(frame))
    assert _kinds(items)[-1] == "Frame"
    assert items[-1].raw == bytes(frame)  # type: ignore[union-attr]
