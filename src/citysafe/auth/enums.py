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
    READ_EMERGENCY = "emergency:read"  # incidents, their timelines and the duty roster of the region
    WRITE_EMERGENCY = "emergency:write"  # take calls (接报), move incidents, report casualties, set the roster
    EMERGENCY_PLANS = "emergency:plans"  # write emergency plans (预案), their reviews and filings, and drills
    READ_EVALUATION = "evaluation:read"  # creation objects, score sheets, indicators and progress of the region
    WRITE_EVALUATION = "evaluation:write"  # fill a self-evaluation or 考核 sheet: findings, owners, evidence
    REVIEW_EVALUATION = "evaluation:review"  # take the workflow's steps: apply, review, recommend, name, revoke
    MANAGE_CRITERIA = "evaluation:criteria"  # edit criteria sets (a new version each time), the province's job
    WRITE_KNOWLEDGE = "knowledge:write"  # import laws and documents, enter accident cases (every user reads them)
    HANDLE_REPORTS = "reports:handle"  # citizen reports: claim, verify, reject, turn into a ticket or an incident
    READ_REPORTER_IDENTITY = "reports:identity"  # who reported (the rewards' handlers; every view audited)
    # 举报奖励 (issue #15 point 2): propose, notify, record claims and payments. The roles holding it also hold
    # reports:identity (the offices): whoever pays a reward checks who is paid.
    HANDLE_REWARDS = "rewards:handle"
    APPROVE_REWARDS = "rewards:approve"  # approve or reject a proposed reward (never one's own proposal)
    MANAGE_REWARD_RULES = "rewards:rules"  # edit the reward rules of one's jurisdiction (a new version each time)


_ALL = frozenset(Permission)
_OFFICE = _ALL - {Permission.MANAGE_USERS, Permission.MANAGE_CRITERIA, Permission.MANAGE_REWARD_RULES}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.PROVINCE_OFFICE: _OFFICE | {Permission.MANAGE_USERS, Permission.MANAGE_CRITERIA,
                                     Permission.MANAGE_REWARD_RULES},
    # a city sets its own 举报奖励办法 (泰州's schedule overrides the national rule inside 泰州)
    Role.CITY_OFFICE: _OFFICE | {Permission.MANAGE_USERS, Permission.MANAGE_REWARD_RULES},
    Role.DISTRICT_OFFICE: _OFFICE | {Permission.MANAGE_USERS},
    Role.DEPARTMENT: frozenset({
        Permission.READ_ORGANIZATIONS, Permission.WRITE_ORGANIZATIONS, Permission.WRITE_RISK,
        Permission.WRITE_HAZARDS, Permission.REPORT_HAZARDS, Permission.VERIFY_HAZARDS, Permission.ENFORCE,
        Permission.HANDLE_REPORTS,  # a department verifies the citizen reports of its sector (not who reported)
        # the emergency bureau (应急管理局) is a department: its duty officers take calls and run incidents
        Permission.READ_EMERGENCY, Permission.WRITE_EMERGENCY,
        Permission.EMERGENCY_PLANS,  # a department writes its 部门应急预案 and runs its drills
        # evaluation: a member unit supplies the evidence of the items it answers for (责任单位)
        Permission.READ_EVALUATION, Permission.WRITE_EVALUATION,
        Permission.WRITE_KNOWLEDGE,  # a department enters the accident cases and standards of its sector
    }),
    Role.FIRE_RESCUE: frozenset({
        Permission.READ_ORGANIZATIONS, Permission.OPERATE_ALARMS, Permission.MANAGE_DEVICES,
        Permission.REPORT_HAZARDS, Permission.VERIFY_HAZARDS, Permission.ENFORCE,
        Permission.READ_EMERGENCY, Permission.WRITE_EMERGENCY,
    }),
    # The monitoring centre sees the incidents its confirmed fires opened, and reads the roster to call.
    Role.OPERATOR: frozenset({Permission.READ_ORGANIZATIONS, Permission.OPERATE_ALARMS, Permission.REPORT_HAZARDS,
                              Permission.READ_EMERGENCY}),
    Role.ENTERPRISE: frozenset({
        Permission.READ_ORGANIZATIONS, Permission.RECTIFY_HAZARDS, Permission.REPORT_HAZARDS,
        Permission.MANAGE_DEVICES,
        Permission.WORK_PERMITS,  # hazards: an enterprise runs its own dangerous-work permits
        Permission.EMERGENCY_PLANS,  # emergency: its own plans (GB/T 29639-2020) and drills
    }),
    Role.GRID_OFFICER: frozenset({Permission.READ_ORGANIZATIONS, Permission.REPORT_HAZARDS}),
    Role.CITIZEN: frozenset(),
}

