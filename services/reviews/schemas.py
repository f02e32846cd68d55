"""Shapes the reviews service's rules take and give."""

from __future__ import annotations

from enum import IntEnum

from pydantic import BaseModel


class Level(IntEnum):
    VERY_SATISFIED = 5  # 非常满意
    SATISFIED = 4  # 满意
    BASICALLY_SATISFIED = 3  # 基本满意
    DISSATISFIED = 2  # 不满意
    VERY_DISSATISFIED = 1  # 非常不满意


LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


class LevelCount(BaseModel):
    level: int
    label: str
    count: int


class IndicatorsRead(BaseModel):
    region: str
    total: int
    levels: list[LevelCount]
    satisfaction_rate: float
    bad_reviews: int
