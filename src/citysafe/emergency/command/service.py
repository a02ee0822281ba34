"""Activating a plan for an incident (启动预案), its command's members, tasks and decisions.

Everything an activation writes — the incident's response level and state, the command, its tasks, the
activation record and the timeline entries — is written in the caller's one transaction; every check runs
before the first write, so a refused activation leaves nothing behind. The command's groups and tasks come
from the plan's current version (plans/schemas.py ``PlanContent``): a task's deadline is the activation time
plus the plan's ``deadline_minutes``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.enums import OFFICE_ROLES
from citysafe.auth.schemas import Principal
from citysafe.core.clock import format_local
from citysafe.core.config import Settings
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, FieldProblem, Forbidden, NotFound, field_error
from citysafe.core.validators import within_region
from citysafe.emergency import service as incidents
from citysafe.emergency import timeline
from citysafe.emergency.calc.lifecycle import Action, State
from citysafe.emergency.command.models import Command, CommandMember, CommandTask, PlanActivation, TaskUpdate
from citysafe.emergency.command.schemas import (
    POST_NAMES_ZH,
    TASK_STATE_NAMES_ZH,
    ActivationIn,
    MemberIn,
    TaskIn,
    TaskState,
    TaskUpdateIn,
)
from citysafe.emergency.models import Incident, TimelineEntry
from citysafe.emergency.plans import service as plans
from citysafe.emergency.plans.calc.matching import RESPONSE_LEVEL_NAMES_ZH
from citysafe.emergency.plans.models import EmergencyPlan, PlanRecord
from citysafe.emergency.plans.schemas import PlanContent
from citysafe.emergency.schemas import TransitionIn

__all__ = ["activate", "add_member", "add_task", "command_of", "may_update", "record_decision", "update_task"]

# The states in which a plan may be activated: 核实 starts the response, 响应 and 处置 change its level.
ACTIVATABLE = {State.VERIFIED.value: Action.RESPOND, State.RESPONDING.value: Action.SET_LEVEL,
               State.HANDLING.value: Action.SET_LEVEL}


def _conflict(field: str, message: str, message_zh: str) -> Conflict:
    return Conflict(detail=message, detail_zh=message_zh, fields=[FieldProblem(field, message, message_zh)])


def _forbidden(field: str, message: str, message_zh: str) -> Forbidden:
    return Forbidden(detail=message, detail_zh=message_zh, fields=[FieldProblem(field, message, message_zh)])


def command_of(session: Session, *, incident_id: int) -> Command | None:
    return session.scalars(select(Command).where(Command.incident_id == incident_id)).first()


def _plan(session: Session, plan_id: int, principal: Principal, incident: Incident) -> tuple[EmergencyPlan,
                                                                                             PlanContent]:
    try:
        plan = plans.get(session, plan_id=plan_id)
    except NotFound as exc:
        raise field_error("plan_id", "no such plan in your region", "您的管辖范围内没有该应急预案") from exc
    if not within_region(plan.region_code, principal.region_code):
        raise _forbidden("plan_id", "the plan belongs to a region outside yours",
                         "该预案属于您管辖范围以外的区划，不能由您启动")
    content = PlanContent.model_validate(plans.version(session, plan=plan, number=plan.version).content)
    covered = [plan.region_code, *(code for t in content.triggers for code in t.region_codes)]
    if not any(within_region(incident.region_code, code) for code in covered):
        raise field_error("plan_id", "the plan does not cover the incident's division",
                          "该预案的适用范围不包括事发区划")
    reviews = session.scalars(select(PlanRecord).where(PlanRecord.plan_id == plan.id, PlanRecord.kind == "review",
                                                       PlanRecord.version_number == plan.version)
                              .order_by(PlanRecord.on.desc(), PlanRecord.id.desc())).first()
    if reviews is not None and reviews.conclusion == "failed":
        raise _conflict("plan_id", "the plan's current version failed its review",
                        f"该预案第 {plan.version} 版评审未通过，修订后方可启动")
    return plan, content


def activate(session: Session, *, incident: Incident, activation_in: ActivationIn, principal: Principal,
             settings: Settings, now: datetime) -> Command:
    """启动预案 at a level: the command (first time) or a new level for it (升级/降级), the level's tasks."""
    # Two activations at once: the second waits here and then sees the first one's command and state.
    session.execute(select(Incident.id).where(Incident.id == incident.id).with_for_update())
    session.refresh(incident)
    if not within_region(incident.region_code, principal.region_code):
        raise _forbidden("incident_id", "the incident lies outside your region", "该事件不在您的管辖范围内")
    action = ACTIVATABLE.get(incident.state)
    if action is None:
        why = ("verify the incident first", "事件尚未核实，请先核实再启动预案") if incident.state == State.RECEIVED \
            else ("the response has ended", "事件已终止响应或归档，不能再启动预案")
        raise _conflict("incident_id", why[0], why[1])
    plan, content = _plan(session, activation_in.plan_id, principal, incident)
    level = next((lv for lv in content.levels if lv.level == activation_in.level), None)
    name = RESPONSE_LEVEL_NAMES_ZH[activation_in.level]
    if level is None and content.levels:
        described = "、".join(RESPONSE_LEVEL_NAMES_ZH[lv.level] for lv in content.levels)
        raise field_error("level", f"the plan does not describe level {activation_in.level}",
                          f"该预案未规定{name}响应（已规定：{described}）")
    command = command_of(session, incident_id=incident.id)
    if command is not None and command.plan_id != plan.id:
        raise _conflict("plan_id", "another plan runs this incident's command",
                        f"本事件已启动预案《{command.plan_title}》，调整级别请再次启动该预案")
    if command is not None and command.response_level == activation_in.level:
        raise _conflict("level", "the plan already runs at this level", f"该预案已按{name}响应启动")
    # Checks done: from here on everything is written.
    actor, actor_id = principal.display_name, principal.user_id
    previous = command.response_level if command is not None else None
    note = activation_in.note.strip()
    if action is Action.RESPOND or incident.response_level != activation_in.level:
        incidents.transition(session, incident=incident, principal=principal, settings=settings, now=now,
                             change=TransitionIn(action=action, response_level=activation_in.level,
                                                 note=f"启动预案《{plan.title}》" + (f"：{note}" if note else "")))
    if command is None:
        command = Command(incident_id=incident.id, region_code=incident.region_code, plan_id=plan.id,
                          plan_version=plan.version, plan_title=plan.title, response_level=activation_in.level,
                          commander=content.command.commander, deputies=list(content.command.deputies),
                          groups=[{"name": g.name, "lead": g.lead, "duties": g.duties}
                                  for g in content.command.groups],
                          activated_at=now, activated_by=actor, updated_at=now)
        session.add(command)
        session.flush()
    command.response_level, command.updated_at = activation_in.level, now
    session.add(PlanActivation(incident_id=incident.id, command_id=command.id, region_code=incident.region_code,
                               plan_id=plan.id, plan_version=plan.version, level=activation_in.level,
                               previous_level=previous, note=note, at=now, actor=actor, actor_id=actor_id))
    existing = {(t.group_name, t.title) for t in _tasks(session, incident.id)}
    new_tasks = [CommandTask(command_id=command.id, incident_id=incident.id, region_code=incident.region_code,
                             group_name=t.group, title=t.title, owner_role=t.owner_role, level=activation_in.level,
                             source="plan", deadline_at=now + timedelta(minutes=t.deadline_minutes),
                             state=TaskState.TODO.value, created_at=now, updated_at=now)
                 for t in (level.tasks if level else []) if (t.group, t.title) not in existing]
    session.add_all(new_tasks)
    session.flush()
    verb = "启动预案" if previous is None else ("升级响应" if activation_in.level < previous else "降级响应")
    groups = "、".join(g["name"] for g in command.groups) or "未设工作组"
    deputies = "、".join(command.deputies) or "未设"
    task_text = "；".join(f"{t.title}（{t.group_name or '指挥部'}，{format_local(t.deadline_at)[5:16]} 前）"
                         for t in new_tasks)
    text = (f"{verb}：《{plan.title}》（第 {plan.version} 版）{name}响应。"
            f"指挥部：总指挥 {command.commander or '未设'}，副总指挥 {deputies}；工作组：{groups}。"
            f"下达任务 {len(new_tasks)} 项" + (f"：{task_text}" if task_text else "")
            + (f"。研判意见：{note}" if note else ""))
    timeline.append(session, incident=incident, kind="activation", text=text[:4000], actor=actor, actor_id=actor_id,
                    at=now, payload={"plan_id": plan.id, "plan_version": plan.version, "level": activation_in.level,
                                     "previous_level": previous, "command_id": command.id,
                                     "task_ids": [t.id for t in new_tasks]})
    return command


