"""`citysafe public …`: what an administrator does for the public side (issue #15).

``open311-key NAME`` issues the key a client app posts Open311 requests with and prints it on stdout, once
(only its digest is kept); ``--revoke`` withdraws the app's key; ``open311-keys`` lists the keys (never the
keys themselves) with how many POSTs each made. Bad input exits 2 with one line.
"""

from __future__ import annotations

from typing import Annotated

import typer

from citysafe.commands.support import app_context, both_languages, emit, fail
from citysafe.core.errors import CitysafeError

app = typer.Typer(help="公众互动：Open311 客户端应用密钥", no_args_is_help=True)


@app.command("open311-key")
def open311_key_command(
    name: Annotated[str, typer.Argument(help="the client app's name")],
    per_hour: Annotated[int, typer.Option("--per-hour", help="POSTs the app may make in an hour")] = 100,
    media_host: Annotated[list[str] | None, typer.Option(
        "--media-host", help="a host whose media_url photos may be fetched for this app (repeatable)")] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="withdraw the app's key instead")] = False,
) -> None:
    """Print a new Open311 api_key for the app NAME (shown this once), or revoke its key."""
    from citysafe.core.db import unit_of_work
    from citysafe.public.open311 import keys

    ctx = app_context()
    try:
        with unit_of_work(ctx.session_factory, actor="cli") as session:
            if revoke:
                emit(keys.revoke(session, name=name, now=ctx.clock.now()).model_dump(mode="json"))
                return
            _, key = keys.issue(session, name=name, actor="cli", now=ctx.clock.now(), per_hour=per_hour,
                                media_hosts=",".join(media_host or []))
    except CitysafeError as exc:
        fail(both_languages(exc))
    typer.echo(key)
    typer.echo("the key is shown this once: only its digest is kept / 密钥只显示这一次，平台只保存其摘要", err=True)


@app.command("open311-keys")
def open311_keys_command() -> None:
    """The Open311 keys issued (names, limits, POSTs made; never the keys)."""
    from citysafe.public.open311 import keys

    ctx = app_context()
    with ctx.session_factory() as session:
        emit([k.model_dump(mode="json") for k in keys.list_keys(session)])
