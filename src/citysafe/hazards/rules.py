"""The configurable data of hazard work, loaded once per file: judging standards, permit rules, policies."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

from citysafe.core.config import Settings
from citysafe.hazards.calc.escalation import EscalationPolicy
from citysafe.hazards.calc.judging import DeadlinePolicy, Standards
from citysafe.hazards.calc.permits import PermitRules


def _packaged(name: str) -> str:
    return (resources.files("citysafe.hazards") / "data" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=8)
def _standards(path: Path | None) -> Standards:
    return Standards.from_json(path.read_text(encoding="utf-8") if path else _packaged("standards.json"))


@lru_cache(maxsize=8)
def _permit_rules(path: Path | None) -> PermitRules:
    return PermitRules.from_json(path.read_text(encoding="utf-8") if path else _packaged("permit_rules.json"))


def standards(settings: Settings) -> Standards:
    return _standards(settings.hazard_standards_file)


def permit_rules(settings: Settings) -> PermitRules:
    return _permit_rules(settings.hazard_permit_rules_file)


def deadline_policy(settings: Settings) -> DeadlinePolicy:
    return DeadlinePolicy({"general": settings.hazard_deadline_days_general,
                           "major": settings.hazard_deadline_days_major}, settings.timezone)


def escalation_policy(settings: Settings) -> EscalationPolicy:
    return EscalationPolicy(period=timedelta(days=settings.hazard_escalation_days), top_region=settings.root_region)


def default_checklists_json() -> str:
    return _packaged("checklists.json")
