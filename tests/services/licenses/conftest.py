"""The licenses rules on their own database, with a key of their own standing in for the gateway's."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.cli import COMPONENTS
from services.kernel.auth import Principal, TokenVerifier
from services.kernel.db import Database
from services.kernel.migrations import upgrade
from services.licenses.keys import Keyring
from services.licenses.presentations import Presentations
from services.licenses.seed import seed
from services.licenses.service import Licenses

TRAFFIC = "公安厅交通管理局"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def new_id_number() -> str:
    body = f"530102{random.randrange(1960, 2005)}{random.randrange(1, 13):02d}{random.randrange(1, 28):02d}"
    body += f"{random.randrange(1000):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


class StaticKeys:
    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return self.key.public_key() if kid == "gw-1" else None


@dataclass
class World:
    db: Database
    rules: Licenses
    presentations: Presentations
    gateway_keys: StaticKeys
    issuer_name: str

    def issuer(self, department: str = TRAFFIC) -> Principal:
        return Principal(
            sub=f"issuer-{uuid.uuid4().hex[:6]}",
            kind="staff",
            roles=frozenset({"license_issuer"}),
            region="53",
            claims={"department": department},
        )

    def assertion(self, sub: str, id_number: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer_name,
            "aud": "licenses",
            "sub": sub,
            "id_number": id_number,
            "iat": now,
            "exp": now + 120,
            "jti": uuid.uuid4().hex,
            **overrides,
        }
        return jwt.encode(
            claims, self.gateway_keys.key, algorithm="EdDSA", headers={"kid": "gw-1", "typ": "real-name+jwt"}
        )

    async def citizen(self, id_number: str | None = None) -> tuple[Principal, str]:
        """A citizen linked to an ID number: (principal, number)."""
        number = id_number or new_id_number()
        who = Principal(sub=str(uuid.uuid4()))
        async with self.db.transaction() as session:
            await self.rules.link_holder(
                session=session, principal=who, assertion=self.assertion(who.sub, number)
            )
        return who, number

    async def driving_licence(self, number: str, **fields: str) -> str:
        async with self.db.transaction() as session:
            row = await self.rules.issue(
                session=session,
                principal=self.issuer(),
                type_code="DRIVING-LICENSE",
                id_number=number,
                fields={
                    "name": "李四",
                    "id_number": number,
                    "class": "C1",
                    "file_no": "530100123456",
                    "first_issued": "2015-06-01",
                    **fields,
                },
            )
            return row.id


@pytest.fixture(scope="module")
async def world(backend, redis_handle):
    url = await backend.scratch_database(f"licenses_rules_{uuid.uuid4().hex[:6]}")
    await asyncio.to_thread(upgrade, COMPONENTS["licenses"].migrations, url)
    settings = backend.settings()
    db = Database(url)
    await seed(db, settings)
    keys = StaticKeys()
    verifier = TokenVerifier(keys, issuer=settings.issuer, audience=settings.jwt_audience)
    rules = Licenses(settings, Keyring(db, settings.resolved_secret_key()), verifier)
    presentations = Presentations(
        rules, redis_handle.client, f"{settings.redis_namespace}{uuid.uuid4().hex[:4]}"
    )
    yield World(db, rules, presentations, keys, settings.issuer)
    await db.dispose()
