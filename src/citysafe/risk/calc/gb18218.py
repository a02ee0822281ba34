"""GB 18218-2018 危险化学品重大危险源辨识: identification (式1) and grading (式2).

* Identification: S = Σ qᵢ/Qᵢ; the unit is a major hazard installation (重大危险源) when S ≥ 1
  (equality counts). Q comes from Table 1 when the substance is named there, otherwise from Table 2
  by hazard class (the lowest Q of its classes).
* Grading, only for a major hazard: R = α Σ βᵢ qᵢ/Qᵢ, with β from Table 3 for the named toxic gases,
  otherwise from Table 4 by hazard class (the highest β of its classes, the conservative reading for
  a substance with several hazards), and α from Table 5 by the number of people within 500 m outside
  the plant boundary. Grades (Table 6): 一级 R ≥ 100, 二级 50 ≤ R < 100, 三级 10 ≤ R < 50, 四级 R < 10.

Nothing defaults silently: an unknown substance, an ambiguous name, a substance whose β the tables
cannot settle, or a missing population is a specific exception with a one-line reason, as the spec
asks (risk-methods.md §3, §6.3). Arithmetic is exact (fractions of the decimal inputs), so
2.5/5 + 5/10 is exactly 1 and meets the threshold.

Table 1 lives in ``data/gb18218_substances.csv`` (README.md beside it says where each number comes
from); Tables 2–6 are small and live below.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from importlib import resources

from citysafe.risk.calc._bands import to_decimal

METHOD = "gb18218"
VERSION = "2018.1"
STANDARD = "GB 18218-2018"


class Gb18218Error(ValueError):
    """An input the standard cannot grade; the message is one line saying why."""


class UnknownSubstanceError(Gb18218Error):
    pass


class AmbiguousSubstanceError(Gb18218Error):
    pass


class UnknownHazardClassError(Gb18218Error):
    pass


class MissingBetaError(Gb18218Error):
    pass


class MissingPopulationError(Gb18218Error):
    pass


@dataclass(frozen=True)
class HazardClass:
    """A row of Tables 2 and 4: a hazard-class symbol with its critical quantity and β."""

    symbol: str
    category: str
    description: str
    critical_quantity_t: Decimal
    beta: Decimal


_D = Decimal

# Tables 2 and 4 share their rows (risk-methods.md §3.2). W3's Q is net weight (净重).
HAZARD_CLASSES: Mapping[str, HazardClass] = {c.symbol: c for c in (
    HazardClass("J1", "急性毒性", "类别1，所有暴露途径，气体", _D(5), _D(4)),
    HazardClass("J2", "急性毒性", "类别1，所有暴露途径，固体、液体", _D(50), _D(1)),
    HazardClass("J3", "急性毒性", "类别2、类别3，所有暴露途径，气体", _D(50), _D(2)),
    HazardClass("J4", "急性毒性", "类别2、类别3，吸入途径，液体（沸点≤35℃）", _D(50), _D(2)),
    HazardClass("J5", "急性毒性", "类别2，所有暴露途径，液体（除J4外）、固体", _D(500), _D(1)),
    HazardClass("W1.1", "爆炸物", "不稳定爆炸物；1.1项爆炸物", _D(1), _D(2)),
    HazardClass("W1.2", "爆炸物", "1.2、1.3、1.5、1.6项爆炸物", _D(10), _D(2)),
    HazardClass("W1.3", "爆炸物", "1.4项爆炸物", _D(50), _D(2)),
    HazardClass("W2", "易燃气体", "类别1和类别2", _D(10), _D("1.5")),
    HazardClass("W3", "气溶胶", "类别1和类别2（临界量按净重）", _D(150), _D(1)),
    HazardClass("W4", "氧化性气体", "类别1", _D(50), _D(1)),
    HazardClass("W5.1", "易燃液体", "类别1；类别2和3，工作温度高于沸点", _D(10), _D("1.5")),
    HazardClass("W5.2", "易燃液体", "类别2和3，具有引发重大事故的特殊工艺条件", _D(50), _D(1)),
    HazardClass("W5.3", "易燃液体", "不属于W5.1或W5.2的其他类别2", _D(1000), _D(1)),
    HazardClass("W5.4", "易燃液体", "不属于W5.1或W5.2的其他类别3", _D(5000), _D(1)),
    HazardClass("W6.1", "自反应物质和混合物", "A型和B型", _D(10), _D("1.5")),
    HazardClass("W6.2", "自反应物质和混合物", "C型、D型、E型", _D(50), _D(1)),
    HazardClass("W7.1", "有机过氧化物", "A型和B型", _D(10), _D("1.5")),
    HazardClass("W7.2", "有机过氧化物", "C型、D型、E型、F型", _D(50), _D(1)),
    HazardClass("W8", "自燃液体和自燃固体", "类别1自燃液体；类别1自燃固体", _D(50), _D(1)),
    HazardClass("W9.1", "氧化性固体和液体", "类别1", _D(50), _D(1)),
    HazardClass("W9.2", "氧化性固体和液体", "类别2、类别3", _D(200), _D(1)),
    HazardClass("W10", "易燃固体", "类别1易燃固体", _D(200), _D(1)),
    HazardClass("W11", "遇水放出易燃气体的物质和混合物", "类别1和类别2", _D(200), _D(1)),
)}

#: Table 3: β of the named toxic gases. 一氧化碳 is the one name here that Table 1 does not list.
TABLE3_BETA: Mapping[str, Decimal] = {
    "一氧化碳": _D(2), "二氧化硫": _D(2), "氨": _D(2), "环氧乙烷": _D(2),
    "氯化氢": _D(3), "溴甲烷": _D(3), "氯": _D(4), "硫化氢": _D(5), "氟化氢": _D(5),
    "二氧化氮": _D(10), "氰化氢": _D(10), "碳酰氯": _D(20), "磷化氢": _D(20), "异氰酸甲酯": _D(20),
}

#: Table 5: α by people within 500 m outside the boundary; (lowest head count, α), highest first.
ALPHA_BANDS: tuple[tuple[int, Decimal], ...] = (
    (100, _D("2.0")), (50, _D("1.5")), (30, _D("1.2")), (1, _D("1.0")), (0, _D("0.5")),
)

#: Table 6: (grade, lowest R of the grade, name), highest grade first; R < 10 is 四级.
GRADES: tuple[tuple[int, Decimal, str], ...] = (
    (1, _D(100), "一级"), (2, _D(50), "二级"), (3, _D(10), "三级"), (4, _D(0), "四级"),
)


@dataclass(frozen=True)
class Substance:
    """A row of Table 1 (critical quantities of named dangerous chemicals)."""

    seq: int
    name: str
    aliases: tuple[str, ...]
    english: tuple[str, ...]
    cas: tuple[str, ...]
    critical_quantity_t: Decimal
    provenance: str
    beta_table3: Decimal | None
    hazard_classes: tuple[str, ...]
    source_page: int


def normalise_name(name: str) -> str:
    """Fold full-width punctuation, sub/superscripts, case and spaces so 'ＬＰＧ' finds 'lpg'."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


