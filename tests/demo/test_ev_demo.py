"""The evaluation demo (issue #14 point 9) on the services: applicants at each creation step with their 自评
sheets, 南京市 named with its review due, 昆山市 in 公示 now, Nanjing's denominators marked as demo data, and the
departments' 考核 locked with grades."""

from __future__ import annotations

import random

from sqlalchemy import select
from tests.support.demo_parts import seed_city

from citysafe.core.clock import utcnow
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo import evaluation
from citysafe.evaluation.indicators.models import IndicatorBase
from citysafe.evaluation.models import Applicant, Sheet, SheetItem
from citysafe.evaluation.workflow import publicity
from citysafe.evaluation.workflow.models import Application, Opinion


def test_evaluation_demo(ctx: AppContext) -> None:
    seed_city(ctx, with_firewatch=False)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        evaluation.seed_demo(session, random.Random(1))
    now = utcnow()
    with unit_of_work(ctx.session_factory) as session:
        standing = {a.name: (a.standing, a.division_code) for a in session.scalars(select(Applicant))}
        assert standing["南京市"][0] == "named" and standing["南京经济技术开发区"] == ("preparing", None)
        nanjing = session.scalars(select(Applicant).where(Applicant.name == "南京市")).one()
        assert nanjing.review_due is not None and nanjing.review_due.year == now.year + 1
        states = {session.get(Applicant, a.applicant_id).name: (a.state, session.get(Sheet, a.sheet_id).state)  # type: ignore[union-attr]
                  for a in session.scalars(select(Application))}
        assert states == {"南京市": ("named", "locked"), "江宁区": ("drafting", "draft"),
                          "玄武区": ("city_review", "submitted"), "秦淮区": ("province_review", "submitted"),
                          "昆山市": ("publicity", "submitted")}
        assert [e.applicant_name for e in publicity.current(session, now=now)] == ["昆山市"]
        assert session.scalars(select(Opinion.unit)).all()
        jiangning = session.scalars(select(Sheet).where(Sheet.subject_name == "江宁区")).one()
        rows = session.scalars(select(SheetItem).where(SheetItem.sheet_id == jiangning.id)).all()
        assert any(r.deduction and r.reason for r in rows) and any(r.responsible_units and r.deadline for r in rows)
        this_year = session.scalars(select(Sheet).where(Sheet.subject_name == "南京市", Sheet.year == now.year)).one()
        assert this_year.state == "draft" and any(
            r.facts_at for r in session.scalars(select(SheetItem).where(SheetItem.sheet_id == this_year.id)))
        bases = session.scalars(select(IndicatorBase).where(IndicatorBase.region_code == "320100")).all()
        assert len(bases) == 3 and all("演示数据" in b.source_note for b in bases)
        graded = session.scalars(select(Sheet).where(Sheet.purpose == "assessment")).all()
        assert len(graded) == 5 and all(s.state == "locked" and s.result for s in graded)
        assert len({s.result["total"] for s in graded if s.result}) > 1
