"""Parameters of the index rules that turn a unit's sources into its level, and their arithmetic.

Three rules compute an index per unit and classify it by three breaks (the lowest index of yellow,
orange and red; an index equal to a break takes the higher level, i.e. classes are ``[lo, hi)``):

* ``weighted`` (:class:`WeightedRule`): the weighted mean (or sum) of level scores — the layered
  点→类→区域 model of risk-methods.md §2.5 (2).
* ``density`` (:class:`DensityRule`): level scores summed per km² of the unit — the count/density
  index of §2.5 (3). Units of very different size (a 50 km² inner district, a 1,500 km² outer one)
  become comparable, where "highest wins" paints every district with one major source red.
* ``share`` (:class:`ShareRule`): the share of major and larger (red and orange) sources among the
  unit's assessed sources — how much of what is there is serious, independent of size.

Breaks of the density and share rules are a design choice [D] (no standard fixes them): they are
settings, recorded with every map, and printed on its legend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pyproj import Geod

FloatArray = npt.NDArray[np.float64]

_GEOD = Geod(ellps="WGS84")


def _check_breaks(thresholds: Sequence[float]) -> None:
    if len(thresholds) != 3 or not all(np.isfinite(thresholds)):
        raise ValueError("thresholds needs 3 finite values (yellow, orange, red)")
    if not (thresholds[0] < thresholds[1] < thresholds[2]):
        raise ValueError(f"thresholds must be strictly ascending; got {tuple(thresholds)}")


def _check_scores(level_scores: Sequence[float]) -> None:
    if len(level_scores) != 4 or not all(np.isfinite(level_scores)):
        raise ValueError("level_scores needs 4 finite values (blue…red)")


@dataclass(frozen=True)
class WeightedRule:
    """Parameters of the ``weighted`` rule, recorded with every map built from it.

    Each source contributes ``level_scores[rank - 1]`` with weight ``w = weight × category weight``
    (both 1 unless given). The unit's index is the weighted mean of the scores (``statistic="mean"``)
    or their weighted sum (``"sum"``, a count-style index whose thresholds must then be set to
    suit the units).

    Defaults: scores blue 1, yellow 2, orange 3, red 4 and thresholds 1.5 / 2.5 / 3.5, i.e. the
    weighted mean level rounded half up — one red source among many blue ones does not turn a whole
    district red, unlike ``highest``. ``category_weights`` (category code → weight, 1 if absent)
    carries AHP/Delphi weights of the layered 点→类→区域 model.
    """

    level_scores: tuple[float, float, float, float] = (1.0, 2.0, 3.0, 4.0)
    thresholds: tuple[float, float, float] = (1.5, 2.5, 3.5)
    statistic: Literal["mean", "sum"] = "mean"
    category_weights: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_scores(self.level_scores)
        _check_breaks(self.thresholds)
        if self.statistic not in ("mean", "sum"):
            raise ValueError(f"statistic must be 'mean' or 'sum'; got {self.statistic!r}")
        if any(not np.isfinite(w) or w < 0 for w in self.category_weights.values()):
            raise ValueError("category weights must be finite and non-negative")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["category_weights"] = {str(k): v for k, v in self.category_weights.items()}
        return data


@dataclass(frozen=True)
class DensityRule:
    """Parameters of the ``density`` rule: Σ level score of the unit's sources per km² of the unit.

    Scores 1 / 3 / 9 / 27 (blue … red) grow threefold per level as the weighted rule's do; the breaks
    1 / 4 / 16 points per km² grow fourfold per class, a geometric progression that suits an index
    spread over orders of magnitude (a city centre and its rural districts).
    """

    level_scores: tuple[float, float, float, float] = (1.0, 3.0, 9.0, 27.0)
    thresholds: tuple[float, float, float] = (1.0, 4.0, 16.0)

    def __post_init__(self) -> None:
        _check_scores(self.level_scores)
        _check_breaks(self.thresholds)

    def to_dict(self) -> dict[str, Any]:
        return {"level_scores": list(self.level_scores), "thresholds": list(self.thresholds)}


@dataclass(frozen=True)
class ShareRule:
    """Parameters of the ``share`` rule: the fraction (0…1) of the unit's sources at orange or red."""

    thresholds: tuple[float, float, float] = (0.10, 0.15, 0.20)

    def __post_init__(self) -> None:
        _check_breaks(self.thresholds)
        if self.thresholds[0] < 0 or self.thresholds[2] > 1:
            raise ValueError("share thresholds are fractions between 0 and 1")

    def to_dict(self) -> dict[str, Any]:
        return {"thresholds": list(self.thresholds)}


def classify(index: FloatArray, thresholds: Sequence[float]) -> npt.NDArray[np.int8]:
    """Level rank 1…4 of each index by its breaks (a value on a break takes the higher level); 0 for NaN."""
    level = (1 + np.searchsorted(np.asarray(thresholds, dtype=np.float64), index, side="right")).astype(np.int8)
    level[np.isnan(index)] = 0
    return level


def density_index(counts: npt.NDArray[np.int64], areas: npt.ArrayLike | None, rule: DensityRule) -> FloatArray:
    """Σ score per km² per unit from its counts by level (columns blue … red); NaN for a unit without sources."""
    if areas is None:
        raise ValueError("the density rule needs the area of every unit (areas, km²)")
    area = np.asarray(areas, dtype=np.float64)
    if area.shape != (counts.shape[0],) or not np.isfinite(area).all() or (area.size and area.min() <= 0):
        raise ValueError(f"areas must be {counts.shape[0]} positive numbers of km²")
    score = counts @ np.asarray(rule.level_scores, dtype=np.float64)
    return np.where(counts.sum(axis=1) > 0, score / area, np.nan)


def share_index(counts: npt.NDArray[np.int64]) -> FloatArray:
    """Fraction of each unit's sources at orange or red; NaN for a unit without sources."""
    total = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (counts[:, 2] + counts[:, 3]) / total, np.nan)


def geodesic_area_km2(polygons: Sequence[Any]) -> FloatArray:
    """Area of each (Multi)Polygon (WGS84 lon/lat) on the ellipsoid, in km².

    pyproj's geodesic area (Karney's algorithm) is exact on the WGS84 ellipsoid, so it needs no choice
    of equal-area projection and no zone; the sign follows ring orientation, hence ``abs``.
    """
    return np.array([abs(_GEOD.geometry_area_perimeter(p)[0]) / 1e6 for p in polygons], dtype=np.float64)