_TABLE3_BY_KEY = {normalise_name(name): beta for name, beta in TABLE3_BETA.items()}


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


class SubstanceTable:
    """Table 1 with lookup by name, alias, English name or CAS number."""

    def __init__(self, rows: Sequence[Substance]) -> None:
        self.rows = tuple(rows)
        index: dict[str, list[Substance]] = {}
        for row in self.rows:
            for key in {row.name, *row.aliases, *row.english, *row.cas}:
                bucket = index.setdefault(normalise_name(key), [])
                if row not in bucket:
                    bucket.append(row)
        self._index = index

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, name: str) -> Substance | None:
        """The row a name denotes, ``None`` when Table 1 does not list it; ambiguous names raise."""
        found = self._index.get(normalise_name(name), [])
        if len(found) > 1:
            options = "; ".join(f"{r.seq} {r.name}" for r in found)
            raise AmbiguousSubstanceError(f"{name!r} matches several GB 18218 Table 1 rows ({options}): "
                                          "give the full name")
        return found[0] if found else None

    def find(self, name: str) -> Substance:
        row = self.get(name)
        if row is None:
            raise self.unknown(name)
        return row

    @staticmethod
    def unknown(name: str) -> UnknownSubstanceError:
        return UnknownSubstanceError(f"{name!r} is not in GB 18218-2018 Table 1: check the name or "
                                     "give its hazard classes (Table 2, e.g. W5.3) instead")


