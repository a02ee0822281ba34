"""Identity numbers a reporter gives (实名举报) are checked as GB 11643-1999 defines them: 18 characters, characters
7‥14 a date of birth of the calendar, the last the ISO 7064 MOD 11-2 check character of the first 17 — so a
mistyped digit is caught on the form, not at the reward's claim. An empty number (anonymous) is fine."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tests.public.reports_support import report_in

from citysafe.public.reports.schemas import id_check_character

VALID = ("11010519491231002X", "440524188001010014", "320102198001011238", "32010219800101122x")


@pytest.mark.parametrize("number", VALID)
def test_numbers_that_check_are_taken_upper_cased(number: str) -> None:
    assert report_in(id_number=number).id_number == number.upper()
    assert id_check_character(number[:17]) == number[17].upper()


@pytest.mark.parametrize(("number", "says"), [
    ("110105194912310021", "校验位不符"),  # the worked example with its X mistyped as 1
    ("11010519491231012X", "校验位不符"),  # one digit of the sequence changed
    ("110105194902300022", "出生日期"),  # 30 February
    ("110105194913010012", "出生日期"),  # a thirteenth month
    ("11010519491231002", "18 位"),
])
def test_numbers_that_do_not_check_are_refused_saying_why(number: str, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        report_in(id_number=number)
    error = caught.value.errors()[0]
    assert error["loc"] == ("id_number",) and says in error["ctx"]["zh"]


def test_an_anonymous_report_gives_none() -> None:
    assert report_in(id_number="  ").id_number == ""