def _tasks(session: Session, incident_id: int) -> list[CommandTask]:
    return list(session.scalars(select(CommandTask).where(CommandTask.incident_id == incident_id)
                                .order_by(CommandTask.deadline_at, CommandTask.id)))


def _command(session: Session, incident: Incident) -> Command:
    command = command_of(session, incident_id=incident.id)
    if command is None:
        raise _conflict("incident_id", "no plan has been activated for this incident",
                        "本事件尚未启动预案，没有指挥部")
    return command


def members(session: Session, *, command_id: int) -> list[CommandMember]:
    """Who is on the command now (those who stood down are kept for the record, not listed)."""
    return list(session.scalars(select(CommandMember).where(CommandMember.command_id == command_id,
                                                            CommandMember.left_at.is_(None))
                                .order_by(CommandMember.id)))


def is_leader(principal: Principal, people: list[CommandMember]) -> bool:
    return any(m.user_id == principal.user_id and m.post in ("commander", "deputy") for m in people)


def my_groups(principal: Principal, people: list[CommandMember]) -> set[str]:
    return {m.group_name for m in people if m.user_id == principal.user_id and m.group_name}


def may_direct(session: Session, principal: Principal, command: Command, people: list[CommandMember]) -> bool:
    """Who directs the command: offices, its commander and deputies, whoever activated the plan."""
    if principal.role in OFFICE_ROLES or is_leader(principal, people):
        return True
    return session.scalar(select(PlanActivation.id).where(PlanActivation.command_id == command.id,
                                                          PlanActivation.actor_id == principal.user_id)) is not None


