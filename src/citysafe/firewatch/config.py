"""Firewatch settings as one frozen value, so the engine and the ingest path read no environment.

Each application has its own (``CONFIG``, made from its context's settings); the ingest path reads the
one of its session's application with ``config_of(session)``.

Defaults follow docs/specs (GB 50974 hydrant ≥ 0.10 MPa, GB 50116 residual current 300-500 mA, GB/T 50493
gas tiers 25/50 %LEL). They are site defaults, not law: every IoT device may override its thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from sqlalchemy.orm import Session

from citysafe.core.config import Settings
from citysafe.core.context import Slot

# The thresholds an IoT device may override for itself (``IotDevice.thresholds``, read by ``ingest.iot``).
THRESHOLD_KEYS: Final = frozenset({"low_mpa", "high_mpa", "residual_current_ma", "temperature_c",
                                   "level1_lel", "level2_lel", "low_m"})


@dataclass(frozen=True)
class Thresholds:
    hydrant_low_mpa: float = 0.10
    hydrant_high_mpa: float = 1.0
    sprinkler_low_mpa: float = 0.10
    sprinkler_high_mpa: float = 1.2
    residual_current_ma: float = 300.0
    cable_temperature_c: float = 70.0
    gas_level1_lel: float = 25.0
    gas_level2_lel: float = 50.0
    water_level_low_m: float = 1.0


@dataclass(frozen=True)
class FirewatchConfig:
    unregistered_region: str = "320000"
    dedup_window: timedelta = timedelta(minutes=10)
    flap_changes: int = 6
    flap_window: timedelta = timedelta(minutes=10)
    corroboration_window: timedelta = timedelta(minutes=5)
    remind_after: timedelta = timedelta(minutes=3)
    escalate_after: timedelta = timedelta(minutes=5)
    fault_overdue_after: timedelta = timedelta(hours=72)
    offline_after: timedelta = timedelta(minutes=150)
    retention: timedelta = timedelta(days=366)
    thresholds: Thresholds = field(default_factory=Thresholds)

    @classmethod
    def from_settings(cls, settings: Settings) -> FirewatchConfig:
        s = settings
        return cls(
            unregistered_region=s.firewatch_unregistered_region or s.root_region,
            dedup_window=timedelta(seconds=s.firewatch_dedup_window_seconds),
            flap_changes=s.firewatch_flap_changes,
            flap_window=timedelta(minutes=s.firewatch_flap_window_minutes),
            corroboration_window=timedelta(seconds=s.firewatch_corroboration_seconds),
            remind_after=timedelta(minutes=s.firewatch_remind_minutes),
            escalate_after=timedelta(minutes=s.firewatch_escalate_minutes),
            fault_overdue_after=timedelta(hours=s.firewatch_fault_overdue_hours),
            offline_after=timedelta(minutes=s.firewatch_offline_minutes),
            retention=timedelta(days=s.firewatch_retention_days),
            thresholds=Thresholds(
                hydrant_low_mpa=s.firewatch_hydrant_low_mpa, hydrant_high_mpa=s.firewatch_hydrant_high_mpa,
                sprinkler_low_mpa=s.firewatch_sprinkler_low_mpa, sprinkler_high_mpa=s.firewatch_sprinkler_high_mpa,
                residual_current_ma=s.firewatch_residual_current_ma,
                cable_temperature_c=s.firewatch_cable_temperature_c,
                gas_level1_lel=s.firewatch_gas_level1_lel, gas_level2_lel=s.firewatch_gas_level2_lel,
                water_level_low_m=s.firewatch_water_level_low_m,
            ),
        )


# This application's config: from its settings, unless set on the context (``CONFIG.set(ctx, …)``).
CONFIG: Final = Slot("firewatch.config", lambda ctx: FirewatchConfig.from_settings(ctx.settings))


def config_of(session: Session) -> FirewatchConfig:
    """The config of the application whose session this is."""
    return CONFIG.of(session)
