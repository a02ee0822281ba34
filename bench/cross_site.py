"""Probe: cookie-authenticated writes from another site, and the console's security headers (#10 finding 5).

A fresh embedded database in a temporary directory; an admin signs in through the console's login form (the
session cookie), then every POST/PUT/PATCH/DELETE route of the app (walked from its routes) is sent once
with ``Origin: http://evil.example`` and that cookie, with the body of a real organisation where the route
is ``POST /api/v1/organizations``. Counted: routes that answered anything but 403 (the request reached the
handler: it ran, or failed on its input), organisations actually created, and which console pages carry
CSP / nosniff / frame-ancestors. The same probe runs against any checkout, so the figure before a change
and after it are measured alike:

    .venv/bin/python bench/cross_site.py                          # this checkout
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/cross_site.py   # another checkout's code
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

import citysafe
from citysafe.api import create_app
from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.config import Settings
from citysafe.core.db import unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.regions import service as regions_service
from citysafe.registry import new_context

EVIL = "http://evil.example"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ORG = {"name": "跨站测试单位", "kind": "enterprise", "region_code": "320102", "address": "玄武区某路1号",
       "location": {"lon": 118.80, "lat": 32.05}}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ctx = new_context(Settings(data_dir=Path(tmp), secret_key="bench-cross-site"))  # noqa: S106 (a throwaway database)
        upgrade(ctx.engine)
        with unit_of_work(ctx.session_factory, actor="bench") as session:
            regions_service.import_packaged_jiangsu(session)
            auth_service.create_user(session, user_in=UserCreate(
                username="office", password="correct-horse", role="admin", region_code="320000"))  # noqa: S106
        started = time.perf_counter()
        with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as client:
            login = client.post("/login", data={"username": "office", "password": "correct-horse"},
                                headers={"Origin": "http://testserver"}, follow_redirects=False)
            assert login.status_code == 303, login.text
            reached: dict[str, int] = {}
            writes = sorted(((method, re.sub(r"\{[^}]+\}", "1", route.path))
                             for route in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
                             for method in set(route.methods or ()) & UNSAFE),
                            key=lambda write: write[1] == "/logout")  # last: a logout that works drops the cookie
            for method, path in writes:
                body = ORG if (method, path) == ("POST", "/api/v1/organizations") else None
                response = client.request(method, path, json=body, headers={"Origin": EVIL}, follow_redirects=False)
                if response.status_code != 403:
                    reached[f"{method} {path}"] = response.status_code
            client.cookies.clear()  # an API client: a bearer token, no console cookie
            bearer = client.post("/api/v1/auth/token", data={"username": "office", "password": "correct-horse"})
            token = {"Authorization": f"Bearer {bearer.json()['access_token']}"}
            created = client.get("/api/v1/organizations", headers=token).json()["total"]
            client.post("/login", data={"username": "office", "password": "correct-horse"},
                        headers={"Origin": "http://testserver"})
            pages = {path: client.get(path).headers for path in ("/login", "/", "/map", "/risk", "/hazards")}
        print(json.dumps({
            "code": str(Path(citysafe.__file__).parent),
            "unsafe_routes": len(writes),
            "cross_origin_cookie_writes_reaching_the_handler": len(reached),
            "organisations_created_from_evil_example": created,
            "reached": reached,
            "console_pages_with_csp_script_self": sum(
                "script-src 'self'" in h.get("content-security-policy", "") for h in pages.values()),
            "console_pages_with_frame_ancestors_none": sum(
                "frame-ancestors 'none'" in h.get("content-security-policy", "") for h in pages.values()),
            "console_pages_with_nosniff": sum(h.get("x-content-type-options") == "nosniff" for h in pages.values()),
            "console_pages_probed": len(pages),
            "seconds": round(time.perf_counter() - started, 1),
        }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
