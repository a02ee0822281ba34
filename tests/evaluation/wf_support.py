"""People and applicants for the workflow tests: a county (江宁区) in 南京市, the city itself, and the offices."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import Principal, UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

OFFICES = {"county": ("district_office", "320115"), "city": ("city_office", "320100"),
           "province": ("province_office", "320000"), "other_city": ("city_office", "320200"),
           "other_county": ("district_office", "320102"), "department": ("department", "320000")}


def people(ctx: AppContext) -> dict[str, Principal]:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        made = {name: auth_service.create_user(session, user_in=UserCreate(
            username=name, password="correct-horse", role=role, region_code=region, display_name=name))
            for name, (role, region) in OFFICES.items()}
        session.flush()
        return {name: auth_service.principal_for(user) for name, user in made.items()}


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
