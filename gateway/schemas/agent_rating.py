"""Request shape of the agent rating's confirmation."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class ConfirmRatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(pattern=r"^\d{6}$", description="the 6-digit code texted to the resident")]
