"""The figures applied to citizen reports, each with the rule it follows. All are data an administrator edits
(table ``pub_report_rule``); a figure never edited has its default below. The spec marks the thresholds [U]
(no rule fixes them); the retention periods follow 个人信息保护法 第十九条 ("除法律、行政法规另有规定外，个人信息
的保存期限应当为实现处理目的所必要的最短时间") and end in erasure (第四十七条)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from citysafe.core.context import CONTEXT, AppContext, Slot
from citysafe.core.db import unit_of_work
from citysafe.core.errors import field_error
from citysafe.public.reports.models import ReportRule

PIPL_19 = "个人信息保护法 第十九条（保存期限为实现处理目的所必要的最短时间）"
PIPL_47 = "个人信息保护法 第四十七条（处理目的已实现或保存期限届满的，应当主动删除）"
UNSET = "平台设定 [U]（规范未规定，管理员可改）"
# How long the figures read for the public counter serve before they are read again (``current``): a change
# made in this process is seen at once (``set_value`` forgets them at its commit), one made by another serving
# process sharing the database (docs/deploy.md) within this time. A platform choice: an administrator's edit
# taking effect a few seconds late harms nobody; reading them on every report cost ~1 ms of its ~10.
FRESH_SECONDS = 5.0


@dataclass(frozen=True)
class Rule:
    code: str
    default: int
    low: int
    high: int
    unit: str
    name: str
    basis: str


RULES: tuple[Rule, ...] = (
    Rule("identity_retention_days", 365, 1, 3650, "天", "举报人个人信息保存期限",
         f"{PIPL_19}；覆盖核查（举报奖励办法：核查属实后 20 日内发领奖通知）与 60 日领奖期 [U]，"
         f"届满即删除（{PIPL_47}）"),
    Rule("display_offset_m", 200, 50, 2000, "米", "公开位置随机偏移半径", UNSET),
    Rule("duplicate_radius_m", 100, 10, 1000, "米", "同一事项：相距不超过", UNSET),
    Rule("duplicate_window_hours", 72, 1, 720, "小时", "同一事项：前后不超过", UNSET),
    Rule("photo_hash_distance", 6, 0, 20, "位", "同一照片：感知哈希相差不超过", f"{UNSET}；imagehash pHash 64 位"),
    Rule("burst_per_hour", 5, 1, 100, "件", "同一手机号或网络地址每小时最多举报", UNSET),
    Rule("requests_per_minute", 30, 5, 600, "次", "同一网络地址每分钟最多请求", UNSET),
    Rule("claim_minutes", 30, 5, 480, "分钟", "核实认领有效期", UNSET),
    Rule("photo_max_kb", 10240, 256, 20480, "KB", "单张照片大小上限", UNSET),
    Rule("photo_count", 3, 1, 9, "张", "每件举报最多照片", UNSET),
    Rule("code_minutes", 10, 1, 30, "分钟", "短信验证码有效期", UNSET),
    Rule("code_failures", 5, 1, 10, "次", "验证码最多输错", f"{UNSET}；输错达到次数即作废，须重新获取"),
    Rule("codes_per_hour", 5, 1, 20, "条", "同一手机号每小时最多发送验证码", UNSET),
)
BY_CODE = {rule.code: rule for rule in RULES}


def values(session: Session) -> dict[str, int]:
    """Every figure in force: the administrator's where set, else the default."""
    stored = {row.code: row.value for row in session.scalars(select(ReportRule))}
    return {rule.code: stored.get(rule.code, rule.default) for rule in RULES}


@dataclass
class _Kept:
    figures: dict[str, int] | None = None
    read_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


KEPT: Slot[_Kept] = Slot("public.reports.rules", lambda _ctx: _Kept())


def current(ctx: AppContext) -> dict[str, int]:
    """The figures in force for a public request, kept per application for ``FRESH_SECONDS`` (a copy)."""
    kept = KEPT.get(ctx)
    figures, read_at = kept.figures, kept.read_at
    if figures is None or not 0 <= time.monotonic() - read_at < FRESH_SECONDS:
        began = time.monotonic()
        with unit_of_work(ctx.read_session_factory, actor="public:citizen") as session:
            figures = values(session)
        with kept.lock:
            if kept.read_at <= began:  # never put back figures older than a newer read (or a forget)
                kept.figures, kept.read_at = figures, began
    return dict(figures)


def _forget(session: Session) -> None:
    ctx = session.info.get(CONTEXT)
    if isinstance(ctx, AppContext):
        kept = KEPT.get(ctx)
        with kept.lock:
            kept.figures, kept.read_at = None, time.monotonic()


def set_value(session: Session, *, code: str, value: int, actor: str, now: datetime) -> None:
    """Change one figure (refused, naming the field, when unknown or outside its range); the public counter's
    kept figures (``current``) are forgotten once the change commits."""
    rule = BY_CODE.get(code)
    if rule is None:
        raise field_error("code", f"unknown rule {code!r}", "没有这项规则")
    if not rule.low <= value <= rule.high:
        raise field_error(code, f"must lie between {rule.low} and {rule.high}",
                          f"须在 {rule.low} 至 {rule.high} {rule.unit}之间")
    event.listen(session, "after_commit", _forget, once=True)
    row = session.get(ReportRule, code)
    if row is None:
        session.add(ReportRule(code=code, value=value, updated_at=now, updated_by=actor))
    else:
        row.value, row.updated_at, row.updated_by = value, now, actor
