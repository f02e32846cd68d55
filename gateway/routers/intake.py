"""统一申办受理 (application intake), from the intake service: the catalogue, applications and their decisions."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, status

from bst.intake.v1 import intake_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, Clients, Runtime
from gateway.schemas.intake import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationRead,
    Conclusion,
    CorrectionRequest,
    DeficiencyAcceptance,
    FlagRead,
    ItemChangeRead,
    ItemCreate,
    ItemPage,
    ItemRead,
    ItemStatusChange,
    ItemWrite,
    Opinion,
    ProcedureStart,
    Receipt,
    Refusal,
    Resubmission,
)
from services.kernel.errors import NotFound

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])

ItemCode = Annotated[str, Path(min_length=1, max_length=40)]
ApplicationNo = Annotated[str, Path(pattern=r"^\d{20,24}[\dX]$")]
IdempotencyKey = Annotated[str | None, Header(max_length=100)]


def item_input(body: ItemWrite, code: str, publish: bool = False) -> intake_pb2.ServiceItemInput:
    data = body.model_dump(mode="json")
    return intake_pb2.ServiceItemInput(
        code=code,
        name=data["name"],
        department=data["department"],
        regions=data["regions"],
        category=data["category"],
        mode=data["mode"],
        promised_days=data["promised_days"],
        statutory_days=data["statutory_days"],
        mobile=data["mobile"],
        needs_visit=data["needs_visit"],
        form_schema_json=json.dumps(data["form_schema"], ensure_ascii=False),
        materials=[
            intake_pb2.Material(**{**m, "license_type": m["license_type"] or ""}) for m in data["materials"]
        ],
        special_procedures=[intake_pb2.SpecialProcedure(**p) for p in data["special_procedures"]],
        result_license_type=data["result_license_type"],
        publish=publish,
    )


def application_json(message: intake_pb2.Application) -> ApplicationRead:
    return ApplicationRead.from_message(to_dict(message))


def files(materials: list[Any] | None) -> list[intake_pb2.MaterialFile]:
    return [intake_pb2.MaterialFile(material_id=m.material_id, file_id=m.file_id) for m in materials or []]


# -- the catalogue -----------------------------------------------------------------------------------------------


@router.get("/items", operation_id="list_intake_items", response_model=ItemPage)
async def list_items(
    clients: Clients,
    authorization: Authorization,
    q: str = Query("", max_length=50),
    region: str = Query("", pattern=r"^(\d{2}(\d{2}){0,2})?$", description="items offered there"),
    mobile: bool | None = Query(None, description="掌上可办 only (true) or not (false)"),
    category: str = Query("", max_length=40),
    include_unpublished: bool = Query(False, description="department staff: drafts and suspended items too"),
    cursor: str = Query("", max_length=40),
    limit: int = Query(50, ge=1, le=200),
) -> ItemPage:
    """A page of the service items offered in a region, by code."""
    reply = await clients.intake.ListServiceItems(
        intake_pb2.ListServiceItemsRequest(
            q=q,
            region=region,
            category=category,
            mobile="" if mobile is None else str(mobile).lower(),
            include_unpublished=include_unpublished,
            cursor=cursor,
            limit=limit,
        ),
        **clients.options(authorization),
    )
    return ItemPage(
        items=[ItemRead.from_message(to_dict(i)) for i in reply.items], next_cursor=reply.next_cursor or None
    )


@router.get("/items/{item_code}", operation_id="get_intake_item", response_model=ItemRead)
async def get_item(item_code: ItemCode, clients: Clients, authorization: Authorization) -> ItemRead:
    reply = await clients.intake.GetServiceItem(
        intake_pb2.GetServiceItemRequest(code=item_code), **clients.options(authorization)
    )
    return ItemRead.from_message(to_dict(reply))


@router.post(
    "/items", status_code=status.HTTP_201_CREATED, operation_id="create_intake_item", response_model=ItemRead
)
async def create_item(
    body: ItemCreate, clients: Clients, authorization: Authorization, runtime: Runtime
) -> ItemRead:
    """新增 (and 发布 unless `publish` is false): department staff of the item's department, inside their region.
    Unified search finds a published item as soon as this answers."""
    reply = await clients.intake.CreateServiceItem(
        item_input(body, body.item_code, body.publish), **clients.options(authorization)
    )
    await runtime.registry.service_items_changed()
    return ItemRead.from_message(to_dict(reply))


@router.put("/items/{item_code}", operation_id="adjust_intake_item", response_model=ItemRead)
async def adjust_item(
    item_code: ItemCode, body: ItemWrite, clients: Clients, authorization: Authorization, runtime: Runtime
) -> ItemRead:
    """调整: the whole item as it is to be from now on; the change is recorded with the fields it touched."""
    reply = await clients.intake.ChangeServiceItem(
        intake_pb2.ChangeServiceItemRequest(
            code=item_code, action="adjust", changes=item_input(body, item_code)
        ),
        **clients.options(authorization),
    )
    await runtime.registry.service_items_changed()
    return ItemRead.from_message(to_dict(reply))


@router.post("/items/{item_code}/{action}", operation_id="change_intake_item_status", response_model=ItemRead)
async def change_item_status(
    item_code: ItemCode,
    action: Annotated[str, Path(pattern=r"^(publish|suspend|cancel)$")],
    body: ItemStatusChange,
    clients: Clients,
    authorization: Authorization,
    runtime: Runtime,
) -> ItemRead:
    """发布 · 暂停 (reason required) · 取消 (reason required, final). Unified search shows the change as soon as
    this answers."""
    reply = await clients.intake.ChangeServiceItem(
        intake_pb2.ChangeServiceItemRequest(code=item_code, action=action, reason=body.reason),
        **clients.options(authorization),
    )
    await runtime.registry.service_items_changed()
    return ItemRead.from_message(to_dict(reply))


@router.get(
    "/items/{item_code}/changes", operation_id="list_intake_item_changes", response_model=list[ItemChangeRead]
)
async def list_item_changes(item_code: ItemCode, clients: Clients, authorization: Authorization) -> list[Any]:
    """Every recorded change of the item, oldest first."""
    reply = await clients.intake.ListItemChanges(
        intake_pb2.GetServiceItemRequest(code=item_code), **clients.options(authorization)
    )
    return [to_dict(c) for c in reply.changes]


# -- applications ------------------------------------------------------------------------------------------------


@router.post(
    "/applications",
    status_code=status.HTTP_201_CREATED,
    operation_id="submit_application",
    response_model=ApplicationRead,
)
async def submit_application(
    body: ApplicationCreate,
    clients: Clients,
    authorization: Authorization,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationRead:
    """申请: a citizen, a delegated agent for a resident, or window staff for an applicant. The form is checked
    against the item's schema; fields the applicant's e-licenses answer are prefilled and materials they prove are
    waived (双免). The same `Idempotency-Key` and body return the first application."""
    reply = await clients.intake.SubmitApplication(
        intake_pb2.SubmitApplicationRequest(
            item_code=body.item_code,
            region=body.region,
            form_json=json.dumps(body.form, ensure_ascii=False),
            materials=files(body.materials),
            idempotency_key=idempotency_key or "",
            channel=body.channel or "",
            applicant_id=body.applicant_id or "",
        ),
        **clients.options(authorization),
    )
    return application_json(reply)


@router.get("/applications", operation_id="list_applications", response_model=ApplicationPage)
async def list_applications(
    clients: Clients,
    authorization: Authorization,
    status_: Annotated[
        str, Query(alias="status", pattern=r"^(|submitted|accepted|correction_requested|refused|concluded)$")
    ] = "",
    item_code: str = Query("", max_length=40),
    overdue: str = Query(
        "", pattern=r"^(|true|false|soon)$", description="true: overdue; soon: due by tomorrow"
    ),
    mine: bool = Query(False, description="my own applications (the user space)"),
    department: str = Query("", max_length=100),
    region: str = Query("", pattern=r"^(\d{2}(\d{2}){0,2})?$"),
    cursor: str = Query("", max_length=200),
    limit: int = Query(20, ge=1, le=100),
) -> ApplicationPage:
    """A page, oldest deadline first: a citizen's own (the user space) or a department's worklist in region."""
    reply = await clients.intake.ListApplications(
        intake_pb2.ListApplicationsRequest(
            status=status_,
            item_code=item_code,
            overdue="" if overdue == "false" else overdue,
            mine=mine,
            department=department,
            region=region,
            cursor=cursor,
            limit=limit,
        ),
        **clients.options(authorization),
    )
    return ApplicationPage(
        items=[application_json(a) for a in reply.applications], next_cursor=reply.next_cursor or None
    )


@router.get("/flags", operation_id="list_intake_flags", response_model=list[FlagRead])
async def list_flags(
    clients: Clients,
    authorization: Authorization,
    day: str = Query("", pattern=r"^(\d{4}-\d{2}-\d{2})?$", description="China date; today when empty"),
) -> list[Any]:
    """每个工作日的超期提醒: the overdue and due-soon flags of a day for the caller's department in region."""
    reply = await clients.intake.ListFlags(
        intake_pb2.ListFlagsRequest(day=day), **clients.options(authorization)
    )
    return [to_dict(f) for f in reply.flags]


