"""一件事一次办 bundles and window appointments (线上预约、线下办理), from the intake service."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, status

from bst.intake.v1 import intake_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, Clients
from gateway.routers.intake import application_json, files
from gateway.schemas.intake import (
    AppointmentCreate,
    AppointmentRead,
    BundleApplicationRead,
    BundleSubmit,
    BundleWrite,
    SlotRead,
    SlotsCreate,
)

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])

County = Annotated[str, Query(pattern=r"^\d{6}$")]
Day = Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def bundle_application_json(message: intake_pb2.BundleApplication) -> BundleApplicationRead:
    data = to_dict(message)
    return BundleApplicationRead(
        bundle_no=data["bundle_no"],
        bundle_code=data["bundle_code"],
        name=data["name"],
        status=data["status"],
        outcome=data["outcome"] or None,
        applications=[application_json(a) for a in message.applications],
    )


@router.get("/bundles", operation_id="list_intake_bundles", response_model=list[BundleWrite])
async def list_bundles(
    clients: Clients, authorization: Authorization, region: str = Query("", pattern=r"^(\d{2}(\d{2}){0,2})?$")
) -> list[Any]:
    """一件事: the bundles offered in a region."""
    reply = await clients.intake.ListBundles(
        intake_pb2.ListBundlesRequest(region=region), **clients.options(authorization)
    )
    return [to_dict(b) for b in reply.bundles]


@router.post(
    "/bundles",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_intake_bundle",
    response_model=BundleWrite,
)
async def create_bundle(body: BundleWrite, clients: Clients, authorization: Authorization) -> Any:
    """Staff of the leading department, inside their region, put items together as one 一件事."""
    reply = await clients.intake.CreateBundle(
        intake_pb2.Bundle(**body.model_dump()), **clients.options(authorization)
    )
    return to_dict(reply)


@router.post(
    "/bundle-applications",
    status_code=status.HTTP_201_CREATED,
    operation_id="submit_bundle_application",
    response_model=BundleApplicationRead,
)
async def submit_bundle(
    body: BundleSubmit,
    clients: Clients,
    authorization: Authorization,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> BundleApplicationRead:
    """一件事一次办: one form and one set of materials, split into one application per item (all or none).
    The same `Idempotency-Key` and body return the first bundle application; another body is 422."""
    reply = await clients.intake.SubmitBundle(
        intake_pb2.SubmitBundleRequest(
            bundle_code=body.bundle_code,
            region=body.region,
            form_json=json.dumps(body.form, ensure_ascii=False),
            materials=files(body.materials),
            idempotency_key=idempotency_key or "",
        ),
        **clients.options(authorization),
    )
    return bundle_application_json(reply)


@router.get(
    "/bundle-applications/{bundle_no}",
    operation_id="get_bundle_application",
    response_model=BundleApplicationRead,
)
async def get_bundle_application(
    bundle_no: Annotated[str, Path(max_length=30)], clients: Clients, authorization: Authorization
) -> BundleApplicationRead:
    """The bundle's cases, and one result once every case is concluded (approved only when all were)."""
    reply = await clients.intake.GetBundleApplication(
        intake_pb2.GetBundleApplicationRequest(bundle_no=bundle_no), **clients.options(authorization)
    )
    return bundle_application_json(reply)


# -- appointments ------------------------------------------------------------------------------------------------


@router.post(
    "/slots",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_appointment_slots",
    response_model=list[SlotRead],
)
async def create_slots(body: SlotsCreate, clients: Clients, authorization: Authorization) -> list[Any]:
    """Window or department staff of the county open a window's slots on a working day."""
    reply = await clients.intake.CreateSlots(
        intake_pb2.CreateSlotsRequest(**body.model_dump()), **clients.options(authorization)
    )
    return [to_dict(s) for s in reply.slots]


@router.get("/slots", operation_id="list_appointment_slots", response_model=list[SlotRead])
async def list_slots(
    clients: Clients,
    authorization: Authorization,
    region: County,
    day: Day,
    item_code: str = Query("", max_length=40),
) -> list[Any]:
    reply = await clients.intake.ListSlots(
        intake_pb2.ListSlotsRequest(region=region, day=day, item_code=item_code),
        **clients.options(authorization),
    )
    return [to_dict(s) for s in reply.slots]


@router.post(
    "/appointments",
    status_code=status.HTTP_201_CREATED,
    operation_id="book_appointment",
    response_model=AppointmentRead,
)
async def book(
    body: AppointmentCreate,
    clients: Clients,
    authorization: Authorization,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> Any:
    """预约 one seat of a slot; a full slot is 409. A retry with the same `Idempotency-Key` and body answers with
    the first appointment and takes no second seat; the same key with another body is 422."""
    reply = await clients.intake.BookAppointment(
        intake_pb2.BookAppointmentRequest(
            slot_id=body.slot_id, application_no=body.application_no, idempotency_key=idempotency_key or ""
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get("/appointments", operation_id="list_appointments", response_model=list[AppointmentRead])
async def list_appointments(
    clients: Clients,
    authorization: Authorization,
    mine: bool = Query(True),
    region: str = Query("", pattern=r"^(\d{6})?$"),
    day: str = Query("", pattern=r"^(\d{4}-\d{2}-\d{2})?$"),
) -> list[Any]:
    """My appointments, or (staff, `mine=false`) a county's appointments of a day."""
    reply = await clients.intake.ListAppointments(
        intake_pb2.ListAppointmentsRequest(mine=mine, region=region, day=day),
        **clients.options(authorization),
    )
    return [to_dict(a) for a in reply.appointments]


@router.post(
    "/appointments/{appointment_id}/{action}",
    operation_id="change_appointment",
    response_model=AppointmentRead,
)
async def change_appointment(
    appointment_id: Annotated[str, Path(max_length=40)],
    action: Annotated[str, Path(pattern=r"^(cancel|no-show|attended)$")],
    clients: Clients,
    authorization: Authorization,
) -> Any:
    """cancel (the person who booked) · no-show / attended (window staff of the county)."""
    reply = await clients.intake.ChangeAppointment(
        intake_pb2.ChangeAppointmentRequest(appointment_id=appointment_id, action=action.replace("-", "_")),
        **clients.options(authorization),
    )
    return to_dict(reply)