def may_update(session: Session, principal: Principal, task: CommandTask, command: Command,
               people: list[CommandMember]) -> bool:
    """A task is updated by its group's members (the department liaisons) and by those who direct."""
    return task.group_name in my_groups(principal, people) or may_direct(session, principal, command, people)


def _refuse_unless_directs(session: Session, principal: Principal, command: Command) -> list[CommandMember]:
    people = members(session, command_id=command.id)
    if not may_direct(session, principal, command, people):
        raise Forbidden(detail="only the command's leaders and duty officers direct it",
                        detail_zh="只有指挥部领导、启动预案的值班人员或安委办可以调整指挥部")
    return people


def add_member(session: Session, *, incident: Incident, member_in: MemberIn, principal: Principal,
               now: datetime) -> CommandMember:
    command = _command(session, incident)
    _refuse_unless_directs(session, principal, command)
    group = member_in.group_name.strip()
    groups = [g["name"] for g in command.groups]
    if member_in.post in ("commander", "deputy") and group:
        raise field_error("group_name", "the commander and deputies belong to no group", "总指挥、副总指挥不属于工作组")
    if member_in.post in ("lead", "member") and group not in groups:
        raise field_error("group_name", "name one of the command's working groups",
                          f"请选择指挥部的工作组：{'、'.join(groups) or '（预案未设工作组）'}")
    name, phone, organisation = member_in.name.strip(), member_in.phone, member_in.organisation.strip()
    if member_in.user_id is not None:
        try:
            user = auth_service.get_user(session, user_id=member_in.user_id)
        except NotFound as exc:
            raise field_error("user_id", "no such account in your region", "您的管辖范围内没有该账号") from exc
        if not user.active:
            raise field_error("user_id", "the account is deactivated", "该账号已停用")
        name, phone = name or user.display_name or user.username, phone or user.phone
    elif not name or not phone:
        raise field_error("name" if not name else "phone", "an outside contact needs a name and a phone",
                          "外部联系人须填写姓名和电话")
    member = CommandMember(command_id=command.id, incident_id=incident.id, region_code=incident.region_code,
                           post=member_in.post, group_name=group, user_id=member_in.user_id, name=name, phone=phone,
                           organisation=organisation, added_at=now, added_by=principal.display_name)
    session.add(member)
    session.flush()
    where = f"{group}{POST_NAMES_ZH[member.post]}" if group else POST_NAMES_ZH[member.post]
    org = f"（{organisation}）" if organisation else ""
    timeline.append(session, incident=incident, kind="command", actor=principal.display_name,
                    actor_id=principal.user_id, at=now,
                    text=f"指挥部人员：{name}{org} 任{where}，电话 {phone or '未留'}",
                    payload={"member_id": member.id, "post": member.post, "group_name": group,
                             "user_id": member.user_id, "phone": phone})
    return member