@router.get("/applications/{application_no}", operation_id="get_application", response_model=ApplicationRead)
async def get_application(
    application_no: ApplicationNo, clients: Clients, authorization: Authorization
) -> Any:
    """The application with its timeline and next deadline: its applicant, staff of its department in region."""
    reply = await clients.intake.GetApplication(
        intake_pb2.GetApplicationRequest(application_no=application_no), **clients.options(authorization)
    )
    return application_json(reply)


@router.get(
    "/applications/{application_no}/receipt", operation_id="get_acceptance_receipt", response_model=Receipt
)
async def get_receipt(
    application_no: ApplicationNo, clients: Clients, authorization: Authorization
) -> Receipt:
    """受理凭证: the acceptance receipt the applicant can show, once the application is accepted."""
    a = application_json(
        await clients.intake.GetApplication(
            intake_pb2.GetApplicationRequest(application_no=application_no), **clients.options(authorization)
        )
    )
    if not a.receipt_no or not a.accepted_at:
        raise NotFound("该申请尚未受理，没有受理凭证", code="no_receipt")
    text = (
        f"受理凭证 {a.receipt_no}\n{a.department}已于{a.accepted_at[:10]}受理您的“{a.item_name}”申请"
        f"（申请编号{a.application_no}），承诺于{(a.completion_due or '')[:10]}前办结。"
    )
    return Receipt(
        receipt_no=a.receipt_no,
        application_no=a.application_no,
        item_name=a.item_name,
        department=a.department,
        accepted_at=a.accepted_at,
        completion_due=a.completion_due or "",
        text=text,
    )


