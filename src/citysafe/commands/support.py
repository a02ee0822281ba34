"""What every command shares: the one-line error with exit code 2, JSON output and the app context.

Here rather than in ``citysafe.cli``, which imports the command modules and so cannot be imported by them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from citysafe.core.config import Settings
    from citysafe.core.context import AppContext


def fail(message: str) -> NoReturn:
    """Exit 2 with the first line of ``message`` on stderr: bad input never ends in a traceback."""
    typer.echo(f"error: {message.splitlines()[0] if message else 'invalid input'}", err=True)
    raise typer.Exit(2)


def emit(value: Any, *, indent: int | None = None) -> None:
    """``value`` as one JSON document on stdout, Chinese kept readable; dates and the like as text."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=indent, default=str))


def app_context(settings: Settings | None = None) -> AppContext:
    """The models loaded and a context on ``settings`` (the environment's when None).

    Its bus has no handlers: events a command commits wait in the outbox for the server's delivery."""
    from citysafe.core.config import get_settings
    from citysafe.registry import new_context

    return new_context(settings or get_settings())
