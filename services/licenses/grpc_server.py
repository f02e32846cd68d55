"""gRPC transport of the licenses service: proto → service → proto, nothing else."""

from __future__ import annotations

import grpc

from bst.licenses.v1 import licenses_pb2, licenses_pb2_grpc
from services.kernel.rpc import Runtime, ServiceSpec
from services.licenses import service
from services.licenses.models import OutboxEvent, ProcessedEvent


class LicensesServicer(licenses_pb2_grpc.LicensesServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db

    async def ListLicenseTypes(
        self, request: licenses_pb2.ListLicenseTypesRequest, context: grpc.aio.ServicerContext
    ) -> licenses_pb2.ListLicenseTypesResponse:
        async with self.db.reader() as session:
            types = await service.get_all_license_types(session=session, holder_kind=request.holder_kind)
        return licenses_pb2.ListLicenseTypesResponse(
            types=[licenses_pb2.LicenseType(**t.model_dump(mode="json")) for t in types]
        )


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    licenses_pb2_grpc.add_LicensesServiceServicer_to_server(LicensesServicer(runtime), server)


SPEC = ServiceSpec(
    name="licenses",
    full_names=[licenses_pb2.DESCRIPTOR.services_by_name["LicensesService"].full_name],
    register=register,
    outbox_model=OutboxEvent,
    processed_model=ProcessedEvent,
)
