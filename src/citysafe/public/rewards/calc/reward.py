"""The reward of a report (举报奖励) under a reward rule: pure, over the rule's data, no database or clock.

A rule (``RuleDocument``) is the data of one jurisdiction's 举报奖励办法: one schedule per kind of report, each with
its basis —

- ``fine_pct``: a share of the administrative fine, between a floor and a cap (national 安监总财〔2018〕19号 for
  重大事故隐患、违法生产经营建设: 15 %, 3,000 to 300,000 yuan);
- ``per_death``: an amount per concealed death by the accident's final grade, capped (瞒报、谎报事故: 一般 30,000,
  较大 40,000, 重大 50,000, 特别重大 60,000 yuan a person, at most 300,000);
- ``range``: an amount the office decides between a floor and a cap (泰州: 事故隐患 500 to 2,000 yuan).

Amounts are ``Decimal`` yuan rounded half up to the fen. Bad input raises :class:`RewardInputError` naming the
field, so the CLI, the API and the console say the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import resources
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Grade = Literal["general", "large", "major", "extraordinary"]
GRADES: tuple[Grade, ...] = ("general", "large", "major", "extraordinary")
# 生产安全事故报告和调查处理条例（国务院令第493号）第三条: the four grades of an accident.
GRADE_NAMES_ZH: Mapping[str, str] = MappingProxyType({
    "general": "一般事故", "large": "较大事故", "major": "重大事故", "extraordinary": "特别重大事故"})
_GRADE_ALIASES: Mapping[str, Grade] = MappingProxyType({
    "一般": "general", "一般事故": "general", "较大": "large", "较大事故": "large", "重大": "major",
    "重大事故": "major", "特别重大": "extraordinary", "特别重大事故": "extraordinary"})
KIND_NAMES_ZH: Mapping[str, str] = MappingProxyType({
    "violation": "重大事故隐患、违法生产经营建设", "concealed_accident": "瞒报、谎报事故",
    "illegal_act": "非法违法行为", "hazard": "事故隐患"})
SHIPPED: Mapping[str, str] = MappingProxyType({  # name → file under public/rewards/data
    "national-2018": "national-2018.json",
    "taizhou-2020": "taizhou-2020.json",
})
DEFAULT_RULE = "national-2018"
FEN = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_YUAN = Decimal("1e12")  # beyond any fine: a larger figure is a typing error

Yuan = Annotated[Decimal, Field(ge=0, le=MAX_YUAN, max_digits=16, decimal_places=2)]


class RewardInputError(ValueError):
    """Input the rule cannot compute a reward for; ``field`` names the input."""

    def __init__(self, field: str, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.field, self.message_zh = field, message_zh


class FineShare(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    basis: Literal["fine_pct"]
    label: str = Field(min_length=1, max_length=100)
    pct: Decimal = Field(gt=0, le=100, max_digits=6, decimal_places=3)
    min_yuan: Yuan
    max_yuan: Yuan
    # [U] whether the floor applies when no fine was imposed (only 责令停产): the text read does not say.
    min_without_fine: bool = True
    min_without_fine_verified: bool = False
    source: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> FineShare:
        if self.min_yuan > self.max_yuan:
            raise ValueError(f"{self.label}: min_yuan {self.min_yuan} is above max_yuan {self.max_yuan}")
        return self


class PerDeath(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    basis: Literal["per_death"]
    label: str = Field(min_length=1, max_length=100)
    per_death_yuan: dict[Grade, Yuan] = Field(min_length=1)
    max_yuan: Yuan
    source: str = Field(min_length=1, max_length=500)


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    basis: Literal["range"]
    label: str = Field(min_length=1, max_length=100)
    min_yuan: Yuan
    max_yuan: Yuan
    source: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min_yuan > self.max_yuan:
            raise ValueError(f"{self.label}: min_yuan {self.min_yuan} is above max_yuan {self.max_yuan}")
        return self


Schedule = Annotated[FineShare | PerDeath | Range, Field(discriminator="basis")]


class RuleDocument(BaseModel):
    """One jurisdiction's reward rule as data; ``jurisdiction`` is a division code, empty for the national rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,48}$")
    title: str = Field(min_length=1, max_length=200)
    jurisdiction: str = Field(default="", pattern=r"^(\d{6}(\d{3}(\d{3})?)?)?$")
    document: str = Field(min_length=1, max_length=500)  # the 办法 it comes from: title, number, issuer, date
    effective_from: date
    notice_days: int = Field(default=20, ge=1, le=365)
    claim_days: int = Field(default=60, ge=1, le=3650)
    timers_source: str = Field(default="", max_length=500)
    schedules: dict[str, Schedule] = Field(min_length=1)

    @model_validator(mode="after")
    def _kinds(self) -> RuleDocument:
        unknown = sorted(set(self.schedules) - set(KIND_NAMES_ZH))
        if unknown:
            raise ValueError(f"unknown kinds {', '.join(unknown)}; known: {', '.join(KIND_NAMES_ZH)}")
        return self


@dataclass(frozen=True)
class Reward:
    yuan: Decimal
    kind: str
    label: str
    computed_yuan: Decimal  # before the floor or the cap
    limited_by: Literal["min", "max"] | None
    formula_zh: str
    source: str


