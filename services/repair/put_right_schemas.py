"""Shapes of the put-right capabilities: dispatch by hand, a county's acceptance timeouts per service circle."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator


class DispatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outlet_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class ResponseSettingsIn(BaseModel):
    """Minutes an outlet has to accept a dispatch: the 1-hour village circle's no longer than the township's."""

    model_config = ConfigDict(extra="forbid")

    village_accept_minutes: Annotated[int, Field(ge=5, le=60)]
    township_accept_minutes: Annotated[int, Field(ge=5, le=180)]

    @model_validator(mode="after")
    def _village_not_longer(self) -> ResponseSettingsIn:
        if self.village_accept_minutes > self.township_accept_minutes:
            raise ValueError("村级1小时服务圈的接单时限不能长于乡镇3小时服务圈的接单时限")
        return self


class ResponseSettingsRead(BaseModel):
    county: str
    village_accept_minutes: int
    township_accept_minutes: int
    customised: bool
    updated_at: str | None = None
