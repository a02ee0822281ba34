"""Records of built white papers: the parameters each was built with and where its files are."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import Session

from citysafe.core.db import get_or_404
from citysafe.risk.models import RiskReport


def record(session: Session, *, region_code: str, year: int, title: str, params: dict[str, Any],
           summary: dict[str, Any], directory: str, files: dict[str, str], created_by: str,
           at: datetime) -> RiskReport:
    report = RiskReport(kind="whitepaper", region_code=region_code, year=year, title=title, params=params,
                        summary=summary, directory=directory, files=files, created_by=created_by, created_at=at)
    session.add(report)
    session.flush()
    return report


def get(session: Session, *, report_id: int) -> RiskReport:
    return get_or_404(session, RiskReport, report_id, what="white paper", what_zh="白皮书")


def list_reports(session: Session, *, limit: int = 50) -> list[RiskReport]:
    stmt = select(RiskReport).order_by(RiskReport.created_at.desc(), RiskReport.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def latest_report(session: Session, *, region_code: str, year: int) -> RiskReport | None:
    """The newest white paper of ``region_code`` for ``year`` (the workbench's "已编制" line), or None."""
    stmt = (select(RiskReport).where(RiskReport.region_code == region_code, RiskReport.year == year)
            .order_by(RiskReport.created_at.desc(), RiskReport.id.desc()).limit(1))
    return session.scalars(stmt).first()


def reports_version_columns() -> list[ScalarSelect[Any]]:
    """A version of the built white papers as columns of a statement (a paper is written once: a new one
    moves the newest id, a removed one the count), for answers kept while none changed."""
    return [select(func.count()).select_from(RiskReport).scalar_subquery(),
            select(func.max(RiskReport.id)).scalar_subquery()]
