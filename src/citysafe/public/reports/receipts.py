"""Receipt numbers a reporter follows a report with: "JB", 12 random characters (60 bits from ``secrets``:
not guessable) and a check character (Luhn mod 32), so a mistyped or made-up number is refused before any
lookup. The alphabet leaves out 0/O and 1/I, which people confuse."""

from __future__ import annotations

import re
import secrets

from citysafe.core.errors import field_error

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PREFIX = "JB"
BODY = 12
_N = len(ALPHABET)
_SEPARATORS = re.compile(r"[\s\-_]+")


def check_character(body: str) -> str:
    """Luhn mod N over ``body`` (ISO/IEC 7812's algorithm on base 32): catches any single wrong character and
    most swaps of neighbours."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def new_receipt() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return f"{PREFIX}{body}{check_character(body)}"


def display(receipt: str) -> str:
    """JB7K3M 9QX2 DT4R5 → read aloud in groups."""
    return f"{receipt[:6]} {receipt[6:10]} {receipt[10:]}"


def normalised(text: str, *, field: str = "receipt") -> str:
    """The receipt typed (any case, spaces or dashes) in its stored form, or a problem naming ``field`` when it
    cannot be one of ours: wrong length or characters, or its check character does not match."""
    value = _SEPARATORS.sub("", text or "").upper()
    if not value:
        raise field_error(field, "enter the receipt number", "请填写回执编号")
    body = value[len(PREFIX):-1]
    if (not value.startswith(PREFIX) or len(value) != len(PREFIX) + BODY + 1
            or any(char not in ALPHABET for char in value[len(PREFIX):])):
        raise field_error(field, "not a receipt number: it is JB followed by 13 letters and digits",
                          "回执编号格式不对：应为 JB 加 13 位字母和数字，请对照回执核对")
    if check_character(body) != value[-1]:
        raise field_error(field, "the receipt number's check character does not match: check it against the receipt",
                          "回执编号校验不符，可能有字符输错，请对照回执核对")
    return value
