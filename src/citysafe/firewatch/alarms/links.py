"""Firewatch's ways out of one application: its 119 ``Forwarder`` and its duty ``Notifier``, both over
the context's ``Outbound`` and kept on the context (the ``LINKS`` slot, core/context.py), never in a module.

The event handlers (``firewatch/handlers.py``), the timers and the ``firewatch tick`` command take them
from here, so two applications in one process forward each through its own link. A test puts its own
``Links`` (over an ``Outbound`` with a scripted adapter) with ``LINKS.set(ctx, …)`` before the app is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from citysafe.core.context import AppContext, Slot
from citysafe.firewatch.alarms.forwarding import Forwarder, build_forwarder
from citysafe.firewatch.alarms.notify import Notifier, build_notifier


@dataclass(frozen=True)
class Links:
    forwarder: Forwarder
    notifier: Notifier


def build_links(ctx: AppContext) -> Links:
    """The links ``ctx``'s settings name (``ValueError`` when they cannot work: refused at start-up)."""
    return Links(forwarder=build_forwarder(ctx.settings, ctx.outbound, ctx.clock),
                 notifier=build_notifier(ctx.settings, ctx.outbound, ctx.clock))


LINKS: Final = Slot("firewatch.links", build_links)


def links(ctx: AppContext) -> Links:
    """``ctx``'s links, built from its settings the first time they are asked for."""
    return LINKS.get(ctx)
