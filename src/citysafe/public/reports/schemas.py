"""What the reports service answers: a report for staff and for the rewards domain, the reports of one matter,
a reporter's identity (for those who handle rewards only), and the public tracking view (no staff, no reporter,
the place displaced)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from citysafe.core.geo import Location
from citysafe.hazards.enums import HazardCategory

MIN_WORDS = 5  # letters, CJK characters or digits: a description of only emoji or punctuation says nothing
_ID_NUMBER = r"^[1-9][0-9]{16}[0-9Xx]$"  # GB 11643-1999 公民身份号码: 18 characters, the last a digit or X


class State(StrEnum):
    RECEIVED = "received"  # 已受理: stored, waiting for staff
    VERIFIED = "verified"  # 已核实: staff found it true
    REJECTED = "rejected"  # 不予采纳, with the reason the reporter reads
    TRANSFERRED = "transferred"  # 已转交整改: a hazard ticket was opened from it
    INCIDENT = "incident"  # 已转交应急处置: an emergency incident was opened from it
    RECTIFIED = "rectified"  # 已整改销号: its ticket was closed
    DISMISSED = "dismissed"  # its ticket was closed as not a hazard


STATE_NAMES_ZH: dict[str, str] = {
    State.RECEIVED: "已受理", State.VERIFIED: "已核实", State.REJECTED: "不予采纳",
    State.TRANSFERRED: "已转交整改", State.INCIDENT: "已转交应急处置", State.RECTIFIED: "已整改销号",
    State.DISMISSED: "经核查不构成隐患",
}
OPEN_STATES = frozenset({State.RECEIVED, State.VERIFIED})
# The steps the tracking page draws, in order (a rejected report stops after the first).
PUBLIC_PATH = (State.RECEIVED, State.VERIFIED, State.TRANSFERRED, State.RECTIFIED)
DUPLICATE_NAMES_ZH = {"": "", "place": "同一地点同类举报", "photo": "同一照片"}


class ReportIn(BaseModel):
    category: HazardCategory
    description: str = Field(max_length=2000)
    address: str = Field(default="", max_length=300)
    location: Location
    name: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=20)
    code: str = Field(default="", max_length=10)
    id_number: str = Field(default="", max_length=18)
    email: str = Field(default="", max_length=254)  # from an Open311 app (GeoReport v2); the page asks none

    @field_validator("description")
    @classmethod
    def _words(cls, value: str) -> str:
        value = value.strip()
        words = sum(1 for ch in value if unicodedata.category(ch)[0] in "LN")
        if words < MIN_WORDS:
            raise PydanticCustomError(
                "too_few_words", "describe what you saw in words (at least {n} characters, emoji do not count)",
                {"n": MIN_WORDS, "zh": f"请用文字描述看到的情况（至少 {MIN_WORDS} 个字，表情符号不计）"})
        return value

    @field_validator("name", "phone", "code", "address", "email")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str) -> str:
        value = value.strip().upper()
        if value and not re.match(_ID_NUMBER, value):
            raise PydanticCustomError("id_number", "an identity card number has 18 characters",
                                      {"zh": "身份证号应为 18 位（最后一位可为 X）"})
        if value and not _born_on_a_real_day(value[6:14]):
            raise PydanticCustomError("id_number", "characters 7 to 14 of the number are not a date of birth",
                                      {"zh": "身份证号第 7 至 14 位应为出生日期，请核对"})
        if value and value[17] != id_check_character(value[:17]):
            raise PydanticCustomError("id_number", "the last character does not check (GB 11643-1999); a digit "
                                      "was probably mistyped", {"zh": "身份证号校验位不符，可能有数字输错，请核对"})
        return value


# GB 11643-1999 公民身份号码 第 7 条: the check character is ISO 7064 MOD 11-2 over the first 17 digits, each weighted
# by 2^(18-i) mod 11; the remainder 0‥10 names the character "1 0 X 9 8 7 6 5 4 3 2".
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    """The check character of a citizen identity number's first 17 digits (GB 11643-1999, ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _born_on_a_real_day(digits: str) -> bool:
    """第 6 条: characters 7‥14 are the date of birth, YYYYMMDD, a day of the calendar (the standard's own example,
    440524188001010014, was born in 1880: no earliest year is assumed)."""
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return True


class ReportRead(BaseModel):
    """A report as staff and the rewards domain see it: no personal information (that is ``ReporterIdentity``)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    receipt: str
    state: str
    category: str
    description: str
    address: str
    region_code: str
    lon: float
    lat: float
    public_lon: float
    public_lat: float
    displacement_m: int
    created_at: datetime
    verified_at: datetime | None
    reject_reason: str
    ticket_id: int | None
    ticket_number: str
    incident_id: int | None
    incident_number: str
    closed_at: datetime | None
    group_id: int | None
    duplicate_reason: str
    real_name: bool
    phone_verified: bool
    anonymous: bool


class GroupMember(BaseModel):
    """One report of a matter, for deciding who is rewarded (多人举报: 最先受理的实名举报人)."""

    id: int
    receipt: str
    created_at: datetime
    state: str
    real_name: bool
    phone_verified: bool
    duplicate_reason: str


class ReporterIdentity(BaseModel):
    """Who reported: shown only to a holder of ``reports:identity``, each read audited. ``erased``: deleted on
    request or at the end of retention (nothing left to show)."""

    report_id: int
    name: str
    phone: str
    id_number: str
    real_name: bool
    phone_verified: bool
    erased: bool
    email: str = ""
    retain_until: datetime | None


class PublicStep(BaseModel):
    stage: str
    stage_name: str
    at: datetime
    note: str


class PublicReport(BaseModel):
    """The tracking page: what and roughly where (displaced), and each step, with no one's name."""

    receipt: str
    state: str
    state_name: str
    category: str
    description: str
    public_lon: float
    public_lat: float
    displacement_m: int
    created_at: datetime
    steps: list[PublicStep]


class PublicListed(BaseModel):
    """A report as anyone may list it (the Open311 view): what, roughly where (displaced), its stage and the
    latest note written for the reporter; no address, no reporter, no staff."""

    id: int
    state: str
    state_name: str
    category: str
    description: str
    region_code: str
    public_lon: float
    public_lat: float
    displacement_m: int
    created_at: datetime
    updated_at: datetime
    ticket_id: int | None
    note: str