@lru_cache(maxsize=1)
def substances() -> SubstanceTable:
    """Table 1 as shipped in the package data."""
    text = resources.files("citysafe.risk.calc").joinpath("data/gb18218_substances.csv").read_text("utf-8")
    rows = [
        Substance(
            seq=int(r["seq"]), name=r["name"], aliases=_split(r["aliases"]), english=_split(r["english"]),
            cas=_split(r["cas"]), critical_quantity_t=Decimal(r["critical_quantity_t"]),
            provenance=r["provenance"],
            beta_table3=Decimal(r["beta_table3"]) if r["beta_table3"] else None,
            hazard_classes=_split(r["hazard_classes"]), source_page=int(r["source_page"]),
        )
        for r in csv.DictReader(text.splitlines())
    ]
    return SubstanceTable(rows)


def hazard_class(symbol: str) -> HazardClass:
    key = normalise_name(symbol).upper()
    try:
        return HAZARD_CLASSES[key]
    except KeyError:
        raise UnknownHazardClassError(f"unknown GB 18218 hazard class {symbol!r}: expected one of "
                                      f"{', '.join(HAZARD_CLASSES)}") from None


@dataclass(frozen=True)
class Holding:
    """One dangerous chemical in the unit: its name and/or hazard classes and the quantity q in t.

    ``critical_quantity_t`` and ``beta`` are optional figures carried by the source record (a ledger,
    a spreadsheet). Where the standard fixes the value they are checked against it and a mismatch is
    an error; ``beta`` supplies β only where the tables cannot settle it.
    """

    quantity_t: float | Decimal
    substance: str | None = None
    hazard_classes: tuple[str, ...] = ()
    critical_quantity_t: float | Decimal | None = None
    beta: float | Decimal | None = None


@dataclass(frozen=True)
class HoldingResult:
    substance: str | None
    seq: int | None
    quantity_t: float
    critical_quantity_t: float
    ratio: float
    q_source: str
    beta: float | None
    beta_source: str | None


@dataclass(frozen=True)
class Gb18218Result:
    method: str
    version: str
    standard: str
    s: float
    is_major: bool
    population: int | None
    alpha: float | None
    r: float | None
    grade: int | None
    grade_name: str | None
    holdings: tuple[HoldingResult, ...] = field(default=())


def alpha_for_population(population: int) -> Decimal:
    """Table 5 α for the number of people within 500 m outside the plant boundary."""
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise Gb18218Error(f"population within 500 m must be a non-negative integer; got {population!r}")
    return next(alpha for lowest, alpha in ALPHA_BANDS if population >= lowest)


def grade_for_r(r: float | Decimal | Fraction) -> int:
    """Table 6 grade (1 = 一级, most severe … 4 = 四级) for an R value."""
    value = Fraction(r) if isinstance(r, Fraction) else Fraction(to_decimal(r, "R"))
    if value < 0:
        raise Gb18218Error(f"R must be non-negative; got {r!r}")
    return next(grade for grade, lowest, _ in GRADES if value >= lowest)


def grade_name(grade: int) -> str:
    return next(name for g, _, name in GRADES if g == grade)


def _positive(value: object, name: str, *, allow_zero: bool = False) -> Decimal:
    try:
        number = to_decimal(value, name)
    except ValueError as err:
        raise Gb18218Error(str(err)) from None
    if number < 0 or (number == 0 and not allow_zero):
        raise Gb18218Error(f"{name} must be {'non-negative' if allow_zero else 'positive'}; got {value!r}")
    return number


@dataclass(frozen=True)
class _Resolved:
    label: str
    row: Substance | None
    q: Decimal
    critical: Decimal
    q_source: str
    classes: tuple[HazardClass, ...]
    holding: Holding