async def _act(clients: Clients, authorization: str | None, number: str, action: str, **fields: Any) -> Any:
    reply = await clients.intake.ActOnApplication(
        intake_pb2.ApplicationActionRequest(application_no=number, action=action, **fields),
        **clients.options(authorization),
    )
    return application_json(reply)


@router.post(
    "/applications/{application_no}/accept", operation_id="accept_application", response_model=ApplicationRead
)
async def accept(
    application_no: ApplicationNo, body: Opinion, clients: Clients, authorization: Authorization
) -> Any:
    """受理: the completion clock starts on the item's promised working days; a receipt (受理凭证) is issued."""
    return await _act(clients, authorization, application_no, "accept", opinion=body.opinion)


@router.post(
    "/applications/{application_no}/accept-with-deficiency",
    operation_id="accept_application_with_deficiency",
    response_model=ApplicationRead,
)
async def accept_with_deficiency(
    application_no: ApplicationNo, body: DeficiencyAcceptance, clients: Clients, authorization: Authorization
) -> Any:
    """容缺受理: accepted with one non-key material missing, to be supplied within `due_days` working days."""
    return await _act(
        clients,
        authorization,
        application_no,
        "accept_with_deficiency",
        opinion=body.opinion,
        material_id=body.material_id,
        due_days=body.due_days,
    )


