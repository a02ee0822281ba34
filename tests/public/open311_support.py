"""Helpers of the Open311 tests: a key issued as the administrator's CLI does, a report posted as an app."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from reports_support import XUANWU, photo

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.public.open311 import keys

BASE = "/open311/v2"
FORM = {"service_code": "fire_safety", "lat": str(XUANWU[1]), "long": str(XUANWU[0]),
        "description": "楼道里堆满了电动车，正在充电，堵住了安全出口", "address_string": "玄武区某小区3栋"}


def issue_key(ctx: AppContext, name: str = "随手拍App", **options: Any) -> str:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        _, key = keys.issue(session, name=name, actor="tests", now=ctx.clock.now(), **options)
    return key


def post(client: TestClient, key: str, fmt: str = "json", image: bytes | None = None, **changes: str) -> Any:
    files = [("media", ("p.jpg", photo() if image is None else image, "image/jpeg"))] if image != b"" else None
    return client.post(f"{BASE}/requests.{fmt}", data=FORM | {"api_key": key} | changes, files=files)
