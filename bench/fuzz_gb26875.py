"""Coverage-guided fuzzing of the GB/T 26875.3 codec with atheris (optional; not run by the tests).

    .venv/bin/pip install atheris
    .venv/bin/python bench/fuzz_gb26875.py -max_total_time=60      # or -atheris_runs=200000

Each input is checked two ways: as one frame for ``decode_frame`` (only ``FrameError`` may escape, and a
frame that decodes must re-encode to the same bytes), and as a stream fed to ``StreamFramer`` in
chunks whose sizes come from the input (nothing may escape, and the buffer must stay below one
maximum frame). About one input in eight is also wrapped in a checksum-valid frame so the tolerant ADU
decoder is reached, not only the framing checks. A crash prints the input and writes it to
``crash-*`` as libFuzzer does; reproduce with ``python bench/fuzz_gb26875.py crash-<hash>``.
libFuzzer reports the runs done and exits from C, so there is no JSON summary here: this is a fuzzer,
not a benchmark. A 300 s run (about 320,000 inputs) found nothing when this file was written.
"""

from __future__ import annotations

import json
import sys

import atheris  # type: ignore[import-untyped, import-not-found, unused-ignore]

with atheris.instrument_imports():
    from citysafe.firewatch.protocols.gb26875 import (
        MAX_FRAME_LENGTH,
        FrameError,
        StreamFramer,
        checksum,
        decode_frame,
        encode_frame,
        item_to_dict,
    )

def _wrap(adu: bytes) -> bytes:
    body = b"\x01\x00\x01\x01" + bytes(6) + bytes(12) + len(adu).to_bytes(2, "little") + b"\x02" + adu
    return b"@@" + body + bytes((checksum(body),)) + b"##"


def test_one_input(data: bytes) -> None:
    candidates = [data]
    if data and data[0] % 8 == 0:
        candidates.append(_wrap(data[1:1025]))
    for candidate in candidates:
        try:
            frame = decode_frame(candidate)
        except FrameError:
            pass
        else:
            if encode_frame(frame) != candidate:
                raise AssertionError("decoded frame does not re-encode to its bytes")
            json.dumps(item_to_dict(frame), ensure_ascii=False)
    framer = StreamFramer()
    step = (data[-1] % 97 + 1) if data else 1
    for pos in range(0, len(data), step):
        for item in framer.feed(data[pos : pos + step]):
            json.dumps(item_to_dict(item), ensure_ascii=False)
        if framer.buffered >= MAX_FRAME_LENGTH:
            raise AssertionError(f"framer holds {framer.buffered} bytes")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
