"""`citysafe gb26875 …`: protocol tools for GB/T 26875.3 (decode captures, run the NATS ingest worker)."""

from __future__ import annotations

import json
import re
from typing import Annotated

import typer

from citysafe.firewatch.protocols.gb26875 import FrameError, StreamFramer, decode_frame, frame_to_dict, item_to_dict

app = typer.Typer(help="GB/T 26875.3 protocol tools", no_args_is_help=True)

# Captures are pasted from logs and Wireshark: tolerate spaces, colons, dashes and a 0x prefix.
_SEPARATORS = re.compile(r"[\s:\-]+")


def _fail(message: str) -> None:
    # Same shape as cli.fail (which this module cannot import: cli imports the command modules).
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _parse_hex(text: str, position: int) -> bytes:
    cleaned = _SEPARATORS.sub("", text)
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        bad = next((c for c in cleaned if c not in "0123456789abcdefABCDEF"), None)
        why = f"non-hex character {bad!r}" if bad is not None else f"odd number of hex digits ({len(cleaned)})"
        _fail(f"argument {position}: not hex: {why}")
        raise  # unreachable: _fail exits


def _emit(value: object, indent: int | None) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=indent))


@app.command("decode")
def decode(
    frames: Annotated[list[str], typer.Argument(metavar="HEX…", help="one complete frame per argument")],
    stream: Annotated[
        bool,
        typer.Option("--stream", help="treat the arguments as one TCP byte stream (frames, garbage, preambles)"),
    ] = False,
    pretty: Annotated[bool, typer.Option("--pretty", help="indent the JSON")] = False,
) -> None:
    """Decode frames to JSON, one object per line; an invalid frame exits 2 with a one-line reason."""
    data = [_parse_hex(text, i) for i, text in enumerate(frames, start=1)]
    indent = 2 if pretty else None
    if stream:
        # A capture of a connection: report everything the gateway's framer would see, errors included,
        # and exit 2 afterwards if any of it was a broken frame.
        framer = StreamFramer()
        items = framer.feed(b"".join(data))
        for item in items:
            _emit(item_to_dict(item), indent)
        broken = [item for item in items if isinstance(item, FrameError)]
        if framer.buffered:
            _fail(f"{framer.buffered} trailing bytes are an incomplete frame")
        if broken:
            _fail(f"{len(broken)} invalid frame(s); first: {broken[0].reason}")
        return
    for position, raw in enumerate(data, start=1):
        try:
            frame = decode_frame(raw)
        except FrameError as exc:
            _fail(f"argument {position}: {exc.kind}: {exc.reason}")
            return
        _emit(frame_to_dict(frame), indent)
