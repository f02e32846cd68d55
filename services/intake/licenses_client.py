"""The intake service's client of the licenses service: the applicant's e-license facts for prefill and 双免."""

from __future__ import annotations

import logging
from typing import Any

import grpc

from bst.licenses.v1 import licenses_pb2, licenses_pb2_grpc
from services.intake.schemas import LicenseFact
from services.kernel.rpc import REQUEST_ID_KEY
from services.kernel.settings import Settings

log = logging.getLogger("bst.intake")


class LicenseFactsClient:
    """Asks the licenses service for the caller's own valid e-licenses (prefill and 双免), with the caller's token,
    the request id and a deadline. UNIMPLEMENTED or UNAVAILABLE means no facts: the application goes on."""

    def __init__(self, settings: Settings) -> None:
        self.channel = grpc.aio.insecure_channel(settings.service_addr("licenses"))
        self.stub: Any = licenses_pb2_grpc.LicensesServiceStub(self.channel)
        self.timeout = min(settings.grpc_deadline_seconds, 3.0)

    async def facts(
        self, context: grpc.aio.ServicerContext, *, types: list[str], purpose: str, reader: str, case_ref: str
    ) -> list[LicenseFact]:
        if not types:
            return []
        incoming = dict(context.invocation_metadata() or ())
        metadata = [(k, str(incoming[k])) for k in ("authorization", REQUEST_ID_KEY) if incoming.get(k)]
        try:
            reply = await self.stub.GetLicenseFacts(
                licenses_pb2.GetLicenseFactsRequest(
                    license_types=types, purpose=purpose, reader=reader, case_ref=case_ref
                ),
                timeout=self.timeout,
                metadata=metadata,
            )
        except grpc.aio.AioRpcError as exc:
            log.warning(
                "no e-license facts for this application",
                extra={"grpc_code": exc.code().name, "case_ref": case_ref},
            )
            return []
        return [
            LicenseFact(license_id=f.license_id, type=f.type, fields=dict(f.fields)) for f in reply.licenses
        ]

    async def close(self) -> None:
        await self.channel.close()
