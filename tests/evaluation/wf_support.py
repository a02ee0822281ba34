"""People and applicants for the workflow tests: a county (江宁区) in 南京市, the city itself, and the offices."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.enums import ROLE_PERMISSIONS, Role
from citysafe.auth.schemas import Principal
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError

OFFICES = {"county": ("district_office", "320115"), "city": ("city_office", "320100"),
           "province": ("province_office", "320000"), "other_city": ("city_office", "320200"),
           "other_county": ("district_office", "320102"), "department": ("department", "320000")}


def people(_ctx: AppContext) -> dict[str, Principal]:
    """Principals as a login makes them (no user rows: the services read only the principal)."""
    return {name: Principal(user_id=i, username=name, display_name=name, role=Role(role), region_code=region,
                            permissions=frozenset(p.value for p in ROLE_PERMISSIONS[Role(role)]))
            for i, (name, (role, region)) in enumerate(OFFICES.items(), start=1)}


def acting(ctx: AppContext, principal: Principal | None) -> Any:
    unit = unit_of_work(ctx.session_factory)

    class Acting:
        def __enter__(self) -> Session:
            session = unit.__enter__()
            if principal is not None:
                auth_service.act_as(session, principal)
            return session

        def __exit__(self, *exc: Any) -> Any:
            return unit.__exit__(*exc)

    return Acting()


@contextmanager
def refused(error: type[CitysafeError], words: str) -> Iterator[None]:
    """The block raises ``error`` whose Chinese detail holds ``words`` (the user reads the Chinese)."""
    with pytest.raises(error) as caught:
        yield
    assert words in caught.value.detail_zh, caught.value.detail_zh


def submit_self_sheet(ctx: AppContext, app_id: int) -> None:
    """Submit the application's linked 自评 sheet, unless it is submitted or locked already."""
    from citysafe.evaluation.models import Sheet
    from citysafe.evaluation.sheets import service as sheets
    from citysafe.evaluation.workflow.models import Application

    with acting(ctx, None) as db:
        application = db.get(Application, app_id)
        sheet = db.get(Sheet, application.sheet_id) if application and application.sheet_id else None
        if sheet is not None and sheet.state in ("draft", "returned"):
            sheets.submit(db, sheet=sheet, principal=people(ctx)["county"], now=sheet.updated_at)
