"""gRPC transport of public facilities, terminal heartbeats and county fees (`bst.repair.v1.RepairFacilities`)."""

from __future__ import annotations

from typing import Any, TypeAlias

import grpc

from bst.repair.v1 import facilities_pb2, facilities_pb2_grpc
from services.kernel.auth import current_principal
from services.kernel.crypto import derive_key
from services.kernel.rpc import Runtime
from services.repair import facilities, fees, heartbeats
from services.repair.common import parse_model, rfc3339
from services.repair.facility_schemas import FacilityCreate, FeeScheduleIn, InspectionIn, PlatformCreate

Context: TypeAlias = grpc.aio.ServicerContext  # type: ignore[type-arg]


def _facility(data: dict[str, Any]) -> facilities_pb2.Facility:
    return facilities_pb2.Facility(**data)


def _fee_schedule(data: dict[str, Any]) -> facilities_pb2.FeeSchedule:
    return facilities_pb2.FeeSchedule(
        county=data["county"],
        items=[facilities_pb2.FeeItem(**item) for item in data["items"]],
        free_services=data["free_services"],
        updated_at=data["updated_at"],
    )


class FacilitiesServicer(facilities_pb2_grpc.RepairFacilitiesServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db
        self.box = heartbeats.SecretBox(
            derive_key(runtime.settings.resolved_secret_key(), "repair heartbeat-secret")
        )

    # -- assets and inspections ----------------------------------------------------------------------------------

    async def CreateFacility(
        self, request: facilities_pb2.CreateFacilityRequest, context: Context
    ) -> facilities_pb2.Facility:
        data: dict[str, Any] = {
            f: getattr(request, f)
            for f in (
                "county",
                "code",
                "kind",
                "name",
                "lat",
                "lng",
                "township",
                "village",
                "platform_id",
                "outlet_id",
            )
        }
        if request.HasField("inspection_interval_days"):
            data["inspection_interval_days"] = request.inspection_interval_days
        facility_in = parse_model(FacilityCreate, data)
        async with self.db.transaction() as session:
            facility = await facilities.create_facility(
                session=session, principal=current_principal.get(), facility_in=facility_in
            )
            return _facility(facilities.facility_read(facility))

    async def ListFacilities(
        self, request: facilities_pb2.ListFacilitiesRequest, context: Context
    ) -> facilities_pb2.ListFacilitiesResponse:
        async with self.db.reader() as session:
            found = await facilities.list_facilities(
                session=session, principal=current_principal.get(), county=request.county, kind=request.kind
            )
            return facilities_pb2.ListFacilitiesResponse(
                facilities=[_facility(facilities.facility_read(f)) for f in found]
            )

    async def GetFacility(
        self, request: facilities_pb2.GetFacilityRequest, context: Context
    ) -> facilities_pb2.Facility:
        async with self.db.reader() as session:
            facility = await facilities.facility_in_scope(session, current_principal.get(), request.asset_id)
            return _facility(facilities.facility_read(facility))

    async def SetInspectionPlan(
        self, request: facilities_pb2.SetInspectionPlanRequest, context: Context
    ) -> facilities_pb2.Facility:
        async with self.db.transaction() as session:
            facility = await facilities.set_inspection_plan(
                session=session,
                principal=current_principal.get(),
                asset_id=request.asset_id,
                interval_days=request.interval_days,
            )
            return _facility(facilities.facility_read(facility))

    async def RecordInspection(
        self, request: facilities_pb2.RecordInspectionRequest, context: Context
    ) -> facilities_pb2.Inspection:
        inspection_in = parse_model(
            InspectionIn,
            {"result": request.result, "note": request.note, "evidence": list(request.evidence_ids)},
        )
        async with self.db.transaction() as session:
            inspection = await facilities.record_inspection(
                session=session,
                principal=current_principal.get(),
                asset_id=request.asset_id,
                inspection_in=inspection_in,
            )
            return facilities_pb2.Inspection(**facilities.inspection_read(inspection))

    async def ListInspections(
        self, request: facilities_pb2.GetFacilityRequest, context: Context
    ) -> facilities_pb2.ListInspectionsResponse:
        async with self.db.reader() as session:
            found = await facilities.list_inspections(
                session=session, principal=current_principal.get(), asset_id=request.asset_id
            )
            return facilities_pb2.ListInspectionsResponse(
                inspections=[facilities_pb2.Inspection(**facilities.inspection_read(i)) for i in found]
            )

    async def ListOverdueInspections(
        self, request: facilities_pb2.ListFacilitiesRequest, context: Context
    ) -> facilities_pb2.ListFacilitiesResponse:
        async with self.db.reader() as session:
            found = await facilities.list_overdue_inspections(
                session=session, principal=current_principal.get(), county=request.county
            )
            return facilities_pb2.ListFacilitiesResponse(
                facilities=[_facility(facilities.facility_read(f)) for f in found]
            )

    # -- platforms and heartbeats --------------------------------------------------------------------------------

    async def RegisterBroadcastPlatform(
        self, request: facilities_pb2.RegisterBroadcastPlatformRequest, context: Context
    ) -> facilities_pb2.BroadcastPlatform:
        platform_in = parse_model(
            PlatformCreate,
            {
                "county": request.county,
                "name": request.name,
                "scheme": request.scheme,
                "public_key": request.public_key,
            },
        )
        async with self.db.transaction() as session:
            platform, secret = await heartbeats.register_platform(
                session=session, box=self.box, principal=current_principal.get(), platform_in=platform_in
            )
            return facilities_pb2.BroadcastPlatform(**heartbeats.platform_read(platform, secret))

    async def ListBroadcastPlatforms(
        self, request: facilities_pb2.ListFacilitiesRequest, context: Context
    ) -> facilities_pb2.ListBroadcastPlatformsResponse:
        async with self.db.reader() as session:
            found = await heartbeats.list_platforms(
                session=session, principal=current_principal.get(), county=request.county
            )
            return facilities_pb2.ListBroadcastPlatformsResponse(
                platforms=[facilities_pb2.BroadcastPlatform(**heartbeats.platform_read(p)) for p in found]
            )

    async def RecordHeartbeat(
        self, request: facilities_pb2.HeartbeatRequest, context: Context
    ) -> facilities_pb2.HeartbeatAck:
        async with self.db.transaction() as session:
            beat = await heartbeats.record_heartbeat(
                session=session,
                box=self.box,
                platform_id=request.platform_id,
                timestamp=request.timestamp,
                nonce=request.nonce,
                signature=request.signature,
                body=request.body,
            )
            return facilities_pb2.HeartbeatAck(asset_id=beat.asset_id, received_at=rfc3339(beat.at) or "")

    async def GetTerminalHealth(
        self, request: facilities_pb2.TerminalHealthRequest, context: Context
    ) -> facilities_pb2.TerminalHealthResponse:
        async with self.db.reader() as session:
            health = await heartbeats.terminal_health(
                session=session,
                principal=current_principal.get(),
                county=request.county,
                since=getattr(request, "from"),
                until=request.to,
            )
        terminals = [facilities_pb2.TerminalHealth(**t) for t in health.pop("terminals")]
        return facilities_pb2.TerminalHealthResponse(**health, terminals=terminals)

    # -- fees ----------------------------------------------------------------------------------------------------

    async def GetFeeSchedule(
        self, request: facilities_pb2.GetFeeScheduleRequest, context: Context
    ) -> facilities_pb2.FeeSchedule:
        async with self.db.reader() as session:
            return _fee_schedule(await fees.get_fee_schedule(session=session, county=request.county))

    async def SetFeeSchedule(
        self, request: facilities_pb2.FeeSchedule, context: Context
    ) -> facilities_pb2.FeeSchedule:
        schedule_in = parse_model(
            FeeScheduleIn,
            {
                "items": [
                    {"name": i.name, "amount_fen": i.amount_fen, "unit": i.unit} for i in request.items
                ],
                "free_services": list(request.free_services),
            },
        )
        async with self.db.transaction() as session:
            return _fee_schedule(
                await fees.set_fee_schedule(
                    session=session,
                    principal=current_principal.get(),
                    county=request.county,
                    schedule_in=schedule_in,
                )
            )


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    facilities_pb2_grpc.add_RepairFacilitiesServicer_to_server(FacilitiesServicer(runtime), server)


FULL_NAME = "bst.repair.v1.RepairFacilities"
