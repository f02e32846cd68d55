"""licenses.GetLicenseFacts (intake's prefill call) over gRPC against the real licenses service: the caller's own
valid licenses of the asked types, each read on the holder's use record; a delegation without a case is refused."""

from __future__ import annotations

import uuid

import grpc
import jwt
import pytest
from sqlalchemy import select

from bst.licenses.v1 import licenses_pb2 as pb
from bst.licenses.v1 import licenses_pb2_grpc
from services.kernel.db import Database
from services.kernel.errors import CODE_KEY
from services.licenses.models import LicenseUse
from tests.gateway.test_intake_support import delegated_token
from tests.gateway.test_licenses import driving_licence, issuer_token
from tests.helpers import sms_tokens
from tests.services.licenses.conftest import new_id_number

PURPOSE, READER = "申办 机动车驾驶证换证", "公安厅交通管理局"


def vehicle_licence(number: str) -> dict:
    fields = {"owner": "张三", "id_number": number, "plate_no": "云A12345", "vehicle_type": "小型轿车"}
    return {
        "type": "VEHICLE-LICENSE",
        "holder": {"id_number": number},
        "fields": {**fields, "vin": "LSVAB123"},
    }


async def facts(platform, token: str, **request: object) -> pb.GetLicenseFactsResponse:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{platform.services['licenses'].port}") as channel:
        stub = licenses_pb2_grpc.LicensesServiceStub(channel)
        return await stub.GetLicenseFacts(
            pb.GetLicenseFactsRequest(**request), metadata=(("authorization", f"Bearer {token}"),)
        )


async def reads(platform, license_ids: list[str]) -> list[LicenseUse]:
    db = Database(platform.settings.database_url("licenses"))
    try:
        async with db.reader() as session:
            query = select(LicenseUse).where(
                LicenseUse.license_id.in_(license_ids), LicenseUse.kind == "read"
            )
            return list((await session.scalars(query)).all())
    finally:
        await db.dispose()


async def test_a_citizen_reads_only_their_own_valid_licenses_of_the_asked_types_on_record(platform) -> None:
    number, stranger = new_id_number(), new_id_number()
    async with platform.client(issuer_token(platform)) as issuer:
        valid = (await issuer.post("/api/v1/licenses", json=driving_licence(number))).json()["license_id"]
        revoked = (await issuer.post("/api/v1/licenses", json=driving_licence(number))).json()["license_id"]
        gone = await issuer.post(f"/api/v1/licenses/{revoked}/revoke", json={"reason": "换领新证"})
        vehicle = await issuer.post("/api/v1/licenses", json=vehicle_licence(number))
        other = (await issuer.post("/api/v1/licenses", json=driving_licence(stranger))).json()["license_id"]
    assert gone.status_code == 200 and vehicle.status_code == 201, (gone.text, vehicle.text)
    citizen = (await sms_tokens(platform))["access_token"]
    async with platform.client(citizen) as client:
        bound = await client.post("/api/v1/me/real-name", json={"name": "张三", "id_number": number})
    assert bound.status_code == 200, bound.text
    case_ref = f"YN-{uuid.uuid4().hex[:10]}"

    reply = await facts(
        platform,
        citizen,
        license_types=["DRIVING-LICENSE"],
        purpose=PURPOSE,
        reader=READER,
        case_ref=case_ref,
    )

    assert [(f.license_id, f.type, f.status) for f in reply.licenses] == [(valid, "DRIVING-LICENSE", "valid")]
    assert reply.licenses[0].fields["class"] == "C1" and reply.licenses[0].fields["id_number"] == number
    everything = [valid, revoked, vehicle.json()["license_id"], other]
    uses = await reads(platform, everything)
    assert [(u.license_id, u.who, u.purpose, u.case_ref) for u in uses] == [
        (valid, READER, PURPOSE, case_ref)
    ]

    resident = jwt.decode(citizen, options={"verify_signature": False})["sub"]
    agent_token = delegated_token(platform, resident, f"agent-{uuid.uuid4().hex[:8]}")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await facts(platform, agent_token, license_types=["DRIVING-LICENSE"], purpose=PURPOSE, reader=READER)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert dict(refused.value.trailing_metadata() or ())[CODE_KEY] == "case_required"
    assert "代办" in (refused.value.details() or "")
    assert len(await reads(platform, everything)) == 1  # the refusal wrote nothing
