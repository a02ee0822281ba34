"""`citysafe roads …`: the road network that dispatch routes on (issue #13 point 2).

``import FILE`` reads an OpenStreetMap file (.osm.pbf or OSM XML) whole, then puts it in service in one
transaction; a malformed or empty file exits 2 with one line naming what is wrong, and the network in
service stays. ``show`` prints the network in service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citysafe.commands.support import app_context, both_languages, emit, fail
from citysafe.core.errors import CitysafeError

app = typer.Typer(help="应急调度路网：导入 OpenStreetMap 路网、查看在用路网", no_args_is_help=True)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="an .osm.pbf or OSM XML file (.osm, .osm.gz)")],
    crs: Annotated[str, typer.Option("--crs", help="coordinates of the file: wgs84 (OSM) or gcj02")] = "wgs84",
    speeds: Annotated[Path | None, typer.Option("--speeds", help="an edited copy of the speed table (JSON)")] = None,
) -> None:
    """Import FILE as the road network in service; prints the network (nodes, edges, bbox)."""
    from citysafe.core.db import unit_of_work
    from citysafe.core.uploads import read_file_capped
    from citysafe.emergency.routing import service

    if crs not in ("wgs84", "gcj02"):
        fail(f"--crs must be wgs84 or gcj02; got {crs!r}")
    ctx = app_context()
    try:
        table = service.speed_table(speeds) if speeds else None
        data = read_file_capped(file, max_bytes=ctx.settings.upload_max_bytes * 64, field="file")
        parsed = service.read_network(data, source_name=file.name, crs=crs, speeds=table)
        with unit_of_work(ctx.session_factory, actor="cli") as session:
            row = service.import_network(session, parsed, now=ctx.clock.now())
            emit(service.network_read(row).model_dump(mode="json"))
    except CitysafeError as exc:
        fail(both_languages(exc))
    except (OSError, ValueError, KeyError) as exc:
        fail(f"{file}: {exc}" if isinstance(exc, OSError) else str(exc))


@app.command("show")
def show_command() -> None:
    """The network in service, or that dispatch falls back to straight lines."""
    from citysafe.emergency.routing import service

    ctx = app_context()
    with ctx.session_factory() as session:
        emit(service.status(session).model_dump(mode="json"))
