"""`citysafe aid …`: the resource catalogue exchanged with neighbouring platforms (issue #13 point 5,
docs/mutual-aid-exchange.md).

``export --as USER FILE`` writes the catalogue of USER's region; ``import --as USER FILE`` stores a partner's
for USER's office, replacing that publisher's previous one. A bad document exits 2 with one line naming the
JSON path of the first problem, and nothing is imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from citysafe.auth.enums import Permission
from citysafe.commands.support import app_context, both_languages, emit, fail
from citysafe.core.errors import CitysafeError

app = typer.Typer(help="区域协同：导出本地区资源目录、导入相邻地区资源目录（JSON 交换格式）", no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="the account whose region and name the exchange is made under")]


@app.command("export")
def export_command(file: Annotated[Path, typer.Argument(help="where to write the JSON document")],
                   as_user: AsUser) -> None:
    """Write the catalogue of the account's region to FILE; prints the counts."""
    from citysafe.auth import service as auth_service
    from citysafe.core.db import unit_of_work
    from citysafe.emergency.mutualaid import catalogue

    ctx = app_context()
    try:
        with unit_of_work(ctx.session_factory, actor="cli") as session:
            principal = auth_service.principal_for(auth_service.find_user(session, username=as_user))
            auth_service.require(principal, Permission.READ_EMERGENCY)
            auth_service.act_as(session, principal)
            document = catalogue.export(session, principal=principal, contacts=False, now=ctx.clock.now())
        file.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    except CitysafeError as exc:
        fail(both_languages(exc))
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror}")
    emit({"file": str(file), "teams": len(document["teams"]), "depots": len(document["depots"]),
          "experts": len(document["experts"])})


@app.command("import")
def import_command(file: Annotated[Path, typer.Argument(help="a mutual-aid-catalogue 1.x JSON document")],
                   as_user: AsUser) -> None:
    """Import a partner's catalogue from FILE for the account's office; prints what was stored."""
    from citysafe.auth import service as auth_service
    from citysafe.core.db import unit_of_work
    from citysafe.emergency.mutualaid import catalogue, exchange

    ctx = app_context()
    try:
        raw = file.read_bytes()
        doc = exchange.read(raw)
        with unit_of_work(ctx.session_factory, actor="cli") as session:
            principal = auth_service.principal_for(auth_service.find_user(session, username=as_user))
            auth_service.require(principal, Permission.WRITE_EMERGENCY)
            auth_service.act_as(session, principal)
            row = catalogue.import_catalogue(session, principal=principal, doc=doc, now=ctx.clock.now())
            emit(catalogue.summary(row).model_dump(mode="json"))
    except CitysafeError as exc:
        fail(both_languages(exc))
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
