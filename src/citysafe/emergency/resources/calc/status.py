"""A team's status and the moves allowed between them (issue #13 point 1).

available → dispatched → on_scene → returning → available follows one dispatch; a dispatch may be called off
(dispatched → returning / available) and a team may be sent on from the scene (on_scene → dispatched is not a
move: it returns first). out_of_service (停勤: maintenance, training, rest) is entered and left only from available,
so a team out on a job is never silently taken off the board.
"""

from __future__ import annotations

from enum import StrEnum


class TeamStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RETURNING = "returning"
    OUT_OF_SERVICE = "out_of_service"


STATUS_NAMES_ZH = {
    TeamStatus.AVAILABLE: "待命", TeamStatus.DISPATCHED: "已出动", TeamStatus.ON_SCENE: "到场处置",
    TeamStatus.RETURNING: "返回途中", TeamStatus.OUT_OF_SERVICE: "停勤",
}

MOVES: dict[TeamStatus, frozenset[TeamStatus]] = {
    TeamStatus.AVAILABLE: frozenset({TeamStatus.DISPATCHED, TeamStatus.OUT_OF_SERVICE}),
    TeamStatus.DISPATCHED: frozenset({TeamStatus.ON_SCENE, TeamStatus.RETURNING, TeamStatus.AVAILABLE}),
    TeamStatus.ON_SCENE: frozenset({TeamStatus.RETURNING}),
    TeamStatus.RETURNING: frozenset({TeamStatus.AVAILABLE}),
    TeamStatus.OUT_OF_SERVICE: frozenset({TeamStatus.AVAILABLE}),
}
# A status that belongs to a job: the move into it names the incident.
ON_A_JOB = frozenset({TeamStatus.DISPATCHED, TeamStatus.ON_SCENE, TeamStatus.RETURNING})


def can_move(current: TeamStatus, target: TeamStatus) -> bool:
    return target in MOVES[current]
