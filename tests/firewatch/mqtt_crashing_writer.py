"""A test double of ``citysafe firewatch mqtt-writer`` that dies once, at a chosen moment of its first
batch: ``before`` the commit, or ``after`` it and before its answer. Run as
``python -m tests.firewatch.mqtt_crashing_writer before|after MARKER``; MARKER (a file) records that it
died already, so the child started next writes as the real one does."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.firewatch.config import CONFIG
from citysafe.firewatch.ingest.mqtt_batch import BatchWriter
from citysafe.firewatch.ingest.writer import serve_pipe
from citysafe.registry import new_context, register_handlers


def main() -> None:
    moment, marker = sys.argv[1], Path(sys.argv[2])

    def make_context(settings: Settings) -> AppContext:
        ctx = new_context(settings)
        register_handlers(ctx.bus)
        return ctx

    def make_writer(ctx: AppContext) -> Any:
        writer = BatchWriter(ctx, CONFIG.get(ctx))

        def write(rows: list[Any]) -> bytes:
            if marker.exists():
                return writer.write(rows)
            marker.write_text(str(len(rows)))
            if moment == "after":
                writer.write(rows)  # committed; the answer never leaves
            os._exit(9)

        return write

    serve_pipe(make_context=make_context, make_writer=make_writer)


if __name__ == "__main__":
    main()
