"""The ``citysafe`` command. Bad input exits 2 with one line on stderr, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from citysafe.commands import (
    aid,
    database,
    evaluation,
    firewatch,
    gb26875,
    hazards,
    incident,
    knowledge,
    public,
    reward,
    risk,
    roads,
    simulate,
)
from citysafe.commands.support import app_context, emit, fail, user_errors
from citysafe.core.config import Settings, get_settings

app = typer.Typer(help="citysafe — 城市安全风险综合监管平台", no_args_is_help=True, add_completion=False)
user_app = typer.Typer(help="accounts", no_args_is_help=True)
regions_app = typer.Typer(help="administrative divisions", no_args_is_help=True)
app.add_typer(database.app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(regions_app, name="regions")
# Domain command groups live in citysafe.commands.<domain> (composition layer), one line each here;
# imported directly, so import-linter sees each arrow.
COMMAND_MODULES: tuple[tuple[typer.Typer, str], ...] = (  # (the group's app, group name)
    (gb26875.app, "gb26875"),
    (simulate.app, "simulate"),
    (firewatch.app, "firewatch"),
    (risk.app, "risk"),
    (hazards.app, "hazards"),
    (incident.app, "incident"),
    (roads.app, "roads"),
    (evaluation.app, "evaluation"),
    (aid.app, "aid"),
    (knowledge.app, "knowledge"),
    (public.app, "public"),  # Open311 keys (issue #15 point 1)
    (reward.app, "reward"),  # 举报奖励 (issue #15 point 2)
)
for _group_app, _group in COMMAND_MODULES:
    app.add_typer(_group_app, name=_group)

@user_app.command("create")
@user_errors
def user_create(
    name: str,
    role: Annotated[str, typer.Option(help="admin, city_office, district_office, department, operator, …")],
    region: Annotated[str, typer.Option(help="division code of the user's scope")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
    organization_id: Annotated[int | None, typer.Option("--organization-id")] = None,
    display_name: Annotated[str, typer.Option("--display-name")] = "",
) -> None:
    """Create a user; with --password-stdin the first line of stdin is the password."""
    from citysafe.auth import service as auth_service
    from citysafe.auth.schemas import UserCreate
    from citysafe.core.db import unit_of_work
    from citysafe.regions import service as regions_service

    password = _stdin_password(password_stdin)
    try:
        user_in = UserCreate(username=name, password=password, role=role, region_code=region,
                             organization_id=organization_id, display_name=display_name)
    except ValidationError as exc:
        _fail_first(exc)
        return
    ctx = app_context()
    with unit_of_work(ctx.session_factory, actor="cli") as session:
        regions_service.get(session, code=user_in.region_code)
        user = auth_service.create_user(session, user_in=user_in)
        typer.echo(f"created user {user.username} (id {user.id}, role {user.role}, region {user.region_code})")


def _stdin_password(password_stdin: bool) -> str:
    if not password_stdin:
        fail("give the password on stdin with --password-stdin")
    return sys.stdin.readline().rstrip("\r\n")


def _fail_first(exc: ValidationError) -> None:
    first = exc.errors()[0]
    fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")


def _set_active(name: str, *, active: bool) -> None:
    from citysafe.auth import accounts
    from citysafe.auth import service as auth_service
    from citysafe.core.db import unit_of_work

    ctx = app_context()
    with unit_of_work(ctx.session_factory, actor="cli") as session:
        user = auth_service.find_user(session, username=name)
        accounts.set_active(session, actor=None, user_id=user.id, active=active)
    state = "active" if active else "deactivated; its sessions and tokens have ended"
    typer.echo(f"user {name} is {state}")


@user_app.command("deactivate")
@user_errors
def user_deactivate(name: str) -> None:
    """Deactivate an account: it can no longer log in, and every token it holds stops working."""
    _set_active(name, active=False)


@user_app.command("activate")
@user_errors
def user_activate(name: str) -> None:
    """Reactivate a deactivated account (and clear a login lock)."""
    _set_active(name, active=True)


@user_app.command("set-password")
@user_errors
def user_set_password(
    name: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
) -> None:
    """Set an account's password from stdin; every token it holds stops working."""
    from citysafe.auth import accounts
    from citysafe.auth import service as auth_service
    from citysafe.auth.schemas import PasswordReset
    from citysafe.core.db import unit_of_work

    try:
        body = PasswordReset(password=_stdin_password(password_stdin))
    except ValidationError as exc:
        _fail_first(exc)
        return
    ctx = app_context()
    with unit_of_work(ctx.session_factory, actor="cli") as session:
        user = auth_service.find_user(session, username=name)
        accounts.reset_password(session, actor=None, user_id=user.id, password=body.password)
    typer.echo(f"password of {name} set; its earlier sessions and tokens have ended")


