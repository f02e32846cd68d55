"""The server fetches nothing private: mini-app entry URLs on port 443 to public addresses only, checked at
registration and at every probe, connecting to the checked address, never following redirects."""

from __future__ import annotations

import datetime as dt

import httpcore
import httpx
import pytest

from gateway.registry.ssrf import PinnedTransport, address_forbidden, system_resolve
from tests.helpers import listed_mini_app, manifest, registered_mini_app

pytestmark = pytest.mark.security

FORBIDDEN = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "224.0.0.1",
    "240.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "::1",
    "::",
    "fd00::1",  # unique-local
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
]
PUBLIC = ["8.8.8.8", "202.98.0.68", "2001:4860:4860::8888"]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_private_and_reserved_addresses_are_forbidden(address):
    assert address_forbidden(address) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert address_forbidden(address) is None


class FakeDns:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError("no such name")
        return self.answers[host]


@pytest.fixture
def dns(platform):
    registry = platform.app.state.runtime.registry
    fake = FakeDns({})
    registry.resolve = fake
    yield fake
    registry.resolve = system_resolve


@pytest.mark.parametrize(
    ("entry_url", "answers"),
    [
        ("https://anything.yn.gov.cn:6379/", {"anything.yn.gov.cn": ["8.8.8.8"]}),
        ("https://anything.yn.gov.cn:8443/", {"anything.yn.gov.cn": ["8.8.8.8"]}),
        ("https://anything.yn.gov.cn/", {"anything.yn.gov.cn": ["127.0.0.1"]}),
        ("https://anything.yn.gov.cn/", {"anything.yn.gov.cn": ["8.8.8.8", "10.0.0.7"]}),  # any of them
        ("https://anything.yn.gov.cn/", {"anything.yn.gov.cn": ["::ffff:169.254.169.254"]}),
    ],
)
async def test_registering_an_entry_on_another_port_or_a_private_address_is_422(
    platform, dns, entry_url, answers
):
    dns.answers = answers
    app = await registered_mini_app(platform)
    async with platform.client(app["developer"]) as client:
        reply = await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/versions", json=manifest(entry_url=entry_url)
        )
    assert reply.status_code == 422, reply.text
    assert [e["field"] for e in reply.json()["errors"]] == ["entry_url"]


async def test_the_probe_checks_every_time_and_never_reaches_a_rebound_name(platform, dns):
    dns.answers = {"rebind.yn.gov.cn": ["8.8.8.8"]}
    app = await listed_mini_app(platform, version=manifest(entry_url="https://rebind.yn.gov.cn/app/"))
    dns.answers = {"rebind.yn.gov.cn": ["127.0.0.1"]}  # the name now points inside
    dns.asked.clear()
    registry = platform.app.state.runtime.registry
    results = await registry.probe.probe_once(now=dt.datetime.now(dt.UTC))
    health = results[app["app_id"]]
    assert health.status == "down" and health.http_status is None
    assert "回环" in (health.error or "")
    assert dns.asked.count("rebind.yn.gov.cn") == 1  # one lookup, and no connection after it


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Stands in for the network: records where a connection goes and the TLS name it would present."""

    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []
        self.server_hostnames: list[str | None] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append((host, port))
        backend = self

        class Stream(httpcore.AsyncNetworkStream):
            async def start_tls(self, ssl_context, server_hostname=None, timeout=None):
                backend.server_hostnames.append(server_hostname)
                raise httpcore.ConnectError("stop here")

            async def read(self, max_bytes, timeout=None):
                return b""

            async def write(self, buffer, timeout=None):
                return None

            async def aclose(self):
                return None

        return Stream()

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise AssertionError("no unix sockets")

    async def sleep(self, seconds):
        return None


async def test_the_probe_connects_to_the_address_it_checked_with_the_name_for_tls():
    dns = FakeDns({"app.yn.gov.cn": ["202.98.0.68", "8.8.8.8"]})
    transport = PinnedTransport(dns)
    recording = RecordingBackend()
    transport._pool._network_backend._inner = recording  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError):
            await client.head("https://app.yn.gov.cn/app/")
    assert recording.connected == [("202.98.0.68", 443)]  # the checked address, not a second lookup
    assert recording.server_hostnames == ["app.yn.gov.cn"]  # SNI and the certificate name stay the host's
    assert dns.asked == ["app.yn.gov.cn"]


async def test_the_pinned_transport_refuses_other_ports_and_private_names():
    dns = FakeDns({"inside.yn.gov.cn": ["192.168.0.10"], "ok.yn.gov.cn": ["8.8.8.8"]})
    async with httpx.AsyncClient(transport=PinnedTransport(dns)) as client:
        with pytest.raises(httpx.ConnectError, match="内网"):
            await client.get("https://inside.yn.gov.cn/")
        with pytest.raises(httpx.ConnectError, match="443"):
            await client.get("https://ok.yn.gov.cn:6379/")
        with pytest.raises(httpx.ConnectError, match="回环"):
            await client.get("https://127.0.0.1/")


async def test_the_probe_never_follows_a_redirect(platform, dns):
    dns.answers = {"moved.yn.gov.cn": ["8.8.8.8"]}
    app = await listed_mini_app(platform, version=manifest(entry_url="https://moved.yn.gov.cn/app/"))
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "moved.yn.gov.cn":
            return httpx.Response(302, headers={"Location": "http://127.0.0.1:6379/"})
        return httpx.Response(200)

    registry = platform.app.state.runtime.registry
    await registry.probe.probe_once(now=dt.datetime.now(dt.UTC), transport=httpx.MockTransport(answer))
    assert [u for u in seen if "127.0.0.1" in u] == []
    assert "https://moved.yn.gov.cn/app/" in seen
    assert (await registry.probe.health(app["app_id"])).http_status == 302
