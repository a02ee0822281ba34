"""Reading uploaded workbooks without letting one stall or exhaust the server (issue #10, finding 3).

One mechanism for every Excel import (risk sources, the fire registry; API, console and CLI alike):

1. ``inspect.inspect_xlsx`` looks at the zip before anything parses it: the number of members, each
   member's declared expanded size and compression ratio, the total, encrypted or unknown-method members,
   and each worksheet's declared ``<dimension ref>`` (read from its first KBs only).
2. ``parse.read_sheets`` runs in a worker *process* with an address-space limit, and returns plain rows
   (lists of cell values), refusing a sheet that grows past the row or column caps while it is read.
3. ``reader.SheetReader`` (per application, through a ``Slot``) owns the pool, gives each parse a wall-clock
   timeout, and turns a refusal, a timeout or a child killed by its memory limit into a 422 naming the field.

This package's ``__init__`` imports nothing: the worker child imports ``parse`` (and through it ``inspect``)
alone, so it starts in a fraction of a second without the database or web stack.
"""
