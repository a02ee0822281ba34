"""`citysafe reward …`: the reward of a report (举报奖励) under the national rule or a local schedule.

``compute`` prints one JSON object with ``yuan`` and the rule applied; bad input exits 2 with one line on stderr.
Where a database is configured (``CITYSAFE_DATABASE_URL``, or the embedded one made by ``citysafe db upgrade``), the
rule is its current version there — the schedule an office edited, or a local rule created in the console — as
the platform would apply it to a case; otherwise, or while the database holds no rule of that name, the rule
shipped with the package (``public/rewards/data``). ``rule.origin`` and ``rule.version`` say which was used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from citysafe.commands.support import app_context, emit, fail

if TYPE_CHECKING:
    from citysafe.public.rewards.calc.reward import RuleDocument

app = typer.Typer(help="举报奖励：按国家或地方奖励办法计算奖励金额", no_args_is_help=True)

# Which inputs each basis takes: an option meant for another kind is refused rather than silently ignored.
_INPUTS = {"fine_pct": {"--fine-yuan"}, "per_death": {"--grade", "--deaths"}, "range": {"--amount-yuan"}}


def _whole(value: str | None, option: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        fail(f"{option} must be a whole number; got {value!r}")


def _rule(name: str) -> tuple[RuleDocument, dict[str, Any]]:
    """The rule ``name``: its current version in the configured database, else the shipped file."""
    from sqlalchemy.exc import SQLAlchemyError

    from citysafe.core.config import get_settings
    from citysafe.core.db import unit_of_work
    from citysafe.public.rewards import rules_store
    from citysafe.public.rewards.calc.reward import shipped_rule

    settings = get_settings()
    unread: dict[str, str] = {}
    if settings.database_url or (settings.data_dir / "citysafe.db").exists():
        ctx = app_context(settings)
        try:
            with unit_of_work(ctx.read_session_factory, actor="cli") as session:
                row = next((r for r in rules_store.versions(session, name=name) if r.current), None)
                if row is not None:
                    return rules_store.document_of(row), {"origin": "database", "version": row.version}
        except SQLAlchemyError as exc:
            # A database not upgraded yet, or unreachable: said in the answer (a line on stderr would break
            # the one-line error of bad input, which is all stderr may carry).
            unread = {"database": f"not read ({type(exc).__name__})"}
        finally:
            ctx.engine.dispose()
    return shipped_rule(name), {"origin": "shipped", "version": None} | unread


@app.command("compute")
def compute_command(
    kind: Annotated[str | None, typer.Option("--kind", help="violation, concealed_accident "
                                             "(or a local schedule's illegal_act, hazard)")] = None,
    fine_yuan: Annotated[str | None, typer.Option("--fine-yuan", help="行政处罚金额（元）")] = None,
    grade: Annotated[str | None, typer.Option("--grade", help="事故等级: general, large, major, extraordinary "
                                              "(一般, 较大, 重大, 特别重大)")] = None,
    deaths: Annotated[str | None, typer.Option("--deaths", help="查实瞒报、谎报的死亡人数")] = None,
    amount_yuan: Annotated[str | None, typer.Option("--amount-yuan", help="range schedules: the amount decided")
                           ] = None,
    rules: Annotated[str, typer.Option("--rules", help="national-2018 (default) or a local schedule: taizhou-2020")
                     ] = "national-2018",
) -> None:
    """The reward → {"yuan", "kind", "rule": {"name", "title", "document", "jurisdiction"}, "formula", …}."""
    from citysafe.public.rewards.calc.reward import KIND_NAMES_ZH, RewardInputError, as_number, compute

    if not kind:
        fail("give --kind violation or --kind concealed_accident")
    try:
        rule, origin = _rule(rules)
        schedule = rule.schedules.get(kind)
        if schedule is not None:
            given = {name for name, value in (("--fine-yuan", fine_yuan), ("--grade", grade), ("--deaths", deaths),
                                              ("--amount-yuan", amount_yuan)) if value is not None}
            extra = sorted(given - _INPUTS[schedule.basis])
            if extra:
                fail(f"{', '.join(extra)} does not apply to --kind {kind}")
        reward = compute(rule, kind, fine_yuan=fine_yuan, grade=grade, deaths=_whole(deaths, "--deaths"),
                         amount_yuan=amount_yuan)
    except RewardInputError as exc:
        fail(str(exc).replace("fine_yuan", "--fine-yuan").replace("amount_yuan", "--amount-yuan"))
    emit({"yuan": as_number(reward.yuan), "kind": kind, "kind_name": KIND_NAMES_ZH.get(kind, kind),
          "rule": {"name": rule.name, "title": rule.title, "document": rule.document,
                   "jurisdiction": rule.jurisdiction or None, "schedule": reward.label, "source": reward.source,
                   **origin},
          "computed_yuan": as_number(reward.computed_yuan), "limited_by": reward.limited_by,
          "formula": reward.formula_zh})
