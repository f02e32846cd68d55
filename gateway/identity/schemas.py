"""Shapes of the identity API."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.kernel.validators import CreditCode, IdNumber, Phone, RegionScope


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    APP_REVIEWER = "app_reviewer"
    APP_DEVELOPER = "app_developer"
    COUNTY_ADMIN = "county_admin"
    OUTLET_TECHNICIAN = "outlet_technician"
    VILLAGE_AGENT = "village_agent"  # 村组代办员
    WINDOW_STAFF = "window_staff"
    DEPARTMENT_STAFF = "department_staff"
    LICENSE_ISSUER = "license_issuer"
    IDENTITY_OFFICER = "identity_officer"  # 身份认证纠错: decides identity-result corrections


class AccountKind(StrEnum):
    CITIZEN = "citizen"  # 自然人
    LEGAL_PERSON = "legal_person"  # 法人
    STAFF = "staff"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Username = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{2,59}$")]
Password = Annotated[str, StringConstraints(min_length=10, max_length=128)]
SmsDigits = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
OpaqueToken = Annotated[str, StringConstraints(min_length=16, max_length=200)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SmsCodeRequest(StrictModel):
    phone: Phone


class SmsCodeSent(BaseModel):
    expires_in: int
    resend_after: int


class SmsGrant(StrictModel):
    grant_type: Literal["sms"]
    phone: Phone
    code: SmsDigits


class PasswordGrant(StrictModel):
    grant_type: Literal["password"]
    username: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class RefreshGrant(StrictModel):
    grant_type: Literal["refresh_token"]
    refresh_token: OpaqueToken


class LegalPersonGrant(StrictModel):
    """A signed-in citizen switches to acting for a legal person they are authorised for (Bearer required)."""

    grant_type: Literal["legal_person"]
    credit_code: CreditCode


class PasskeyGrant(StrictModel):
    """Sign in with a passkey: the `session` of `POST /api/v1/auth/passkey/options` and the authenticator's answer."""

    grant_type: Literal["passkey"]
    session: Annotated[str, StringConstraints(min_length=16, max_length=100)]
    credential: dict[str, Any] = Field(description="the AuthenticationResponse JSON (base64url fields)")


TokenRequest = Annotated[
    SmsGrant | PasswordGrant | RefreshGrant | LegalPersonGrant | PasskeyGrant,
    Field(discriminator="grant_type"),
]


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class LogoutRequest(StrictModel):
    refresh_token: OpaqueToken | None = None


class Resident(StrictModel):
    name: Name
    phone: Phone


class DelegationRequest(StrictModel):
    resident: Resident


class DelegationStarted(BaseModel):
    delegation_id: str
    expires_in: int


class DelegationConfirm(StrictModel):
    code: SmsDigits


class DelegationRead(BaseModel):
    """One delegation: which agent acted for which resident, when, and until when."""

    agent_id: str
    agent_name: str
    agent_region: str | None
    resident_id: str
    at: dt.datetime
    expires_at: str | None


class DelegationToken(BaseModel):
    access_token: str
    resident_id: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class AccountCreate(StrictModel):
    username: Username
    password: Password
    display_name: Name
    roles: Annotated[list[Role], Field(min_length=1, max_length=len(Role))]
    region: RegionScope
    outlet_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,40}$")] | None = None
    phone: Phone | None = None
    department: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None
    ) = None


class AccountUpdate(StrictModel):
    """Only the fields sent change; `null` is not a value here (a region or role list cannot be removed)."""

    status: AccountStatus = Field(default=None)  # type: ignore[assignment]
    roles: Annotated[list[Role], Field(min_length=1, max_length=len(Role))] = Field(default=None)  # type: ignore[assignment]
    region: RegionScope = Field(default=None)  # type: ignore[assignment]
    display_name: Name = Field(default=None)  # type: ignore[assignment]
    outlet_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,40}$")] = Field(default=None)  # type: ignore[assignment]
    department: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = (
        Field(default=None)
    )  # type: ignore[assignment]


class AccountRead(BaseModel):
    id: str
    kind: AccountKind
    username: str | None
    display_name: str
    roles: list[str]
    region: str | None
    outlet_id: str | None
    department: str | None = None
    status: AccountStatus
    phone_masked: str | None
    real_name_level: int
    created_at: dt.datetime


class Me(BaseModel):
    id: str
    kind: AccountKind
    display_name: str
    roles: list[str]
    region: str | None
    phone_masked: str | None
    real_name_level: int
    id_number_masked: str | None = None
    acting_as: str | None = Field(
        None, description="the agent or authorised citizen behind this token (act.sub)"
    )


class RealNameRequest(StrictModel):
    name: Name
    id_number: IdNumber


class LegalPersonCreate(StrictModel):
    credit_code: CreditCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]


class LegalPersonRead(BaseModel):
    id: str
    credit_code: str
    name: str
    my_role: str


class MemberAdd(StrictModel):
    phone: Phone


class SmsMessageRead(BaseModel):
    phone: str
    text: str
    sent_at: dt.datetime


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    event: str
    actor: str | None
    subject: str | None
    ip: str | None
    detail: dict[str, object]


class QrSessionCreated(BaseModel):
    session_id: str
    qr_url: str
    poll_token: str
    expires_in: int


class QrSessionState(BaseModel):
    status: Literal["pending", "scanned", "confirmed", "consumed", "cancelled"]
    expires_in: int
    tokens: TokenPair | None = None


class UserSpaceSummary(BaseModel):
    applications: int | None = Field(None, description="null until the intake service offers it")
    repair_tickets: int | None = Field(None, description="null until the repair service offers it")
    licenses: int | None = Field(None, description="null until the licenses service offers it")
    reviews: int | None = None
