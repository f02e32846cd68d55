"""The shared gRPC bootstrap: health tells the truth, SIGTERM drains calls in flight, errors map to statuses."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bst.repair.v1 import repair_pb2, repair_pb2_grpc
from services.kernel.errors import CODE_KEY, WrongState
from services.kernel.rpc import ServiceSpec, start_service
from services.repair.grpc_server import SPEC as REPAIR
from services.repair.grpc_server import RepairServicer


class SlowRepair(RepairServicer):
    """ListCounties takes a while; ListOutlets breaks a rule."""

    async def ListCounties(self, request, context):
        await asyncio.sleep(0.8)
        return await super().ListCounties(request, context)

    async def ListOutlets(self, request, context):
        raise WrongState("ticket T-1 is resolved, not dispatched", code="ticket_not_dispatched")


def slow_spec() -> ServiceSpec:
    def register(server, runtime):
        repair_pb2_grpc.add_RepairServiceServicer_to_server(SlowRepair(runtime), server)

    return ServiceSpec(
        name="repair",
        full_names=REPAIR.full_names,
        register=register,
        outbox_model=REPAIR.outbox_model,
        processed_model=REPAIR.processed_model,
    )


@pytest.fixture
async def slow_service(platform):
    running = await start_service(slow_spec(), platform.settings, address="127.0.0.1:0", redis=platform.redis)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    yield running, channel
    await channel.close()


async def test_health_reports_serving_for_the_service_and_overall(slow_service):
    running, channel = slow_service
    stub = health_pb2_grpc.HealthStub(channel)
    for name in ("", "bst.repair.v1.RepairService"):
        for _ in range(50):
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                break
            await asyncio.sleep(0.05)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    await running.stop(grace=0.5)


async def test_domain_errors_become_status_codes_with_a_machine_code(slow_service):
    running, channel = slow_service
    stub = repair_pb2_grpc.RepairServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ListOutlets(repair_pb2.ListOutletsRequest(county="530102"), timeout=2)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert dict(caught.value.trailing_metadata())[CODE_KEY] == "ticket_not_dispatched"
    assert "not dispatched" in caught.value.details()
    await running.stop(grace=0.5)


async def test_a_bad_token_is_refused_by_the_service_itself(slow_service):
    running, channel = slow_service
    stub = repair_pb2_grpc.RepairServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ListCounties(
            repair_pb2.ListCountiesRequest(), timeout=2, metadata=[("authorization", "Bearer not.a.token")]
        )
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    await running.stop(grace=0.5)


async def test_stopping_drains_calls_in_flight_and_refuses_new_ones(slow_service):
    running, channel = slow_service
    stub = repair_pb2_grpc.RepairServiceStub(channel)

    async def slow_call():
        return await stub.ListCounties(repair_pb2.ListCountiesRequest(within="5301"), timeout=5)

    in_flight = asyncio.create_task(slow_call())
    await asyncio.sleep(0.3)
    stopping = asyncio.create_task(running.stop(grace=5.0))
    reply = await in_flight
    assert len(reply.counties) == 14
    await stopping
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ListCounties(repair_pb2.ListCountiesRequest(), timeout=1)
    assert caught.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


async def test_reflection_lists_the_service(slow_service):
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    running, channel = slow_service
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def ask():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    async for reply in stub.ServerReflectionInfo(ask(), timeout=2):
        names = {s.name for s in reply.list_services_response.service}
        break
    assert {"bst.repair.v1.RepairService", "grpc.health.v1.Health"} <= names
    await running.stop(grace=0.5)
