"""The gateway in front of the four services, over real gRPC: what a client sees."""

from __future__ import annotations

import uuid

from tests.helpers import staff_token


async def test_readyz_names_every_dependency(platform):
    async with platform.client() as client:
        reply = await client.get("/readyz")
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "ready"
    assert body["checks"] == {
        "database": "ok",
        "redis": "ok",
        "intake": "SERVING",
        "licenses": "SERVING",
        "reviews": "SERVING",
        "repair": "SERVING",
    }


async def test_healthz_is_alive(platform):
    async with platform.client() as client:
        assert (await client.get("/healthz")).json() == {"status": "alive"}


async def test_intake_service_items_come_from_the_intake_service(platform):
    async with platform.client() as client:
        reply = await client.get("/api/v1/service-items", params={"region": "530102"})
        one = await client.get("/api/v1/service-items/SC-GT-001")
        missing = await client.get("/api/v1/service-items/NO-SUCH")
    assert reply.status_code == 200
    names = {item["name"] for item in reply.json()}
    assert {"个体工商户设立登记", "结婚登记", "不动产首次登记"} <= names
    assert one.json()["promised_days"] == 1
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "unknown_service_item"


async def test_service_items_of_another_county_leave_out_local_items(platform):
    async with platform.client() as client:
        reply = await client.get("/api/v1/service-items", params={"region": "532801"})
    names = {item["name"] for item in reply.json()}
    assert "结婚登记" not in names  # offered by 五华区 only
    assert "居民身份证换领" in names


async def test_license_types_come_from_the_licenses_service(platform):
    async with platform.client() as client:
        everyone = await client.get("/api/v1/licenses/types")
        companies = await client.get("/api/v1/licenses/types", params={"holder_kind": "legal_person"})
        bad = await client.get("/api/v1/licenses/types", params={"holder_kind": "alien"})
    assert "居民身份证" in {t["name"] for t in everyone.json()}
    assert {t["name"] for t in companies.json()} == {"营业执照", "食品经营许可证"}
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "holder_kind"


async def test_review_indicators_come_from_the_reviews_service(platform):
    async with platform.client() as client:
        reply = await client.get("/api/v1/reviews/indicators", params={"region": "5301"})
    body = reply.json()
    assert reply.status_code == 200
    assert body["region"] == "5301"
    assert [lv["label"] for lv in body["levels"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


async def test_repair_counties_come_from_the_repair_service(platform):
    async with platform.client() as client:
        kunming = await client.get("/api/v1/repair/counties", params={"within": "5301"})
        unknown = await client.get("/api/v1/repair/counties", params={"within": "9901"})
    counties = {c["adcode"]: c for c in kunming.json()}
    assert len(counties) == 14
    assert counties["530102"]["name"] == "五华区"
    assert counties["530102"]["active_outlets"] >= 6  # the six seeded outlets; other tests add their own
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_region"


async def test_the_service_verifies_the_callers_token_and_region(platform):
    wuhua_admin = staff_token(platform, roles=["county_admin"], region="530102")
    kunming_admin = staff_token(platform, roles=["county_admin"], region="5301")
    other_admin = staff_token(platform, roles=["county_admin"], region="532801")
    citizen = staff_token(platform, roles=[], region="530102")
    async with platform.client(wuhua_admin) as client:
        own = await client.get("/api/v1/repair/outlets", params={"county": "530102"})
    async with platform.client(kunming_admin) as client:
        prefecture = await client.get("/api/v1/repair/outlets", params={"county": "530102"})
    async with platform.client(other_admin) as client:
        foreign = await client.get("/api/v1/repair/outlets", params={"county": "530102"})
    async with platform.client(citizen) as client:
        no_role = await client.get("/api/v1/repair/outlets", params={"county": "530102"})
    async with platform.client(wuhua_admin[:-4] + "AAAA") as client:
        tampered = await client.get("/api/v1/repair/outlets", params={"county": "530102"})
    async with platform.client() as client:
        anonymous = await client.get("/api/v1/repair/outlets", params={"county": "530102"})
    assert own.status_code == 200
    assert {o["kind"] for o in own.json()} == {"market", "operator"}
    assert prefecture.status_code == 200
    assert foreign.status_code == 403 and foreign.json()["code"] == "region_forbidden"
    assert no_role.status_code == 403 and no_role.json()["code"] == "role_required"
    assert tampered.status_code == 401
    assert anonymous.status_code == 401


async def test_problem_documents_for_unknown_routes_and_invalid_input(platform):
    async with platform.client() as client:
        unknown = await client.get("/api/v1/no-such-thing")  # an unknown path is 404 with or without a token
    # input is checked for a signed-in caller only: without a token the route answers 401 first
    async with platform.client(staff_token(platform, roles=["county_admin"], region="530102")) as client:
        invalid = await client.get("/api/v1/repair/outlets", params={"county": "53010x"})
    assert unknown.status_code == 404
    assert unknown.json()["status"] == 404
    assert invalid.status_code == 422
    problem = invalid.json()
    assert problem["code"] == "invalid_input"
    assert problem["errors"][0]["field"] == "county"
    assert {"type", "title", "status", "detail", "code"} <= problem.keys()


async def test_request_id_goes_in_and_comes_back(platform):
    rid = uuid.uuid4().hex
    async with platform.client() as client:
        given = await client.get("/healthz", headers={"X-Request-ID": rid})
        made = await client.get("/healthz")
        junk = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert given.headers["x-request-id"] == rid
    assert len(made.headers["x-request-id"]) == 32
    assert junk.headers["x-request-id"] != "bad id with spaces"


async def test_metrics_count_requests_by_route_and_grpc_calls_by_method(platform):
    async with platform.client() as client:
        await client.get("/api/v1/repair/counties")
        metrics = (await client.get("/metrics")).text
    assert 'bst_http_requests_total{method="GET",route="/api/v1/repair/counties",status="200"}' in metrics
    assert (
        'bst_grpc_client_seconds_count{code="OK",method="/bst.repair.v1.RepairService/ListCounties"}'
        in metrics
    )


async def test_jwks_publishes_the_signing_key(platform):
    async with platform.client() as client:
        jwks = (await client.get("/.well-known/jwks.json")).json()
    assert jwks["keys"] and all(
        k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in jwks["keys"]
    )


async def test_openapi_lists_the_routes(platform):
    async with platform.client() as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/api/v1/repair/outlets" in paths and "/readyz" in paths
