"""gRPC transport of the licenses service: proto → service → proto, nothing else."""

from __future__ import annotations

import datetime as dt
import json

import grpc

from bst.licenses.v1 import licenses_pb2, licenses_pb2_grpc
from bst.licenses.v1 import licenses_pb2 as pb
from services.kernel.auth import current_principal
from services.kernel.rpc import Runtime, ServiceSpec
from services.licenses.base import shown_status
from services.licenses.consumers import ApplicationResults
from services.licenses.keys import STATUS_LIST, Keyring
from services.licenses.models import License, LicenseType, LicenseUse, OutboxEvent, ProcessedEvent
from services.licenses.presentations import Presentations
from services.licenses.schemas import LicenseStatus
from services.licenses.service import Licenses
from services.licenses.status_cache import StatusCache, run_status_cache
from services.licenses.use_stream import LicenseUses
from services.licenses.use_writer import UseWriter


def _license(row: License, kind: LicenseType | None, holder_masked: str = "") -> pb.License:
    return pb.License(
        license_id=row.id,
        type=row.type,
        type_name=kind.name if kind else "",
        issuer_department=row.issuer_department,
        status=shown_status(row),
        status_reason=row.status_reason,
        valid_from=row.valid_from,
        valid_until=row.valid_until or "",
        fields=row.fields,
        kid=row.kid,
        seal=row.seal,
        issued_at=row.issued_at.isoformat(),
        holder_masked=holder_masked,
    )


def _use(row: LicenseUse) -> pb.LicenseUse:
    return pb.LicenseUse(
        at=row.at.isoformat(),
        kind=row.kind,
        who=row.who,
        purpose=row.purpose,
        case_ref=row.case_ref,
        agent_id=row.agent_id or "",
    )


