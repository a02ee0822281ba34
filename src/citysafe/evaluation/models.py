"""Tables of evaluation: the creation objects (参评对象) with their 创建实施方案 and organisation, the criteria
sets by version, and the score sheets — one scoring of one subject under one criteria version, whether an
applicant's 自评, the city's 复核, the province's 评议, a 复评, or a yearly 安全生产责任考核 of a lower government
or a department — with each scored item's findings, owners, progress and evidence.

A sheet points at the criteria *version* it was scored with, and a locked sheet keeps its result as it was
computed: a later version of the criteria never rewrites a finished evaluation (issue #14 point 2).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime

Points = Numeric(7, 2)


class Applicant(RegionScoped, Timestamped, Base):
    """参评对象: a 设区市, a 县/县级市/县改区, or a 国家级开发区 (plan 三: the creation objects).

    ``region_code`` is the division the applicant is, or, for a development zone without a division code of its
    own, the division it lies in: the scope filter then shows it to that division's offices and those above.
    """

    __tablename__ = "ev_applicant"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # city | county | zone
    name: Mapped[str] = mapped_column(String(100))
    # The division it is (GB/T 2260); None for a national development zone, which has no code of its own.
    division_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    city_code: Mapped[str] = mapped_column(String(20), index=True)  # the 设区市 whose 安委会 reviews it
    zone_approval: Mapped[str] = mapped_column(String(200), default="")  # a zone's 国务院批复 (document number)
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # GeoJSON geometry, WGS84; optional for a zone
    # Where it stands overall, kept by the workflow: preparing | applying | named | revoked.
    standing: Mapped[str] = mapped_column(String(20), default="preparing")
    named_on: Mapped[date | None] = mapped_column(Date)
    review_due: Mapped[date | None] = mapped_column(Date)  # 复评: 3 years after naming (plan 五（八）)
    # 创建实施方案: title, adoption date, what it sets out; the document itself as evidence on the sheet.
    plan_title: Mapped[str] = mapped_column(String(200), default="")
    plan_adopted_on: Mapped[date | None] = mapped_column(Date)
    plan_summary: Mapped[str] = mapped_column(Text, default="")
    # [{"name": "张三", "post": "市长", "role": "组长"}]: 创建工作领导小组; the 工作专班 likewise; contacts add "phone".
    leading_group: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    working_team: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    contacts: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class CriteriaVersion(Timestamped, Base):
    """One version of a criteria set (评分标准 or 考核细则), the checked document whole.

    Editing makes a new version; sheets keep the version they were scored with. ``owner_region`` is empty for
    sets everyone uses (the national standard), a division's code for its own 考核办法."""

    __tablename__ = "ev_criteria"
    __table_args__ = (UniqueConstraint("set_id", "version", name="uq_ev_criteria_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    set_id: Mapped[str] = mapped_column(String(50))
    version: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))  # demonstration | assessment
    title: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical document
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(20))  # shipped | edited | imported
    owner_region: Mapped[str] = mapped_column(String(20), default="")
    unverified_items: Mapped[int] = mapped_column(Integer, default=0)  # items still [U], for the editor's list
    created_by: Mapped[str] = mapped_column(String(100))
    # A 考核 set's grade → the department's 绩效等级 it leads to (plan 四（三）: 安全生产绩效与部门绩效等级挂钩);
    # {"优秀": "…", …}, [U] data the editor changes with the grades (0027_ev_sheets).
    performance_grades: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class Sheet(RegionScoped, Timestamped, Base):
    """一份评分表: one scoring of one subject under one criteria version.

    ``purpose``: self (自评) | city_review (市级复核) | province_review (省级评议) | re_evaluation (复评) |
    assessment (安全生产责任考核). An applicant's sheets name it; a 考核 sheet names the assessed lower government
    or department (``subject_name``, with its organisation when it has one)."""

    __tablename__ = "ev_sheet"
    __table_args__ = (Index("ix_ev_sheet_subject", "applicant_id", "purpose", "year"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("ev_applicant.id", ondelete="CASCADE"))
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_org_id: Mapped[int | None] = mapped_column(Integer)  # orgs' organisation, for a 考核 of a department
    criteria_id: Mapped[int] = mapped_column(ForeignKey("ev_criteria.id"))
    state: Mapped[str] = mapped_column(String(20), default="draft")  # draft | submitted | returned | locked
    total: Mapped[Decimal | None] = mapped_column(Points)  # kept current while a draft, frozen when locked
    grade: Mapped[str] = mapped_column(String(20), default="")  # 优秀/良好/合格/不合格 for a 考核
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the scored result as locked
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    state_note: Mapped[str] = mapped_column(Text, default="")  # why it was returned (退回原因), 0027_ev_sheets


class SheetItem(Timestamped, Base):
    """One scored (third-level) item of a sheet: what was found and who answers for it."""

    __tablename__ = "ev_sheet_item"
    __table_args__ = (UniqueConstraint("sheet_id", "item_id", name="uq_ev_sheet_item"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("ev_sheet.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(50))  # the criteria item's id
    # The engine's inputs (calc/engine.py Finding): {"rule id": count | value | met}
    findings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deduction: Mapped[Decimal | None] = mapped_column(Points)  # a reviewer's own deduction, with its reason
    reason: Mapped[str] = mapped_column(Text, default="")
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    na_reason: Mapped[str] = mapped_column(Text, default="")  # 不适用原因说明
    responsible_units: Mapped[list[str]] = mapped_column(JSON, default=list)  # 责任单位: 市应急局, …
    supporting_units: Mapped[list[str]] = mapped_column(JSON, default=list)  # 配合单位
    contact: Mapped[str] = mapped_column(String(100), default="")
    deadline: Mapped[date | None] = mapped_column(Date)  # 完成时限
    progress: Mapped[str] = mapped_column(Text, default="")  # 进度
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    # Figures the platform filled in from its own records, each with the records behind it (evaluation/facts).
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    facts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class Evidence(Base):
    """证明材料 of one sheet item: a file kept here, or a link to a record of the platform."""

    __tablename__ = "ev_evidence"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("ev_sheet.id", ondelete="CASCADE"), index=True)
    sheet_item_id: Mapped[int] = mapped_column(ForeignKey("ev_sheet_item.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # file | record
    label: Mapped[str] = mapped_column(String(200))  # the file's name, or the record's title
    # A file: checked by its bytes (core/filekinds.py), kept with its hash.
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # A record: its kind (risk_source, hazard_ticket, white_paper, incident, drill, plan, …), id and console path.
    record_type: Mapped[str] = mapped_column(String(30), default="")
    record_id: Mapped[str] = mapped_column(String(50), default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
