"""Shapes the licenses service's rules take and give."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class HolderKind(StrEnum):
    PERSON = "person"  # 自然人
    LEGAL_PERSON = "legal_person"  # 法人


class LicenseStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"  # shown only: the stored status stays valid, the date says expired
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class StatusAction(StrEnum):
    RENEW = "renew"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"


class FieldDef(BaseModel):
    name: str
    label: str


class LicenseTypeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    issuer_department: str
    holder_kind: HolderKind
    validity_years: int
    fields: list[FieldDef] = []
