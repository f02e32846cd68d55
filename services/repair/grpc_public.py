"""gRPC transport of the public repair reads (RepairPublicRequests, for Open311): proto → rules → proto."""

from __future__ import annotations

from dataclasses import asdict
from typing import TypeAlias

import grpc

from bst.repair.v1 import public_requests_pb2, public_requests_pb2_grpc
from services.kernel.rpc import Runtime
from services.repair.public_reads import PublicTicket, get_public_ticket, get_public_tickets

Context: TypeAlias = grpc.aio.ServicerContext  # type: ignore[type-arg]
SERVICE_NAME = public_requests_pb2.DESCRIPTOR.services_by_name["RepairPublicRequests"].full_name


def public_message(ticket: PublicTicket) -> public_requests_pb2.PublicTicket:
    fields = {k: v for k, v in asdict(ticket).items() if v is not None}
    return public_requests_pb2.PublicTicket(**fields)


class RepairPublicServicer(public_requests_pb2_grpc.RepairPublicRequestsServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db

    async def ListPublicTickets(
        self, request: public_requests_pb2.ListPublicTicketsRequest, context: Context
    ) -> public_requests_pb2.ListPublicTicketsResponse:
        async with self.db.reader() as session:
            tickets = await get_public_tickets(
                session=session,
                ticket_nos=list(request.ticket_nos),
                statuses=list(request.statuses),
                categories=list(request.categories),
                region=request.region,
                since=request.since,
                until=request.until,
                limit=request.limit,
            )
        return public_requests_pb2.ListPublicTicketsResponse(tickets=[public_message(t) for t in tickets])

    async def GetPublicTicket(
        self, request: public_requests_pb2.GetPublicTicketRequest, context: Context
    ) -> public_requests_pb2.PublicTicket:
        async with self.db.reader() as session:
            return public_message(await get_public_ticket(session=session, ticket_no=request.ticket_no))


def register_public(server: grpc.aio.Server, runtime: Runtime) -> None:
    public_requests_pb2_grpc.add_RepairPublicRequestsServicer_to_server(RepairPublicServicer(runtime), server)