@regions_app.command("import")
@user_errors
def regions_import(
    divisions: Annotated[Path, typer.Option(help="CSV with code,name,level,parent_code")],
    boundaries: Annotated[Path | None, typer.Option(help="GeoJSON with adcode/code per feature")] = None,
    crs: Annotated[str, typer.Option(help="CRS of the boundaries: gcj02 or wgs84")] = "wgs84",
    source: Annotated[str, typer.Option(help="where the boundaries come from")] = "",
) -> None:
    """Import another province's (or a city's street/community) divisions and boundaries."""
    from citysafe.core.db import unit_of_work
    from citysafe.regions import service as regions_service

    ctx = app_context()
    with unit_of_work(ctx.session_factory, actor="cli") as session:
        report = regions_service.import_files(session, divisions=divisions, boundaries=boundaries, crs=crs,
                                              source=source)
    emit(report.model_dump())


@regions_app.command("load-jiangsu")
@user_errors
def regions_load_jiangsu() -> None:
    """Load the packaged divisions and district boundaries of Jiangsu (GCJ-02 converted to WGS84)."""
    from citysafe.core.db import unit_of_work
    from citysafe.regions import service as regions_service

    ctx = app_context()
    with unit_of_work(ctx.session_factory, actor="cli") as session:
        report = regions_service.import_packaged_jiangsu(session)
    emit(report.model_dump())


def _serve(host: str, port: int, settings: Settings) -> None:
    import uvicorn

    from citysafe.api import create_app
    from citysafe.core import observe, security

    settings = settings.model_copy(update={"settle_heap": True})  # a long-running server (core/heap.py)
    app = create_app(settings)  # settings that cannot work stop here, with their one line (exit 2)
    if security.CHEAP_HASHING:
        typer.echo(f"warning: {security.CHEAP_HASH_VARIABLE}=1 — passwords are hashed with the test suite's cheap "
                   "parameters; unset it anywhere real passwords are kept", err=True)
    # proxy_headers off: which proxies' X-Forwarded-* count is CITYSAFE_TRUSTED_PROXIES's to say (web/guard.py),
    # not uvicorn's default of trusting 127.0.0.1.
    # Our access line (core/observe.py) carries the request id and the route; uvicorn's own is off.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, proxy_headers=False,
                log_config=observe.log_config(settings.log_format))


@app.command()
@user_errors
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    gb26875_port: Annotated[int | None, typer.Option(
        "--gb26875-port", help="also accept GB/T 26875.3 UITD connections on this TCP port (same host)")] = None,
) -> None:
    """Serve an existing database (run `citysafe db upgrade` first)."""
    settings = get_settings()
    if gb26875_port is not None:
        settings = settings.model_copy(update={"gb26875_port": gb26875_port, "gb26875_host": host})
    _serve(host, port, settings)


@app.command()
@user_errors
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    data_dir: Annotated[Path, typer.Option("--data-dir")] = Path("var/demo"),
    no_serve: Annotated[bool, typer.Option("--no-serve", help="build the demo database and exit")] = False,
    simulate: Annotated[bool, typer.Option(help="simulated fire-alarm devices sending to the demo")] = True,
    reset: Annotated[bool, typer.Option(help="rebuild the city even if --data-dir holds one")] = False,
) -> None:
    """Build the demo city (Nanjing, Jiangsu) in an embedded database once, and serve it; later runs serve
    the same city with the same password until --reset."""
    from citysafe import demo as demo_city
    from citysafe.commands import demo as demo_run
    from citysafe.core.db import unit_of_work
    from citysafe.core.migrate import upgrade

    if not no_serve:
        demo_run.ensure_port_free(host, port)
    password = demo_run.saved_password(data_dir, reset=reset)
    settings = Settings(data_dir=data_dir, database_url="")
    ctx = app_context(settings)
    upgrade(ctx.engine)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        accounts = demo_city.seed(session) if password is None else demo_city.accounts_of(session, password)
    if password is None:
        demo_run.save_password(data_dir, accounts.admin_password)
    url = f"http://{host}:{port}/"
    typer.echo(f"\ncitysafe demo city {'built' if password is None else 'kept (--reset rebuilds it)'}: {url}")
    typer.echo(f"  database: {ctx.engine.url.render_as_string(hide_password=True)}")
    typer.echo(f"  password for every demo account: {accounts.admin_password}")
    for username, role, region in accounts.accounts:
        typer.echo(f"  user {username:<10} role {role:<16} region {region}")
    if not no_serve:
        if simulate:
            from citysafe.commands.simulate import start_for_demo
            from citysafe.demo import operator

            settings = start_for_demo(settings, host)
            operator.start(ctx.session_factory, ctx.clock)
        _serve(host, port, settings)


def main() -> None:
    app()
