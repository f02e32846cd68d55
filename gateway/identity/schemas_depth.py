"""Shapes of the passkey and identity-correction API."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

from gateway.identity.schemas import Name, StrictModel, Username
from services.kernel.validators import IdNumber, Phone

# -- passkeys -----------------------------------------------------------------------------------------------------


class PasskeyRegister(StrictModel):
    credential: dict[str, Any] = Field(description="the RegistrationResponse JSON (base64url fields)")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None = (
        Field(None, description="a label the person recognises, e.g. 我的手机")
    )


class PasskeyCreated(BaseModel):
    passkey_id: str
    created_at: dt.datetime


class PasskeyRead(BaseModel):
    passkey_id: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    backed_up: bool = Field(description="a synced passkey (kept by the phone's cloud)")
    transports: list[str]


class PasskeySignInOptionsIn(StrictModel):
    """A username (staff) or phone (citizen) narrows the credentials offered; neither asks for a discoverable one."""

    username: Username | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _one_at_most(self) -> PasskeySignInOptionsIn:
        if self.username is not None and self.phone is not None:
            raise ValueError("give a username or a phone, not both")
        return self


# -- identity-result corrections (身份认证结果纠错) ----------------------------------------------------------------


class CorrectionKind(StrEnum):
    BIND = (
        "bind"  # the real-name check failed, or the ID number is bound to the wrong account: bind it to mine
    )
    UNBIND = "unbind"  # my account carries someone else's ID number: undo it


class CorrectionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


Evidence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=1000)]


class CorrectionCreate(StrictModel):
    account_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] = Field(
        description="the account to correct: the caller's own"
    )
    kind: CorrectionKind
    name: Name | None = Field(None, description="the real name on the ID card (kind bind)")
    id_number: IdNumber | None = Field(None, description="the resident ID number that is mine (kind bind)")
    reason: Reason
    evidence: Annotated[list[Evidence], Field(min_length=1, max_length=10)] = Field(
        description="references to the evidence: uploaded files, a police-station certificate number"
    )

    @model_validator(mode="after")
    def _bind_names_the_number(self) -> CorrectionCreate:
        if self.kind == CorrectionKind.BIND and (self.id_number is None or self.name is None):
            raise ValueError("a bind correction gives the name and the ID number")
        return self


class CorrectionRead(BaseModel):
    id: str
    account_id: str
    kind: CorrectionKind
    name: str | None
    id_number_masked: str | None
    reason: str
    evidence: list[str]
    status: CorrectionStatus
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    effect: dict[str, object]
    created_at: dt.datetime


class CorrectionApprove(StrictModel):
    note: Reason | None = None


class CorrectionReject(StrictModel):
    reason: Reason
