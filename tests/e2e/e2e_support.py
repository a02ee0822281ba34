"""Helpers shared by the browser tests of the risk demo city (its fixture ``demo_city`` is in conftest)."""

from __future__ import annotations

from typing import Any

from tests.risk.risk_helpers import clear_generated_streets

__all__ = ["clear_generated_streets", "login_as", "login_city_office", "watch_page"]


def login_as(page: Any, base: str, username: str, password: str, target: str) -> None:
    """Log out whoever was in, log in as ``username`` from ``target``'s deep link and wait until it opens."""
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{target}*")


def login_city_office(page: Any, base: str, target: str) -> None:
    """Log in as the ``demo_city`` fixture's 南京市安委办 user and open ``target``."""
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", "nanjing")
    page.fill("input[name=password]", "correct-horse")
    page.click("button[type=submit]")


# Chromium reports a CSP violation to the page as an event, not through the console API Playwright listens
# to; this listener (an init script, which the CSP does not govern) repeats it on the console.
_REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  `CSP violation: ${e.effectiveDirective} refused ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`));
"""


def watch_page(page: Any, problems: list[str]) -> None:
    """Collect into ``problems`` every CSP violation, uncaught script error and console error of ``page``.

    One console error is not a problem: the status of the page's own document (a form answered 422 with its
    errors shown), which the test asserts itself; a script, style or image that fails to load still is."""

    def on_console(message: Any) -> None:
        source = message.location.get("url")
        if message.type != "error" or (message.text.startswith("Failed to load resource") and source == page.url):
            return
        problems.append(f"{page.url}: console.{message.type}: {message.text} ({source})")

    page.add_init_script(_REPORT_CSP)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: uncaught {error}"))
