"""The server fetches nothing private: mini-app entry URLs are https on port 443 to public addresses only.

A name is resolved once; when any of its addresses is loopback, private, link-local, CGNAT (100.64/10), multicast,
reserved, unspecified, IPv6 unique-local, IPv4-mapped or otherwise not globally routable, it is refused — at
registration and at every probe. The probe then connects to the very address that was checked (no second lookup
that a rebinding DNS server could answer differently), with TLS SNI, certificate check and `Host` still naming the
host, and never follows redirects.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import typing
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpcore
import httpx

Resolver = Callable[[str], Awaitable[list[str]]]
ENTRY_PORT = 443
RESOLVE_TIMEOUT_SECONDS = 3.0

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class ForbiddenAddress(Exception):
    """The name resolves (or is) an address the platform must not connect to."""


async def system_resolve(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, ENTRY_PORT, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_forbidden(address: str) -> str | None:
    """Why `address` must not be reached, or None for a public unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "不是有效的地址"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None or ip in _NAT64 or ip.sixtofour is not None or ip.teredo is not None:
            return "IPv4 映射或转换地址"
        if ip in ipaddress.ip_network("fc00::/7"):
            return "IPv6 唯一本地地址"
    elif ip in _CGNAT:
        return "运营商级 NAT 地址（100.64/10）"
    for flag, reason in (
        (ip.is_loopback, "本机回环地址"),
        (ip.is_private, "内网地址"),
        (ip.is_link_local, "链路本地地址"),
        (ip.is_multicast, "组播地址"),
        (ip.is_reserved, "保留地址"),
        (ip.is_unspecified, "未指定地址"),
        (not ip.is_global, "非公网地址"),
    ):
        if flag:
            return reason
    return None


def check_addresses(host: str, addresses: list[str]) -> str:
    """The first address to connect to, once every address of `host` is public; ForbiddenAddress otherwise."""
    if not addresses:
        raise ForbiddenAddress(f"{host} 没有可用的地址")
    for address in addresses:
        reason = address_forbidden(address)
        if reason:
            raise ForbiddenAddress(f"{host} 解析到{reason}，不允许访问")
    return addresses[0]


def entry_port_ok(url: str) -> bool:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return False
    return parts.scheme.lower() == "https" and port in (None, ENTRY_PORT)


async def resolve_checked(host: str, resolve: Resolver) -> str:
    """Resolve `host` (an IP literal is itself) and check every address; the one to connect to."""
    literal = host.strip("[]")
    try:
        ipaddress.ip_address(literal.split("%", 1)[0])
        addresses = [literal]
    except ValueError:
        addresses = await asyncio.wait_for(resolve(host), timeout=RESOLVE_TIMEOUT_SECONDS)
    return check_addresses(host, addresses)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to port 443 of an address checked right here, resolved once."""

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if port != ENTRY_PORT:
            raise httpcore.ConnectError(f"只允许访问 {ENTRY_PORT} 端口")
        try:
            address = await resolve_checked(host, self._resolve)
        except ForbiddenAddress as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"无法解析 {host}") from exc
        return await self._inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("不允许访问本机套接字")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport whose every connection goes through `_GuardedBackend`; proxies from the environment are
    ignored (a proxy would connect on the platform's behalf, around the check)."""

    def __init__(
        self, resolve: Resolver = system_resolve, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(  # the one pool httpx would build, with the guarded backend
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(resolve),
        )
