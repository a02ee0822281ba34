"""``citysafe db``: the schema (``upgrade``), backups (``backup``, ``restore``) and ``check``, a summary of what a
database holds that two databases can be compared by (rows per table, the audit log's digest, and every incident
timeline's hash chain verified)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine, select

from citysafe.commands.support import app_context, emit, user_errors
from citysafe.core import backup as backups
from citysafe.core.db import make_read_session_factory, unit_of_work

app = typer.Typer(help="database: schema, backup and restore", no_args_is_help=True)


@app.command("upgrade")
@user_errors
def upgrade() -> None:
    """Apply every migration (SQLite under ./var by default, or CITYSAFE_DATABASE_URL)."""
    from citysafe.core.migrate import upgrade as apply

    ctx = app_context()
    apply(ctx.engine)
    typer.echo(f"database at {ctx.engine.url.render_as_string(hide_password=True)} is up to date")


@app.command("backup")
@user_errors
def backup(path: Annotated[Path, typer.Argument(help="the backup file to write (replaced when complete)")]) -> None:
    """A consistent copy while the platform runs: SQLite's online backup API, or pg_dump (custom format)."""
    ctx = app_context()
    emit(backups.backup(ctx.engine, path).__dict__)  # a BackupError is a ValueError: one line, exit 2


@app.command("restore")
@user_errors
def restore(path: Annotated[Path, typer.Argument(help="a file written by `citysafe db backup`")],
            force: Annotated[bool, typer.Option(help="replace what the target database holds")] = False) -> None:
    """Load a backup into the configured database, which must be empty unless --force; then print its check."""
    ctx = app_context()
    backups.restore(ctx.engine, path, force=force)
    emit(check_of(ctx.engine))


@app.command("check")
@user_errors
def check() -> None:
    """Rows per table, the audit log's entries and digest, and the incident timelines' hash chains, as JSON."""
    emit(check_of(app_context().engine))


def check_of(engine: Engine) -> dict[str, Any]:
    from citysafe.emergency import timeline
    from citysafe.emergency.models import Incident

    found = backups.summary(engine)
    broken: list[dict[str, Any]] = []
    checked = 0
    with unit_of_work(make_read_session_factory(engine)) as session:
        for incident in session.scalars(select(Incident).order_by(Incident.id).execution_options(skip_scope=True)):
            verdict = timeline.verify(session, incident=incident)
            checked += 1
            if not verdict.ok:
                broken.append({"incident_id": incident.id, "first_bad_seq": verdict.first_bad_seq,
                               "reason": verdict.reason})
    found["timelines"] = {"checked": checked, "broken": broken}
    return found
