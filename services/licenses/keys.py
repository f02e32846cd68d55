"""Issuer keys: one active Ed25519 key per issuing department (and one for the status lists), encrypted at rest,
rotated without invalidating what older keys sealed, published together as a JWKS."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.crypto import derive_key
from services.kernel.db import Database, utcnow
from services.kernel.sdjwt import key_from_jwk, public_jwk
from services.licenses.models import IssuerKey

LICENSE, STATUS_LIST = "license", "status-list"


class Keyring:
    """Private keys stay encrypted in the database and are decrypted into memory only when they sign."""

    def __init__(self, db: Database, secret: str) -> None:
        self.db = db
        self._aead = AESGCM(derive_key(secret, "licenses issuer-key wrap"))
        self._public: dict[str, tuple[Ed25519PublicKey, Mapping[str, Any]]] = {}
        self._signing: dict[tuple[str, str], tuple[str, Ed25519PrivateKey]] = {}
        self._jwks: list[dict[str, str]] = []
        self._loaded_at = 0.0

    def _wrap(self, kid: str, key: Ed25519PrivateKey) -> bytes:
        raw = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, raw, kid.encode())

    def _unwrap(self, kid: str, blob: bytes) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self._aead.decrypt(blob[:12], blob[12:], kid.encode()))

    async def _add(self, session: AsyncSession, purpose: str, department: str) -> IssuerKey:
        kid = f"{utcnow():%Y%m%d}-{secrets.token_hex(5)}"
        key = Ed25519PrivateKey.generate()
        row = IssuerKey(
            kid=kid,
            purpose=purpose,
            department=department,
            private_key=self._wrap(kid, key),
            public_jwk=public_jwk(key.public_key(), kid, purpose=purpose, dept=department),
            created_at=utcnow(),
        )
        session.add(row)
        await session.flush()
        self._loaded_at = 0.0  # the JWKS reads the new key next time
        return row

    async def signing_key(
        self, session: AsyncSession, *, purpose: str, department: str = ""
    ) -> tuple[str, Ed25519PrivateKey]:
        """The active key of a department (made on first use), inside the caller's transaction."""
        cached = self._signing.get((purpose, department))
        if cached is not None and time.monotonic() - self._loaded_at < 5.0:
            return cached
        row = await session.scalar(
            select(IssuerKey)
            .where(
                IssuerKey.purpose == purpose,
                IssuerKey.department == department,
                IssuerKey.retired_at.is_(None),
            )
            .order_by(IssuerKey.created_at.desc())
            .limit(1)
        )
        if row is None:
            row = await self._add(session, purpose, department)
        found = (row.kid, self._unwrap(row.kid, row.private_key))
        self._signing[(purpose, department)] = found
        self._public[row.kid] = (found[1].public_key(), row.public_jwk)
        return found

    async def rotate(self, session: AsyncSession, *, purpose: str, department: str = "") -> str:
        """Retire the department's active key and make a new one; the old one stays published."""
        await session.execute(
            update(IssuerKey)
            .where(
                IssuerKey.purpose == purpose,
                IssuerKey.department == department,
                IssuerKey.retired_at.is_(None),
            )
            .values(retired_at=utcnow())
        )
        row = await self._add(session, purpose, department)
        self._signing.pop((purpose, department), None)
        self._loaded_at = 0.0
        return row.kid

    async def load(self) -> None:
        async with self.db.reader() as session:
            rows = (await session.execute(select(IssuerKey.kid, IssuerKey.public_jwk))).all()
        self._public = {kid: (key_from_jwk(jwk), jwk) for kid, jwk in rows}
        self._jwks = [jwk for _, jwk in rows]
        self._signing = {}
        self._loaded_at = time.monotonic()

    async def jwks(self) -> dict[str, Any]:
        if time.monotonic() - self._loaded_at > 5.0:
            await self.load()
        return {"keys": list(self._jwks)}

    async def public_key(self, kid: str) -> tuple[Ed25519PublicKey, Mapping[str, Any]] | None:
        found = self._public.get(kid)
        if found is None and time.monotonic() - self._loaded_at > 1.0:
            await self.load()  # a key another replica made or rotated
            found = self._public.get(kid)
        return found

    def cached_public_key(self, kid: str) -> tuple[Ed25519PublicKey, Mapping[str, Any]] | None:
        return self._public.get(kid)
