"""`python -m gateway`: serve the gateway with uvicorn until SIGTERM/SIGINT, draining in-flight requests."""

import uvicorn

from gateway.app import create_app
from services.kernel.logging import configure_logging
from services.kernel.settings import get_settings

settings = get_settings()
configure_logging("gateway", level=settings.log_level, fmt=settings.log_format)
uvicorn.run(
    create_app(settings),
    host=settings.gateway_host,
    port=settings.gateway_port,
    log_config=None,
    access_log=False,
    timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    server_header=False,
)
