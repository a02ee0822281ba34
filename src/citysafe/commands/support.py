"""What every command shares: the one-line error with exit code 2, JSON output and the app context.

Here rather than in ``citysafe.cli``, which imports the command modules and so cannot be imported by them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from pydantic import ValidationError

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
