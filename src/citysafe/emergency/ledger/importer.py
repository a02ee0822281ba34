"""Earlier years' accidents from Excel: the template, the row-by-row check, the import, and the export.

``check_rows`` is pure (cells in, values or problems out); ``apply`` adds what needs the database (the division
exists and lies in the caller's region, the accident is not in the ledger already) and writes only when every
row is good: a file with one bad row writes nothing, and its report says what to correct in each row.
Re-importing a file updates the rows it wrote (same natural key, ``service.natural_key``), never duplicates them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.bounds import MIN_YEAR
from citysafe.core.clock import SHANGHAI, as_utc, to_local
from citysafe.core.config import Settings
from citysafe.core.scope import current_scope
from citysafe.core.sheets.rows import Column
from citysafe.core.validators import CodeError, validate_division_code, validate_uscc
from citysafe.emergency.ledger import industries
from citysafe.emergency.ledger.models import LedgerEntry
from citysafe.emergency.ledger.schemas import ImportReport, ImportRowReport, RowProblem
from citysafe.emergency.ledger.service import FIGURES, IMPORTED, LEDGER_CATEGORY, PLATFORM, natural_key, set_figures
from citysafe.emergency.rules import Rules, rules
from citysafe.regions import service as regions_service

SHEET = "事故台账"
MAX_PEOPLE = 1_000_000
MAX_LOSS_YUAN = 10**13  # as emergency/schemas.py: ten times the largest direct loss on record
STATUS_NAMES_ZH = {"new": "新增", "update": "更新", "error": "有错误"}
# Before anything is written (a dry run, or a file with a bad row) a good row is what it would become.
PENDING_NAMES_ZH = {"new": "可新增", "update": "可更新", "error": "有错误"}
_PLAIN_INTEGER = re.compile(r"^\+?\d+$")
_MINUS_INTEGER = re.compile(r"^-\d+(\.0+)?$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S",
                 "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日",
                 "%Y年%m月%d日%H时%M分")


COLUMNS: tuple[Column, ...] = (
    Column("occurred_at", "发生时间", True, "北京时间，如 2023-05-12 14:30；只有日期的填 2023-05-12", 18),
    Column("region_code", "行政区划代码", True, "发生地的区县（6位）、街道（9位）或社区（12位）代码", 16),
    Column("subtype", "事故类型", True,
           "GB 6441 事故类别名称，如 物体打击、火灾、高处坠落；或 道路交通事故（见代码表）"),
    Column("industry", "行业门类", True, "GB/T 4754-2017 门类字母或名称，如 E 或 建筑业（见代码表）", 16),
    Column("deaths", "死亡人数（人）", help_zh="整数，空白按 0"),
    Column("missing", "下落不明人数（人）", help_zh="整数，不计入死亡人数"),
    Column("serious_injuries", "重伤人数（人，含急性工业中毒）", help_zh="整数", width=18),
    Column("minor_injuries", "轻伤人数（人）", help_zh="整数"),
    Column("direct_loss_yuan", "直接经济损失（元）", width=18,
           help_zh="以元为单位的整数，如 1200000 即 120万元；不写“万”、不带小数"),
    Column("unit_name", "事故单位名称", help_zh="发生事故的生产经营单位", width=26),
    Column("uscc", "统一社会信用代码", help_zh="18 位，按 GB 32100-2015 校验", width=22),
    Column("description", "简要经过", help_zh="不超过 1000 字", width=40),
)
HEADERS = {c.header: c for c in COLUMNS}
PEOPLE_NAMES_ZH = {"deaths": "死亡人数", "missing": "下落不明人数", "serious_injuries": "重伤人数",
                   "minor_injuries": "轻伤人数"}


@dataclass
class CheckedRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def refuse(self, key: str, message: str, message_zh: str) -> None:
        header = next((c.header for c in COLUMNS if c.key == key), key)
        self.problems.append(RowProblem(field=key, column=header, message=message, message_zh=message_zh))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _moment(value: Any) -> datetime | None:
    """A cell's local (Beijing) time as UTC; None when it cannot be read."""
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
        return as_utc(local)
    if isinstance(value, date):
        return as_utc(datetime.combine(value, time(0, 0), tzinfo=SHANGHAI))
    text = _text(value).replace("T", " ")
    for fmt in _DATE_FORMATS:
        try:
            return as_utc(datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI))
        except ValueError:
            continue
    return None


def _people(checked: CheckedRow, key: str, value: Any) -> None:
    what = PEOPLE_NAMES_ZH[key]
    text = _text(value)
    if text == "":
        checked.values[key] = 0
        return
    if _MINUS_INTEGER.match(text):
        checked.refuse(key, f"{key} must not be negative", f"{what}不能为负数（现为 {text}）")
    elif isinstance(value, bool) or not _PLAIN_INTEGER.match(text):
        checked.refuse(key, f"{key} is a whole number of persons", f"{what}应为整数（人），现为“{text[:20]}”")
    elif int(text) > MAX_PEOPLE:
        checked.refuse(key, f"{key} is larger than {MAX_PEOPLE}", f"{what}超过 {MAX_PEOPLE} 人，请核对")
    else:
        checked.values[key] = int(text)


