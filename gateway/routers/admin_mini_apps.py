"""Review of mini-apps (应用审核): approve, reject, delist, relist, the monitor's flags and readings, and who
belongs to which department."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response, status

from gateway.deps import CurrentPrincipal, Runtime
from gateway.registry.schemas import (
    AppRead,
    ApproveIn,
    AppStatus,
    ClearFlagIn,
    DelistIn,
    MemberIn,
    MemberRead,
    MonitoringRead,
    RejectIn,
    RelistIn,
    VersionRead,
)

router = APIRouter(prefix="/api/v1/admin/mini-apps", tags=["mini-app review"])
members_router = APIRouter(prefix="/api/v1/admin/mini-app-members", tags=["mini-app review"])

AppIdPath = Annotated[str, Path(max_length=100)]
VersionPath = Annotated[str, Path(max_length=64)]


@router.get("", operation_id="list_mini_apps_for_review", response_model=list[AppRead])
async def list_apps(
    runtime: Runtime,
    principal: CurrentPrincipal,
    status_: Annotated[AppStatus | None, Query(alias="status")] = None,
    pending: Annotated[bool | None, Query(description="only apps with a version waiting for review")] = None,
    flagged: Annotated[bool | None, Query(description="only apps the monitor flagged")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AppRead]:
    """Every app whatever its status, by app id; the review queue is `?pending=true`, the monitor's `?flagged=true`."""
    async with runtime.db.reader() as session:
        return await runtime.registry.get_all_apps(
            session=session,
            principal=principal,
            status=status_,
            flagged=flagged,
            pending=pending,
            limit=limit,
            after=after,
        )


@router.get("/{app_id}", operation_id="get_mini_app_for_review", response_model=AppRead)
async def get_app(app_id: AppIdPath, runtime: Runtime, principal: CurrentPrincipal) -> AppRead:
    async with runtime.db.reader() as session:
        return await runtime.registry.get_app_for_staff(session=session, principal=principal, app_id=app_id)


@router.post(
    "/{app_id}/versions/{version}/approve", operation_id="approve_mini_app_version", response_model=AppRead
)
async def approve(
    app_id: AppIdPath,
    version: VersionPath,
    runtime: Runtime,
    principal: CurrentPrincipal,
    body: Annotated[ApproveIn | None, Body()] = None,
) -> AppRead:
    """Approve a version under review: the app is listed with it (or, with `gray_percent`, serves it to that
    share of users first). A reviewer from the app's own department may not."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.approve_version(
            session=session,
            principal=principal,
            app_id=app_id,
            version=version,
            approve_in=body or ApproveIn(),
        )


@router.post(
    "/{app_id}/versions/{version}/reject", operation_id="reject_mini_app_version", response_model=VersionRead
)
async def reject(
    app_id: AppIdPath, version: VersionPath, body: RejectIn, runtime: Runtime, principal: CurrentPrincipal
) -> VersionRead:
    """Reject a version under review, with the reason its developers will read."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.reject_version(
            session=session, principal=principal, app_id=app_id, version=version, reason=body.reason
        )


@router.post("/{app_id}/delist", operation_id="delist_mini_app", response_model=AppRead)
async def delist(app_id: AppIdPath, body: DelistIn, runtime: Runtime, principal: CurrentPrincipal) -> AppRead:
    """下架 (`emergency`: 紧急下架): out of the catalogue, 410 with the reason to whoever opens it, and its tokens
    refused by every gateway replica at once."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.delist_app(
            session=session, principal=principal, app_id=app_id, reason=body.reason, emergency=body.emergency
        )


@router.post("/{app_id}/relist", operation_id="relist_mini_app", response_model=AppRead)
async def relist(
    app_id: AppIdPath,
    runtime: Runtime,
    principal: CurrentPrincipal,
    body: Annotated[RelistIn | None, Body()] = None,
) -> AppRead:
    """Listed again, with the version it had."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.relist_app(
            session=session, principal=principal, app_id=app_id, comment=body.comment if body else None
        )


@router.post("/{app_id}/clear-flag", operation_id="clear_mini_app_flag", response_model=AppRead)
async def clear_flag(
    app_id: AppIdPath,
    runtime: Runtime,
    principal: CurrentPrincipal,
    body: Annotated[ClearFlagIn | None, Body()] = None,
) -> AppRead:
    """The reviewer looked at an app the monitor flagged and keeps it listed."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.clear_flag(
            session=session, principal=principal, app_id=app_id, comment=body.comment if body else None
        )


@router.get("/{app_id}/monitoring", operation_id="get_mini_app_monitoring", response_model=MonitoringRead)
async def monitoring(
    app_id: AppIdPath,
    runtime: Runtime,
    principal: CurrentPrincipal,
    minutes: Annotated[int, Query(ge=1, le=24 * 60)] = 60,
) -> MonitoringRead:
    """The entry URL's last probe, and the calls the gateway saw with the app's tokens in the last `minutes`:
    requests, 4xx, 5xx, error rate, mean and 95th-percentile latency."""
    async with runtime.db.reader() as session:
        return await runtime.registry.get_monitoring(
            session=session, principal=principal, app_id=app_id, minutes=minutes
        )


@members_router.post(
    "", status_code=status.HTTP_201_CREATED, operation_id="add_department_member", response_model=MemberRead
)
async def add_member(body: MemberIn, runtime: Runtime, principal: CurrentPrincipal) -> MemberRead:
    """Make a staff account a member of a department: its developers act on the department's apps; its reviewers
    may not decide on them."""
    async with runtime.db.transaction() as session:
        return await runtime.registry.add_member(session=session, principal=principal, member_in=body)


@members_router.get("", operation_id="list_department_members", response_model=list[MemberRead])
async def list_members(
    runtime: Runtime,
    principal: CurrentPrincipal,
    department: Annotated[str | None, Query(max_length=60)] = None,
    account_id: Annotated[str | None, Query(max_length=36)] = None,
) -> list[MemberRead]:
    async with runtime.db.reader() as session:
        return await runtime.registry.get_members(
            session=session, principal=principal, department=department, account_id=account_id
        )


@members_router.delete("", status_code=status.HTTP_204_NO_CONTENT, operation_id="remove_department_member")
async def remove_member(
    runtime: Runtime,
    principal: CurrentPrincipal,
    department: Annotated[str, Query(min_length=1, max_length=60)],
    account_id: Annotated[str, Query(min_length=1, max_length=36)],
) -> Response:
    async with runtime.db.transaction() as session:
        await runtime.registry.remove_member(
            session=session, principal=principal, department=department, account_id=account_id
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
