"""Public signing keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from gateway.deps import Runtime

router = APIRouter(tags=["identity"])


@router.get("/.well-known/jwks.json", operation_id="jwks")
async def jwks(runtime: Runtime, response: Response) -> dict[str, Any]:
    """The Ed25519 keys that verify access tokens, including retired keys whose tokens may still be valid."""
    response.headers["Cache-Control"] = "public, max-age=60"
    return runtime.keys.jwks()
