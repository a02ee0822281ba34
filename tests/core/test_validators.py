from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysafe.core.validators import (
    region_prefix,
    uscc_check_char,
    validate_division_code,
    validate_uscc,
    within_region,
)

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_published_credit_codes_pass() -> None:
    # Codes on public business licences (State Grid; Tencent, Shenzhen; a Hangzhou company).
    for code in ("91110000710925243K", "9144030071526726XG", "91330100716105852F"):
        assert validate_uscc(code) == code


def test_lowercase_is_normalised() -> None:
    assert validate_uscc("91110000710925243k") == "91110000710925243K"


@pytest.mark.parametrize(("code", "reason"), [
    ("91110000710925243", "18 characters"),
    ("91110000710925243I", "invalid character"),
    ("91110000710925243A", "check character"),
    ("91AB0000710925243K", "division code"),
])
def test_bad_credit_codes_say_why(code: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        validate_uscc(code)


@given(st.text(alphabet=ALPHABET, min_size=9, max_size=9), st.sampled_from(["320102", "110000", "440305"]))
def test_generated_check_character_validates(tail: str, division: str) -> None:
    body = "91" + division + tail
    assert validate_uscc(body + uscc_check_char(body)) == body + uscc_check_char(body)


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.sampled_from(ALPHABET))
def test_any_single_wrong_check_character_fails(body: str, other: str) -> None:
    body = body[:2] + "320102" + body[8:]
    good = uscc_check_char(body)
    if other != good:
        with pytest.raises(ValueError, match="check character"):
            validate_uscc(body + other)


def test_division_codes() -> None:
    assert validate_division_code("320102") == "320102"
    assert validate_division_code("320102002") == "320102002"
    assert validate_division_code("320102002001") == "320102002001"
    for bad in ("32010", "3201020", "abcdef", "000000"):
        with pytest.raises(ValueError, match="division code"):
            validate_division_code(bad)


def test_region_prefix_and_membership() -> None:
    assert region_prefix("320000") == "32"
    assert region_prefix("320100") == "3201"
    assert region_prefix("320102") == "320102"
    assert within_region("320102002001", "320100")
    assert not within_region("320205001", "320100")
    assert not within_region("320104", "320102")
