"""gRPC clients of the four services: one channel each, deadlines on every call, identity and request id passed on."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bst.intake.v1 import intake_pb2_grpc
from bst.licenses.v1 import licenses_pb2_grpc
from bst.repair.v1 import (
    agent_rating_pb2_grpc,
    facilities_pb2_grpc,
    grassroots_pb2_grpc,
    performance_pb2_grpc,
    public_requests_pb2_grpc,
    put_right_pb2_grpc,
    repair_pb2_grpc,
)
from bst.reviews.v1 import reviews_pb2_grpc
from gateway.observability import timed_stub
from services.kernel.logging import request_id_var
from services.kernel.settings import SERVICE_NAMES, Settings

CHANNEL_OPTIONS = [
    ("grpc.lb_policy_name", "round_robin"),  # spreads calls over every address a `dns:///` target resolves to
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.max_receive_message_length", 24 << 20),
    ("grpc.max_send_message_length", 24 << 20),
]


class ServiceClients:
    """Stubs for every service; `metadata(authorization)` builds what each call carries."""

    def __init__(self, settings: Settings) -> None:
        self.deadline = settings.grpc_deadline_seconds
        self.channels: dict[str, grpc.aio.Channel] = {
            name: grpc.aio.insecure_channel(
                settings.service_addr(name),
                options=CHANNEL_OPTIONS,
            )
            for name in SERVICE_NAMES
        }
        # Calls are timed by the stubs themselves (observability.timed_stub), not by an aio client interceptor.
        self.intake = timed_stub(
            intake_pb2_grpc.IntakeServiceStub(self.channels["intake"]), "bst.intake.v1.IntakeService"
        )
        self.licenses = timed_stub(
            licenses_pb2_grpc.LicensesServiceStub(self.channels["licenses"]),
            "bst.licenses.v1.LicensesService",
        )
        self.reviews = timed_stub(
            reviews_pb2_grpc.ReviewsServiceStub(self.channels["reviews"]), "bst.reviews.v1.ReviewsService"
        )
        self.repair = timed_stub(
            repair_pb2_grpc.RepairServiceStub(self.channels["repair"]), "bst.repair.v1.RepairService"
        )
        self.repair_public = timed_stub(  # Open311's public reads (proto/bst/repair/v1/public_requests.proto)
            public_requests_pb2_grpc.RepairPublicRequestsStub(self.channels["repair"]),
            "bst.repair.v1.RepairPublicRequests",
        )
        self.grassroots = timed_stub(
            grassroots_pb2_grpc.RepairGrassrootsStub(self.channels["repair"]),
            "bst.repair.v1.RepairGrassroots",
        )
        self.repair_put_right = timed_stub(
            put_right_pb2_grpc.RepairPutRightStub(self.channels["repair"]), "bst.repair.v1.RepairPutRight"
        )
        self.repair_facilities = timed_stub(
            facilities_pb2_grpc.RepairFacilitiesStub(self.channels["repair"]),
            "bst.repair.v1.RepairFacilities",
        )
        self.repair_performance = timed_stub(
            performance_pb2_grpc.RepairPerformanceStub(self.channels["repair"]),
            "bst.repair.v1.RepairPerformance",
        )
        self.repair_agent_rating = timed_stub(
            agent_rating_pb2_grpc.RepairAgentRatingStub(self.channels["repair"]),
            "bst.repair.v1.RepairAgentRating",
        )
        self._health = {n: health_pb2_grpc.HealthStub(c) for n, c in self.channels.items()}

    def options(self, authorization: str | None) -> dict[str, Any]:
        """Keyword arguments for a stub call: the deadline and the metadata."""
        metadata: list[tuple[str, str]] = [("x-request-id", request_id_var.get())]
        if authorization:
            metadata.append(("authorization", authorization))
        return {"timeout": self.deadline, "metadata": metadata}

    async def health(self, timeout: float = 1.0) -> dict[str, str]:
        async def one(name: str) -> tuple[str, str]:
            try:
                reply = await self._health[name].Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=timeout
                )
                return name, health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            except grpc.aio.AioRpcError as exc:
                return name, f"unreachable: {exc.code().name}"

        return dict(await asyncio.gather(*(one(n) for n in self._health)))

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
