"""REST shapes of the e-licenses API (统一电子证照), as shared/API.md fixes them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.kernel.validators import CreditCode, IdNumber

FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class HolderKind(StrEnum):
    PERSON = "person"
    LEGAL_PERSON = "legal_person"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldDef(BaseModel):
    name: str
    label: str


class LicenseTypeRead(BaseModel):
    type: str = Field(description="the type's code, e.g. DRIVING-LICENSE")
    code: str = Field(description="the same code (kept for earlier clients)")
    name: str
    department: str = Field(description="the unit that issues it; * for the department that approved a case")
    issuer_department: str
    holder_kind: HolderKind
    validity_years: int
    fields: list[FieldDef]


class Holder(Strict):
    id_number: IdNumber | None = None
    credit_code: CreditCode | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Holder:
        if (self.id_number is None) == (self.credit_code is None):
            raise ValueError("持证人须给出公民身份号码或统一社会信用代码之一")
        return self


class LicenseIssue(Strict):
    type: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    holder: Holder
    fields: dict[FieldName, Annotated[str, StringConstraints(max_length=200)]]
    valid_until: dt.date | None = None


class StatusChange(Strict):
    reason: Reason


class Renewal(Strict):
    reason: Reason
    valid_until: dt.date


class LicenseRead(BaseModel):
    license_id: str
    type: str
    type_name: str
    issuer: str = Field(description="the issuing department")
    status: str = Field(description="valid | expired | suspended | revoked")
    status_reason: str
    valid_from: str
    valid_until: str | None
    fields: dict[str, str]
    kid: str = Field(description="the issuer key that sealed it (see the issuer JWKS)")
    seal: str = Field(description="电子印章: Ed25519 over the canonical encoding of the license (base64url)")
    issued_at: str
    holder: str | None = Field(default=None, description="the holder's number, masked (issuers only)")


class Wallet(BaseModel):
    linked: bool = Field(
        description="false until the account's ID number is bound (POST /api/v1/me/real-name)"
    )
    licenses: list[LicenseRead]


class PresentationRequest(Strict):
    fields: Annotated[list[FieldName], Field(min_length=1, max_length=20)]
    nonce: Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{8,128}$")] | None = None
    audience: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    ttl_seconds: Annotated[int, Field(ge=10, le=300)] = 60
    qr: bool = Field(default=True, description="false: no QR images in the answer (the app draws its own)")


class PresentationRead(BaseModel):
    presentation: str = Field(description="SD-JWT (RFC 9901) with a key-binding JWT")
    nonce: str
    audience: str
    expires_at: dt.datetime
    qr_svg: str | None = Field(description="the presentation as a QR code, SVG")
    qr_png: str | None = Field(description="the same QR code as a PNG data URI")


class VerifyRequest(Strict):
    presentation: Annotated[str, StringConstraints(min_length=1, max_length=8000)]
    nonce: Annotated[str, StringConstraints(max_length=128)] | None = None
    audience: Annotated[str, StringConstraints(max_length=200)] | None = None


class VerifyResult(BaseModel):
    valid: bool
    reason: str | None = Field(default=None, description="why not, as a stable code")
    message: str | None = Field(default=None, description="why not, in Chinese")
    type: str | None = None
    type_name: str | None = None
    issuer: str | None = None
    fields: dict[str, str] | None = None


class LicenseUseRead(BaseModel):
    at: dt.datetime
    kind: str = Field(description="issued | status | read | presentation | verification")
    who: str
    purpose: str
    case_ref: str | None
    agent_id: str | None


class KeyRotation(Strict):
    department: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class KeyRotated(BaseModel):
    kid: str
