"""gRPC transport of the intake service: proto → service → proto, nothing else."""

from __future__ import annotations

import grpc

from bst.intake.v1 import intake_pb2, intake_pb2_grpc
from services.intake import service
from services.intake.models import OutboxEvent, ProcessedEvent
from services.intake.schemas import ServiceItemRead
from services.kernel.rpc import Runtime, ServiceSpec


def item_message(item: ServiceItemRead) -> intake_pb2.ServiceItem:
    return intake_pb2.ServiceItem(**item.model_dump())


class IntakeServicer(intake_pb2_grpc.IntakeServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db

    async def ListServiceItems(
        self, request: intake_pb2.ListServiceItemsRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListServiceItemsResponse:
        async with self.db.reader() as session:
            items = await service.get_all_service_items(
                session=session, region=request.region, category=request.category, q=request.q
            )
        return intake_pb2.ListServiceItemsResponse(items=[item_message(i) for i in items])

    async def GetServiceItem(
        self, request: intake_pb2.GetServiceItemRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ServiceItem:
        async with self.db.reader() as session:
            return item_message(await service.get_service_item(session=session, code=request.code))


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    intake_pb2_grpc.add_IntakeServiceServicer_to_server(IntakeServicer(runtime), server)


SPEC = ServiceSpec(
    name="intake",
    full_names=[intake_pb2.DESCRIPTOR.services_by_name["IntakeService"].full_name],
    register=register,
    outbox_model=OutboxEvent,
    processed_model=ProcessedEvent,
)
