"""Shapes of the mini-app registry API, its constrained types and its scopes, each defined once."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.kernel.validators import RegionScope

# -- scopes -----------------------------------------------------------------------------------------------------

SCOPES: dict[str, str] = {
    "profile": "你的 openid 和显示名称",
    "phone": "你的手机号（脱敏显示，如 138****5678，不含完整号码）",
    "repair.tickets": "你的广电报修工单（状态、维修网点、办结时限）",
}
"""What a mini-app may ask a citizen for, with the text the consent prompt shows:

- `profile`: the pairwise openid and the display name.
- `phone`: the masked phone number (138****5678). The full number is never given to a mini-app.
- `repair.tickets`: the citizen's broadcast-TV repair tickets (广电报修) — status, outlet and deadline, without
  other people's identifiers.
"""


def known_scope(value: str) -> str:
    if value not in SCOPES:
        raise ValueError(f"unknown scope; known scopes are {', '.join(SCOPES)}")
    return value


Scope = Annotated[str, StringConstraints(max_length=40), AfterValidator(known_scope)]


# -- semantic versions ------------------------------------------------------------------------------------------

_IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER_PATTERN = (
    rf"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-({_IDENT}(?:\.{_IDENT})*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
_SEMVER = re.compile(SEMVER_PATTERN)

SemVer = Annotated[str, StringConstraints(max_length=64, pattern=SEMVER_PATTERN)]


def semver_key(version: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    """A sort key with SemVer 2.0 precedence: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0 < 1.0.1.
    Build metadata (`+...`) does not count."""
    match = _SEMVER.match(version)
    if match is None:
        raise ValueError(f"not a semantic version: {version!r}")
    major, minor, patch, pre, _build = match.groups()
    if pre is None:
        return int(major), int(minor), int(patch), 1, ()
    parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))
    return int(major), int(minor), int(patch), 0, parts  # type: ignore[return-value]


# -- other constrained types ------------------------------------------------------------------------------------


def https_url(value: str) -> str:
    """An absolute https URL with a host and no user info (the host allow-list is checked by the service)."""
    if any(c.isspace() for c in value):
        raise ValueError("a URL has no spaces")
    parts = urlsplit(value)
    if parts.scheme.lower() != "https":
        raise ValueError("the entry URL must use https")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise ValueError("the entry URL needs a host and no user name or password")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("the entry URL has an invalid port") from exc
    if port not in (None, 443):
        raise ValueError("入口地址只能使用 https 的 443 端口")
    return value


AppId = Annotated[
    str,
    StringConstraints(min_length=3, max_length=64, pattern=r"^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$"),
    Field(description="lower-case letters and digits, with single dots or dashes between, e.g. yn.gd.repair"),
]
AppName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=50)]
Department = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
EntryUrl = Annotated[str, StringConstraints(max_length=500), AfterValidator(https_url)]
ServiceItemCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,40}$")]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=500),
    Field(description="why; shown to the app's developers"),
]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Percent = Annotated[int, Field(ge=0, le=100)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppStatus(StrEnum):
    UNLISTED = "unlisted"  # registered, never approved
    LISTED = "listed"  # 上架
    DELISTED = "delisted"  # 下架


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class FeedbackKind(StrEnum):
    BUG = "bug"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"
    PRAISE = "praise"


# -- developers -------------------------------------------------------------------------------------------------


class AppCreate(StrictModel):
    app_id: AppId
    name: AppName
    department: Department
    category: Category
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    keywords: Annotated[list[Keyword], Field(max_length=20)] = []


class Channel(StrEnum):
    """同源发布: where a version is served. One source, each channel with its own entry and minimum client."""

    APP = "app"  # the 办事通 mobile app
    PC = "pc"  # the PC portal (网上办事大厅)
    TERMINAL = "terminal"  # self-service terminals (自助终端)


class ChannelIn(StrictModel):
    channel: Channel
    entry_url: EntryUrl
    min_client_version: SemVer | None = None


class ChannelRead(BaseModel):
    channel: Channel
    entry_url: str
    min_client_version: str | None


class VersionCreate(StrictModel):
    """A version's manifest. `category` defaults to the app's; `regions` to the whole province (53)."""

    version: SemVer
    entry_url: EntryUrl
    scopes: Annotated[list[Scope], Field(max_length=len(SCOPES))]
    changelog: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    category: Category | None = None
    service_items: Annotated[list[ServiceItemCode], Field(max_length=100)] = []
    regions: Annotated[list[RegionScope], Field(min_length=1, max_length=50)] = ["53"]
    min_client_version: SemVer | None = None
    channels: Annotated[list[ChannelIn], Field(max_length=len(Channel))] = Field(
        [],
        description="the channels this version serves, each with its entry and minimum client version; "
        "none means the app channel only, at `entry_url`",
    )
    draft: bool = Field(False, description="keep it as a draft instead of submitting it for review now")

    @model_validator(mode="after")
    def _one_entry_per_channel(self) -> VersionCreate:
        names = [c.channel for c in self.channels]
        if len(names) != len(set(names)):
            raise ValueError("each channel appears once")
        return self


class AppRead(BaseModel):
    """An app as its developers and reviewers see it, whatever its status."""

    app_id: str
    name: str
    department: str
    category: str
    description: str
    keywords: list[str]
    status: AppStatus
    status_reason: str | None = Field(None, description="why it was delisted")
    status_changed_at: dt.datetime | None
    listed_version: str | None
    gray_version: str | None
    gray_percent: int
    pending_version: str | None
    flagged: bool
    flag_reason: str | None
    use_count: int
    created_at: dt.datetime
    first_party: bool = Field(False, description="the platform's own app: it sees the province-wide unionid")
    gray_started_at: dt.datetime | None = Field(
        None, description="when the gray release began; it goes to 100 % after BST_MINIAPP_GRAY_FULL_DAYS"
    )
    gray_paused: bool = Field(False, description="a paused gray release is not completed automatically")
    previous_version: str | None = Field(None, description="the full version a rollback returns to")


class VersionRead(BaseModel):
    app_id: str
    version: str
    status: VersionStatus
    entry_url: str
    scopes: list[str]
    category: str
    service_items: list[str]
    regions: list[str]
    min_client_version: str | None
    changelog: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    reason: str | None = Field(None, description="why it was rejected")
    comment: str | None = Field(None, description="the reviewer's comment on approval")
    channels: list[ChannelRead] = []


class GrayIn(StrictModel):
    version: SemVer
    percent: Percent = Field(description="share of users (0-100) who get this version; 100 lists it fully")
    reason: Comment | None = None


class RollbackIn(StrictModel):
    reason: Reason


# -- reviewers --------------------------------------------------------------------------------------------------


class ApproveIn(StrictModel):
    comment: Comment | None = None
    gray_percent: Percent | None = Field(
        None,
        description="serve this version to this share of users first (the listed version keeps the rest); "
        "omitted or 100 lists it for everyone",
    )


class RejectIn(StrictModel):
    reason: Reason


class DelistIn(StrictModel):
    reason: Reason
    emergency: bool = Field(
        False, description="紧急下架: users who open the app are told it was an emergency"
    )


class FirstPartyIn(StrictModel):
    first_party: bool


class RelistIn(StrictModel):
    comment: Comment | None = None


class ClearFlagIn(StrictModel):
    comment: Comment | None = None


class MemberIn(StrictModel):
    department: Department
    account_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    department: str
    account_id: str
    added_by: str
    added_at: dt.datetime


class RegistryEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    event: str
    app_id: str | None
    version: str | None
    department: str | None
    actor: str
    reason: str | None
    detail: dict[str, object]


class HealthRead(BaseModel):
    status: Literal["unknown", "up", "down"]
    checked_at: dt.datetime | None = None
    failing_since: dt.datetime | None = None
    http_status: int | None = None
    latency_ms: float | None = None
    error: str | None = None


class TrafficRead(BaseModel):
    minutes: int
    requests: int
    client_errors: int
    server_errors: int
    error_rate: float = Field(description="share of requests answered 4xx or 5xx")
    latency_ms_avg: float | None
    latency_ms_p95: float | None = Field(
        None, description="upper bound of the bucket holding the 95th percentile"
    )


class MonitoringRead(BaseModel):
    app_id: str
    status: AppStatus
    flagged: bool
    flag_reason: str | None
    health: HealthRead
    traffic: TrafficRead


# -- the catalogue (统一检索) -------------------------------------------------------------------------------------


class CatalogueEntry(BaseModel):
    """A listed app as one person sees it: the version they get (gray or listed) and its manifest."""

    app_id: str
    name: str
    department: str
    category: str
    description: str
    keywords: list[str]
    version: str
    entry_url: str
    scopes: list[str]
    service_items: list[str]
    regions: list[str]
    min_client_version: str | None
    gray: bool = Field(description="true when this person is in the gray group of a newer version")
    use_count: int
    channel: Channel | None = Field(
        None,
        description="the channel asked for (`channel=`): entry_url and min_client_version are that channel's",
    )
    channels: list[Channel] = Field([], description="the channels this version is served on")


class ServiceItemHit(BaseModel):
    code: str
    name: str
    department: str
    region: str
    category: str
    online: bool
    mini_apps: list[str] = Field(description="listed apps whose manifest covers this item")


class SearchHit(BaseModel):
    kind: Literal["mini_app", "service_item"]
    score: int
    mini_app: CatalogueEntry | None = None
    service_item: ServiceItemHit | None = None


# -- citizens ---------------------------------------------------------------------------------------------------


class AuthorizeIn(StrictModel):
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(SCOPES))]


class Authorized(BaseModel):
    openid: str = Field(description="stable for this person and this app; different for every other app")
    access_token: str = Field(
        description="a JWT whose `aud` is the app, `sub` the openid, `scope` the scopes"
    )
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    scope: str
    version: str
    unionid: str | None = Field(
        None, description="first-party apps only: the person's province-wide id, the same for every such app"
    )


class ScopePrompt(BaseModel):
    scope: str
    description: str
    granted: bool


class ConsentPrompt(BaseModel):
    """What the 办事通 app shows before it authorizes: the scopes, and whether any still needs the citizen's yes."""

    app_id: str
    name: str
    department: str
    scopes: list[ScopePrompt]
    needs_consent: bool


