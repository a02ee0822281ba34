"""The demo city (Nanjing, Jiangsu): every domain's demo data, built through the domains' services.

``seed`` loads Jiangsu's divisions, the organisations and accounts (``city``), then each domain's demo in
``SEEDERS`` order with one seeded random generator, so the demo city is the same on every machine.
Modules: ``city`` (organisations, accounts), ``risk`` (the risk register; ``risk_build`` and ``places``
hold its inputs), ``firewatch`` (networked units, devices, a few alarms), ``hazards`` (the closed loop),
``emergency`` (a year of incidents, reports and the ledger, the duty roster; ``emergency_plans``: plans, drills;
``emergency_resources``: teams, depots and stock, shelters, community populations),
``roads`` (a generated street grid for dispatch, marked as generated), ``evaluation`` (示范城市创建: applicants,
score sheets, denominators, the departments' 考核).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.core.pagination import PageParams
from citysafe.demo import (
    emergency,
    emergency_resources,
    evaluation,
    firewatch,
    hazards,
    mutual_aid,
    public_reports,
    risk,
    roads,
)
from citysafe.demo.city import DEMO_CITY, DemoAccounts, seed_accounts, seed_organizations
from citysafe.regions import service as regions_service

__all__ = ["DEMO_CITY", "SEEDERS", "DemoAccounts", "accounts_of", "seed"]

# Each domain's demo, in order (risk reads the organisations, hazards the accounts and units before it;
# emergency the accounts and organisations).
SEEDERS: tuple[Callable[[Session, random.Random], object], ...] = (
    risk.seed_demo,
    firewatch.seed_demo,
    hazards.seed_demo,
    emergency.seed_demo,
    emergency_resources.seed_demo,  # teams, depots, shelters, community populations
    roads.seed_demo,  # a generated street grid (marked so) for dispatch by travel time
    mutual_aid.seed_demo,  # 苏州's office and teams, a request from 南京, a neighbouring province's catalogue
    evaluation.seed_demo,  # applicants at each creation step, score sheets, denominators, 考核 (reads plans, drills)
    public_reports.seed_demo,  # 随手拍 reports from the public page, one verified and one not accepted
)


def seed(session: Session, *, seed_value: int = 2020, admin_password: str | None = None) -> DemoAccounts:
    rng = random.Random(seed_value)
    regions_service.import_packaged_jiangsu(session)
    session.flush()
    seed_organizations(session, rng)
    accounts = seed_accounts(session, admin_password or secrets.token_urlsafe(9))
    for seeder in SEEDERS:
        seeder(session, rng)
    return accounts_of(session, accounts.admin_password)


def accounts_of(session: Session, password: str) -> DemoAccounts:
    """Every demo account (domain seeders add their own: enterprise staff …); all share ``password``."""
    users, _ = auth_service.list_users(session, params=PageParams(size=500))
    return DemoAccounts(password, [(u.username, u.role, u.region_code) for u in users])
