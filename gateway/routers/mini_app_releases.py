"""Gray releases that only go forward (pause, resume, one-click rollback) and the first-party flag of mini-apps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path

from gateway.deps import CurrentPrincipal, Runtime
from gateway.registry.schemas import AppRead, Comment, FirstPartyIn, RollbackIn, StrictModel

router = APIRouter(prefix="/api/v1/mini-apps", tags=["mini-apps"])
admin_router = APIRouter(prefix="/api/v1/admin/mini-apps", tags=["mini-app review"])

AppIdPath = Annotated[str, Path(max_length=100)]


class PauseIn(StrictModel):
    reason: Comment | None = None


@router.post("/{app_id}/gray/pause", operation_id="pause_mini_app_gray_release", response_model=AppRead)
async def pause_gray(
    app_id: AppIdPath,
    runtime: Runtime,
    principal: CurrentPrincipal,
    body: Annotated[PauseIn | None, Body()] = None,
) -> AppRead:
    """Hold the gray release where it is: it is not completed automatically after 15 days while paused."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.pause_gray(
            session=session,
            principal=principal,
            app_id=app_id,
            paused=True,
            reason=body.reason if body else None,
        )


@router.post("/{app_id}/gray/resume", operation_id="resume_mini_app_gray_release", response_model=AppRead)
async def resume_gray(
    app_id: AppIdPath,
    runtime: Runtime,
    principal: CurrentPrincipal,
    body: Annotated[PauseIn | None, Body()] = None,
) -> AppRead:
    """Resume a paused gray release; the 15 days before it goes to 100 % count from now."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.pause_gray(
            session=session,
            principal=principal,
            app_id=app_id,
            paused=False,
            reason=body.reason if body else None,
        )


@router.post("/{app_id}/rollback", operation_id="rollback_mini_app", response_model=AppRead)
async def rollback(
    app_id: AppIdPath, body: RollbackIn, runtime: Runtime, principal: CurrentPrincipal
) -> AppRead:
    """一键回退: a running gray release ends (everyone gets the listed version); with none running, the app returns
    to the full version before the listed one."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.rollback(
            session=session, principal=principal, app_id=app_id, reason=body.reason
        )


@admin_router.put("/{app_id}/first-party", operation_id="set_mini_app_first_party", response_model=AppRead)
async def set_first_party(
    app_id: AppIdPath, body: FirstPartyIn, runtime: Runtime, principal: CurrentPrincipal
) -> AppRead:
    """`platform_admin`: mark an app as the platform's own; first-party apps get the province-wide `unionid`."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.set_first_party(
            session=session, principal=principal, app_id=app_id, first_party=body.first_party
        )
