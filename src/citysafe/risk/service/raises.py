"""Temporary raises in force (an unverified fire alarm: one level up until a stated time), for the map.

The source's own reasons say it (``level_reasons``); a map says it once for its region, so that a
district coloured one level higher for the next hour is never mistaken for an assessed change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import to_local, utcnow
from citysafe.core.context import context_of
from citysafe.core.validators import region_prefix
from citysafe.risk.models import RiskFactor
from citysafe.risk.rules import ActiveFactor
from citysafe.risk.service import config

_SUBKIND_ZH = {"fire": "未核实火警"}


def notes(session: Session, *, region_code: str, now: datetime | None = None) -> list[str]:
    """One sentence per held rule with factors in force in the region, e.g. 未核实火警 2 处：…至 10:35."""
    now = now or utcnow()
    rules = [r for r in config.from_settings(context_of(session).settings).rules if r.hold_minutes]
    if not rules:
        return []
    longest = max(r.hold_minutes or 0 for r in rules)
    stmt = (select(RiskFactor)
            .where(RiskFactor.cleared_at.is_(None), RiskFactor.opened_at > now - timedelta(minutes=longest),
                   RiskFactor.region_code.startswith(region_prefix(region_code)))
            .order_by(RiskFactor.opened_at))
    factors = list(session.scalars(stmt))
    out = []
    for rule in rules:
        held = [f for f in factors if f.kind == rule.factor and f.subkind in rule.subkinds
                and rule.holds(ActiveFactor(f.kind, f.subkind, f.ref_id, f.opened_at), now)]
        if not held:
            continue
        until = max(f.opened_at for f in held) + timedelta(minutes=rule.hold_minutes or 0)
        what = "、".join(_SUBKIND_ZH.get(s, s) for s in rule.subkinds)
        step = "一二三"[rule.raise_steps - 1] if rule.raise_steps else ""
        action = f"临时上调{step}级" if step else f"临时升为{rule.raise_to.name_zh if rule.raise_to else ''}"
        out.append(f"{what} {len(held)} 处：相关风险源{action}至 {to_local(until):%H:%M}"
                   f"（每处自报警起 {rule.hold_minutes} 分钟，核实或处置后即恢复）")
    return out
