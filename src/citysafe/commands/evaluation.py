"""`citysafe evaluation …`: the 城市安全状况 indicators and scoring findings against a criteria set.

Both print one JSON document; bad input exits 2 with one line on stderr (English / Chinese), never a
traceback, and nothing is written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from citysafe.commands.support import emit, fail

app = typer.Typer(help="安全发展示范城市评价：城市安全状况指标、评分", no_args_is_help=True)


def _json(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{what}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}) / {what} 不是有效的 JSON")
    except UnicodeDecodeError:
        fail(f"{what}: not UTF-8 text / {what} 不是 UTF-8 文本")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {what} {path}: {exc.strerror} / 无法读取文件")


@app.command("indicators")
def indicators_command(
    all_zero: Annotated[str, typer.Option("--all-zero", help="three years all zero: pass (default) or fail")] = "pass",
) -> None:
    """Read {"years": [{"year", "production_deaths", "gdp_yi", …}]} on stdin; print every year's five death
    rates and the 3-year strictly-decreasing trend per rate (pass | fail | insufficient_data)."""
    from citysafe.evaluation.calc.indicators import IndicatorError, evaluate

    if all_zero not in ("pass", "fail"):
        fail(f"--all-zero must be pass or fail; got {all_zero!r}")
    document = _json(sys.stdin.buffer.read(), "stdin")
    try:
        result = evaluate(document, all_zero="pass" if all_zero == "pass" else "fail")
    except IndicatorError as exc:
        fail(str(exc))
    emit(result)


@app.command("score")
def score_command(
    criteria: Annotated[Path, typer.Argument(help="criteria set (JSON), or a shipped name: national-2019, …")],
    findings: Annotated[Path, typer.Argument(help='findings (JSON): {"items": {item id: finding}}; - for stdin')],
) -> None:
    """Score findings against a criteria set: per item, per level and in total, with the line-by-line
    explanation and the set's id, version and digest."""
    from citysafe.evaluation.calc.criteria import SHIPPED, CriteriaError, load_criteria, shipped_criteria
    from citysafe.evaluation.calc.engine import ScoreError, score_document

    try:
        chosen = (shipped_criteria(str(criteria)) if str(criteria) in SHIPPED
                  else load_criteria(_read(criteria, "criteria")))
    except CriteriaError as exc:
        fail(str(exc))
    raw = sys.stdin.buffer.read() if str(findings) == "-" else _read(findings, "findings")
    try:
        result = score_document(chosen, _json(raw, "findings"))
    except (ScoreError, CriteriaError) as exc:
        fail(str(exc))
    emit(result.as_dict())
