"""Claims: binding a device the claimant cannot see waits for an office above to approve it.

A UITD or IoT device that connects before it is registered is parked in the unregistered region
(``firewatch.config.unregistered_region``, the province by default), with its alarm history. Binding it
hands that history to a unit, so it is tied either to where the device is parked — a caller whose scope
covers the device binds it at once (the province office; a district, when its gateway parks devices in
that district) — or to an office's approval: anyone else's bind becomes a pending claim that an office
ranked above the claimant, whose region covers the claimed unit, approves or rejects.

A claim is made for any address the claimant cannot see, whether it was never seen, is parked, or is
registered elsewhere: the answer is the same 202, so a claim reveals nothing outside the claimant's
scope. Only the deciding office learns that a device cannot be bound (neutrally, not why).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.enums import OFFICE_ROLES, ROLE_NAMES_ZH, Role, outranks
from citysafe.auth.schemas import Principal
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, Forbidden, NotFound
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import current_scope
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.models import DeviceClaim, IotDevice, Uitd

UITD, IOT = "uitd", "iot"


def bind_now(session: Session, *, kind: str, key: str) -> bool:
    """The caller may bind this device at once: it lies in the caller's scope (or the caller is the
    system itself)."""
    if current_scope(session) is None:
        return True
    stmt = (select(Uitd.id).where(Uitd.address == int(key)) if kind == UITD
            else select(IotDevice.id).where(IotDevice.device_id == key))
    return session.scalars(stmt).first() is not None


def request(session: Session, *, kind: str, key: str, unit_id: int, principal: Principal) -> DeviceClaim:
    unit = rs.get_unit(session, unit_id=unit_id)  # the unit must be the claimant's to name
    claim = DeviceClaim(device_kind=kind, device_key=key, unit_id=unit.id, organization_id=unit.organization_id,
                        region_code=unit.region_code, status="pending", requested_by=principal.username,
                        requester_role=principal.role.value)
    session.add(claim)
    session.flush()
    return claim


def list_claims(session: Session, *, status: str | None, params: PageParams) -> tuple[list[DeviceClaim], int]:
    stmt = select(DeviceClaim).order_by(DeviceClaim.id.desc())
    if status:
        stmt = stmt.where(DeviceClaim.status == status)
    return paginate(session, stmt, params)


def decide(session: Session, *, claim_id: int, approver: Principal, approve: bool, now: datetime,
           reason: str = "") -> DeviceClaim:
    """Approve (bind the device and its past alarms to the unit) or reject a pending claim, with the reason
    the claimant reads."""
    claim = get_or_404(session, DeviceClaim, claim_id, what="claim", what_zh="认领申请")
    requester = Role(claim.requester_role)
    if approver.role not in OFFICE_ROLES or not outranks(approver.role, requester):
        raise Forbidden(detail=f"a claim by a {requester} is decided by an office above it",
                        detail_zh=f"“{ROLE_NAMES_ZH[requester]}”的认领申请须由其上级安委办审核")
    if claim.status != "pending":
        raise Conflict(detail=f"claim {claim.id} is already {claim.status}", detail_zh="该认领申请已处理")
    if approve:
        try:
            if claim.device_kind == UITD:
                _, count = rs.bind_uitd(session, address=int(claim.device_key), unit_id=claim.unit_id,
                                        approved=True)
            else:
                _, count = rs.bind_iot_device(session, device_id=claim.device_key, unit_id=claim.unit_id,
                                              approved=True)
        except NotFound as exc:
            # Never seen, or registered outside the approver's scope: one neutral answer for both.
            raise Conflict(detail="the device cannot be bound: the platform has not seen it, or it is registered",
                           detail_zh="该设备无法认领：平台未收到过它的数据，或它已登记") from exc
        claim.alarms_attached = count
    claim.status = "approved" if approve else "rejected"
    claim.decided_by, claim.decided_at, claim.decision_note = approver.username, now, reason
    session.flush()
    return claim
