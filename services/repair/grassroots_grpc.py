"""gRPC transport of the grassroots rules (`RepairGrassroots`): proto → schema → rules → proto, nothing else."""

from __future__ import annotations

from dataclasses import asdict
from typing import TypeAlias

import grpc

from bst.repair.v1 import grassroots_pb2, grassroots_pb2_grpc
from services.kernel.auth import current_principal
from services.kernel.rpc import Runtime
from services.repair import duplicates, grassroots, outlet_choice, posters, village
from services.repair.common import RepairContext, parse_model
from services.repair.grassroots_schemas import (
    CategoryIn,
    HotlineIn,
    JoinIn,
    PointProfileIn,
    QualificationIn,
    VillageRepairerIn,
    VisitIn,
    WalkInIn,
)
from services.repair.schemas import Category

Context: TypeAlias = grpc.aio.ServicerContext  # type: ignore[type-arg]


def _category(value: str) -> Category:
    return parse_model(CategoryIn, {"category": value}).category


def _hotline(h: grassroots.Hotline) -> grassroots_pb2.Hotline:
    return grassroots_pb2.Hotline(**asdict(h))


def _repairer(r: outlet_choice.Repairer) -> grassroots_pb2.VillageRepairer:
    return grassroots_pb2.VillageRepairer(**asdict(r))


def _walk_in(w: grassroots.WalkIn) -> grassroots_pb2.WalkIn:
    return grassroots_pb2.WalkIn(**asdict(w))


