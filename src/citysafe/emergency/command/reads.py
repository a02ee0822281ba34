"""The command and its tasks as the API and the console show them, for one reader (what is theirs, what
they may update, what is overdue at ``now``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.emergency.command import service
from citysafe.emergency.command.models import Command, CommandMember, CommandTask, PlanActivation, TaskUpdate
from citysafe.emergency.command.schemas import (
    POST_NAMES_ZH,
    TASK_STATE_NAMES_ZH,
    ActivationRead,
    CommandRead,
    GroupRead,
    MemberRead,
    TaskRead,
    TaskState,
    TaskUpdateRead,
)
from citysafe.emergency.models import Incident
from citysafe.emergency.plans.calc.matching import RESPONSE_LEVEL_NAMES_ZH


def member_read(m: CommandMember) -> MemberRead:
    return MemberRead(id=m.id, post=m.post, post_name=POST_NAMES_ZH.get(m.post, m.post), group_name=m.group_name,
                      user_id=m.user_id, name=m.name, phone=m.phone, organisation=m.organisation)


def task_reads(session: Session, tasks: Sequence[CommandTask], *, principal: Principal, now: datetime,
               with_updates: bool = True) -> list[TaskRead]:
    """Each task with whether it is the reader's (their group's) and whether they may update it."""
    if not tasks:
        return []
    incident_ids = sorted({t.incident_id for t in tasks})
    commands = {c.id: c for c in session.scalars(select(Command).where(Command.incident_id.in_(incident_ids)))}
    people: dict[int, list[CommandMember]] = defaultdict(list)
    for m in session.scalars(select(CommandMember).where(CommandMember.command_id.in_(list(commands)),
                                                         CommandMember.left_at.is_(None))):
        people[m.command_id].append(m)
    titles = {row.id: row.title for row in session.execute(select(Incident.id, Incident.title)
                                                             .where(Incident.id.in_(incident_ids)))}
    updates: dict[int, list[TaskUpdateRead]] = defaultdict(list)
    if with_updates:
        for u in session.scalars(select(TaskUpdate).where(TaskUpdate.task_id.in_([t.id for t in tasks]))
                                 .order_by(TaskUpdate.at, TaskUpdate.id)):
            updates[u.task_id].append(TaskUpdateRead(state_from=u.state_from, state_to=u.state_to, note=u.note,
                                                     actor=u.actor, at=u.at))
    directs = {cid: service.may_direct(session, principal, c, people[cid]) for cid, c in commands.items()}
    reads = []
    for t in tasks:
        mine = t.group_name in service.my_groups(principal, people[t.command_id])
        reads.append(TaskRead(
            id=t.id, incident_id=t.incident_id, incident_title=titles.get(t.incident_id, ""), group_name=t.group_name,
            title=t.title, owner_role=t.owner_role, level=t.level, source=t.source, deadline_at=t.deadline_at,
            overdue=t.state != TaskState.DONE and t.deadline_at < now, state=TaskState(t.state),
            state_name=TASK_STATE_NAMES_ZH[t.state], done_at=t.done_at, mine=mine,
            may_update=mine or directs.get(t.command_id, False), updates=updates[t.id]))
    return reads


def incident_tasks(session: Session, *, incident_id: int, principal: Principal, now: datetime,
                   mine: bool = False) -> list[TaskRead]:
    rows = session.scalars(select(CommandTask).where(CommandTask.incident_id == incident_id)
                           .order_by(CommandTask.deadline_at, CommandTask.id)).all()
    reads = task_reads(session, rows, principal=principal, now=now)
    return [r for r in reads if r.mine] if mine else reads


def my_tasks(session: Session, *, principal: Principal, now: datetime, open_only: bool = True) -> list[TaskRead]:
    """我的任务: the tasks of every group the reader is a member of, across incidents, earliest deadline first."""
    groups = session.execute(select(CommandMember.command_id, CommandMember.group_name)
                             .where(CommandMember.user_id == principal.user_id, CommandMember.group_name != "",
                                    CommandMember.left_at.is_(None))).all()
    if not groups:
        return []
    wanted = {(c, g) for c, g in groups}
    stmt = select(CommandTask).where(CommandTask.command_id.in_([c for c, _ in wanted]))
    if open_only:
        stmt = stmt.where(CommandTask.state != TaskState.DONE.value)
    rows = [t for t in session.scalars(stmt.order_by(CommandTask.deadline_at, CommandTask.id))
            if (t.command_id, t.group_name) in wanted]
    return task_reads(session, rows, principal=principal, now=now)


def command_read(session: Session, command: Command, *, principal: Principal, now: datetime) -> CommandRead:
    people = service.members(session, command_id=command.id)
    tasks = incident_tasks(session, incident_id=command.incident_id, principal=principal, now=now)
    by_group: dict[str, list[TaskRead]] = defaultdict(list)
    for t in tasks:
        by_group[t.group_name].append(t)
    groups = [GroupRead(name=g["name"], lead=g.get("lead", ""), duties=g.get("duties", ""),
                        members=[member_read(m) for m in people if m.group_name == g["name"]],
                        tasks=by_group.pop(g["name"], [])) for g in command.groups]
    if by_group:  # tasks of no group: the command's own
        groups.append(GroupRead(name="", lead="", duties="", members=[],
                                tasks=[t for rest in by_group.values() for t in rest]))
    activations = session.scalars(select(PlanActivation).where(PlanActivation.command_id == command.id)
                                  .order_by(PlanActivation.at, PlanActivation.id))
    return CommandRead(
        id=command.id, incident_id=command.incident_id, plan_id=command.plan_id, plan_version=command.plan_version,
        plan_title=command.plan_title, response_level=command.response_level,
        response_level_name=RESPONSE_LEVEL_NAMES_ZH[command.response_level], commander=command.commander,
        deputies=list(command.deputies), leaders=[member_read(m) for m in people if not m.group_name],
        groups=groups, activated_at=command.activated_at, activated_by=command.activated_by,
        activations=[ActivationRead(plan_id=a.plan_id, plan_version=a.plan_version, level=a.level,
                                    level_name=RESPONSE_LEVEL_NAMES_ZH[a.level], previous_level=a.previous_level,
                                    note=a.note, at=a.at, actor=a.actor) for a in activations],
        my_groups=sorted(service.my_groups(principal, people)))
