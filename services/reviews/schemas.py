"""Shapes the reviews service's rules take and give."""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

from pydantic import BaseModel, Field, field_validator

CASE_TYPES = ("application", "repair_ticket", "mini_app", "window_visit")
CHANNELS = ("app", "window_qr", "sms", "hotline", "terminal")


class Level(IntEnum):
    VERY_SATISFIED = 5  # 非常满意
    SATISFIED = 4  # 满意
    BASICALLY_SATISFIED = 3  # 基本满意
    DISSATISFIED = 2  # 不满意
    VERY_DISSATISFIED = 1  # 非常不满意


LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


class ReviewIn(BaseModel):
    """A review as the person served gives it."""

    case_type: Literal["application", "repair_ticket", "mini_app", "window_visit"]
    case_id: str = Field(min_length=1, max_length=64)
    level: int = Field(ge=1, le=5)
    tags: list[str] = Field(default_factory=list, max_length=10)
    comment: str = Field(default="", max_length=500)
    channel: Literal["app", "window_qr", "sms", "hotline", "terminal"] = "app"

    @field_validator("tags")
    @classmethod
    def _short_tags(cls, tags: list[str]) -> list[str]:
        cleaned = [t.strip() for t in tags if t.strip()]
        if any(len(t) > 20 for t in cleaned):
            raise ValueError("每个标签不超过20个字")
        return cleaned


class RectificationActionIn(BaseModel):
    action: Literal["verify", "dispute", "decide-dispute", "rectify", "return-visit", "close"]
    reason: str = Field(default="", max_length=1000)
    evidence: list[str] = Field(default_factory=list, max_length=20)
    upheld: bool | None = None
    note: str = Field(default="", max_length=1000)
    reached: bool | None = None
    satisfied: bool | None = None


class AppealIn(BaseModel):
    reason: str = Field(min_length=2, max_length=1000)
    evidence: list[str] = Field(min_length=1, max_length=20)
