"""What the purchased-services API takes and answers, and the evaluation criteria with their weights."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import NonBlankText, RowId, SaneDate
from citysafe.core.validators import validate_division_code

# The criteria a buyer scores a provider's work by (0-100 each) and their weights: the performance evaluation
# 财政部《政府购买服务管理办法》(财政部令第102号, 2020) 第五章 asks of the buyer, in the dimensions of
# 财政部《项目支出绩效评价管理办法》(财预〔2020〕10号: 产出数量、质量、时效，满意度). Weights are this platform's
# first choice [U].
CRITERIA_ZH = {"quality": "服务质量", "timeliness": "响应及时", "expertise": "专业能力", "compliance": "合同履约",
               "satisfaction": "服务对象满意度"}
WEIGHTS = {"quality": 0.3, "timeliness": 0.2, "expertise": 0.2, "compliance": 0.2, "satisfaction": 0.1}
# A provider's standing from the mean of its evaluations' totals, in the four grades of 财预〔2020〕10号 (总分100分:
# 90分（含）以上为优, 80（含）-90分为良, 60（含）-80分为中, 60分以下为差).
STANDING_BANDS = ((90.0, "excellent"), (80.0, "good"), (60.0, "pass"), (0.0, "fail"))
STANDING_ZH = {"excellent": "优", "good": "良", "pass": "中", "fail": "差", "none": "暂无评价"}
Score = Annotated[int, Ge(0), Le(100)]


def _division(value: str) -> str:
    return validate_division_code(value)


class ItemIn(BaseModel):
    edition: NonBlankText = Field(max_length=30)
    code: NonBlankText = Field(max_length=20)
    category: NonBlankText = Field(max_length=100)
    name: NonBlankText = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    basis: str = Field(default="", max_length=300)
    active: bool = True


class ItemRead(ItemIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


class ProviderIn(BaseModel):
    organization_id: RowId
    region_code: str
    item_codes: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(default_factory=list, max_length=50)
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=30)
    note: str = Field(default="", max_length=2000)

    _region = field_validator("region_code")(classmethod(lambda cls, v: _division(v)))


class QualificationIn(BaseModel):
    name: NonBlankText = Field(max_length=100)
    number: NonBlankText = Field(max_length=60)
    issuer: NonBlankText = Field(max_length=100)
    issued_on: SaneDate | None = None
    expires_on: SaneDate

    @model_validator(mode="after")
    def _order(self) -> QualificationIn:
        if self.issued_on and self.expires_on < self.issued_on:
            raise PydanticCustomError("date_order", "expires_on is before issued_on", {"zh": "有效期止早于发证日期"})
        return self


class QualificationRead(QualificationIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    provider_id: int
    expired: bool = False


class ContractIn(BaseModel):
    provider_id: RowId
    item_id: RowId
    number: NonBlankText = Field(max_length=60)
    title: NonBlankText = Field(max_length=200)
    buyer: NonBlankText = Field(max_length=200, description="the buying office (购买主体)")
    amount: Decimal = Field(gt=0, le=Decimal("1e11"), max_digits=14, decimal_places=2, description="yuan")
    starts_on: SaneDate
    ends_on: SaneDate

    @model_validator(mode="after")
    def _order(self) -> ContractIn:
        if self.ends_on < self.starts_on:
            raise PydanticCustomError("date_order", "ends_on is before starts_on", {"zh": "结束日期早于开始日期"})
        return self


class ContractRead(ContractIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region_code: str
    item_name: str = ""
    provider_name: str = ""
    records: int = 0


class RecordIn(BaseModel):
    done_on: SaneDate
    summary: NonBlankText = Field(max_length=500)
    result: str = Field(default="", max_length=500)


class RecordRead(RecordIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contract_id: int


class EvaluationIn(BaseModel):
    contract_id: RowId
    evaluated_on: SaneDate
    evaluator: NonBlankText = Field(max_length=100)
    scores: dict[str, Score] = Field(description="a score 0-100 for each of " + ", ".join(CRITERIA_ZH))
    comment: str = Field(default="", max_length=2000)

    @field_validator("scores")
    @classmethod
    def _all_criteria(cls, value: dict[str, int]) -> dict[str, int]:
        if set(value) != set(CRITERIA_ZH):
            raise PydanticCustomError("criteria", "score each of {names}", {
                "names": ", ".join(CRITERIA_ZH), "zh": "请为每项打分：" + "、".join(CRITERIA_ZH.values())})
        return value


class EvaluationRead(EvaluationIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    provider_id: int
    total: float


class ProviderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organization_id: int
    name: str = ""
    region_code: str
    item_codes: list[str]
    contact_name: str
    contact_phone: str
    note: str
    qualifications: list[QualificationRead] = []
    expired_qualifications: int = 0
    contracts: int = 0
    evaluations: int = 0
    mean_score: float | None = None
    standing: str = "none"
    standing_name: str = ""
