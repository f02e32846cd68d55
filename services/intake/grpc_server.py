"""gRPC transport of the intake service: proto → call → proto, nothing else."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import grpc

from bst.intake.v1 import intake_pb2, intake_pb2_grpc
from services.intake import applications as apps
from services.intake import appointments, bundles, catalogue, forms, idempotency, transitions
from services.intake.licenses_client import LicenseFactsClient
from services.intake.messages import application_message, item_data, item_message, json_object, material_files
from services.intake.models import Application, OutboxEvent, ProcessedEvent, ServiceItem
from services.intake.numbers import NumberAllocator
from services.intake.schemas import LicenseFact
from services.kernel import workdays
from services.kernel.auth import Principal, current_principal
from services.kernel.background import reraise_if_cancelling
from services.kernel.errors import InvalidInput
from services.kernel.rpc import Runtime, ServiceSpec

log = logging.getLogger("bst.intake")


# -- the servicer ------------------------------------------------------------------------------------------------


def _mobile(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


class IntakeServicer(intake_pb2_grpc.IntakeServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.db = runtime.db
        assert runtime.outbox is not None
        self.outbox = runtime.outbox
        self.numbers = NumberAllocator(runtime.db)
        self.licenses = LicenseFactsClient(runtime.settings)
        runtime.license_facts = self.licenses  # type: ignore[attr-defined]  # tests swap in a fake

    def _published(self) -> None:
        if self.runtime.relay is not None:
            self.runtime.relay.wake()

    # -- catalogue -----------------------------------------------------------------------------------------------

    async def ListServiceItems(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            items = await catalogue.get_all_service_items(
                session=session,
                principal=current_principal.get(),
                region=request.region,
                category=request.category,
                q=request.q,
                mobile=_mobile(request.mobile),
                include_unpublished=request.include_unpublished,
            )
        if request.cursor:
            items = [i for i in items if i.code > request.cursor]
        next_cursor = ""
        if request.limit and len(items) > request.limit:
            items = items[: request.limit]
            next_cursor = items[-1].code
        return intake_pb2.ListServiceItemsResponse(
            items=[item_message(i) for i in items], next_cursor=next_cursor
        )

    async def GetServiceItem(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            item = await catalogue.get_service_item(
                session=session, code=request.code, principal=current_principal.get()
            )
            return item_message(item)

    async def CreateServiceItem(self, request, context):  # type: ignore[no-untyped-def]
        item_in = catalogue.parse_item(item_data(request))
        async with self.db.transaction() as session:
            item = await catalogue.create_service_item(
                session=session, principal=current_principal.get(), item_in=item_in
            )
            return item_message(item)

    async def ChangeServiceItem(self, request, context):  # type: ignore[no-untyped-def]
        item_in = None
        if request.action == "adjust":
            item_in = catalogue.parse_item(item_data(request.changes) | {"code": request.code})
        async with self.db.transaction() as session:
            item = await catalogue.change_service_item(
                session=session,
                principal=current_principal.get(),
                code=request.code,
                action=request.action,
                reason=request.reason,
                item_in=item_in,
            )
            return item_message(item)

    async def ListItemChanges(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            await catalogue.get_service_item(
                session=session, code=request.code, principal=current_principal.get()
            )
            changes = await catalogue.get_item_changes(session=session, code=request.code)
        return intake_pb2.ListItemChangesResponse(
            changes=[
                intake_pb2.ItemChange(
                    id=c.id,
                    code=c.code,
                    action=c.action,
                    actor=c.actor,
                    reason=c.reason,
                    at=apps.rfc3339(c.at),
                    changed_fields=c.changed_fields,
                )
                for c in changes
            ]
        )

    # -- applications --------------------------------------------------------------------------------------------

    async def _facts_for(
        self, context: Any, principal: Principal, item_codes: list[str], ref: str
    ) -> list[LicenseFact]:
        """The applicant's e-license facts the items ask about (only when the caller is the applicant)."""
        if principal.roles and principal.actor is None:
            return []  # window staff: the licenses service answers for the caller only
        async with self.db.reader() as session:
            items = [i for i in [await session.get(ServiceItem, c) for c in item_codes] if i is not None]
        types = sorted({t for i in items for t in forms.license_types_of(i)})
        names = "、".join(i.name for i in items)
        return await self.licenses.facts(
            context,
            types=types,
            purpose=f"申办 {names}",
            reader=items[0].department if items else "",
            case_ref=ref,
        )

    async def SubmitApplication(self, request, context):  # type: ignore[no-untyped-def]
        principal = current_principal.get()
        submission = apps.Submission(
            item_code=request.item_code,
            region=request.region,
            form=json_object(request.form_json or "{}", "form"),
            materials=material_files(request.materials),
            channel=request.channel,
            applicant_id=request.applicant_id,
        )
        if request.idempotency_key:  # a replay answers without a number, a licenses call or the write lock
            async with self.db.reader() as session:
                replay = await idempotency.find_replay(
                    session=session,
                    principal=principal,
                    key=request.idempotency_key,
                    digest=apps.request_hash(submission),
                )
                if replay:
                    application = await apps.get_application(
                        session=session, principal=principal, application_no=replay
                    )
                    return application_message(application)
        number = await self.numbers.next_number(
            request.region if request.region.isdigit() else "530000", apps.utcnow()
        )
        # the read is recorded in the holder's use record against the case it is for: its number
        facts = await self._facts_for(context, principal, [request.item_code], number)
        async with self.db.transaction() as session:
            application = await apps.submit_application(
                session=session,
                outbox=self.outbox,
                principal=principal,
                submission=submission,
                number=number,
                facts=facts,
                idempotency_key=request.idempotency_key,
            )
            message = application_message(application)
        self._published()
        return message

    async def GetApplication(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            application = await apps.get_application(
                session=session, principal=current_principal.get(), application_no=request.application_no
            )
            timeline = await apps.get_timeline(session, application.application_no)
            return application_message(application, timeline)

    async def ListApplications(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            rows, next_cursor = await apps.get_all_applications(
                session=session,
                principal=current_principal.get(),
                status=request.status,
                item_code=request.item_code,
                overdue=request.overdue,
                mine=request.mine,
                department=request.department,
                region=request.region,
                cursor=request.cursor,
                limit=request.limit,
            )
        return intake_pb2.ListApplicationsResponse(
            applications=[application_message(a) for a in rows], next_cursor=next_cursor
        )

    async def ActOnApplication(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.transaction() as session:
            application = await transitions.act_on_application(
                session=session,
                outbox=self.outbox,
                principal=current_principal.get(),
                application_no=request.application_no,
                action=request.action,
                opinion=request.opinion,
                missing=list(request.missing),
                reason=request.reason,
                outcome=request.outcome,
                material_id=request.material_id,
                due_days=request.due_days,
                procedure=request.procedure,
                result_fields=dict(request.result_fields),
            )
            timeline = await apps.get_timeline(session, application.application_no)
            message = application_message(application, timeline)
        self._published()
        return message

    async def ResubmitApplication(self, request, context):  # type: ignore[no-untyped-def]
        principal = current_principal.get()
        async with self.db.reader() as session:
            found = await apps.get_application(
                session=session, principal=principal, application_no=request.application_no
            )
            item_code = found.item_code
        facts = await self._facts_for(context, principal, [item_code], request.application_no)
        async with self.db.transaction() as session:
            application = await transitions.resubmit_application(
                session=session,
                outbox=self.outbox,
                principal=principal,
                application_no=request.application_no,
                form=json_object(request.form_json, "form") if request.has_form else None,
                materials=material_files(request.materials) if request.has_materials else None,
                facts=facts,
            )
            timeline = await apps.get_timeline(session, application.application_no)
            message = application_message(application, timeline)
        self._published()
        return message

    async def ListFlags(self, request, context):  # type: ignore[no-untyped-def]
        day = None
        if request.day:
            try:
                day = dt.date.fromisoformat(request.day)
            except ValueError as exc:
                raise InvalidInput("日期格式应为 YYYY-MM-DD", code="invalid_day") from exc
        async with self.db.reader() as session:
            flags = await transitions.get_flags(session=session, principal=current_principal.get(), day=day)
        return intake_pb2.ListFlagsResponse(
            flags=[
                intake_pb2.Flag(
                    application_no=f.application_no,
                    kind=f.kind,
                    text=f.text,
                    day=f.day.isoformat(),
                    region=f.recipient.rsplit(":", 1)[-1],
                )
                for f in flags
            ]
        )

    # -- 一件事一次办 --------------------------------------------------------------------------------------------

    @staticmethod
    def _bundle_message(bundle: Any) -> intake_pb2.Bundle:
        return intake_pb2.Bundle(
            bundle_code=bundle.bundle_code,
            name=bundle.name,
            item_codes=bundle.item_codes,
            regions=bundle.regions,
            department=bundle.department,
        )

    async def ListBundles(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            rows = await bundles.get_bundles(session=session, region=request.region)
        return intake_pb2.ListBundlesResponse(bundles=[self._bundle_message(b) for b in rows])

    async def CreateBundle(self, request, context):  # type: ignore[no-untyped-def]
        data = {
            "bundle_code": request.bundle_code,
            "name": request.name,
            "item_codes": list(request.item_codes),
            "regions": list(request.regions),
            "department": request.department,
        }
        async with self.db.transaction() as session:
            bundle = await bundles.create_bundle(
                session=session, principal=current_principal.get(), data=data
            )
            return self._bundle_message(bundle)

    async def SubmitBundle(self, request, context):  # type: ignore[no-untyped-def]
        principal = current_principal.get()
        form = json_object(request.form_json or "{}", "form")
        materials = material_files(request.materials)
        digest = bundles.request_hash(request.bundle_code, request.region, form, materials)
        async with self.db.reader() as session:
            if request.idempotency_key:  # a replay answers without numbers, a licenses call or the write lock
                replay = await idempotency.find_replay(
                    session=session, principal=principal, key=request.idempotency_key, digest=digest
                )
                if replay:
                    record, cases = await bundles.get_bundle_application(
                        session=session, principal=principal, bundle_no=replay
                    )
                    return self._bundle_application_message(record, cases)
            bundle = await bundles.get_bundle(session=session, code=request.bundle_code)
        county = request.region if request.region.isdigit() else "530000"
        numbers = [await self.numbers.next_number(county, apps.utcnow()) for _ in bundle.item_codes]
        bundle_no = "YJ" + (await self.numbers.next_number(county, apps.utcnow()))
        facts = await self._facts_for(context, principal, list(bundle.item_codes), bundle_no)
        async with self.db.transaction() as session:
            record = await bundles.submit_bundle(
                session=session,
                outbox=self.outbox,
                principal=principal,
                bundle=bundle,
                region=request.region,
                form=form,
                materials=materials,
                numbers=numbers,
                bundle_no=bundle_no,
                facts=facts,
                idempotency_key=request.idempotency_key,
                digest=digest,
            )
            record, cases = await bundles.get_bundle_application(
                session=session, principal=principal, bundle_no=record.bundle_no
            )
            message = self._bundle_application_message(record, cases)
        self._published()
        return message

    @staticmethod
    def _bundle_application_message(record: Any, cases: list[Application]) -> intake_pb2.BundleApplication:
        return intake_pb2.BundleApplication(
            bundle_no=record.bundle_no,
            bundle_code=record.bundle_code,
            name=record.name,
            status=record.status,
            outcome=record.outcome,
            applications=[application_message(c) for c in cases],
        )

    async def GetBundleApplication(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            record, cases = await bundles.get_bundle_application(
                session=session, principal=current_principal.get(), bundle_no=request.bundle_no
            )
            return self._bundle_application_message(record, cases)

    # -- appointments --------------------------------------------------------------------------------------------

    @staticmethod
    def _slot_message(s: Any) -> intake_pb2.Slot:
        return intake_pb2.Slot(
            slot_id=s.slot_id,
            region=s.region,
            window=s.window,
            day=s.day.isoformat(),
            start=s.start,
            end=s.end,
            capacity=s.capacity,
            booked=s.booked,
            item_code=s.item_code,
        )

    @staticmethod
    def _appointment_message(a: Any, s: Any) -> intake_pb2.Appointment:
        return intake_pb2.Appointment(
            appointment_id=a.appointment_id,
            slot_id=a.slot_id,
            account_id=a.account_id,
            application_no=a.application_no,
            status=a.status,
            day=s.day.isoformat(),
            start=s.start,
            window=s.window,
            region=s.region,
            created_at=apps.rfc3339(a.created_at),
        )

    async def CreateSlots(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.transaction() as session:
            slots = await appointments.create_slots(
                session=session,
                principal=current_principal.get(),
                region=request.region,
                window=request.window,
                day=request.day,
                starts=list(request.starts),
                minutes=request.minutes,
                capacity=request.capacity,
                item_code=request.item_code,
            )
            return intake_pb2.ListSlotsResponse(slots=[self._slot_message(s) for s in slots])

    async def ListSlots(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            slots = await appointments.get_slots(
                session=session, region=request.region, day=request.day, item_code=request.item_code
            )
        return intake_pb2.ListSlotsResponse(slots=[self._slot_message(s) for s in slots])

    async def BookAppointment(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.transaction() as session:
            appointment = await appointments.book(
                session=session,
                principal=current_principal.get(),
                slot_id=request.slot_id,
                application_no=request.application_no,
                idempotency_key=request.idempotency_key,
            )
            slot = await session.get(appointments.Slot, appointment.slot_id)
            return self._appointment_message(appointment, slot)

    async def ChangeAppointment(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.transaction() as session:
            appointment = await appointments.change(
                session=session,
                principal=current_principal.get(),
                appointment_id=request.appointment_id,
                action=request.action,
            )
            slot = await session.get(appointments.Slot, appointment.slot_id)
            return self._appointment_message(appointment, slot)

    async def ListAppointments(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            rows = await appointments.get_appointments(
                session=session,
                principal=current_principal.get(),
                mine=request.mine,
                region=request.region,
                day=request.day,
            )
        return intake_pb2.ListAppointmentsResponse(
            appointments=[self._appointment_message(a, s) for a, s in rows]
        )


# -- the daily flags ---------------------------------------------------------------------------------------------


async def run_flag_timer(runtime: Runtime) -> None:
    """每个工作日: flag overdue and soon-overdue cases to their department; warn while the calendar ahead is not
    covered by an official schedule."""
    warned_on = None
    while True:
        try:
            today = workdays.china_today()
            if warned_on != today:
                warned_on = today
                gaps = workdays.uncovered_ahead(90)
                if gaps:
                    log.warning(
                        "working-day calendar: no official schedule for %s within 90 days; "
                        "load it with 'bst calendar load FILE'",
                        gaps,
                    )
            if workdays.is_working_day(today):
                assert runtime.outbox is not None
                async with runtime.db.transaction() as session:
                    flagged = await transitions.flag_due_applications(session=session, outbox=runtime.outbox)
                if flagged:
                    log.info("intake flags", extra={"flagged": flagged})
                    if runtime.relay is not None:
                        runtime.relay.wake()
        except Exception:  # a failed pass is retried at the next tick
            reraise_if_cancelling()
            log.exception("intake flags failed")
        await asyncio.sleep(runtime.settings.intake_timer_seconds)


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    workdays.configure(workdays.directory_for(runtime.settings.var_dir))
    intake_pb2_grpc.add_IntakeServiceServicer_to_server(IntakeServicer(runtime), server)


SPEC = ServiceSpec(
    name="intake",
    full_names=[intake_pb2.DESCRIPTOR.services_by_name["IntakeService"].full_name],
    register=register,
    outbox_model=OutboxEvent,
    processed_model=ProcessedEvent,
    tasks=[run_flag_timer],
)