@router.post(
    "/applications/{application_no}/accept-on-promise",
    operation_id="accept_application_on_promise",
    response_model=ApplicationRead,
)
async def accept_on_promise(
    application_no: ApplicationNo, body: Opinion, clients: Clients, authorization: Authorization
) -> Any:
    """告知承诺: accepted on the applicant's signed promise, checked later (`verify-promise`)."""
    return await _act(clients, authorization, application_no, "accept_on_promise", opinion=body.opinion)


@router.post(
    "/applications/{application_no}/request-correction",
    operation_id="request_application_correction",
    response_model=ApplicationRead,
)
async def request_correction(
    application_no: ApplicationNo, body: CorrectionRequest, clients: Clients, authorization: Authorization
) -> Any:
    """补齐补正: what is missing; the acceptance clock restarts when the applicant resubmits."""
    return await _act(
        clients,
        authorization,
        application_no,
        "request_correction",
        missing=body.missing,
        opinion=body.opinion,
    )


@router.post(
    "/applications/{application_no}/refuse", operation_id="refuse_application", response_model=ApplicationRead
)
async def refuse(
    application_no: ApplicationNo, body: Refusal, clients: Clients, authorization: Authorization
) -> Any:
    """不予受理, with the reason (required)."""
    return await _act(clients, authorization, application_no, "refuse", reason=body.reason)


@router.post(
    "/applications/{application_no}/conclude",
    operation_id="conclude_application",
    response_model=ApplicationRead,
)
async def conclude(
    application_no: ApplicationNo, body: Conclusion, clients: Clients, authorization: Authorization
) -> Any:
    """办结: approved (the result goes to the applicant's wallet) or denied (reasons required)."""
    return await _act(
        clients,
        authorization,
        application_no,
        "conclude",
        outcome=body.outcome,
        reason=body.reasons,
        opinion=body.opinion,
        result_fields=body.result_fields,
    )


@router.post(
    "/applications/{application_no}/special-procedures",
    operation_id="start_special_procedure",
    response_model=ApplicationRead,
)
async def start_procedure(
    application_no: ApplicationNo, body: ProcedureStart, clients: Clients, authorization: Authorization
) -> Any:
    """现场勘验 · 技术审查 · 听证论证 ...: the completion clock pauses, for at most the procedure's published limit."""
    return await _act(clients, authorization, application_no, "start_procedure", procedure=body.procedure)


@router.post(
    "/applications/{application_no}/special-procedures/end",
    operation_id="end_special_procedure",
    response_model=ApplicationRead,
)
async def end_procedure(application_no: ApplicationNo, clients: Clients, authorization: Authorization) -> Any:
    """The procedure is over: the completion deadline moves by the working days it took (capped at its limit)."""
    return await _act(clients, authorization, application_no, "end_procedure")


@router.post(
    "/applications/{application_no}/supply-deficiency",
    operation_id="record_deficiency_supplied",
    response_model=ApplicationRead,
)
async def supply_deficiency(
    application_no: ApplicationNo, clients: Clients, authorization: Authorization
) -> Any:
    """The 容缺 material has arrived."""
    return await _act(clients, authorization, application_no, "supply_deficiency")


@router.post(
    "/applications/{application_no}/verify-promise",
    operation_id="verify_promise",
    response_model=ApplicationRead,
)
async def verify_promise(
    application_no: ApplicationNo, body: Opinion, clients: Clients, authorization: Authorization
) -> Any:
    """The later check of a 告知承诺 acceptance, with its finding (required)."""
    return await _act(clients, authorization, application_no, "verify_promise", opinion=body.opinion)


@router.post(
    "/applications/{application_no}/resubmit",
    operation_id="resubmit_application",
    response_model=ApplicationRead,
)
async def resubmit(
    application_no: ApplicationNo, body: Resubmission, clients: Clients, authorization: Authorization
) -> Any:
    """The applicant's corrected application after 补齐补正: `submitted` again, the acceptance clock restarts."""
    reply = await clients.intake.ResubmitApplication(
        intake_pb2.ResubmitApplicationRequest(
            application_no=application_no,
            form_json=json.dumps(body.form or {}, ensure_ascii=False),
            has_form=body.form is not None,
            materials=files(body.materials),
            has_materials=body.materials is not None,
        ),
        **clients.options(authorization),
    )
    return application_json(reply)
