"""What the emergency API tests share: the fields a problem+json names, and a table's row count (to show that
a refused request wrote nothing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work


def error_fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


def count_rows(ctx: AppContext, model: Any) -> int:
    with unit_of_work(ctx.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
