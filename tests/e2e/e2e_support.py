"""Helpers shared by the browser tests of the risk demo city (its fixture ``demo_city`` is in conftest)."""

from __future__ import annotations

from typing import Any

from tests.risk.risk_helpers import clear_generated_streets

__all__ = ["clear_generated_streets", "login_city_office"]


def login_city_office(page: Any, base: str, target: str) -> None:
    """Log in as the ``demo_city`` fixture's 南京市安委办 user and open ``target``."""
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", "nanjing")
    page.fill("input[name=password]", "correct-horse")
    page.click("button[type=submit]")
