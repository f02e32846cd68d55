"""`python -m gateway`: serve the gateway with uvicorn until SIGTERM/SIGINT, draining in-flight requests.

With `BST_REPLICAS` above 1 the listening socket is opened with SO_REUSEPORT, so that that many gateway processes
share the port and the kernel spreads new connections over them. (Not otherwise: a second platform started by
mistake on the same port must fail, not quietly take half the traffic.)
"""

import socket

import uvicorn

from gateway.app import create_app
from services.kernel.logging import configure_logging
from services.kernel.settings import get_settings

settings = get_settings()
configure_logging("gateway", level=settings.log_level, fmt=settings.log_format)
config = uvicorn.Config(
    create_app(settings),
    host=settings.gateway_host,
    port=settings.gateway_port,
    log_config=None,
    access_log=False,
    timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    server_header=False,
)
family = socket.AF_INET6 if ":" in settings.gateway_host else socket.AF_INET
listener = socket.socket(family, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if settings.replicas > 1:
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
listener.bind((settings.gateway_host, settings.gateway_port))
listener.set_inheritable(True)
uvicorn.Server(config).run(sockets=[listener])
