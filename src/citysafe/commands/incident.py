"""`citysafe incident …`: the accident grade of 国务院令第493号 第三条 from casualties and direct loss.

Prints one JSON object; bad input (negative, not a whole number, not a number, a loss written with a unit
such as 万) exits 2 with one line on stderr, never a traceback.
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from citysafe.commands.support import emit, fail

app = typer.Typer(help="突发事件：事故等级（国务院令第493号第三条）", no_args_is_help=True)

_WHOLE = re.compile(r"^\+?\d+$")


# Options are read as text and checked here rather than by click, whose errors span several lines.
def _count(value: str | None, option: str, *, unit: str, default: int | None = None) -> int:
    if value is None:
        if default is not None:
            return default
        fail(f"missing {option}")
    text = value.strip()
    if _WHOLE.match(text):
        return int(text)
    if re.match(r"^[+-]?\d+(\.\d+)?$", text):
        if text.startswith("-"):
            fail(f"{option} must not be negative; got {value!r}")
        fail(f"{option} must be a whole number of {unit}; got {value!r}")
    if option == "--loss-yuan" and re.search(r"[万亿元]", text):
        fail(f"{option} takes yuan (元) as a plain whole number, e.g. 50000000 for 5000万元; got {value!r}")
    fail(f"{option} must be a whole number of {unit}; got {value!r}")


@app.command("grade")
def grade_command(
    deaths: Annotated[str | None, typer.Option("--deaths", help="死亡人数")] = None,
    injuries: Annotated[str | None, typer.Option("--injuries", help="重伤人数（含急性工业中毒）")] = None,
    loss_yuan: Annotated[str | None, typer.Option("--loss-yuan", help="直接经济损失，单位：元（整数）")] = None,
    missing: Annotated[str | None, typer.Option("--missing", help="下落不明人数（单列，不计入死亡）")] = None,
) -> None:
    """The accident grade → {"grade" (特别重大/重大/较大/一般), "decided_by", "threshold", …}."""
    from citysafe.core.config import get_settings
    from citysafe.emergency.calc.grade import Casualties, grade
    from citysafe.emergency.rules import rules

    casualties = Casualties(deaths=_count(deaths, "--deaths", unit="people"),
                            serious_injuries=_count(injuries, "--injuries", unit="people"),
                            loss_yuan=_count(loss_yuan, "--loss-yuan", unit="yuan"),
                            missing=_count(missing, "--missing", unit="people", default=0))
    try:
        table = rules(get_settings()).grades
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot read the emergency rules: {exc}")
    emit(grade(casualties, table).as_dict())