class ConsentRead(BaseModel):
    app_id: str
    name: str
    openid: str
    scopes: list[str]
    granted_at: dt.datetime
    updated_at: dt.datetime


class FeedbackIn(StrictModel):
    kind: FeedbackKind
    content: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=1000)]


class FeedbackRead(BaseModel):
    id: int
    app_id: str
    version: str | None
    openid: str = Field(description="the citizen's openid for this app; their account stays private")
    kind: FeedbackKind
    content: str
    created_at: dt.datetime


# -- the open API that mini-apps call with their tokens ---------------------------------------------------------


class UserInfo(BaseModel):
    openid: str
    display_name: str
    unionid: str | None = Field(None, description="first-party apps only")


class PhoneInfo(BaseModel):
    openid: str
    phone_masked: str | None = Field(description="138****5678; null when the account has no phone")


class OpenTicket(BaseModel):
    """A repair ticket as a mini-app sees it: no account ids of anyone."""

    ticket_no: str
    status: str
    county: str
    category: str
    description: str
    outlet_name: str | None
    outlet_phone: str | None
    due_at: str
    overdue: bool
    created_at: str
    closed_at: str | None

    @classmethod
    def from_message(cls, ticket: dict[str, Any]) -> OpenTicket:
        """From a repair `Ticket` message as a dict (unset strings arrive empty)."""
        assignee = ticket.get("assignee") or {}
        return cls(
            ticket_no=ticket["ticket_no"],
            status=ticket["status"],
            county=ticket["county"],
            category=ticket["category"],
            description=ticket["description"],
            outlet_name=assignee.get("name") or None,
            outlet_phone=assignee.get("phone") or None,
            due_at=ticket["due_at"],
            overdue=bool(ticket.get("overdue")),
            created_at=ticket["created_at"],
            closed_at=ticket.get("closed_at") or None,
        )


class OpenTicketPage(BaseModel):
    tickets: list[OpenTicket]
    next_cursor: str | None