def _resolve_quantity(holding: Holding, table: SubstanceTable) -> _Resolved:
    q = _positive(holding.quantity_t, "quantity q (t)", allow_zero=True)
    classes = tuple(hazard_class(s) for s in holding.hazard_classes)
    row = table.get(holding.substance) if holding.substance else None
    label = row.name if row else (holding.substance or "/".join(c.symbol for c in classes))
    if row is not None:
        critical, source = row.critical_quantity_t, "table1"
    elif classes:
        lowest = min(classes, key=lambda c: c.critical_quantity_t)
        critical, source = lowest.critical_quantity_t, f"table2:{lowest.symbol}"
    elif holding.substance:
        raise table.unknown(holding.substance)
    else:
        raise Gb18218Error("a holding needs a substance name or its hazard classes")
    if holding.critical_quantity_t is not None:
        given = _positive(holding.critical_quantity_t, f"critical quantity Q of {label}")
        if given != critical:
            raise Gb18218Error(f"critical quantity of {label} is {critical} t by GB 18218-2018 {source}; "
                               f"the record says {given} t")
    return _Resolved(label, row, q, critical, source, classes, holding)


def _resolve_beta(item: _Resolved) -> tuple[Decimal, str]:
    row, holding = item.row, item.holding
    name_key = row.name if row else (holding.substance or "")
    table3 = row.beta_table3 if row else _TABLE3_BY_KEY.get(normalise_name(name_key))
    classes = item.classes or tuple(hazard_class(s) for s in (row.hazard_classes if row else ()))
    if table3 is not None:
        beta, source = table3, "table3"
    elif classes:
        top = max(classes, key=lambda c: c.beta)
        beta, source = top.beta, f"table4:{top.symbol}"
    elif holding.beta is not None:
        return _positive(holding.beta, f"β of {item.label}"), "input"
    else:
        raise MissingBetaError(f"no β for {item.label}: not a Table 3 toxic gas and its Table 4 hazard class "
                               "depends on the process (e.g. W5.1 above the boiling point, W5.3 otherwise); "
                               "give hazard_classes or beta")
    if holding.beta is not None and _positive(holding.beta, f"β of {item.label}") != beta:
        raise Gb18218Error(f"β of {item.label} is {beta} by GB 18218-2018 {source}; "
                           f"the record says {holding.beta}")
    return beta, source


def assess_gb18218(holdings: Iterable[Holding], population: int | None = None, *,
                   table: SubstanceTable | None = None) -> Gb18218Result:
    """Identify a unit and, when it is a major hazard installation, grade it.

    ``population`` (people within 500 m outside the boundary) is needed only for grading; β likewise
    is resolved only when the unit is a major hazard, since identification does not use it.
    """
    table = table or substances()
    items = [_resolve_quantity(h, table) for h in holdings]
    if not items:
        raise Gb18218Error("a unit needs at least one holding")
    if population is not None:
        alpha_for_population(population)  # validate even when not grading
    ratios = [Fraction(i.q) / Fraction(i.critical) for i in items]
    s = sum(ratios, Fraction(0))
    is_major = s >= 1
    betas: list[tuple[Decimal, str] | None] = [None] * len(items)
    alpha: Decimal | None = None
    r: Fraction | None = None
    grade: int | None = None
    if is_major:
        if population is None:
            raise MissingPopulationError("the unit is a major hazard installation: grading needs the "
                                         "population within 500 m outside the boundary")
        betas = [_resolve_beta(i) for i in items]
        alpha = alpha_for_population(population)
        r = Fraction(alpha) * sum((Fraction(b[0]) * ratio for b, ratio in
                                   zip(betas, ratios, strict=True) if b), Fraction(0))
        grade = grade_for_r(r)
    lines = tuple(
        HoldingResult(
            substance=i.label, seq=i.row.seq if i.row else None, quantity_t=float(i.q),
            critical_quantity_t=float(i.critical), ratio=float(ratio), q_source=i.q_source,
            beta=float(b[0]) if b else None, beta_source=b[1] if b else None,
        )
        for i, ratio, b in zip(items, ratios, betas, strict=True)
    )
    return Gb18218Result(
        method=METHOD, version=VERSION, standard=STANDARD, s=float(s), is_major=is_major,
        population=population, alpha=float(alpha) if alpha is not None else None,
        r=float(r) if r is not None else None, grade=grade,
        grade_name=grade_name(grade) if grade is not None else None, holdings=lines,
    )