def load_rule(data: bytes | str | Mapping[str, object]) -> RuleDocument:
    """A rule document checked; ValueError (one line) when it is not a valid rule."""
    try:
        raw = json.loads(data) if isinstance(data, bytes | str) else dict(data)
        return RuleDocument.model_validate(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at line {exc.lineno}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}" if where else first["msg"]) from exc


def shipped_rule(name: str) -> RuleDocument:
    """A rule shipped with the package (``SHIPPED``): the national default and the local examples."""
    if name not in SHIPPED:
        raise RewardInputError("rules", f"no reward rule {name!r}; known: {', '.join(SHIPPED)}",
                               f"没有名为 {name} 的奖励规则，可选：{'、'.join(SHIPPED)}")
    return load_rule((resources.files("citysafe.public.rewards") / "data" / SHIPPED[name]).read_bytes())


def grade_of(text: str) -> Grade:
    """``general`` … ``extraordinary``, or the Chinese name (一般, 较大事故, …)."""
    value = text.strip()
    if value in GRADES:
        return value
    if value in _GRADE_ALIASES:
        return _GRADE_ALIASES[value]
    raise RewardInputError("grade", f"unknown grade {text!r}; use one of {', '.join(GRADES)}",
                           "事故等级须为一般、较大、重大或特别重大")


def _yuan(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def _money(value: Decimal | int | str | None, field: str, name_zh: str) -> Decimal:
    if value is None:
        raise RewardInputError(field, f"{field} is required for this kind", f"须填写{name_zh}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise RewardInputError(field, f"{field} must be a number of yuan; got {value!r}",
                               f"{name_zh}须为金额（元）") from exc
    if not number.is_finite() or number < 0 or number > MAX_YUAN:
        raise RewardInputError(field, f"{field} must be between 0 and {MAX_YUAN:,.0f} yuan; got {value}",
                               f"{name_zh}须在 0 至 1 万亿元之间")
    return number


def _show(value: Decimal) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def compute(rule: RuleDocument, kind: str, *, fine_yuan: Decimal | int | str | None = None,
            grade: str | None = None, deaths: int | None = None,
            amount_yuan: Decimal | int | str | None = None) -> Reward:
    """The reward for a report of ``kind`` under ``rule``: from the fine (``fine_pct``), the accident's grade and
    the concealed deaths (``per_death``), or the amount the office chose (``range``)."""
    schedule = rule.schedules.get(kind)
    if schedule is None:
        raise RewardInputError("kind", f"rule {rule.name} has no schedule for kind {kind!r}; it has "
                               f"{', '.join(rule.schedules)}",
                               f"“{rule.title}”没有“{KIND_NAMES_ZH.get(kind, kind)}”的奖励标准")
    if isinstance(schedule, FineShare):
        fine = _money(fine_yuan, "fine_yuan", "罚款金额")
        share = _yuan(fine * schedule.pct / HUNDRED)
        floor = schedule.min_yuan if fine > 0 or schedule.min_without_fine else Decimal(0)
        yuan = min(max(share, floor), schedule.max_yuan)
        formula = f"罚款 {_show(fine)} 元 × {_show(schedule.pct)}% = {_show(share)} 元"
    elif isinstance(schedule, PerDeath):
        if grade is None:
            raise RewardInputError("grade", "grade is required for a concealed accident", "须填写事故等级")
        code = grade_of(grade)
        if code not in schedule.per_death_yuan:
            raise RewardInputError("grade", f"rule {rule.name} has no amount for a {code} accident",
                                   f"“{rule.title}”没有{GRADE_NAMES_ZH[code]}的奖励标准")
        if deaths is None or isinstance(deaths, bool) or not isinstance(deaths, int) or not 0 <= deaths <= 100_000:
            raise RewardInputError("deaths", f"deaths must be a whole number from 0; got {deaths!r}",
                                   "瞒报、谎报死亡人数须为不小于 0 的整数")
        each = schedule.per_death_yuan[code]
        share = _yuan(each * deaths)
        floor = Decimal(0)
        yuan = min(share, schedule.max_yuan)
        formula = f"{GRADE_NAMES_ZH[code]} {_show(each)} 元/人 × {deaths} 人 = {_show(share)} 元"
    else:
        share = _yuan(_money(amount_yuan, "amount_yuan", "奖励金额"))
        if not schedule.min_yuan <= share <= schedule.max_yuan:
            raise RewardInputError("amount_yuan", f"the amount must lie between {_show(schedule.min_yuan)} and "
                                   f"{_show(schedule.max_yuan)} yuan; got {_show(share)}",
                                   f"奖励金额须在 {_show(schedule.min_yuan)} 至 {_show(schedule.max_yuan)} 元之间")
        floor, yuan = schedule.min_yuan, share
        formula = f"在 {_show(schedule.min_yuan)}–{_show(schedule.max_yuan)} 元内确定 {_show(share)} 元"
    limited: Literal["min", "max"] | None = None
    if yuan > share:
        limited, formula = "min", f"{formula}，低于最低额，按 {_show(floor)} 元"
    elif yuan < share:
        limited, formula = "max", f"{formula}，超过最高额，按 {_show(schedule.max_yuan)} 元"
    return Reward(yuan=_yuan(yuan), kind=kind, label=schedule.label, computed_yuan=share, limited_by=limited,
                  formula_zh=formula, source=schedule.source)


def as_number(value: Decimal) -> int | float:
    """Yuan for JSON: a whole number when it is one, else to the fen."""
    return int(value) if value == value.to_integral_value() else float(value)