def _loss(checked: CheckedRow, value: Any) -> None:
    text = _text(value)
    if text == "":
        checked.values["direct_loss_yuan"] = 0
    elif _MINUS_INTEGER.match(text):
        checked.refuse("direct_loss_yuan", "the direct loss must not be negative", "直接经济损失不能为负数")
    elif isinstance(value, bool) or not _PLAIN_INTEGER.match(text):
        checked.refuse("direct_loss_yuan", "the direct loss is a whole number of yuan (元)",
                       f"直接经济损失应为以元为单位的整数，如 1200000（即 120万元），现为“{text[:20]}”")
    elif int(text) > MAX_LOSS_YUAN:
        checked.refuse("direct_loss_yuan", "the direct loss is implausibly large",
                       "直接经济损失超过 10 万亿元，请核对单位是否为元")
    else:
        checked.values["direct_loss_yuan"] = int(text)


def _subtype(the_rules: Rules, text: str) -> str | None:
    for subtype in the_rules.categories[LEDGER_CATEGORY].subtypes:
        if text in (subtype.code, subtype.name) or (text.endswith("事故") and text[:-2] == subtype.name):
            return subtype.code
    return None


def _when(checked: CheckedRow, value: Any, now: datetime) -> None:
    text = _text(value)
    if not text:
        checked.refuse("occurred_at", "required", "发生时间必填")
        return
    moment = _moment(value)
    if moment is None:
        checked.refuse("occurred_at", "the date cannot be read",
                       f"发生时间无法识别（“{text[:30]}”），请写成 2023-05-12 14:30 或 2023-05-12")
    elif moment > now:
        checked.refuse("occurred_at", "the time lies in the future", "发生时间不能晚于当前时间")
    elif to_local(moment).year < MIN_YEAR:
        checked.refuse("occurred_at", f"before {MIN_YEAR}", f"发生时间早于 {MIN_YEAR} 年，请核对")
    else:
        checked.values["occurred_at"] = moment


def check_row(number: int, cells: dict[str, Any], *, the_rules: Rules, now: datetime) -> CheckedRow:
    """One row's cells (by column key) checked; every problem of the row is reported, not only the first."""
    checked = CheckedRow(number)
    _when(checked, cells.get("occurred_at"), now)
    region = _text(cells.get("region_code"))
    try:
        checked.values["region_code"] = validate_division_code(region)
    except ValueError:
        checked.refuse("region_code", "not a division code", f"行政区划代码“{region[:20]}”无效，应为 6、9 或 12 位数字"
                       if region else "行政区划代码必填")
    subtype_text = _text(cells.get("subtype"))
    subtype = _subtype(the_rules, subtype_text)
    if subtype is None:
        checked.refuse("subtype", "unknown accident type", f"未知的事故类型“{subtype_text[:20]}”，应为代码表中的"
                                                           "事故类别" if subtype_text else "事故类型必填")
    checked.values["subtype"] = subtype
    industry_text = _text(cells.get("industry"))
    industry = industries.lookup(industry_text)
    if industry is None:
        checked.refuse("industry", "unknown industry section",
                       f"未知的行业门类“{industry_text[:30]}”，应为 GB/T 4754-2017 门类字母 A–T 或其名称"
                       if industry_text else "行业门类必填")
    checked.values["industry_code"] = industry
    for key in PEOPLE_NAMES_ZH:
        _people(checked, key, cells.get(key))
    _loss(checked, cells.get("direct_loss_yuan"))
    uscc = _text(cells.get("uscc"))
    try:
        checked.values["uscc"] = validate_uscc(uscc) if uscc else None
    except CodeError as exc:
        checked.refuse("uscc", str(exc), f"统一社会信用代码{exc.zh}")
    for key, limit in (("unit_name", 200), ("description", 1000)):
        text = _text(cells.get(key))
        if len(text) > limit:
            checked.refuse(key, f"longer than {limit} characters", f"超过 {limit} 字")
        checked.values[key] = text
    return checked


def cells_by_key(rows: Sequence[Sequence[Any]]) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """The data rows as {column key: cell} by workbook row number, and the required headers missing."""
    if not rows:
        return [], [c.header for c in COLUMNS if c.required]
    positions: dict[int, str] = {}
    for index, title in enumerate(rows[0]):
        column = HEADERS.get(_text(title).rstrip("*＊").strip())
        if column is not None:
            positions[index] = column.key
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions.values()]
    data = []
    for number, row in enumerate(rows[1:], start=2):
        if all(_text(v) == "" for v in row):
            continue
        data.append((number, {key: row[i] if i < len(row) else None for i, key in positions.items()}))
    return data, missing


