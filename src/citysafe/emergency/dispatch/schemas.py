"""Dispatch in and out: suggestions by travel time, orders, their routes as GeoJSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class DispatchIn(BaseModel):
    team_ids: list[int] = Field(min_length=1, max_length=50, description="the teams to send")
    note: str = Field(default="", max_length=500)


class Suggestion(BaseModel):
    team_id: int
    team_name: str
    kind: str
    kind_name: str
    seconds: float
    metres: float
    route: dict[str, Any]  # a GeoJSON LineString feature from the team to the scene


class SuggestionsOut(BaseModel):
    method: str  # road_network | straight_line
    note: str  # said whenever travel times are straight-line estimates
    suggestions: list[Suggestion]


class OrderRead(BaseModel):
    id: int
    incident_id: int
    team_id: int
    team_name: str
    method: str
    eta_seconds: float
    metres: float
    expected_at: datetime
    dispatched_at: datetime
    dispatched_by: str
    arrived_at: datetime | None
    released_at: datetime | None
    state: str  # on_the_way | on_scene | released
    state_name: str
    route: dict[str, Any]

