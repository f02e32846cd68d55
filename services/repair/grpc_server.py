"""gRPC transport of the repair service: proto → schema → rules → proto, nothing else (no queries, no timers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

import grpc
from google.protobuf.message import Message

from bst.repair.v1 import repair_pb2, repair_pb2_grpc
from services.kernel.auth import current_principal
from services.kernel.rpc import Runtime, ServiceSpec
from services.repair import (
    agent_rating_grpc,
    facilities_grpc,
    grassroots_grpc,
    outlet_choice,
    performance_grpc,
    put_right_grpc,
    service,
)
from services.repair.common import make_context
from services.repair.grassroots_schemas import QualificationIn
from services.repair.grpc_public import SERVICE_NAME as PUBLIC_SERVICE_NAME
from services.repair.grpc_public import register_public
from services.repair.models import OutboxEvent, ProcessedEvent
from services.repair.schemas import (
    CancelIn,
    FollowUpIn,
    OutletCreate,
    OutletRead,
    OutletUpdate,
    RatingIn,
    RejectIn,
    ResolveIn,
    ServicePointCreate,
    ServicePointRead,
    TicketCreate,
    TicketRead,
)
from services.repair.ticket_reads import get_ticket_message
from services.repair.ticket_reads import read_message as ticket_message
from services.repair.timers import run_timers

Context: TypeAlias = grpc.aio.ServicerContext  # type: ignore[type-arg]


def outlet_message(outlet: OutletRead) -> repair_pb2.Outlet:
    return repair_pb2.Outlet(**outlet.model_dump(mode="json"))


def point_message(point: ServicePointRead) -> repair_pb2.ServicePoint:
    return repair_pb2.ServicePoint(**point.model_dump(mode="json"))


def present(message: Message, *fields: str) -> dict[str, Any]:
    """The optional fields the caller actually set."""
    return {f: getattr(message, f) for f in fields if message.HasField(f)}


class RepairServicer(repair_pb2_grpc.RepairServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db
        self.relay = runtime.relay
        self.ctx = make_context(runtime)

    def _published(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    # -- the network ---------------------------------------------------------------------------------------------

    async def ListCounties(
        self, request: repair_pb2.ListCountiesRequest, context: Context
    ) -> repair_pb2.ListCountiesResponse:
        async with self.db.reader() as session:
            counties = await service.get_all_counties(session=session, within=request.within)
        return repair_pb2.ListCountiesResponse(
            counties=[repair_pb2.County(**c.model_dump()) for c in counties]
        )

    async def ListOutlets(
        self, request: repair_pb2.ListOutletsRequest, context: Context
    ) -> repair_pb2.ListOutletsResponse:
        async with self.db.reader() as session:
            outlets = await service.get_outlets_by_county(
                session=session, principal=current_principal.get(), county=request.county
            )
        return repair_pb2.ListOutletsResponse(outlets=[outlet_message(o) for o in outlets])

    async def CreateOutlet(
        self, request: repair_pb2.CreateOutletRequest, context: Context
    ) -> repair_pb2.Outlet:
        data = {
            "county": request.county,
            "name": request.name,
            "kind": request.kind,
            "categories": list(request.categories),
            "lat": request.lat,
            "lng": request.lng,
            "phone": request.phone,
            **present(request, "capacity", "business_hours"),
        }
        outlet_in = service.parse_model(OutletCreate, data)
        qualification = None
        if request.HasField("qualification"):
            q = request.qualification
            qualification = service.parse_model(
                QualificationIn,
                {
                    "licence_no": q.licence_no,
                    "shop_address": q.shop_address,
                    "technicians": q.technicians,
                    "spare_parts": q.spare_parts,
                    "township_point_id": q.township_point_id or None,
                },
            )
        async with self.db.transaction() as session:
            outlet, on_record = await outlet_choice.register_outlet(
                session=session,
                principal=current_principal.get(),
                outlet_in=outlet_in,
                qualification=qualification,
            )
        reply = outlet_message(outlet)
        reply.four_haves_on_record = on_record
        return reply

    async def UpdateOutlet(
        self, request: repair_pb2.UpdateOutletRequest, context: Context
    ) -> repair_pb2.Outlet:
        data = present(request, "active", "capacity", "phone", "name", "business_hours", "lat", "lng")
        if request.set_categories:
            data["categories"] = list(request.categories)
        outlet_in = service.parse_model(OutletUpdate, data)
        async with self.db.transaction() as session:
            outlet = await service.update_outlet(
                session=session,
                principal=current_principal.get(),
                outlet_id=request.outlet_id,
                outlet_in=outlet_in,
            )
        return outlet_message(outlet)

    async def ListServicePoints(
        self, request: repair_pb2.ListServicePointsRequest, context: Context
    ) -> repair_pb2.ListServicePointsResponse:
        async with self.db.reader() as session:
            points = await service.get_service_points(
                session=session, principal=current_principal.get(), county=request.county
            )
        return repair_pb2.ListServicePointsResponse(points=[point_message(p) for p in points])

    async def CreateServicePoint(
        self, request: repair_pb2.CreateServicePointRequest, context: Context
    ) -> repair_pb2.ServicePoint:
        point_in = service.parse_model(
            ServicePointCreate,
            {
                "county": request.county,
                "name": request.name,
                "level": request.level,
                "lat": request.lat,
                "lng": request.lng,
                "agent_ids": list(request.agent_ids),
            },
        )
        async with self.db.transaction() as session:
            point = await service.create_service_point(
                session=session, principal=current_principal.get(), point_in=point_in
            )
        return point_message(point)

    # -- QR ------------------------------------------------------------------------------------------------------

    async def GetCountyQr(
        self, request: repair_pb2.GetCountyQrRequest, context: Context
    ) -> repair_pb2.CountyQr:
        async with self.db.transaction() as session:
            url, content_type, image, kid = await service.get_county_qr(
                session=session,
                ctx=self.ctx,
                county=request.county,
                point=request.point,
                fmt=request.format or "svg",
            )
        return repair_pb2.CountyQr(url=url, content_type=content_type, image=image, kid=kid)

    async def ResolveQr(self, request: repair_pb2.ResolveQrRequest, context: Context) -> repair_pb2.QrTarget:
        async with self.db.reader() as session:
            target = await service.resolve_qr(session=session, ctx=self.ctx, qr=request.qr)
        return repair_pb2.QrTarget(
            county=target.county,
            county_name=target.county_name,
            point=target.point,
            point_name=target.point_name,
        )

    async def RotateQrKey(self, request: repair_pb2.RotateQrKeyRequest, context: Context) -> repair_pb2.QrKey:
        async with self.db.transaction() as session:
            key = await service.rotate_qr_key(
                session=session, principal=current_principal.get(), county=request.county
            )
        return repair_pb2.QrKey(
            county=key.county, kid=key.kid, created_at=service.rfc3339(key.created_at) or ""
        )

    async def RevokeQrKey(self, request: repair_pb2.RevokeQrKeyRequest, context: Context) -> repair_pb2.QrKey:
        async with self.db.transaction() as session:
            key = await service.revoke_qr_key(
                session=session, principal=current_principal.get(), county=request.county, kid=request.kid
            )
        return repair_pb2.QrKey(
            county=key.county,
            kid=key.kid,
            created_at=service.rfc3339(key.created_at) or "",
            revoked_at=service.rfc3339(key.revoked_at) or "",
        )

    # -- evidence ------------------------------------------------------------------------------------------------

    async def UploadEvidence(
        self, request: repair_pb2.UploadEvidenceRequest, context: Context
    ) -> repair_pb2.Evidence:
        async with self.db.transaction() as session:
            evidence = await service.upload_evidence(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                data=request.data,
                declared_type=request.content_type,
            )
        return repair_pb2.Evidence(
            evidence_id=evidence.evidence_id,
            content_type=evidence.content_type,
            size=evidence.size,
            sha256=evidence.sha256,
        )

    async def GetEvidence(
        self, request: repair_pb2.GetEvidenceRequest, context: Context
    ) -> repair_pb2.EvidenceContent:
        async with self.db.reader() as session:
            content_type, data = await service.get_evidence(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                evidence_id=request.evidence_id,
            )
        return repair_pb2.EvidenceContent(content_type=content_type, data=data)

    # -- tickets -------------------------------------------------------------------------------------------------

    async def CreateTicket(
        self, request: repair_pb2.CreateTicketRequest, context: Context
    ) -> repair_pb2.Ticket:
        data = {
            "qr": request.qr or None,
            "county": request.county or None,
            "category": request.category,
            "description": request.description,
            "contact_name": request.contact_name,
            "contact_phone": request.contact_phone,
            "address": request.address,
            "outlet_id": request.outlet_id or None,
            "channel": request.channel or None,
            "evidence": list(request.evidence_ids),
            **present(request, "lat", "lng"),
        }
        ticket_in = service.parse_model(TicketCreate, data)
        answer = await service.file_in_own_transaction(
            db=self.db,
            ctx=self.ctx,
            principal=current_principal.get(),
            ticket_in=ticket_in,
            idempotency_key=request.idempotency_key,
        )
        self._published()
        return answer.message()

    async def GetTicket(
        self, request: repair_pb2.GetTicketRequest, context: grpc.aio.ServicerContext
    ) -> repair_pb2.Ticket:
        return await get_ticket_message(
            db=self.db, principal=current_principal.get(), ticket_no=request.ticket_no
        )

    async def ListTickets(
        self, request: repair_pb2.ListTicketsRequest, context: Context
    ) -> repair_pb2.ListTicketsResponse:
        async with self.db.reader() as session:
            tickets, cursor = await service.get_all_tickets(
                session=session,
                principal=current_principal.get(),
                status=request.status,
                county=request.county,
                outlet_id=request.outlet_id,
                mine=request.mine,
                cursor=request.cursor,
                limit=request.limit,
            )
        return repair_pb2.ListTicketsResponse(
            tickets=[ticket_message(t) for t in tickets], next_cursor=cursor or ""
        )

    async def _change(self, action: Callable[..., Awaitable[TicketRead]], **kwargs: Any) -> repair_pb2.Ticket:
        async with self.db.transaction() as session:
            ticket = await action(session=session, ctx=self.ctx, principal=current_principal.get(), **kwargs)
        self._published()
        return ticket_message(ticket)

    async def AcceptTicket(
        self, request: repair_pb2.TicketActionRequest, context: Context
    ) -> repair_pb2.Ticket:
        return await self._change(service.accept_ticket, ticket_no=request.ticket_no)

    async def RejectTicket(
        self, request: repair_pb2.TicketActionRequest, context: Context
    ) -> repair_pb2.Ticket:
        reject = service.parse_model(RejectIn, {"reason": request.reason})
        return await self._change(service.reject_ticket, ticket_no=request.ticket_no, reason=reject.reason)

    async def ResolveTicket(
        self, request: repair_pb2.ResolveTicketRequest, context: Context
    ) -> repair_pb2.Ticket:
        fee = (
            {"fee": {"item": request.fee.item, "amount_fen": request.fee.amount_fen}}
            if request.HasField("fee")
            else {}
        )
        resolve = service.parse_model(
            ResolveIn, {"note": request.note, "evidence": list(request.evidence_ids), **fee}
        )
        return await self._change(service.resolve_ticket, ticket_no=request.ticket_no, resolve_in=resolve)

    async def FollowUpTicket(
        self, request: repair_pb2.FollowUpTicketRequest, context: Context
    ) -> repair_pb2.Ticket:
        follow_up = service.parse_model(
            FollowUpIn, {"reached": request.reached, "restored": request.restored, "note": request.note}
        )
        return await self._change(service.follow_up_ticket, ticket_no=request.ticket_no, follow_up=follow_up)

    async def RateTicket(self, request: repair_pb2.RateTicketRequest, context: Context) -> repair_pb2.Ticket:
        rating = service.parse_model(RatingIn, {"level": request.level, "comment": request.comment})
        return await self._change(service.rate_ticket, ticket_no=request.ticket_no, rating=rating)

    async def CancelTicket(
        self, request: repair_pb2.TicketActionRequest, context: Context
    ) -> repair_pb2.Ticket:
        cancel = service.parse_model(CancelIn, {"reason": request.reason})
        return await self._change(service.cancel_ticket, ticket_no=request.ticket_no, reason=cancel.reason)

    async def GetDispatchDecisions(
        self, request: repair_pb2.GetTicketRequest, context: Context
    ) -> repair_pb2.DispatchDecisions:
        async with self.db.reader() as session:
            decisions = await service.get_dispatch_decisions(
                session=session, principal=current_principal.get(), ticket_no=request.ticket_no
            )
        return repair_pb2.DispatchDecisions(
            decisions=[
                repair_pb2.DispatchDecision(
                    at=service.rfc3339(d.at) or "",
                    reason=d.reason,
                    chosen_outlet_id=d.chosen_outlet_id or "",
                    candidates=[repair_pb2.Candidate(**c) for c in d.candidates],
                    origin=d.origin,
                    origin_lat=d.origin_lat,
                    origin_lng=d.origin_lng,
                )
                for d in decisions
            ]
        )

    # -- statistics and notifications ----------------------------------------------------------------------------

    async def GetStats(self, request: repair_pb2.GetStatsRequest, context: Context) -> repair_pb2.Stats:
        async with self.db.reader() as session:
            stats = await service.get_stats(
                session=session,
                principal=current_principal.get(),
                region=request.region,
                since=request.since,
                until=request.until,
            )
        return repair_pb2.Stats(**stats)

    async def ExportMonth(
        self, request: repair_pb2.ExportMonthRequest, context: Context
    ) -> repair_pb2.CsvExport:
        async with self.db.reader() as session:
            filename, data = await service.export_month(
                session=session, principal=current_principal.get(), region=request.region, month=request.month
            )
        return repair_pb2.CsvExport(filename=filename, data=data)

    async def ListMyNotifications(
        self, request: repair_pb2.ListMyNotificationsRequest, context: Context
    ) -> repair_pb2.ListMyNotificationsResponse:
        async with self.db.reader() as session:
            notes = await service.get_my_notifications(
                session=session, principal=current_principal.get(), limit=request.limit or 50
            )
        return repair_pb2.ListMyNotificationsResponse(
            notifications=[
                repair_pb2.Notification(
                    id=n.id,
                    at=service.rfc3339(n.created_at) or "",
                    ticket_no=n.ticket_no,
                    kind=n.kind,
                    text=n.text,
                )
                for n in notes
            ]
        )

    async def CountMyTickets(
        self, request: repair_pb2.CountMyTicketsRequest, context: Context
    ) -> repair_pb2.CountMyTicketsResponse:
        async with self.db.reader() as session:
            count = await service.count_my_tickets(session=session, principal=current_principal.get())
        return repair_pb2.CountMyTicketsResponse(count=count)


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    servicer = RepairServicer(runtime)
    repair_pb2_grpc.add_RepairServiceServicer_to_server(servicer, server)
    register_public(server, runtime)  # RepairPublicRequests (Open311 reads), services/repair/grpc_public.py
    grassroots_grpc.register(server, runtime, servicer.ctx)
    put_right_grpc.register(server, runtime)
    facilities_grpc.register(server, runtime)
    performance_grpc.register(server, runtime)
    agent_rating_grpc.register(server, runtime)


SPEC = ServiceSpec(
    name="repair",
    full_names=[
        repair_pb2.DESCRIPTOR.services_by_name["RepairService"].full_name,
        PUBLIC_SERVICE_NAME,
        grassroots_grpc.FULL_NAME,
        put_right_grpc.FULL_NAME,
        facilities_grpc.FULL_NAME,
        performance_grpc.FULL_NAME,
        agent_rating_grpc.FULL_NAME,
    ],
    register=register,
    outbox_model=OutboxEvent,
    processed_model=ProcessedEvent,
    tasks=[run_timers],
)
