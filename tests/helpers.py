"""Small helpers shared by tests."""

from __future__ import annotations

from typing import Any

from gateway.identity.tokens import issue_access_token


def staff_token(
    platform: Any, *, roles: list[str], region: str, subject: str = "staff-1", **extra: Any
) -> str:
    """An access token signed by the gateway's own key, as identity would issue it to a staff account."""
    settings = platform.settings
    return issue_access_token(
        platform.keys,
        issuer=settings.issuer,
        audience=settings.jwt_audience,
        subject=subject,
        lifetime_seconds=600,
        kind="staff",
        roles=roles,
        region=region,
        **extra,
    )
