"""Shapes the licenses service's rules take and give."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class HolderKind(StrEnum):
    PERSON = "person"  # 自然人
    LEGAL_PERSON = "legal_person"  # 法人


class LicenseTypeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    issuer_department: str
    holder_kind: HolderKind
    validity_years: int
