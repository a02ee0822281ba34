"""Streaming framer: TCP bytes in, frames, framing errors and vendor preambles out.

It reads by the ADU length field, never by searching for "##" (descriptions and even addresses can
contain 0x23), resynchronises on the next "@@" after garbage, and keeps at most one incomplete frame
(<= 1054 bytes) between feeds, so a hostile or broken peer cannot grow its memory. Scanning uses
``bytearray.find`` and a compiled regex, never a per-byte Python loop: the gateway pushes about
20,000 frames a second through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from citysafe.firewatch.protocols.gb26875.codec import (
    FRAME_OVERHEAD,
    MAX_ADU_LENGTH,
    START,
    TAIL,
    _decode_framed,
)
from citysafe.firewatch.protocols.gb26875.errors import BadTail, FrameError, LengthMismatch, TooLong
from citysafe.firewatch.protocols.gb26875.model import Frame

__all__ = ["MAX_PREAMBLE", "FramerItem", "Preamble", "StreamFramer"]

MAX_PREAMBLE: Final = 256
# FireMaster-style devices send an ASCII message starting "TD" (login or keep-alive) and expect "OK!".
# Its syntax is undocumented, so a preamble is a run of printable ASCII from "TD" up to the next
# non-printable byte, the next "@@" or the end of what has arrived (the device waits for the answer,
# so nothing more will come to complete it).
_PREAMBLE: Final = re.compile(rb"TD[\x20-\x7e\t\r\n]{0,%d}" % (MAX_PREAMBLE - 2))
_AT: Final = 0x40
_NOT_AT: Final = re.compile(rb"[^@]")
_LOOKAHEAD: Final = 4


@dataclass(frozen=True, slots=True)
class Preamble:
    """A vendor ASCII message (starting "TD") between frames; the gateway answers it with "OK!"."""

    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("ascii", errors="replace").strip()


FramerItem = Frame | FrameError | Preamble


class StreamFramer:
    """Incremental framer for one connection.

    ``feed`` returns, in stream order, each decoded ``Frame``, each ``FrameError`` for bytes that
    started like a frame but were not a valid one (bad checksum, bad tail, length over 1024, frame
    cut short by the next frame; the gateway NAKs these using ``error.header``), and each
    ``Preamble``. Other garbage is dropped and counted in ``discarded_bytes``. Never raises.
    """

    __slots__ = ("_buf", "discarded_bytes", "errors", "frames", "preambles")

    def __init__(self) -> None:
        self._buf = bytearray()
        self.frames = 0
        self.errors = 0
        self.preambles = 0
        self.discarded_bytes = 0

    @property
    def buffered(self) -> int:
        """Bytes held for the next feed: at most one incomplete frame."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview) -> list[FramerItem]:
        buf = self._buf
        buf += data
        out: list[FramerItem] = []
        n = len(buf)
        pos = 0
        while pos < n:
            start = buf.find(START, pos)
            if start != pos:
                stop = n if start < 0 else start
                if start < 0 and buf[n - 1] == _AT:
                    stop = n - 1  # may be the first half of a start marker
                self._skip(buf, pos, stop, out)
                pos = stop
                if start < 0:
                    break
            if n - pos < 26:
                break  # the length field has not arrived yet
            length = buf[pos + 24] | buf[pos + 25] << 8
            if length > MAX_ADU_LENGTH:
                out.append(TooLong(f"ADU length field {length} (0x{length:04x}) exceeds 1024",
                                   bytes(buf[pos : pos + FRAME_OVERHEAD])))
                pos = self._past_at_run(buf, pos, n)  # the "@@" was not a frame start; look for the next one
                continue
            end = pos + FRAME_OVERHEAD + length
            if end > n:
                following = self._next_complete_frame(buf, pos + 2, n)
                if following < 0:
                    break  # wait for the rest of the frame
                out.append(self._cut_short(buf, pos, following, end))
                pos = following
                continue
            try:
                out.append(_decode_framed(bytes(buf[pos:end]), length))
                pos = end
            except BadTail as exc:
                # The length was wrong or the "@@" was not a frame start: a real frame may begin
                # inside the candidate, so resume the search just after this "@@". (No look-ahead
                # here: it would make crafted "@@"-dense input quadratic.)
                out.append(exc)
                pos += 1
            except FrameError as exc:  # bad checksum: the frame is delimited, skip all of it
                out.append(exc)
                pos = end
        del buf[:pos]
        for item in out:
            if isinstance(item, Frame):
                self.frames += 1
            elif isinstance(item, Preamble):
                self.preambles += 1
            else:
                self.errors += 1
        return out

    def reset(self) -> None:
        """Forget any partial frame (e.g. after the connection is re-established)."""
        self._buf.clear()

    def _past_at_run(self, buf: bytearray, pos: int, n: int) -> int:
        """Where to look for a frame after an invalid "@@" at ``pos``: the next byte, or, inside a run of
        "@", the first start whose length field (offsets 24-25) is not still "@@" = 0x4040 > 1024. Every
        start before it would be one more TooLong — and a NAK — per byte of the run: one peer writing
        "@" took 18 s of CPU in 20 s that way."""
        other = _NOT_AT.search(buf, pos, n)
        resume = max(pos + 1, (n if other is None else other.start()) - 25)
        self.discarded_bytes += resume - pos - 1
        return resume

    def _skip(self, buf: bytearray, pos: int, stop: int, out: list[FramerItem]) -> None:
        """Bytes outside frames: report preambles, count the rest as discarded."""
        while pos < stop:
            match = _PREAMBLE.search(buf, pos, stop)
            if match is None:
                self.discarded_bytes += stop - pos
                return
            self.discarded_bytes += match.start() - pos
            out.append(Preamble(match.group()))
            pos = match.end()

    @staticmethod
    def _cut_short(buf: bytearray, pos: int, following: int, end: int) -> LengthMismatch:
        return LengthMismatch(
            f"frame cut short: {following - pos} bytes before the next frame, "
            f"the length field implies {end - pos}",
            bytes(buf[pos:following]),
        )

    @staticmethod
    def _next_complete_frame(buf: bytearray, pos: int, n: int) -> int:
        """Offset of a later complete, checksum-valid frame in ``buf[pos:n]``, or -1.

        Used only while an earlier frame is incomplete: if a whole valid frame already follows it,
        the earlier one was cut short and waiting for its missing bytes would stall the device
        (it waits for our ACK before it sends more). The region is under one frame long and at
        most ``_LOOKAHEAD`` candidates are checksummed, so crafted input cannot make a feed costly;
        the real next frame is normally the first "@@" after the cut.
        """
        q = buf.find(START, pos)
        for _ in range(_LOOKAHEAD):
            if q < 0 or n - q < FRAME_OVERHEAD:
                break
            length = buf[q + 24] | buf[q + 25] << 8
            end = q + FRAME_OVERHEAD + length
            if (
                length <= MAX_ADU_LENGTH
                and end <= n
                and buf[end - 2 : end] == TAIL
                and sum(buf[q + 2 : end - 3]) & 0xFF == buf[end - 3]
            ):
                return q
            q = buf.find(START, q + 1)
        return -1

