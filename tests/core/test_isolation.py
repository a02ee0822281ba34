"""DESIGN.md §3: two applications in one process share nothing.

Two apps, each on its own SQLite file and ``AppContext`` with its own firewatch settings, run side by side
(``create_app(ctx=…)`` under ``TestClient``, so their services — live hub, timers — are up). The same device
sends the same fire to both. Each app's events reach only its own handlers and live hub, its registry
cache serves only its own database, and its ingest path applies its own firewatch config.

To compare another per-application part (a 119 forwarder, a notifier), start the apps with different
``settings`` or ``extras`` through ``make_app`` and add a test in the same shape.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.firewatch.fw_support import FIRE, T0, component_frame, ingest

from citysafe.api import create_app
from citysafe.core.clock import FixedClock
from citysafe.core.config import Settings
from citysafe.core.context import AppContext, context_of
from citysafe.core.migrate import upgrade
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.config import CONFIG, config_of
from citysafe.firewatch.live.hub import EXTRAS_KEY, LiveHub
from citysafe.firewatch.registry import cache as regcache
from citysafe.firewatch.registry.models import Uitd
from citysafe.hazards.grids import service as grids_service
from citysafe.hazards.tickets import cache as tickets_cache
from citysafe.registry import new_context
from citysafe.risk.service import boundaries, maps

WAIT = 10.0
DEVICE = 0x00AB_0000_0777


@dataclass
class App:
    """One running application: its context, its HTTP client, and what its bus and live hub delivered."""

    name: str
    ctx: AppContext
    client: TestClient
    handled: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    live: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    live_arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def hub(self) -> LiveHub:
        hub = self.ctx.extras[EXTRAS_KEY]
        assert isinstance(hub, LiveHub)
        return hub

    def query(self, fn: Callable[[Any], Any]) -> Any:
        with self.ctx.session_factory() as session:
            return fn(session)


AppFactory = Callable[..., App]


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[AppFactory]:
    """``make_app(name, extras=None, **settings)``: a fresh database and a running app on it."""
    with ExitStack() as stack:
        def make(name: str, *, extras: dict[str, Any] | None = None, **settings: Any) -> App:
            ctx = new_context(Settings(data_dir=tmp_path / name, database_url="", secret_key=f"secret-{name}",
                                       **settings), clock=FixedClock(T0))
            stack.callback(ctx.engine.dispose)
            upgrade(ctx.engine)
            ctx.extras.update(extras or {})
            client = stack.enter_context(TestClient(create_app(ctx=ctx), raise_server_exceptions=False))
            app = App(name, ctx, client)

            def on_alarm(_session: Any, payload: dict[str, Any]) -> None:
                app.handled.append(("AlarmRaised", payload))

            def on_live(event: str, payload: dict[str, Any]) -> None:
                app.live.append((event, payload))
                app.live_arrived.set()

            ctx.bus.subscribe_name("AlarmRaised", on_alarm)
            app.hub.listen(on_live)
            return app

        yield make


@pytest.fixture
def two_apps(make_app: AppFactory) -> tuple[App, App]:
    a = make_app("a", firewatch_unregistered_region="320102", firewatch_dedup_window_seconds=60)
    b = make_app("b", firewatch_unregistered_region="320104", firewatch_dedup_window_seconds=900)
    return a, b


def _fire(app: App) -> None:
    assert isinstance(app.ctx.clock, FixedClock)
    ingest(app.ctx, [component_frame(DEVICE, FIRE)], app.ctx.clock)


def test_each_app_has_its_own_bus_config_caches_and_hub(two_apps: tuple[App, App]) -> None:
    a, b = two_apps
    assert a.ctx.bus is not b.ctx.bus
    assert a.hub is not b.hub
    for slot in (CONFIG, regcache.CACHE, boundaries.CACHE, maps.RESULTS, tickets_cache.CACHE, grids_service.NAMES):
        assert slot.get(a.ctx) is not slot.get(b.ctx), slot.name
    with a.ctx.session_factory() as session:
        assert context_of(session) is a.ctx
    with b.ctx.read_session_factory() as session:
        assert context_of(session) is b.ctx


def test_an_event_reaches_only_its_own_apps_handlers_and_hub(two_apps: tuple[App, App]) -> None:
    a, b = two_apps
    _fire(a)
    assert [name for name, _ in a.handled] == ["AlarmRaised"]
    assert a.live_arrived.wait(WAIT)
    assert [name for name, _ in a.live] == ["AlarmRaised"]
    assert b.handled == [] and b.live == [] and b.hub.published == 0

    _fire(b)
    assert [name for name, _ in b.handled] == ["AlarmRaised"]
    assert b.live_arrived.wait(WAIT)
    assert len(a.handled) == 1 and len(a.live) == 1


def test_the_ingest_path_uses_each_apps_own_config_and_registry_cache(two_apps: tuple[App, App]) -> None:
    a, b = two_apps
    _fire(a)
    _fire(b)  # the same device: B must not be served A's cached UITD (A's row id, A's region)
    for app, region in ((a, "320102"), (b, "320104")):
        with app.ctx.session_factory() as session:
            assert config_of(session).unregistered_region == region
        [alarm] = app.query(lambda s: s.scalars(select(Alarm)).all())
        [uitd] = app.query(lambda s: s.scalars(select(Uitd)).all())
        assert alarm.region_code == region == uitd.region_code, app.name
        cached = regcache.CACHE.get(app.ctx).uitds[DEVICE]
        assert cached.uitd_id == uitd.id and cached.region_code == region, app.name
        [(_, payload)] = app.handled
        assert payload["region_code"] == region
    assert CONFIG.get(a.ctx).dedup_window != CONFIG.get(b.ctx).dedup_window
