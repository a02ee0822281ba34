"""Checks for Chinese identifiers: unified social credit codes (GB 32100-2015) and division codes."""

from __future__ import annotations

import re

# GB 32100-2015 alphabet: digits and capitals without I, O, Z, S, V.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_DIVISION_RE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


class CodeError(ValueError):
    """A refused identifier, saying what is wrong in English (the message) and in Chinese (``zh``)."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Return the normalised code or raise ValueError saying what is wrong with it."""
    value = code.strip().upper()
    if len(value) != 18:
        raise CodeError(f"unified social credit code must have 18 characters, got {len(value)}",
                        f"应为 18 位，现为 {len(value)} 位")
    bad = [ch for ch in value if ch not in _USCC_ALPHABET]
    if bad:
        raise CodeError(f"unified social credit code has invalid character {bad[0]!r}",
                        f"含有不允许的字符“{bad[0]}”（代码不使用 I、O、Z、S、V）")
    if not value[2:8].isdigit():
        raise CodeError("unified social credit code characters 3-8 must be a division code",
                        "第 3–8 位应为登记机关的行政区划代码")
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        raise CodeError(f"unified social credit code check character is {value[17]!r}, expected {expected!r}",
                        f"校验位不符（按前 17 位算，第 18 位应为“{expected}”），请核对是否录错")
    return value


def validate_division_code(code: str) -> str:
    """6 digits (province..county), 9 (street/town) or 12 (community/village)."""
    value = code.strip()
    if not _DIVISION_RE.match(value):
        raise ValueError("division code must be 6, 9 or 12 digits")
    if value[:2] == "00":
        raise ValueError("division code must start with a province code")
    return value


def region_prefix(code: str) -> str:
    """The code prefix that every division inside ``code`` shares.

    320000 (province) -> "32", 320100 (city) -> "3201", 320102 (county) -> "320102"; street,
    community and grid codes are their own prefix.
    """
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


def within_region(code: str, scope_code: str) -> bool:
    return code.startswith(region_prefix(scope_code))
