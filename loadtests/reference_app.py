"""The reference of `make bench`: a bare FastAPI app with one endpoint returning a constant JSON.

It is served exactly as `python -m gateway` serves the gateway (one uvicorn worker, `log_config=None`, no access log,
no server header), so the ratio of a platform path to it is what the platform itself costs.

    python -m loadtests.reference_app --port 8100
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI

app = FastAPI(title="bench reference")


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    """The same body as the gateway's `/healthz`."""
    return {"status": "alive"}


def serve(asgi_app: FastAPI, port: int) -> None:
    """Serve `asgi_app` as `python -m gateway` serves the gateway (one worker, no log config, no access log, no
    server header): the reference and the bench's other bare apps all run this way."""
    uvicorn.run(
        asgi_app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        server_header=False,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.reference_app", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    serve(app, args.port)


if __name__ == "__main__":
    main()
