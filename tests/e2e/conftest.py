"""Browser tests: a real uvicorn server on a loopback port, driven by Debian's Chromium via Playwright.

Screenshots go to ``artifacts/`` at the repository root and are kept as test artefacts.
"""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from tests.e2e.e2e_support import clear_generated_streets, watch_page
from tests.support.snapshots import SeedSnapshots
from tests.support.waiting import until_sync

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo.risk import seed_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture
def backend() -> str:
    # The browser flows exercise the console, not the database: the embedded one is enough here.
    return "sqlite"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(ctx: AppContext) -> Iterator[str]:
    from citysafe.api import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx=ctx), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    until_sync(lambda: server.started or not thread.is_alive(), what="uvicorn to start", interval=0.025)
    assert server.started, "uvicorn stopped before it started"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page_problems() -> list[str]:
    """What went wrong inside the pages ``browser_page`` visited: CSP violations, script errors, console errors.
    A test that provokes one on purpose takes it out of this list."""
    return []


@pytest.fixture
def browser_page(page_problems: list[str]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        page.set_default_timeout(20_000)
        watch_page(page, page_problems)
        yield page
        browser.close()
    # Every page visited: a script the CSP blocked (or that threw) fails the test even if the flow went on.
    assert page_problems == [], "\n".join(page_problems)


@pytest.fixture
def demo_city(ctx: AppContext, seed_snapshots: SeedSnapshots) -> Iterator[int]:
    """The risk demo register of Nanjing and a city_office user; returns the number of sources. Seeded once per
    worker and restored for the next test (tests/support/snapshots.py)."""

    def seed() -> int:
        with unit_of_work(ctx.session_factory, actor="demo") as session:
            count = seed_demo(session, random.Random(2020))
            auth_service.create_user(session, user_in=UserCreate(
                username="nanjing", password="correct-horse", role="city_office", region_code="320100",
                display_name="南京市安委办"))
        return count

    count: int = seed_snapshots.seeded("risk-demo", ctx.engine, seed)
    yield count
    clear_generated_streets(ctx)


PHONE_WIDTH = 390


@pytest.fixture
def phone(page_problems: list[str]) -> Iterator[Any]:
    """A page in a touch browser the size of a common phone, allowed to know where it is."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844}, is_mobile=True,
                                      has_touch=True, device_scale_factor=2, locale="zh-CN",
                                      geolocation={"longitude": 118.7905, "latitude": 32.0505},
                                      permissions=["geolocation"])
        page = context.new_page()
        page.set_default_timeout(20_000)
        watch_page(page, page_problems)
        yield page
        browser.close()
    assert page_problems == [], "\n".join(page_problems)