class GrassrootsServicer(grassroots_pb2_grpc.RepairGrassrootsServicer):
    def __init__(self, runtime: Runtime, ctx: RepairContext) -> None:
        self.db = runtime.db
        self.relay = runtime.relay
        self.ctx = ctx  # the repair servicer's: one block of ticket numbers per process

    def _published(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    # -- 五个一 ---------------------------------------------------------------------------------------------------

    async def GetHotline(
        self, request: grassroots_pb2.CountyRequest, context: Context
    ) -> grassroots_pb2.Hotline:
        async with self.db.reader() as session:
            return _hotline(await grassroots.get_hotline(session=session, county=request.county))

    async def SetHotline(
        self, request: grassroots_pb2.SetHotlineRequest, context: Context
    ) -> grassroots_pb2.Hotline:
        hotline_in = parse_model(HotlineIn, {"phone": request.phone, "hours": request.hours})
        async with self.db.transaction() as session:
            hotline = await grassroots.set_hotline(
                session=session,
                principal=current_principal.get(),
                county=request.county,
                hotline_in=hotline_in,
            )
        return _hotline(hotline)

    async def GetBoard(self, request: grassroots_pb2.CountyRequest, context: Context) -> grassroots_pb2.Board:
        async with self.db.reader() as session:
            board = await grassroots.get_board(session=session, county=request.county)
        return grassroots_pb2.Board(
            county=board.county,
            county_name=board.county_name,
            hotline=_hotline(board.hotline),
            service_points=[grassroots_pb2.BoardPoint(**asdict(p)) for p in board.service_points],
            scope=board.scope,
        )

    async def SetPointProfile(
        self, request: grassroots_pb2.SetPointProfileRequest, context: Context
    ) -> grassroots_pb2.BoardPoint:
        profile_in = parse_model(
            PointProfileIn,
            {
                "address": request.address,
                "hours": request.hours,
                "phone": request.phone,
                "scope": request.scope,
            },
        )
        async with self.db.transaction() as session:
            point = await grassroots.set_point_profile(
                session=session,
                principal=current_principal.get(),
                point_id=request.point_id,
                profile_in=profile_in,
            )
        return grassroots_pb2.BoardPoint(**asdict(point))

    async def GetPoster(
        self, request: grassroots_pb2.GetPosterRequest, context: Context
    ) -> grassroots_pb2.Poster:
        async with self.db.transaction() as session:  # the county's first code creates its key
            content_type, data, url = await posters.render_poster(
                session=session,
                ctx=self.ctx,
                county=request.county,
                point=request.point,
                fmt=request.format or "svg",
            )
        return grassroots_pb2.Poster(content_type=content_type, data=data, qr_url=url)

    async def RecordWalkIn(
        self, request: grassroots_pb2.RecordWalkInRequest, context: Context
    ) -> grassroots_pb2.WalkIn:
        walk_in = parse_model(
            WalkInIn,
            {
                "category": request.category,
                "description": request.description,
                "contact_name": request.contact_name,
                "contact_phone": request.contact_phone,
                "address": request.address,
                "outlet_id": request.outlet_id or None,
                **{f: getattr(request, f) for f in ("lat", "lng") if request.HasField(f)},
            },
        )
        async with self.db.transaction() as session:
            entry, _ = await grassroots.record_walk_in(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                point_id=request.point_id,
                walk_in=walk_in,
                idempotency_key=request.idempotency_key,
            )
        self._published()
        return _walk_in(entry)

    async def ListWalkIns(
        self, request: grassroots_pb2.ListWalkInsRequest, context: Context
    ) -> grassroots_pb2.WalkIns:
        async with self.db.reader() as session:
            walk_ins = await grassroots.list_walk_ins(
                session=session, principal=current_principal.get(), point_id=request.point_id, day=request.day
            )
        if request.format == "csv":
            day = walk_ins[0].day if walk_ins else request.day or "today"
            return grassroots_pb2.WalkIns(
                csv=grassroots.walk_ins_csv(walk_ins), filename=f"register-{request.point_id}-{day}.csv"
            )
        return grassroots_pb2.WalkIns(walk_ins=[_walk_in(w) for w in walk_ins])

    # -- village agents ------------------------------------------------------------------------------------------

    async def ListVisits(
        self, request: grassroots_pb2.ListVisitsRequest, context: Context
    ) -> grassroots_pb2.Visits:
        async with self.db.reader() as session:
            tickets = await village.list_visits(
                session=session, principal=current_principal.get(), done=request.done
            )
        return grassroots_pb2.Visits(tickets=[grassroots_pb2.VisitTicket(**asdict(t)) for t in tickets])

    async def RecordVisit(
        self, request: grassroots_pb2.RecordVisitRequest, context: Context
    ) -> grassroots_pb2.VisitRecord:
        visit = parse_model(
            VisitIn, {"reached": request.reached, "restored": request.restored, "note": request.note}
        )
        async with self.db.transaction() as session:
            record = await village.record_visit(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                ticket_no=request.ticket_no,
                visit=visit,
            )
        self._published()
        return grassroots_pb2.VisitRecord(**asdict(record))

    # -- outlets -------------------------------------------------------------------------------------------------

    async def NearbyOutlets(
        self, request: grassroots_pb2.NearbyOutletsRequest, context: Context
    ) -> grassroots_pb2.NearbyOutletsResponse:
        category = _category(request.category)
        async with self.db.reader() as session:
            county, outlets = await outlet_choice.nearby_outlets(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                qr=request.qr,
                county=request.county,
                category=category,
                lat=request.lat if request.HasField("lat") else None,
                lng=request.lng if request.HasField("lng") else None,
            )
        return grassroots_pb2.NearbyOutletsResponse(
            county=county,
            category=category.value,
            outlets=[grassroots_pb2.NearbyOutlet(**asdict(o)) for o in outlets],
        )

    async def SetQualification(
        self, request: grassroots_pb2.SetQualificationRequest, context: Context
    ) -> grassroots_pb2.Qualification:
        qualification = parse_model(
            QualificationIn,
            {
                "licence_no": request.licence_no,
                "shop_address": request.shop_address,
                "technicians": request.technicians,
                "spare_parts": request.spare_parts,
                "township_point_id": request.township_point_id or None,
            },
        )
        async with self.db.transaction() as session:
            row = await outlet_choice.set_qualification(
                session=session,
                principal=current_principal.get(),
                outlet_id=request.outlet_id,
                qualification=qualification,
            )
            return grassroots_pb2.Qualification(
                outlet_id=row.outlet_id,
                licence_no=row.licence_no,
                shop_address=row.shop_address,
                technicians=row.technicians,
                spare_parts=row.spare_parts,
                township_point_id=row.township_point_id or "",
                checked_at=outlet_choice.qualification_checked_at(row),
            )

    async def AddVillageRepairer(
        self, request: grassroots_pb2.AddVillageRepairerRequest, context: Context
    ) -> grassroots_pb2.VillageRepairer:
        repairer_in = parse_model(VillageRepairerIn, {"name": request.name, "phone": request.phone})
        async with self.db.transaction() as session:
            repairer = await outlet_choice.add_village_repairer(
                session=session,
                principal=current_principal.get(),
                point_id=request.point_id,
                repairer_in=repairer_in,
            )
        return _repairer(repairer)

    async def GetCoverage(
        self, request: grassroots_pb2.CountyRequest, context: Context
    ) -> grassroots_pb2.Coverage:
        async with self.db.reader() as session:
            coverage = await outlet_choice.get_coverage(
                session=session, principal=current_principal.get(), county=request.county
            )
        return grassroots_pb2.Coverage(
            county=coverage.county,
            county_name=coverage.county_name,
            townships=[
                grassroots_pb2.TownshipCoverage(
                    point_id=t.point_id,
                    name=t.name,
                    outlets=[
                        grassroots_pb2.CoverageOutlet(outlet_id=o, name=n, qualified=q)
                        for o, n, q in t.outlets
                    ],
                    village_repairers=[_repairer(r) for r in t.village_repairers],
                    uncovered=t.uncovered,
                )
                for t in coverage.townships
            ],
            uncovered=[t.name for t in coverage.townships if t.uncovered],
            unqualified=[grassroots_pb2.CoverageOutlet(outlet_id=o, name=n) for o, n in coverage.unqualified],
        )

    # -- duplicates ----------------------------------------------------------------------------------------------

    async def FindDuplicates(
        self, request: grassroots_pb2.FindDuplicatesRequest, context: Context
    ) -> grassroots_pb2.Duplicates:
        category = _category(request.category)
        async with self.db.reader() as session:
            found, days = await duplicates.find_duplicates(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                qr=request.qr,
                county=request.county,
                category=category,
                lat=request.lat,
                lng=request.lng,
                days=request.days,
            )
        return grassroots_pb2.Duplicates(
            tickets=[grassroots_pb2.Duplicate(**asdict(d)) for d in found],
            radius_m=duplicates.DUPLICATE_RADIUS_M,
            days=days,
        )

    async def JoinTicket(
        self, request: grassroots_pb2.JoinTicketRequest, context: Context
    ) -> grassroots_pb2.Joined:
        join = parse_model(JoinIn, {"lat": request.lat, "lng": request.lng})
        async with self.db.transaction() as session:
            joined = await duplicates.join_ticket(
                session=session, principal=current_principal.get(), ticket_no=request.ticket_no, join=join
            )
        return grassroots_pb2.Joined(**asdict(joined))


def register(server: grpc.aio.Server, runtime: Runtime, ctx: RepairContext) -> None:
    grassroots_pb2_grpc.add_RepairGrassrootsServicer_to_server(GrassrootsServicer(runtime, ctx), server)


FULL_NAME = grassroots_pb2.DESCRIPTOR.services_by_name["RepairGrassroots"].full_name
