"""`citysafe hazards …`: load the packaged checklists, run the overdue sweep, recount the statistics tally,
and show the judging standards and permit rules in force. Output is one JSON object; bad input exits 2
with one line on stderr."""

from __future__ import annotations

from typing import Annotated

import typer

from citysafe.commands.support import app_context, emit, fail
from citysafe.core.errors import CitysafeError

app = typer.Typer(help="隐患排查治理：检查表、逾期督办、统计重算、判定标准", no_args_is_help=True)


@app.command("seed-checklists")
def seed_checklists(
    region: Annotated[str, typer.Option(help="the region owning the templates (its office edits them)")] = "",
) -> None:
    """Load the packaged checklists (九小, high-rise, group rentals, hazardous chemicals, sites, many-in-one)."""
    from citysafe.core.db import unit_of_work
    from citysafe.hazards.inspection import checklists
    from citysafe.hazards.schemas import validate_region_code

    ctx = app_context()
    try:
        owner = validate_region_code(region) if region else ctx.settings.root_region
        with unit_of_work(ctx.session_factory, actor="cli") as session:
            added = checklists.seed_defaults(session, owner_region_code=owner, settings=ctx.settings)
    except (CitysafeError, ValueError) as exc:
        fail(str(exc))
    emit({"owner_region_code": owner, "added": added})


@app.command()
def sweep() -> None:
    """Announce every overdue escalation step due now (the server does this every hazard_sweep_seconds)."""
    from citysafe.hazards import overdue

    emit({"announced": overdue.run_once(app_context())})


@app.command("rebuild-stats")
def rebuild_stats() -> None:
    """Recount the per-district statistics tally from the tickets (after a bulk load or restore)."""
    from sqlalchemy import func, select

    from citysafe.core.db import unit_of_work
    from citysafe.hazards.tickets import tally
    from citysafe.hazards.tickets.models import HazardTally

    ctx = app_context()
    with unit_of_work(ctx.session_factory, actor="cli") as session:
        tally.rebuild(session)
        rows, tickets = session.execute(select(func.count(), func.coalesce(func.sum(HazardTally.tickets), 0))).one()
    emit({"tally_rows": int(rows), "tickets": int(tickets)})


@app.command()
def standards() -> None:
    """The major-hazard judging standards in force (packaged, or CITYSAFE_HAZARD_STANDARDS_FILE)."""
    from citysafe.core.config import get_settings
    from citysafe.hazards import rules

    try:
        emit(rules.standards(get_settings()).as_dicts())
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot read the judging standards: {exc}")


@app.command("permit-rules")
def permit_rules() -> None:
    """Work types, grades, validity limits, approval chains and gas limits in force (GB 30871)."""
    from citysafe.core.config import get_settings
    from citysafe.hazards import rules

    try:
        emit(rules.permit_rules(get_settings()).as_dict())
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot read the permit rules: {exc}")
