"""`citysafe gb26875 …`: protocol tools for GB/T 26875.3 (decode captures, run the NATS ingest worker)."""

from __future__ import annotations

import re
from collections.abc import Coroutine
from typing import Annotated, Any

import typer

from citysafe.commands.support import emit, fail, run_writer_child
from citysafe.firewatch.protocols.gb26875 import FrameError, StreamFramer, decode_frame, frame_to_dict, item_to_dict

app = typer.Typer(help="GB/T 26875.3 protocol tools", no_args_is_help=True)

# Captures are pasted from logs and Wireshark: tolerate spaces, colons, dashes and a 0x prefix.
_SEPARATORS = re.compile(r"[\s:\-]+")


def _parse_hex(text: str, position: int) -> bytes:
    cleaned = _SEPARATORS.sub("", text)
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        bad = next((c for c in cleaned if c not in "0123456789abcdefABCDEF"), None)
        why = f"non-hex character {bad!r}" if bad is not None else f"odd number of hex digits ({len(cleaned)})"
        fail(f"argument {position}: not hex: {why}")


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
            emit(item_to_dict(item), indent=indent)
        broken = [item for item in items if isinstance(item, FrameError)]
        if framer.buffered:
            fail(f"{framer.buffered} trailing bytes are an incomplete frame")
        if broken:
            fail(f"{len(broken)} invalid frame(s); first: {broken[0].reason}")
        return
    for position, raw in enumerate(data, start=1):
        try:
            frame = decode_frame(raw)
        except FrameError as exc:
            fail(f"argument {position}: {exc.kind}: {exc.reason}")
        emit(frame_to_dict(frame), indent=indent)


@app.command("worker")
def worker(
    partition: Annotated[list[int] | None, typer.Option(
        "--partition", help="partition to consume (repeatable); default all of CITYSAFE_GB26875_PARTITIONS")] = None,
    partitions: Annotated[str | None, typer.Option(
        "--partitions", metavar="FIRST-LAST", help="a range of partitions, e.g. 0-3 (systemd's instance name)")] = None,
    batch: Annotated[int, typer.Option(help="frames per transaction at most")] = 1000,
) -> None:
    """Ingest the raw frames gateways publish to NATS JetStream (CITYSAFE_NATS_URL) into the database.

    One worker per partition: each partition's frames (its devices' order) go through one process."""
    import asyncio
    import logging
    import os
    import signal

    from citysafe.core import heap
    from citysafe.core.config import get_settings
    from citysafe.firewatch.gateway.sinks import DatabaseSink
    from citysafe.firewatch.ingest.worker import StreamNames, relay_events, run_worker
    from citysafe.registry import check_startup, new_context, register_handlers

    settings = get_settings()
    if not settings.nats_url:
        fail("set CITYSAFE_NATS_URL (e.g. nats://127.0.0.1:4222): the worker consumes what gateways publish there")
    count = settings.gb26875_partitions
    chosen = list(partition or [])
    if partitions is not None:
        chosen += _partition_range(partitions)
    chosen = sorted(set(chosen)) or list(range(count))
    if bad := [p for p in chosen if not 0 <= p < count]:
        fail(f"partition {bad[0]} is outside 0..{count - 1}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx = new_context(settings)
    check_startup(ctx)
    register_handlers(ctx.bus)  # the same reactions to alarm events as in the web process

    async def main() -> None:
        import nats

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        events = await nats.connect(settings.nats_url, name="citysafe-gb26875-events")
        detach = relay_events(ctx.bus, events, loop, origin=f"{settings.instance or 'worker'}-{os.getpid()}")
        # One writer thread for both lanes: with a second one for the urgent lane (tried in the 100k run of
        # bench/connections.py) a new device's first heartbeat and first status raced to create its row
        # and deadlocked on the registry version, retried batches of hundreds of frames, for no gain in the
        # fire's latency there. The urgent lane's batches are small and its loops fetch apart.
        sink = DatabaseSink(ctx.session_factory, ctx.clock)
        heap.settle()  # a long-running ingest process (core/heap.py)
        typer.echo(f"ingesting partitions {chosen} of {count} from {settings.nats_url}", err=True)
        try:
            await run_worker(sink, url=settings.nats_url, partitions=chosen, partition_count=count, stop=stop,
                             batch=batch, names=StreamNames.of(settings.gb26875_nats_stream))
        finally:
            await sink.aclose()
            detach()
            await events.drain()

    asyncio.run(main())


def _partition_range(text: str) -> list[int]:
    first, dash, last = text.partition("-")
    try:
        low, high = int(first), int(last) if dash else int(first)
    except ValueError:
        fail(f"--partitions {text!r}: expected FIRST-LAST, e.g. 0-3")
    if high < low:
        fail(f"--partitions {text!r}: {high} is below {low}")
    return list(range(low, high + 1))


@app.command("ingest-writer", hidden=True)
def ingest_writer() -> None:
    """The child process `serve --gb26875-port` writes gateway frames with (a pipe protocol on stdin/stdout)."""
    run_writer_child("gb26875-writer")


def _run_loop(main: Coroutine[Any, Any, int]) -> int:
    """uvloop where installed (as uvicorn runs the web process): its transports cost a gateway less CPU and
    memory per connection than the stdlib's; else asyncio's own loop."""
    import asyncio

    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


#: Gateway processes one command starts at most: each is one event loop; more than a box has cores several
#: times over buys nothing but memory.
MAX_GATEWAY_PROCESSES = 64


@app.command("gateway")
def gateway(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port of the UITDs (0: a free one, printed)")] = 9000,
    processes: Annotated[int, typer.Option(
        help="gateway processes sharing the port (SO_REUSEPORT), each with its own open-file limit")] = 1,
    metrics_port: Annotated[int | None, typer.Option(
        "--metrics-port", help="GET /metrics on 127.0.0.1:PORT (process i of --processes on PORT+i)")] = None,
) -> None:
    """Accept GB/T 26875.3 UITD connections without the web API: publish to JetStream when CITYSAFE_NATS_URL
    is set (ACK after the stream's ack), else commit through the database writer process. SIGTERM stops."""
    import asyncio
    import logging
    import signal

    from pydantic import ValidationError

    from citysafe.commands.support import validation_problem
    from citysafe.core.config import get_settings
    from citysafe.firewatch.gateway.standalone import Fleet, run_process

    if not 0 <= port <= 65535:
        fail(f"--port {port} is outside 0..65535")
    if not 1 <= processes <= MAX_GATEWAY_PROCESSES:
        fail(f"--processes {processes} is outside 1..{MAX_GATEWAY_PROCESSES}")
    if metrics_port is not None and not 1 <= metrics_port <= 65536 - processes:
        fail(f"--metrics-port {metrics_port} is outside 1..{65536 - processes}")
    try:
        settings = get_settings()
    except ValidationError as exc:
        fail(validation_problem(exc))
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s gb26875-gateway[%(process)d] %(name)s: %(message)s")

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if processes == 1:
            await run_process(settings, host=host, port=port, stop=stop, metrics_port=metrics_port,
                              on_ready=lambda gw: typer.echo(f"listening on {host}:{gw.port}", err=True))
            return 0
        fleet = Fleet(host=host, port=port, processes=processes, metrics_port=metrics_port)
        typer.echo(f"{processes} gateway processes listening on {host}:{fleet.port}", err=True)
        return await fleet.run(stop)

    try:
        code = _run_loop(main())
    except OSError as exc:  # the port is taken, the host is not ours, NATS is not there
        fail(f"cannot run the gateway on {host}:{port}: {exc}")
    if code:
        raise typer.Exit(code)
