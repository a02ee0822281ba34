"""Threshold bands with an explicit interval closure, shared by the LEC presets and the Graham classes.

Sources disagree on whether a boundary value (e.g. D = 70) belongs to the band above or below, so
the closure is data, never an accident of ``<`` versus ``<=`` in code (risk-methods.md §2.3, §6.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Literal

Closure = Literal["left", "right"]


@dataclass(frozen=True)
class Bands:
    """Ascending thresholds t1 < t2 < … splitting the number line into len(thresholds) + 1 bands.

    ``closure="left"`` means bands are [t_i, t_{i+1}): a value equal to a threshold belongs to the
    band above it. ``closure="right"`` means (t_i, t_{i+1}]: it belongs to the band below.
    """

    thresholds: tuple[Decimal, ...]
    closure: Closure

    def __post_init__(self) -> None:
        if any(b <= a for a, b in pairwise(self.thresholds)):
            raise ValueError(f"thresholds must be strictly ascending; got {self.thresholds}")
        if self.closure not in ("left", "right"):
            raise ValueError(f"closure must be 'left' or 'right'; got {self.closure!r}")

    def band(self, value: Decimal) -> int:
        """0 for the lowest band … len(thresholds) for the highest."""
        if self.closure == "left":
            return sum(1 for t in self.thresholds if value >= t)
        return sum(1 for t in self.thresholds if value > t)

    def describe(self) -> list[str]:
        """Human-readable band edges, lowest first, e.g. ['D≤70', '70<D≤160', …]."""
        ts = [format_decimal(t) for t in self.thresholds]
        lo_op, hi_op = ("≤", "<") if self.closure == "left" else ("<", "≤")
        out = [f"D{'<' if self.closure == 'left' else '≤'}{ts[0]}"]
        out += [f"{a}{lo_op}D{hi_op}{b}" for a, b in pairwise(ts)]
        out.append(f"D{'≥' if self.closure == 'left' else '>'}{ts[-1]}")
        return out


def format_decimal(value: Decimal) -> str:
    """'70' rather than '70.0' or '7E+1'."""
    text = format(value.normalize(), "f")
    return text


def to_decimal(value: object, name: str) -> Decimal:
    """A finite number as an exact Decimal of its shortest repr, so 0.1 × 0.5 × 40 is exactly 2."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(f"{name} must be a number; got {value!r}")
    try:
        result = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f"{name} must be a number; got {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{name} must be finite; got {value!r}")
    return result
