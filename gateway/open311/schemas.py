"""Open311 shapes: the admin API's clients, and the GeoReport v2 documents (for the OpenAPI description)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.kernel.validators import CountyCode


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    county: CountyCode | None = Field(
        None, description="when set, the client files reports for this county only (a 6-digit adcode)"
    )


class ClientRead(BaseModel):
    client_id: str
    name: str
    county: str | None = None
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class ClientCreated(ClientRead):
    api_key: str = Field(description="shown this once; the platform keeps only its SHA-256")


class Open311ServiceRead(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool = False
    type: Literal["realtime"] = "realtime"
    keywords: str
    group: str


class ServiceDefinitionRead(BaseModel):
    service_code: str
    attributes: list[dict[str, object]] = []


class RequestForm(BaseModel):
    """The GeoReport v2 POST Service Request fields (application/x-www-form-urlencoded). Every field is read as
    text and checked by the route, so that a bad one is answered in the spec's error format with a Chinese
    description. `attribute[...]` fields are ignored (no service has metadata)."""

    api_key: str = Field("", max_length=200, description="the client's key (403 when wrong or revoked)")
    jurisdiction_id: str = Field("", max_length=10, description="optional: 53, a prefecture (5301) or county")
    service_code: str = Field("", max_length=40, description="one of GET services.json's codes")
    lat: str = Field("", max_length=40, description="WGS-84/GCJ-02 latitude; with `long`")
    long: str = Field("", max_length=40, description="longitude; with `lat`")
    address_string: str = Field("", max_length=200, description="a human-readable address")
    address_id: str = Field("", max_length=10, description="the county's 6-digit adcode")
    email: str = Field("", max_length=100, description="checked, not kept: reporters are reached by phone")
    device_id: str = Field("", max_length=100)
    account_id: str = Field("", max_length=100, description="the client's own id of the reporter, echoed")
    first_name: str = Field("", max_length=25)
    last_name: str = Field("", max_length=25)
    phone: str = Field("", max_length=20, description="required: the reporter's mobile, the ticket's contact")
    description: str = Field("", max_length=4000, description="at most 500 characters are accepted")
    media_url: str = Field(
        "", max_length=500, description="an https/http URL of a photo (kept, never fetched)"
    )


class RequestCreatedRead(BaseModel):
    service_request_id: str
    service_notice: str | None = None
    account_id: str | None = None


class ServiceRequestRead(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str | None = None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str
    address: str = Field(description="the province, prefecture and county only, never a street or house")
    address_id: str = Field(description="the county's adcode")
    zipcode: str | None = None
    lat: float | None = Field(None, description="rounded to 0.01° (about 1 km); null without a point")
    long: float | None = None
    media_url: str | None = None


class Open311Error(BaseModel):
    code: int = Field(description="the HTTP status")
    description: str = Field(description="in Chinese")
