"""The public REST shapes of a county's monthly data review chain and its annual outlet assessment (owned by the
gateway; the repair service checks the rules: stage order, weights summing to 100)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from gateway.schemas.repair import Strict

Weight = Annotated[int, Field(ge=0, le=100)]
Score = Annotated[float, Field(ge=0, le=100)]


class ReviewStage(StrEnum):
    VILLAGE = "village"  # 村级
    TOWNSHIP = "township"  # 乡镇
    COUNTY = "county"  # 县级


class ReviewSubmitIn(Strict):
    signer_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] = (
        Field(description="the name of the staff person who signs this step off")
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class MonthFigures(BaseModel):
    tickets: int
    closed: int
    restored_within_24h: int
    restored_within_24h_share: float
    mean_rating: float
    inspections: int
    inspections_on_time: int
    inspection_faults: int
    inspections_overdue: int
    terminals: int
    terminal_online_rate: float
    terminals_below_online_target: int


class ReviewStep(BaseModel):
    stage: ReviewStage
    signed_by: str
    signer_name: str
    note: str
    submitted_at: str
    figures: MonthFigures = Field(description="frozen at submission")


class MonthlyReviewRead(BaseModel):
    county: str
    month: str
    current: MonthFigures = Field(description="the figures as the platform's data says now")
    steps: list[ReviewStep]
    next_stage: str = Field(description="village, township, county, or empty once the county has submitted")


class AssessmentWeights(Strict):
    share_24h: Weight = Field(description="24小时修复率")
    circles: Weight = Field(description="服务圈响应达标率")
    rating: Weight = Field(description="满意度")
    complaints: Weight = Field(description="无投诉率（评价1-2级为投诉）")
    inspections: Weight = Field(description="按期巡检率")
    terminal_online: Weight = Field(description="终端在线率")

    @model_validator(mode="after")
    def _sum_to_100(self) -> AssessmentWeights:
        if sum(self.model_dump().values()) != 100:
            raise ValueError("the weights must sum to 100")
        return self


class AssessmentSchemeIn(Strict):
    weights: AssessmentWeights
    target_score: Score = 80
    replace_below: Score = Field(60, description="below this score the outlet is replaced (解约更换)")

    @model_validator(mode="after")
    def _lines(self) -> AssessmentSchemeIn:
        if self.replace_below > self.target_score:
            raise ValueError("the replacement line is not above the target score")
        return self


class AssessmentSchemeRead(BaseModel):
    county: str
    weights: AssessmentWeights
    target_score: float
    replace_below: float
    updated_at: str


class OutletMeasures(BaseModel):
    share_24h: float | None = None
    circles: float | None = None
    rating: float | None = None
    complaints: float | None = None
    inspections: float | None = None
    terminal_online: float | None = None


class Verdict(StrEnum):
    OK = "ok"
    RECTIFY = "rectify"  # 限期整改
    REPLACE = "replace"  # 解约更换
    NO_DATA = "no_data"


class OutletScore(BaseModel):
    outlet_id: str
    name: str
    tickets: int
    measures: OutletMeasures = Field(description="each 0 to 1; absent without data")
    score: float | None = None
    verdict: Verdict


class AssessmentRead(BaseModel):
    county: str
    year: int
    scheme: AssessmentSchemeRead
    outlets: list[OutletScore] = Field(description="lowest score first")
    rectification: list[str]
    replacement: list[str]
