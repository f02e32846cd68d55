"""Anonymous online verification is rate-limited per client network and for everyone together (429, Retry-After,
a Chinese detail), with the limits from settings."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

from gateway.routers.licenses import client_network
from services.kernel.settings import Settings

ATTEMPT = {"presentation": "not-a-presentation", "nonce": "n-1", "audience": "https://checkpoint.example"}


def network() -> str:
    """A fresh /24 (the test gateway trusts one proxy hop, so X-Forwarded-For is the client address)."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}"


@contextmanager
def limits(platform, **values: int) -> Iterator[None]:
    """The gateway's settings with lower limits, for one test."""
    settings: Settings = platform.app.state.settings
    platform.app.state.settings = settings.model_copy(update=values)
    try:
        yield
    finally:
        platform.app.state.settings = settings


async def verify(client, address: str):
    return await client.post("/api/v1/licenses/verify", json=ATTEMPT, headers={"X-Forwarded-For": address})


async def test_one_network_is_limited_and_its_neighbours_addresses_count_with_it(platform):
    crowded, other = network(), network()
    with limits(platform, license_verify_limit_per_network=3):
        async with platform.client() as client:
            allowed = [await verify(client, f"{crowded}.{host}") for host in (1, 2, 3)]
            refused = await verify(client, f"{crowded}.200")
            elsewhere = await verify(client, f"{other}.1")
    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert all(r.json()["valid"] is False for r in allowed)  # every attempt counts, valid or not
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["code"] == "rate_limited" and "频繁" in refused.json()["detail"]
    assert elsewhere.status_code == 200


async def test_the_global_limit_refuses_every_network_once_reached(platform):
    with limits(platform, license_verify_limit_global=2):
        async with platform.client() as client:
            replies = [await verify(client, f"{network()}.7") for _ in range(3)]
    assert replies[-1].status_code == 429 and int(replies[-1].headers["Retry-After"]) > 0
    assert "过多" in replies[-1].json()["detail"]


async def test_the_defaults_leave_room_for_a_verifier_office():
    settings = Settings()
    assert settings.license_verify_limit_per_network >= 600
    assert settings.license_verify_limit_global > settings.license_verify_limit_per_network


def test_the_network_is_the_ipv4_24_or_the_ipv6_64():
    assert client_network("192.0.2.77") == client_network("192.0.2.1") == "192.0.2.0/24"
    assert client_network("192.0.3.1") != client_network("192.0.2.1")
    assert client_network("2001:db8:1:2::5") == client_network("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert client_network(None) == client_network("garbage") == "unknown"
