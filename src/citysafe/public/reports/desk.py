"""The public counter: each request of the public pages and API (no account) as one call taking the application
context, like the login (auth/login.py). Every call is first held to the per-address request limit; a refused
call rolls its own unit of work back and is then counted in one of its own (``guards.count_refusal``), so a
photo that is not an image, a place outside the province, a forged receipt or a guessed SMS code leaves
nothing stored but the count. The photos are stripped (not decoded) and their files written before the write
transaction opens."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from pydantic import ValidationError

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError, field_error
from citysafe.core.problems import validation_problem
from citysafe.public.reports import guards, intake, photo_files, rules, service
from citysafe.public.reports.schemas import PublicReport, ReportIn

T = TypeVar("T")
ACTOR = "public:citizen"
PURPOSES = ("report", "erase")


def _guarded(ctx: AppContext, *, client: str, phone: str, run: Callable[[dict[str, int]], T]) -> T:
    """``run`` with the figures in force (``rules.current``: kept a few seconds), after the per-address limit."""
    now = ctx.clock.now()
    try:
        figures = rules.current(ctx)
        guards.check_rate(ctx, client=client, per_minute=figures["requests_per_minute"])
        return run(figures)
    except ValidationError as exc:
        problem = validation_problem([dict(e) for e in exc.errors()])
        guards.count_refusal(ctx, exc=problem, client=client, phone=phone, now=now)
        raise problem from exc
    except CitysafeError as exc:
        guards.count_refusal(ctx, exc=exc, client=client, phone=phone, now=now)
        raise


def receive(ctx: AppContext, *, fields: Mapping[str, object], images: Sequence[bytes], client: str,
            rng: random.Random | None = None, verify_phone: bool = True) -> str:
    """A report from the public page: its receipt number, or a problem naming the field (nothing stored).
    ``verify_phone=False``: from an Open311 app (``intake.submit``)."""

    def run(figures: dict[str, int]) -> str:
        report_in = ReportIn.model_validate(fields)
        prepared = intake.prepare(images, figures=figures)
        now = ctx.clock.now()
        # The files first, outside the database's write lock; removed if the report is then refused.
        with photo_files.written_first(ctx.settings.data_dir, [(p.content, p.content_type) for p in prepared],
                                       now=now) as files, unit_of_work(ctx.session_factory, actor=ACTOR) as session:
            return intake.store(session, report_in=report_in, images=prepared, client=client, now=now, rng=rng,
                                verify_phone=verify_phone, figures=figures, files=files)

    return _guarded(ctx, client=client, phone=str(fields.get("phone") or ""), run=run)


def send_code(ctx: AppContext, *, phone: str, purpose: str, client: str) -> None:
    """A verification code by SMS for a report or for a deletion request."""

    def run(figures: dict[str, int]) -> None:
        if not re.match(guards.PHONE, phone.strip()):
            raise field_error("phone", "a mainland mobile number has 11 digits", "请填写 11 位手机号码")
        if purpose not in PURPOSES:
            raise field_error("purpose", "unknown purpose", "用途不正确")
        with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
            guards.send_code(session, phone=phone.strip(), purpose=purpose, now=ctx.clock.now(),
                             minutes=figures["code_minutes"], per_hour=figures["codes_per_hour"])

    _guarded(ctx, client=client, phone="", run=run)


def track(ctx: AppContext, *, receipt: str, client: str) -> PublicReport:
    """The tracking view of a receipt (a forged or unknown one refused and counted)."""

    def run(_figures: dict[str, int]) -> PublicReport:
        with unit_of_work(ctx.read_session_factory, actor=ACTOR) as session:
            return service.public_report(session, receipt=receipt)

    return _guarded(ctx, client=client, phone="", run=run)


def erase(ctx: AppContext, *, receipt: str, phone: str, code: str, client: str) -> None:
    """The reporter's deletion request (个人信息保护法 第四十七条)."""

    def run(_figures: dict[str, int]) -> None:
        with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
            service.erase_identity(session, receipt=receipt, phone=phone, code=code, now=ctx.clock.now())

    _guarded(ctx, client=client, phone=phone.strip(), run=run)
