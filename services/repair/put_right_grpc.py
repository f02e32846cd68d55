"""gRPC transport of the put-right capabilities (proto/bst/repair/v1/put_right.proto): proto → schema → rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

import grpc

from bst.repair.v1 import put_right_pb2, put_right_pb2_grpc, repair_pb2
from services.kernel.auth import current_principal
from services.kernel.rpc import Runtime
from services.repair.circles import ResponseSettings, get_response_settings, set_response_settings
from services.repair.common import make_context, parse_model
from services.repair.put_right_schemas import DispatchIn, ResponseSettingsIn
from services.repair.schemas import TicketRead
from services.repair.ticket_reads import read_message as ticket_message
from services.repair.ticket_steps import arrive_ticket, contact_ticket, dispatch_by_hand

Context: TypeAlias = grpc.aio.ServicerContext  # type: ignore[type-arg]


def settings_message(settings: ResponseSettings) -> put_right_pb2.ResponseSettings:
    return put_right_pb2.ResponseSettings(
        county=settings.county,
        village_accept_minutes=settings.village_accept_minutes,
        township_accept_minutes=settings.township_accept_minutes,
        customised=settings.customised,
        updated_at=settings.updated_at or "",
    )


class PutRightServicer(put_right_pb2_grpc.RepairPutRightServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db
        self.relay = runtime.relay
        self.ctx = make_context(runtime)

    async def _change(self, action: Callable[..., Awaitable[TicketRead]], **kwargs: Any) -> repair_pb2.Ticket:
        async with self.db.transaction() as session:
            ticket = await action(session=session, ctx=self.ctx, principal=current_principal.get(), **kwargs)
        if self.relay is not None:
            self.relay.wake()
        return ticket_message(ticket)

    async def DispatchTicket(
        self, request: put_right_pb2.DispatchTicketRequest, context: Context
    ) -> repair_pb2.Ticket:
        body = parse_model(DispatchIn, {"outlet_id": request.outlet_id, "note": request.note})
        return await self._change(
            dispatch_by_hand, ticket_no=request.ticket_no, outlet_id=body.outlet_id, note=body.note
        )

    async def ContactTicket(
        self, request: repair_pb2.TicketActionRequest, context: Context
    ) -> repair_pb2.Ticket:
        return await self._change(contact_ticket, ticket_no=request.ticket_no)

    async def ArriveTicket(
        self, request: repair_pb2.TicketActionRequest, context: Context
    ) -> repair_pb2.Ticket:
        return await self._change(arrive_ticket, ticket_no=request.ticket_no)

    async def GetResponseSettings(
        self, request: put_right_pb2.GetResponseSettingsRequest, context: Context
    ) -> put_right_pb2.ResponseSettings:
        async with self.db.reader() as session:
            settings = await get_response_settings(
                session=session, principal=current_principal.get(), county=request.county
            )
        return settings_message(settings)

    async def SetResponseSettings(
        self, request: put_right_pb2.SetResponseSettingsRequest, context: Context
    ) -> put_right_pb2.ResponseSettings:
        body = parse_model(
            ResponseSettingsIn,
            {
                "village_accept_minutes": request.village_accept_minutes,
                "township_accept_minutes": request.township_accept_minutes,
            },
        )
        async with self.db.transaction() as session:
            settings = await set_response_settings(
                session=session,
                principal=current_principal.get(),
                county=request.county,
                village=body.village_accept_minutes,
                township=body.township_accept_minutes,
            )
        return settings_message(settings)


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    put_right_pb2_grpc.add_RepairPutRightServicer_to_server(PutRightServicer(runtime), server)


FULL_NAME = put_right_pb2.DESCRIPTOR.services_by_name["RepairPutRight"].full_name
