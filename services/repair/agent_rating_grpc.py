"""gRPC transport of the agent rating (proto/bst/repair/v1/agent_rating.proto): proto → schema → rules."""

from __future__ import annotations

from typing import TypeAlias

import grpc

from bst.repair.v1 import agent_rating_pb2, agent_rating_pb2_grpc, repair_pb2
from services.kernel.auth import current_principal
from services.kernel.rpc import Runtime
from services.repair.agent_rating import confirm_rating
from services.repair.common import make_context
from services.repair.ticket_reads import read_message as ticket_message

Context: TypeAlias = grpc.aio.ServicerContext  # type: ignore[type-arg]


class AgentRatingServicer(agent_rating_pb2_grpc.RepairAgentRatingServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db
        self.relay = runtime.relay
        self.ctx = make_context(runtime)

    async def ConfirmRating(
        self, request: agent_rating_pb2.ConfirmRatingRequest, context: Context
    ) -> repair_pb2.Ticket:
        async with self.db.transaction() as session:
            ticket = await confirm_rating(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                ticket_no=request.ticket_no,
                code=request.code,
            )
        if self.relay is not None:
            self.relay.wake()
        return ticket_message(ticket)


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    agent_rating_pb2_grpc.add_RepairAgentRatingServicer_to_server(AgentRatingServicer(runtime), server)


FULL_NAME = agent_rating_pb2.DESCRIPTOR.services_by_name["RepairAgentRating"].full_name