def remove_member(session: Session, *, incident: Incident, member_id: int, note: str, principal: Principal,
                  now: datetime) -> CommandMember:
    """撤出: the person leaves their post (relieved, replaced, reassigned); the timeline says so. An account
    that leaves its group no longer sees or updates that group's tasks."""
    command = _command(session, incident)
    _refuse_unless_directs(session, principal, command)
    member = session.scalar(select(CommandMember).where(CommandMember.id == member_id,
                                                        CommandMember.command_id == command.id))
    if member is None:
        raise field_error("member_id", "no such member of this command", "指挥部没有这名人员")
    if member.left_at is not None:
        raise _conflict("member_id", "this person has already stood down", "该人员已撤出指挥部")
    member.left_at, member.left_by = now, principal.display_name
    session.flush()
    where = f"{member.group_name}{POST_NAMES_ZH[member.post]}" if member.group_name else POST_NAMES_ZH[member.post]
    timeline.append(session, incident=incident, kind="command", actor=principal.display_name,
                    actor_id=principal.user_id, at=now,
                    text=f"指挥部人员：{member.name} 撤出{where}" + (f"（{note.strip()}）" if note.strip() else ""),
                    payload={"member_id": member.id, "left": True, "post": member.post,
                             "group_name": member.group_name})
    return member


def add_task(session: Session, *, incident: Incident, task_in: TaskIn, principal: Principal,
             now: datetime) -> CommandTask:
    command = _command(session, incident)
    _refuse_unless_directs(session, principal, command)
    group = task_in.group_name.strip()
    if group and group not in [g["name"] for g in command.groups]:
        raise field_error("group_name", "not a working group of the command", "指挥部没有这个工作组")
    task = CommandTask(command_id=command.id, incident_id=incident.id, region_code=incident.region_code,
                       group_name=group, title=task_in.title, owner_role=task_in.owner_role.strip(),
                       level=command.response_level, source="manual",
                       deadline_at=now + timedelta(minutes=task_in.deadline_minutes), state=TaskState.TODO.value,
                       created_at=now, updated_at=now)
    session.add(task)
    session.flush()
    timeline.append(session, incident=incident, kind="task", actor=principal.display_name,
                    actor_id=principal.user_id, at=now,
                    text=(f"下达任务“{task.title}”（{group or '指挥部'}），"
                          f"{format_local(task.deadline_at)[5:16]} 前完成"),
                    payload={"task_id": task.id, "group_name": group, "state": task.state,
                             "deadline_at": task.deadline_at.isoformat()})
    return task


def get_task(session: Session, *, task_id: int) -> CommandTask:
    return get_or_404(session, CommandTask, task_id, what="task", what_zh="任务")


def update_task(session: Session, *, task: CommandTask, update_in: TaskUpdateIn, principal: Principal,
                now: datetime) -> CommandTask:
    """A liaison's progress note or change of state (待办/进行中/已完成/受阻), on the timeline at once."""
    incident = incidents.get(session, incident_id=task.incident_id)
    command = _command(session, incident)
    people = members(session, command_id=command.id)
    if not may_update(session, principal, task, command, people):
        raise Forbidden(detail="only the task's group and the command's leaders update it",
                        detail_zh=f"只有“{task.group_name or '指挥部'}”的成员和指挥部领导可以更新该任务")
    note = update_in.note.strip()
    target = update_in.state.value if update_in.state else task.state
    if target == task.state and not note:
        raise field_error("note", "give a progress note or a new state", "请填写进展说明或选择新的状态")
    if task.state == TaskState.DONE and target != TaskState.DONE and not note:
        raise field_error("note", "say why a finished task is reopened", "重新打开已完成的任务须说明原因")
    if incident.state not in ACTIVATABLE:
        raise _conflict("state", "the response has ended", "事件已终止响应，任务不再更新")
    previous = task.state
    task.state, task.updated_at = target, now
    task.done_at = now if target == TaskState.DONE else None
    session.add(TaskUpdate(task_id=task.id, region_code=task.region_code, state_from=previous, state_to=target,
                           note=note, actor=principal.display_name, actor_id=principal.user_id, at=now))
    change = (f"{TASK_STATE_NAMES_ZH[previous]} → {TASK_STATE_NAMES_ZH[target]}" if target != previous
              else f"进展（{TASK_STATE_NAMES_ZH[target]}）")
    timeline.append(session, incident=incident, kind="task", actor=principal.display_name,
                    actor_id=principal.user_id, at=now,
                    text=(f"任务“{task.title}”（{task.group_name or '指挥部'}）：{change}"
                          + (f"；{note}" if note else "")),
                    payload={"task_id": task.id, "from": previous, "to": target, "note": note})
    return task


def record_decision(session: Session, *, incident: Incident, text: str, principal: Principal,
                    now: datetime) -> TimelineEntry:
    """指挥决策: its own entry kind on the timeline, by one who directs the command."""
    command = _command(session, incident)
    _refuse_unless_directs(session, principal, command)
    return timeline.append(session, incident=incident, kind="decision", text=text, actor=principal.display_name,
                    actor_id=principal.user_id, at=now, payload={"command_id": command.id})
