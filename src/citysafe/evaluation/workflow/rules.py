"""The creation steps of the plan (五、创建步骤) as data: which action moves an application from which state to
which, and which party takes it. Pure: no database, no clock.

Parties: ``applicant`` — the applicant's own office (a county's 区县安委办, a city's 市安委办, the office of the
division a zone lies in); ``city`` — the 安委办 of the applicant's 设区市; ``province`` — the 省安委办.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

STATE_NAMES_ZH = {
    "drafting": "自评", "city_review": "市级复核", "province_review": "省级评议", "publicity": "公示",
    "approved": "省安委会审定通过", "named": "已命名授牌", "passed": "复评通过", "failed": "复评未通过",
}
ROUND_NAMES_ZH = {"creation": "创建申报", "re_evaluation": "复评"}
PARTY_NAMES_ZH = {"applicant": "参评对象所在地安委办", "city": "设区市安委办", "province": "省安委办"}
STANCE_NAMES_ZH = {"agree": "同意", "disagree": "不同意", "conditional": "有条件同意"}
OBJECTION_STATE_NAMES_ZH = {"open": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}
REVOCATION_REASON_NAMES_ZH = {"failed_re_evaluation": "复评未通过", "major_accident": "发生重大及以上生产安全事故"}
REVOCATION_STATE_NAMES_ZH = {"proposed": "待省安委办决定", "revoked": "已撤销命名", "kept": "保留命名"}
# The states an application is finished in: a new round may start only when none is open.
FINAL_STATES = frozenset({"named", "passed", "failed"})
# Where 退回 is allowed: every review step sends the file back to 自评, with a note.
RETURNABLE = {"city_review": "city", "province_review": "province", "publicity": "province"}
# 国家级重大/特别重大 accidents, by the emergency domain's grade codes (国务院令第493号).
MAJOR_GRADES = frozenset({"major", "especially_major"})
REVIEW_YEARS = 3  # 复评 three years after naming (plan 五（八）)
ACTION_NAMES_ZH = {
    "open": "开始自评", "apply": "申报", "recommend": "推荐", "propose": "列入拟命名名单并公示",
    "approve": "省安委会审定", "name": "命名授牌", "annual": "年度动态管理", "pass": "复评通过", "fail": "复评未通过",
    "return": "退回",
}


@dataclass(frozen=True)
class Action:
    code: str
    name_zh: str
    party: str
    sources: frozenset[str]
    target: str | None  # None: the target depends on the application (apply, return)
    rounds: frozenset[str] = frozenset({"creation", "re_evaluation"})


ACTIONS: dict[str, Action] = {a.code: a for a in (
    Action("apply", ACTION_NAMES_ZH["apply"], "applicant", frozenset({"drafting"}), None),
    Action("recommend", ACTION_NAMES_ZH["recommend"], "city", frozenset({"city_review"}), "province_review"),
    Action("propose", ACTION_NAMES_ZH["propose"], "province", frozenset({"province_review"}), "publicity",
           frozenset({"creation"})),
    Action("approve", ACTION_NAMES_ZH["approve"], "province", frozenset({"publicity"}), "approved",
           frozenset({"creation"})),
    Action("name", ACTION_NAMES_ZH["name"], "province", frozenset({"approved"}), "named", frozenset({"creation"})),
    Action("annual", ACTION_NAMES_ZH["annual"], "province", frozenset({"named", "passed"}), None),
    Action("pass", ACTION_NAMES_ZH["pass"], "province", frozenset({"province_review"}), "passed",
           frozenset({"re_evaluation"})),
    Action("fail", ACTION_NAMES_ZH["fail"], "province", frozenset({"province_review"}), "failed",
           frozenset({"re_evaluation"})),
    Action("return", ACTION_NAMES_ZH["return"], "city", frozenset(RETURNABLE), "drafting"),
)}


def party_for_return(state: str) -> str:
    return RETURNABLE.get(state, "province")


def target_of(action: Action, *, state: str, kind: str) -> str:
    """Where ``action`` takes an application in ``state`` of an applicant of ``kind``."""
    if action.code == "apply":
        return "province_review" if kind == "city" else "city_review"  # a 设区市 skips 市级复核
    if action.code == "annual":
        return state
    assert action.target is not None
    return action.target


def available(state: str, round_: str) -> list[Action]:
    """The actions the plan allows next from ``state`` (whoever may take them)."""
    return [a for a in ACTIONS.values() if state in a.sources and round_ in a.rounds]


def review_due(named_on: date) -> date:
    """Three years after naming; a naming on 29 February falls due on 28 February."""
    try:
        return named_on.replace(year=named_on.year + REVIEW_YEARS)
    except ValueError:
        return named_on.replace(year=named_on.year + REVIEW_YEARS, day=28)