# What each permission lets a role do, in the words of the console's role reference (/users/roles).
PERMISSION_NAMES_ZH: dict[Permission, str] = {
    Permission.MANAGE_USERS: "管理下级账号（新建、调整角色与区划、停用、重置密码）",
    Permission.READ_AUDIT: "查阅辖区操作日志",
    Permission.WRITE_ORGANIZATIONS: "登记和修改单位信息",
    Permission.READ_ORGANIZATIONS: "查看单位信息",
    Permission.OPERATE_ALARMS: "处置火警（核实、确认、转报 119、误报）",
    Permission.MANAGE_DEVICES: "管理消防物联设备和联网单位档案",
    Permission.WRITE_RISK: "录入和评估风险源、编制风险地图与白皮书",
    Permission.WRITE_HAZARDS: "立案、交办和督办隐患，制定排查计划",
    Permission.REPORT_HAZARDS: "上报隐患",
    Permission.VERIFY_HAZARDS: "复查验收隐患整改",
    Permission.RECTIFY_HAZARDS: "整改本单位隐患并提交整改材料",
    Permission.ENFORCE: "执法检查、行政处罚和联合惩戒",
    Permission.WORK_PERMITS: "办理特殊作业票（申请、签批、气体分析、关闭）",
    Permission.READ_EVALUATION: "查看示范城市创建和安全生产考核",
    Permission.WRITE_EVALUATION: "填报自评和考核评分表、上传证明材料",
    Permission.REVIEW_EVALUATION: "申报、复核、推荐、评议、命名和撤销",
    Permission.MANAGE_CRITERIA: "维护评分标准和考核细则（每次修改形成新版本）",
    Permission.WRITE_KNOWLEDGE: "导入法规和文档、录入事故案例",
    Permission.HANDLE_REPORTS: "核实群众举报（认领、核实、不予采纳、转为隐患或突发事件）",
    Permission.READ_REPORTER_IDENTITY: "查看举报人身份以办理举报奖励（每次查看均记入操作日志）",
    Permission.HANDLE_REWARDS: "办理举报奖励（拟定奖励、发送领奖通知、登记领取和发放）",
    Permission.APPROVE_REWARDS: "审批举报奖励（不得审批本人拟定的奖励）",
    Permission.MANAGE_REWARD_RULES: "维护本辖区举报奖励标准（每次修改形成新版本）",
}

# Who each role is, for the role reference: whom it serves and how far it reaches.
ROLE_DUTIES_ZH: dict[Role, str] = {
    Role.ADMIN: "平台运维与全省账号管理，可见全部数据和无区划的系统记录",
    Role.PROVINCE_OFFICE: "省安委办：全省风险研判、督导考核",
    Role.CITY_OFFICE: "市安委办：全市风险地图、白皮书、督导考核",
    Role.DISTRICT_OFFICE: "区县安委办：本区县隐患排查治理、督办、考核",
    Role.DEPARTMENT: "应急、住建、交通等行业部门：本行业隐患与执法",
    Role.FIRE_RESCUE: "消防救援机构：火警处置、消防设施监管与执法",
    Role.OPERATOR: "监控中心值班员：值守火警、核实并转报",
    Role.ENTERPRISE: "企业或联网单位：本单位自查、隐患整改、设备与作业票",
    Role.GRID_OFFICER: "网格员：本网格巡查任务与隐患上报",
    Role.CITIZEN: "公众：举报隐患、查阅公开信息（不登录控制台）",
}
