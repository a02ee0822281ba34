"""The configurable data of hazard work: judging standards, permit rules, policies.

The packaged standards and permit rules are parsed once (a pure function of the package's files). A
replacement file named in an application's settings is read whenever it is asked for, so no process
cache outlives a change to it or serves one application another's file (they are a few kilobytes).
"""

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


@lru_cache(maxsize=1)
def _packaged_standards() -> Standards:
    return Standards.from_json(_packaged("standards.json"))


@lru_cache(maxsize=1)
def _packaged_permit_rules() -> PermitRules:
    return PermitRules.from_json(_packaged("permit_rules.json"))


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def standards(settings: Settings) -> Standards:
    path = settings.hazard_standards_file
    return Standards.from_json(_read(path)) if path else _packaged_standards()


def permit_rules(settings: Settings) -> PermitRules:
    path = settings.hazard_permit_rules_file
    return PermitRules.from_json(_read(path)) if path else _packaged_permit_rules()


def deadline_policy(settings: Settings) -> DeadlinePolicy:
    return DeadlinePolicy({"general": settings.hazard_deadline_days_general,
                           "major": settings.hazard_deadline_days_major}, settings.timezone)


def escalation_policy(settings: Settings) -> EscalationPolicy:
    return EscalationPolicy(period=timedelta(days=settings.hazard_escalation_days), top_region=settings.root_region)


def default_checklists_json() -> str:
    return _packaged("checklists.json")
