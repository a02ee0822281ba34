"""Roles (DESIGN.md §1) and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PROVINCE_OFFICE = "province_office"
    CITY_OFFICE = "city_office"
    DISTRICT_OFFICE = "district_office"
    DEPARTMENT = "department"
    FIRE_RESCUE = "fire_rescue"
    OPERATOR = "operator"
    ENTERPRISE = "enterprise"
    GRID_OFFICER = "grid_officer"
    CITIZEN = "citizen"


ROLE_NAMES_ZH = {
    Role.ADMIN: "系统管理员",
    Role.PROVINCE_OFFICE: "省安委办",
    Role.CITY_OFFICE: "市安委办",
    Role.DISTRICT_OFFICE: "区县安委办",
    Role.DEPARTMENT: "行业部门",
    Role.FIRE_RESCUE: "消防救援",
    Role.OPERATOR: "监控中心值班员",
    Role.ENTERPRISE: "企业/联网单位",
    Role.GRID_OFFICER: "网格员",
    Role.CITIZEN: "公众",
}

OFFICE_ROLES = frozenset({Role.ADMIN, Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.DISTRICT_OFFICE})

# Who outranks whom when accounts are managed: an account may create, deactivate or reset only roles
# ranked strictly below its own. The working roles share the lowest rank: none of them manages accounts.
ROLE_RANK: dict[Role, int] = {
    Role.ADMIN: 4, Role.PROVINCE_OFFICE: 3, Role.CITY_OFFICE: 2, Role.DISTRICT_OFFICE: 1,
    Role.DEPARTMENT: 0, Role.FIRE_RESCUE: 0, Role.OPERATOR: 0, Role.ENTERPRISE: 0, Role.GRID_OFFICER: 0,
    Role.CITIZEN: 0,
}


def outranks(actor: Role, other: Role) -> bool:
    return ROLE_RANK[actor] > ROLE_RANK[other]


class Permission(StrEnum):
    MANAGE_USERS = "users:manage"
    READ_AUDIT = "audit:read"
    WRITE_ORGANIZATIONS = "organizations:write"
    READ_ORGANIZATIONS = "organizations:read"
    OPERATE_ALARMS = "alarms:operate"
    MANAGE_DEVICES = "devices:manage"
    WRITE_RISK = "risk:write"
    WRITE_HAZARDS = "hazards:write"
    REPORT_HAZARDS = "hazards:report"
    VERIFY_HAZARDS = "hazards:verify"
    RECTIFY_HAZARDS = "hazards:rectify"
    ENFORCE = "enforcement:write"
    WORK_PERMITS = "hazards:permits"  # apply for, approve, gas-test and close dangerous-work permits
    EMERGENCY_PLANS = "emergency:plans"  # write emergency plans (预案), their reviews and filings, and drills


_ALL = frozenset(Permission)
_OFFICE = _ALL - {Permission.MANAGE_USERS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.PROVINCE_OFFICE: _OFFICE | {Permission.MANAGE_USERS},
    Role.CITY_OFFICE: _OFFICE | {Permission.MANAGE_USERS},
    Role.DISTRICT_OFFICE: _OFFICE | {Permission.MANAGE_USERS},
    Role.DEPARTMENT: frozenset({
        Permission.READ_ORGANIZATIONS, Permission.WRITE_ORGANIZATIONS, Permission.WRITE_RISK,
        Permission.WRITE_HAZARDS, Permission.REPORT_HAZARDS, Permission.VERIFY_HAZARDS, Permission.ENFORCE,
        Permission.EMERGENCY_PLANS,  # a department writes its 部门应急预案 and runs its drills
    }),
    Role.FIRE_RESCUE: frozenset({
        Permission.READ_ORGANIZATIONS, Permission.OPERATE_ALARMS, Permission.MANAGE_DEVICES,
        Permission.REPORT_HAZARDS, Permission.VERIFY_HAZARDS, Permission.ENFORCE,
    }),
    Role.OPERATOR: frozenset({Permission.READ_ORGANIZATIONS, Permission.OPERATE_ALARMS, Permission.REPORT_HAZARDS}),
    Role.ENTERPRISE: frozenset({
        Permission.READ_ORGANIZATIONS, Permission.RECTIFY_HAZARDS, Permission.REPORT_HAZARDS,
        Permission.MANAGE_DEVICES,
        Permission.WORK_PERMITS,  # hazards: an enterprise runs its own dangerous-work permits
        Permission.EMERGENCY_PLANS,  # emergency: its own plans (GB/T 29639-2020) and drills
    }),
    Role.GRID_OFFICER: frozenset({Permission.READ_ORGANIZATIONS, Permission.REPORT_HAZARDS}),
    Role.CITIZEN: frozenset(),
}
