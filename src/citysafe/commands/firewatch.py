"""`citysafe firewatch …`: registry template and import, binding unregistered devices, the periodic
rules and retention pruning, run by hand (the running service does the latter two on a timer)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from citysafe.commands.support import app_context, emit, fail, importing, run_writer_child
from citysafe.core.errors import CitysafeError

app = typer.Typer(help="networked fire monitoring: registry, binding, retention", no_args_is_help=True)


@app.command("template")
def template_command(out: Annotated[Path, typer.Argument(help="where to write the .xlsx")]) -> None:
    """Write the empty registry workbook (units, buildings, UITDs, components, IoT devices)."""
    from citysafe.firewatch.registry.excel import template

    try:
        out.write_bytes(template())
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    typer.echo(f"wrote {out}")


@app.command("import")
def import_command(
    workbook: Annotated[Path, typer.Argument(help="a filled-in registry workbook")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate only, change nothing")] = False,
) -> None:
    """Import a registry workbook; prints the report as JSON, exits 2 when any row has a problem."""
    from citysafe.core.db import unit_of_work
    from citysafe.core.sheets.reader import sheet_reader
    from citysafe.firewatch.registry.excel import import_workbook, parse_workbook

    ctx = app_context()
    with importing(ctx, workbook) as data:
        # Parsed before the unit of work opens, so the write lock is not held while the workbook is read.
        parsed = parse_workbook(sheet_reader(ctx), data)
        with unit_of_work(ctx.session_factory, actor="cli:firewatch-import") as session:
            report = import_workbook(session, parsed=parsed, dry_run=dry_run)
    emit(report.model_dump())
    if report.errors:
        raise typer.Exit(2)


@app.command("bind")
def bind_command(
    device: Annotated[str, typer.Argument(help="UITD address (decimal or 0x hex) or IoT device id")],
    unit: Annotated[int, typer.Option("--unit", help="networked unit id")],
    iot: Annotated[bool, typer.Option("--iot", help="the device is an IoT device id")] = False,
) -> None:
    """Attach a device (typically one first seen unregistered) and its past alarms to a unit."""
    from citysafe.core.db import unit_of_work
    from citysafe.firewatch.registry import service as rs
    from citysafe.firewatch.registry.excel import parse_address

    ctx = app_context()
    try:
        with unit_of_work(ctx.session_factory, actor="cli:firewatch-bind") as session:
            if iot:
                _, count = rs.bind_iot_device(session, device_id=device, unit_id=unit)
            else:
                _, count = rs.bind_uitd(session, address=parse_address(device), unit_id=unit)
    except CitysafeError as exc:
        fail(exc.detail)
    except ValueError as exc:
        fail(str(exc))
    emit({"device": device, "unit_id": unit, "alarms_attached": count})


@app.command("prune")
def prune_command(
    days: Annotated[int | None, typer.Option("--days", min=1, help="keep this many days (default: settings)")] = None,
) -> None:
    """Delete raw frames, IoT messages, readings and closed alarms older than the retention period."""
    from citysafe.core.db import unit_of_work
    from citysafe.firewatch.alarms.retention import prune

    ctx = app_context()
    keep = timedelta(days=days if days is not None else ctx.settings.firewatch_retention_days)
    with unit_of_work(ctx.session_factory, actor="cli:firewatch-prune") as session:
        counts = prune(session, now=ctx.clock.now(), retention=keep)
    emit({"kept_days": keep.days, "deleted": counts})


@app.command("tick")
def tick_command() -> None:
    """Run the periodic rules once now: reminders, escalation, overdue faults, offline, 119 retries."""
    from citysafe.core.db import unit_of_work
    from citysafe.firewatch.alarms.links import links
    from citysafe.firewatch.alarms.timers import tick
    from citysafe.firewatch.config import CONFIG

    try:
        ctx = app_context()
        forwarder = links(ctx).forwarder
    except ValueError as exc:
        fail(str(exc))
    with unit_of_work(ctx.session_factory, actor="cli:firewatch-tick") as session:
        report = tick(session, now=ctx.clock.now(), config=CONFIG.get(ctx),
                      forwarder=forwarder)
    emit(vars(report))


@app.command("mqtt-writer", hidden=True)
def mqtt_writer() -> None:
    """The child process the MQTT subscriber writes its batches with (a pipe protocol on stdin/stdout)."""
    from citysafe.firewatch.config import CONFIG
    from citysafe.firewatch.ingest.mqtt_batch import BatchWriter

    run_writer_child("mqtt-writer", make_writer=lambda ctx: BatchWriter(ctx, CONFIG.get(ctx)).write)