def _report(checked: CheckedRow, status: str, *, applied: bool) -> ImportRowReport:
    names = STATUS_NAMES_ZH if applied else PENDING_NAMES_ZH
    return ImportRowReport(row=checked.row, status=status, status_name=names[status],
                           occurred_at=checked.values.get("occurred_at"),
                           region_code=checked.values.get("region_code") or "",
                           unit_name=checked.values.get("unit_name", ""), problems=checked.problems)


def _existing(session: Session, keys: list[str], chunk: int = 500) -> dict[str, LedgerEntry]:
    """The entries already holding these natural keys (in the caller's scope), a few queries for any file."""
    found: dict[str, LedgerEntry] = {}
    for start in range(0, len(keys), chunk):
        stmt = select(LedgerEntry).where(LedgerEntry.natural_key.in_(keys[start:start + chunk]))
        found |= {e.natural_key: e for e in session.scalars(stmt)}
    return found


def _check_in_database(session: Session, checked: list[CheckedRow]) -> dict[int, LedgerEntry]:
    """Divisions that exist and lie in the caller's region; one accident once. Returns the entries to update."""
    codes = {c.values["region_code"] for c in checked if c.values.get("region_code")}
    known = regions_service.names(session, codes=codes)
    scope = current_scope(session)
    seen: dict[str, int] = {}
    updates: dict[int, LedgerEntry] = {}
    for row in checked:
        code = row.values.get("region_code")
        if code and scope is not None and not scope.covers(code):
            row.refuse("region_code", f"division {code} is outside your region",
                       f"行政区划 {code} 不在您的管辖范围（{scope.region_code}）内")
        elif code and code not in known:
            row.refuse("region_code", f"no division {code}", f"行政区划代码 {code} 不存在")
        if row.problems:
            continue
        key = natural_key(occurred_at=row.values["occurred_at"], region_code=str(code), subtype=row.values["subtype"],
                          uscc=row.values["uscc"], unit_name=row.values["unit_name"])
        row.values["natural_key"] = key
        if key in seen:
            row.refuse("occurred_at", f"the same accident as row {seen[key]}",
                       f"与第 {seen[key]} 行是同一起事故（发生时间、区划、类型、单位均相同）")
            continue
        seen[key] = row.row
    existing_by_key = _existing(session, list(seen))
    for row in checked:
        if row.problems:
            continue
        existing = existing_by_key.get(row.values["natural_key"])
        if existing is not None and existing.source == PLATFORM:
            row.refuse("occurred_at", "this accident is in the ledger from a platform incident",
                       f"该事故已由平台事件 SJ{existing.incident_id or 0:08d} 记入台账，无需导入")
        elif existing is not None:
            updates[row.row] = existing
    return updates


def apply(session: Session, *, rows: Sequence[Sequence[Any]], file_name: str, settings: Settings, now: datetime,
          dry_run: bool) -> ImportReport:
    """Check every row; write them all (in the caller's transaction) only when none has a problem."""
    the_rules = rules(settings)
    data, missing_headers = cells_by_key(rows)
    checked = [check_row(number, cells, the_rules=the_rules, now=now) for number, cells in data]
    if missing_headers or not data:
        head = CheckedRow(1)
        if missing_headers:
            head.refuse("file", f"missing columns: {', '.join(missing_headers)}",
                        f"缺少必填列：{'、'.join(missing_headers)}，请使用导入模板")
        else:
            head.refuse("file", "the sheet holds no accident", f"工作表“{SHEET}”中没有事故记录")
        checked.insert(0, head)
    updates = _check_in_database(session, [c for c in checked if not c.problems])
    bad = sum(1 for c in checked if c.problems)
    applied = bad == 0 and not dry_run and bool(data)
    if applied:
        for row in checked:
            entry = updates.get(row.row) or LedgerEntry(created_at=now, source=IMPORTED)
            _fill(entry, row, file_name=file_name, the_rules=the_rules, now=now)
            session.add(entry)
        session.flush()
    report = [_report(c, "error" if c.problems else "update" if c.row in updates else "new", applied=applied)
              for c in checked]
    return ImportReport(file=file_name, dry_run=dry_run, applied=applied, rows=len(data),
                        new=sum(1 for r in report if r.status == "new"),
                        updated=sum(1 for r in report if r.status == "update"), errors=bad, report=report)


def _fill(entry: LedgerEntry, row: CheckedRow, *, file_name: str, the_rules: Rules, now: datetime) -> None:
    v = row.values
    entry.import_file, entry.import_row, entry.natural_key = file_name[:200], row.row, v["natural_key"]
    entry.occurred_at, entry.occurred_year = v["occurred_at"], to_local(v["occurred_at"]).year
    entry.region_code, entry.category, entry.subtype = v["region_code"], LEDGER_CATEGORY, v["subtype"]
    entry.industry_code, entry.unit_name, entry.uscc = v["industry_code"], v["unit_name"], v["uscc"]
    entry.description = v["description"]
    set_figures(entry, the_rules, **{k: v[k] for k in FIGURES})
    entry.updated_at = now
