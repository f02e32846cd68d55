"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.deps import Runtime
from gateway.observability import REGISTRY
from services.kernel import workdays

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "alive"}


@router.get("/readyz", operation_id="readyz")
async def readyz(runtime: Runtime) -> JSONResponse:
    """Ready only when the gateway's database and Redis and all four services answer. `warnings` names what
    needs an operator without making the gateway unready (e.g. no official holiday schedule for the next 90 days)."""
    checks = await runtime.check()
    ready = all(v in ("ok", "SERVING") for v in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "not_ready", "checks": checks}
    gaps = workdays.uncovered_ahead(90)
    if gaps:
        body["warnings"] = {
            "calendar": f"no official holiday schedule for {', '.join(map(str, gaps))} within 90 days: "
            "deadlines use the statutory holidays computed from the lunar calendar; load the State Council's "
            "schedule with 'bst calendar load FILE'"
        }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", operation_id="metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
