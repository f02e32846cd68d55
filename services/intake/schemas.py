"""Shapes the intake service's rules take and give."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ServiceItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    department: str
    region: str
    category: str
    promised_days: int
    statutory_days: int
    materials: list[str]
    online: bool
