"""What every command shares: the one-line error with exit code 2, JSON output and the app context.

Here rather than in ``citysafe.cli``, which imports the command modules and so cannot be imported by them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError

from citysafe.core.errors import CitysafeError

if TYPE_CHECKING:
    from citysafe.core.config import Settings
    from citysafe.core.context import AppContext


def fail(message: str) -> NoReturn:
    """Exit 2 with the first line of ``message`` on stderr: bad input never ends in a traceback."""
    typer.echo(f"error: {message.splitlines()[0] if message else 'invalid input'}", err=True)
    raise typer.Exit(2)


def validation_problem(exc: ValidationError) -> str:
    """One line for a pydantic error; a bad setting is named as its environment variable, e.g.
    ``CITYSAFE_FIREWATCH_FORWARDER: Input should be 'log' or 'webhook' (got 'smtp')``."""
    first = exc.errors()[0]
    where = "_".join(str(part) for part in first.get("loc", ()))
    if exc.title == "Settings" and where:
        where = f"CITYSAFE_{where.upper()}"
    got = f" (got {first['input']!r})" if exc.title == "Settings" and isinstance(first.get("input"), str) else ""
    more = f"; and {exc.error_count() - 1} more" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{got}{more}" if where else f"{first['msg']}{more}"


def emit(value: Any, *, indent: int | None = None) -> None:
    """``value`` as one JSON document on stdout, Chinese kept readable; dates and the like as text."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=indent, default=str))


def app_context(settings: Settings | None = None) -> AppContext:
    """The models loaded and a context on ``settings`` (the environment's when None).

    Its bus has no handlers: events a command commits wait in the outbox for the server's delivery."""
    from citysafe.core.config import get_settings
    from citysafe.registry import new_context

    return new_context(settings or get_settings())


def both_languages(exc: CitysafeError) -> str:
    """An error a user caused, in English and Chinese on one line."""
    zh = exc.detail_zh.replace("file：", "文件：", 1)
    return f"{exc.detail} / {zh}" if zh and zh != exc.detail else exc.detail


@contextmanager
def importing(ctx: AppContext, path: Path) -> Iterator[bytes]:
    """The file an import command was given, read under the same cap as an upload; a file it cannot read, one
    over the cap or a workbook refused by ``core.sheets`` ends the command with one line (exit 2). The
    application's sheet workers stop when the import is done."""
    from citysafe.core.sheets.reader import close
    from citysafe.core.uploads import read_file_capped

    try:
        yield read_file_capped(path, max_bytes=ctx.settings.upload_max_bytes, field="file")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    except CitysafeError as exc:
        fail(both_languages(exc))
    finally:
        close(ctx)


F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn the errors a user can cause into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CitysafeError as exc:
            fail(exc.detail or exc.title)  # fail keeps the first line
        except ValidationError as exc:  # a bad CITYSAFE_* setting, named with what it allows
            fail(validation_problem(exc))
        except (ValueError, KeyError, OSError) as exc:
            fail(str(exc) or type(exc).__name__)

    return wrapper  # type: ignore[return-value]


def run_writer_child(label: str, make_writer: Callable[[AppContext], Callable[[list[Any]], bytes]] | None = None,
                     ) -> None:
    """The body of a writer child process (``gb26875 ingest-writer``, ``firewatch mqtt-writer``): its context
    built on the parent's settings sent over the pipe, WAL checkpoints off the commit path, the web process's
    reactions to alarm events; then ``serve_pipe`` until the parent closes stdin."""
    import logging

    from citysafe.core.wal import checkpoint_in_background
    from citysafe.firewatch.ingest.writer import serve_pipe
    from citysafe.registry import check_startup, new_context, register_handlers

    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s {label} %(name)s: %(message)s")
    stops: list[Callable[[], None]] = []

    def make_context(settings: Settings) -> AppContext:
        ctx = new_context(settings)  # the parent's settings, sent over the pipe
        check_startup(ctx)
        stops.append(checkpoint_in_background(ctx.engine))  # commits never wait for a checkpoint
        register_handlers(ctx.bus)  # the same reactions to alarm events as in the web process
        return ctx

    try:
        serve_pipe(make_context=make_context, make_writer=make_writer)
    finally:
        for stop in stops:
            stop()
