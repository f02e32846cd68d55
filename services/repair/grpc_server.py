"""gRPC transport of the repair service: proto → service → proto, nothing else."""

from __future__ import annotations

import grpc

from bst.repair.v1 import repair_pb2, repair_pb2_grpc
from services.kernel.auth import current_principal
from services.kernel.rpc import Runtime, ServiceSpec
from services.repair import service
from services.repair.models import OutboxEvent, ProcessedEvent
from services.repair.schemas import OutletRead


def outlet_message(outlet: OutletRead) -> repair_pb2.Outlet:
    return repair_pb2.Outlet(
        outlet_id=outlet.outlet_id,
        county=outlet.county,
        name=outlet.name,
        kind=outlet.kind.value,
        categories=[c.value for c in outlet.categories],
        lat=outlet.lat,
        lng=outlet.lng,
        phone=outlet.phone,
        capacity=outlet.capacity,
        active=outlet.active,
    )


class RepairServicer(repair_pb2_grpc.RepairServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db

    async def ListCounties(
        self, request: repair_pb2.ListCountiesRequest, context: grpc.aio.ServicerContext
    ) -> repair_pb2.ListCountiesResponse:
        async with self.db.reader() as session:
            counties = await service.get_all_counties(session=session, within=request.within)
        return repair_pb2.ListCountiesResponse(
            counties=[repair_pb2.County(**c.model_dump()) for c in counties]
        )

    async def ListOutlets(
        self, request: repair_pb2.ListOutletsRequest, context: grpc.aio.ServicerContext
    ) -> repair_pb2.ListOutletsResponse:
        async with self.db.reader() as session:
            outlets = await service.get_outlets_by_county(
                session=session, principal=current_principal.get(), county=request.county
            )
        return repair_pb2.ListOutletsResponse(outlets=[outlet_message(o) for o in outlets])


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    repair_pb2_grpc.add_RepairServiceServicer_to_server(RepairServicer(runtime), server)


SPEC = ServiceSpec(
    name="repair",
    full_names=[repair_pb2.DESCRIPTOR.services_by_name["RepairService"].full_name],
    register=register,
    outbox_model=OutboxEvent,
    processed_model=ProcessedEvent,
)
