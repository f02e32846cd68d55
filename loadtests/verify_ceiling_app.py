"""The lean ceiling of online verification: a bare FastAPI app doing only what every verification must do, in
three stages measured apart (`--stage`): `parse` reads the JSON body into its model and answers a constant;
`verify` also checks the presentation; `spend` also spends its nonce.

It checks a presentation with the shared verifier (services/kernel/sdjwt.py: the issuer signature, memoised per
token as the gateway does; the disclosures' digests; the holder's key binding, which is new in every presentation)
and spends its nonce with one Redis `SET NX`. Nothing else: no rate limits, no status, no use record, no metrics,
no access log, no security headers. It is served exactly as the reference (`loadtests/reference_app.py`) and as the
gateway, so `python -m loadtests.license_bench` with `LICENSE_BENCH_CEILING=1` measures it in the same run as the
reference and the platform: what this architecture (uvicorn + FastAPI + the shared verifier + redis-py) can reach
on the machine, before any of the gateway's own work.

    python -m loadtests.verify_ceiling_app --port 8101 --jwks jwks.json --audience https://x/verify --redis URL \\
        --stage spend
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from redis.asyncio import Redis

from loadtests.reference_app import serve
from services.kernel.sdjwt import PresentationRefused, SignatureMemo, key_from_jwk, verify_presentation


class VerifyIn(BaseModel):
    presentation: str
    nonce: str | None = None
    audience: str | None = None


STAGES = ("parse", "verify", "spend")


def build(jwks: dict[str, Any], audience: str, redis_url: str, stage: str = "spend") -> FastAPI:
    keys = {jwk["kid"]: (key_from_jwk(jwk), jwk) for jwk in jwks["keys"]}
    memo = SignatureMemo()
    redis = Redis.from_url(redis_url, decode_responses=False, socket_timeout=None)
    app = FastAPI(title="verification ceiling")

    @app.post("/api/v1/licenses/verify")
    async def verify(body: VerifyIn) -> dict[str, Any]:
        if stage == "parse":
            return {"valid": True, "type": "DRIVING-LICENSE", "fields": {"name": "张三", "class": "C1"}}
        now = time.time()
        try:
            checked = verify_presentation(
                body.presentation,
                issuer_key=keys.get,
                expected_audience=body.audience or audience,
                expected_nonce=body.nonce,
                now=now,
                memo=memo,
            )
            ttl = max(1, int(checked.expires_at - now) + 60)
            if stage == "spend" and not await redis.set(
                f"ceiling:nonce:{checked.nonce}", b"1", nx=True, ex=ttl
            ):
                raise PresentationRefused("presentation_replayed")
        except PresentationRefused as error:
            return {"valid": False, "reason": error.reason}
        return {"valid": True, "type": checked.payload.get("vct"), "fields": checked.fields}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.verify_ceiling_app", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--jwks", type=Path, required=True)
    parser.add_argument("--audience", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--stage", choices=STAGES, default="spend")
    args = parser.parse_args(argv)
    serve(build(json.loads(args.jwks.read_text()), args.audience, args.redis, args.stage), args.port)


if __name__ == "__main__":
    main()