class LicensesServicer(licenses_pb2_grpc.LicensesServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db
        self.keyring = Keyring(runtime.db, runtime.settings.resolved_secret_key())
        self.rules = Licenses(runtime.settings, self.keyring, runtime.verifier)
        self.presentations = Presentations(self.rules, runtime.redis.client, runtime.settings.redis_namespace)
        self.uses = UseWriter(runtime.db)
        self.status_cache = StatusCache(runtime.redis.client, runtime.settings.redis_namespace)
        self.use_stream: LicenseUses | None = None
        self._types: dict[str, LicenseType] = {}
        self._status_key_ready = False

    async def _kind(self, session, code: str) -> LicenseType | None:  # type: ignore[no-untyped-def]
        if code not in self._types:
            found = await session.get(LicenseType, code)
            if found is None:
                return None
            session.expunge(found)
            self._types[code] = found
        return self._types[code]

    async def ListLicenseTypes(
        self, request: pb.ListLicenseTypesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListLicenseTypesResponse:
        async with self.db.reader() as session:
            types = await self.rules.get_all_license_types(session=session, holder_kind=request.holder_kind)
        return pb.ListLicenseTypesResponse(types=[pb.LicenseType(**t.model_dump(mode="json")) for t in types])

    async def IssueLicense(
        self, request: pb.IssueLicenseRequest, context: grpc.aio.ServicerContext
    ) -> pb.License:
        async with self.db.transaction() as session:
            row = await self.rules.issue(
                session=session,
                principal=current_principal.get(),
                type_code=request.type,
                id_number=request.holder_id_number,
                credit_code=request.holder_credit_code,
                fields=dict(request.fields),
                valid_until=request.valid_until,
                idempotency_key=request.idempotency_key,
            )
            return _license(row, await self._kind(session, row.type), self.rules.holder_masked(row))

    async def ChangeLicenseStatus(
        self, request: pb.ChangeLicenseStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.License:
        async with self.db.transaction() as session:
            row = await self.rules.change_status(
                session=session,
                principal=current_principal.get(),
                license_id=request.license_id,
                action=request.action,
                reason=request.reason,
                valid_until=request.valid_until,
            )
            entry, status = (row.status_list_id, row.status_index), str(row.status)
            if status != LicenseStatus.VALID:  # the gateway refuses it before this call returns
                await self.status_cache.refuse(*entry, status)
            reply = _license(row, await self._kind(session, row.type), self.rules.holder_masked(row))
        if status != LicenseStatus.VALID:
            await self.status_cache.confirm(*entry, status)
        elif request.action == "reinstate":
            await self.status_cache.accept(*entry)
        return reply

    async def RotateIssuerKey(
        self, request: pb.RotateIssuerKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.RotateIssuerKeyResponse:
        async with self.db.transaction() as session:
            kid = await self.presentations.rotate(
                session=session, principal=current_principal.get(), department=request.department
            )
        await self.keyring.load()
        return pb.RotateIssuerKeyResponse(kid=kid)

    async def LinkHolder(
        self, request: pb.LinkHolderRequest, context: grpc.aio.ServicerContext
    ) -> pb.LinkHolderResponse:
        async with self.db.transaction() as session:
            count = await self.rules.link_holder(
                session=session, principal=current_principal.get(), assertion=request.assertion
            )
        return pb.LinkHolderResponse(linked=True, licenses=count)

    async def ListMyLicenses(
        self, request: pb.ListMyLicensesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListMyLicensesResponse:
        async with self.db.reader() as session:
            rows, linked = await self.rules.wallet(session=session, principal=current_principal.get())
            shaped = [_license(r, await self._kind(session, r.type)) for r in rows]
        if request.status:
            shaped = [s for s in shaped if s.status == request.status]
        return pb.ListMyLicensesResponse(licenses=shaped, linked=linked)

    async def CreatePresentation(
        self, request: pb.CreatePresentationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Presentation:
        async with self.db.transaction() as session:
            presentation, nonce, audience, expires_at = await self.presentations.create(
                session=session,
                principal=current_principal.get(),
                license_id=request.license_id,
                fields=list(request.fields),
                nonce=request.nonce,
                audience=request.audience,
                ttl_seconds=request.ttl_seconds,
            )
        return pb.Presentation(
            presentation=presentation,
            nonce=nonce,
            audience=audience,
            expires_at=dt.datetime.fromtimestamp(expires_at, dt.UTC).isoformat(),
        )

    async def ListLicenseUses(
        self, request: pb.ListLicenseUsesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListLicenseUsesResponse:
        if self.use_stream is not None:  # the verifications the gateway answered itself, written first
            await self.use_stream.drain()
        async with self.db.reader() as session:
            uses = await self.rules.uses(
                session=session,
                principal=current_principal.get(),
                license_id=request.license_id,
                limit=request.limit,
            )
        return pb.ListLicenseUsesResponse(uses=[_use(u) for u in uses])

    async def VerifyPresentation(
        self, request: pb.VerifyPresentationRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyPresentationResponse:
        async with self.db.reader() as session:  # the checks hold no write transaction
            outcome, use = await self.presentations.check(
                session=session,
                principal=current_principal.get(),
                presentation=request.presentation,
                nonce=request.nonce,
                audience=request.audience,
            )
        if use is not None:  # committed to the use record (in a group) before it answers
            await self.uses.write(use)
        return pb.VerifyPresentationResponse(
            valid=outcome.valid,
            reason=outcome.reason,
            message=outcome.message,
            type=outcome.type,
            type_name=outcome.type_name,
            issuer=outcome.issuer,
            fields=outcome.fields or {},
        )

    async def GetIssuerJwks(
        self, request: pb.GetIssuerJwksRequest, context: grpc.aio.ServicerContext
    ) -> pb.JsonDocument:
        if not self._status_key_ready:  # the status lists' key is published before any list is signed
            async with self.db.transaction() as session:
                await self.keyring.signing_key(session, purpose=STATUS_LIST)
            self._status_key_ready = True
        return pb.JsonDocument(json=json.dumps(await self.keyring.jwks(), ensure_ascii=False))

    async def GetStatusList(
        self, request: pb.GetStatusListRequest, context: grpc.aio.ServicerContext
    ) -> pb.StatusListToken:
        async with self.db.transaction() as session:
            token = await self.presentations.status_list(session=session, list_id=request.list_id)
        return pb.StatusListToken(token=token)

    async def GetLicenseFacts(
        self, request: pb.GetLicenseFactsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetLicenseFactsResponse:
        async with self.db.transaction() as session:
            rows = await self.rules.facts(
                session=session,
                principal=current_principal.get(),
                types=list(request.license_types),
                purpose=request.purpose,
                reader=request.reader,
                case_ref=request.case_ref,
            )
        return pb.GetLicenseFactsResponse(
            licenses=[
                pb.LicenseFacts(
                    license_id=r.id,
                    type=r.type,
                    status="valid",
                    valid_until=r.valid_until or "",
                    fields=r.fields,
                )
                for r in rows
            ]
        )


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    servicer = LicensesServicer(runtime)
    for consumer in runtime.consumers:
        if isinstance(consumer, ApplicationResults):
            consumer.licenses = servicer.rules
        if isinstance(consumer, LicenseUses):
            consumer.presentations = servicer.presentations
            servicer.use_stream = consumer
    licenses_pb2_grpc.add_LicensesServiceServicer_to_server(servicer, server)


SPEC = ServiceSpec(
    name="licenses",
    full_names=[licenses_pb2.DESCRIPTOR.services_by_name["LicensesService"].full_name],
    register=register,
    outbox_model=OutboxEvent,
    processed_model=ProcessedEvent,
    consumers=(ApplicationResults, LicenseUses),
    tasks=[run_status_cache],
)
