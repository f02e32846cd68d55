"""The token signing keys: Ed25519, encrypted at rest, published as a JWKS, rotated without signing anyone out."""

from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import AuditEvent, SigningKey
from services.kernel.auth import ALGORITHM
from services.kernel.db import Database, utcnow


def _wrapping_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"bst signing-key wrap v1").derive(
        secret.encode()
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class KeyStore:
    """Signs with the newest active key; answers public keys (active and retired-but-published) by kid."""

    def __init__(self, db: Database, secret: str, *, token_lifetime: dt.timedelta) -> None:
        self.db = db
        self._aead = AESGCM(_wrapping_key(secret))
        self.token_lifetime = token_lifetime
        self._signing: tuple[str, Ed25519PrivateKey] | None = None
        self._public: dict[str, Ed25519PublicKey] = {}
        self._jwks: list[dict[str, str]] = []
        self._loaded_at = 0.0

    def _encrypt(self, kid: str, private_key: Ed25519PrivateKey) -> bytes:
        raw = private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, raw, kid.encode())

    def _decrypt(self, kid: str, blob: bytes) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self._aead.decrypt(blob[:12], blob[12:], kid.encode()))

    @staticmethod
    def _jwk(kid: str, public_key: Ed25519PublicKey) -> dict[str, str]:
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": kid, "use": "sig", "alg": ALGORITHM}

    async def create_key(self, session: AsyncSession) -> str:
        kid = f"{utcnow():%Y%m%d}-{secrets.token_hex(4)}"
        private_key = Ed25519PrivateKey.generate()
        session.add(
            SigningKey(
                kid=kid,
                private_key=self._encrypt(kid, private_key),
                public_jwk=self._jwk(kid, private_key.public_key()),
                created_at=utcnow(),
            )
        )
        return kid

    async def rotate(self, *, actor: str | None = None, ip: str | None = None) -> str:
        """Start signing with a new key; the old ones keep verifying until their tokens have expired. The new key
        is in the JWKS from the moment it signs (services fetch the JWKS again on an unknown kid); the rotation is
        recorded in the audit log."""
        async with self.db.transaction() as session:
            retired = []
            for key in (
                await session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None)))
            ).all():
                key.retired_at = utcnow()
                retired.append(key.kid)
            kid = await self.create_key(session)
            session.add(
                AuditEvent(
                    at=utcnow(),
                    event="signing_key_rotated",
                    actor=actor,
                    subject=kid,
                    ip=ip,
                    detail={"retired": retired},
                )
            )
        await self.load()
        return kid

    async def load(self) -> None:
        """Read the keys (making the first one if there is none) and drop those retired long enough ago."""
        async with self.db.transaction() as session:
            keys = (await session.scalars(select(SigningKey).order_by(SigningKey.created_at))).all()
            if not any(k.retired_at is None for k in keys):
                await self.create_key(session)
                await session.flush()
                keys = (await session.scalars(select(SigningKey).order_by(SigningKey.created_at))).all()
        horizon = utcnow() - self.token_lifetime - dt.timedelta(minutes=5)
        published = [k for k in keys if k.retired_at is None or k.retired_at > horizon]
        active = [k for k in keys if k.retired_at is None][-1]
        self._signing = (active.kid, self._decrypt(active.kid, active.private_key))
        self._public = {k.kid: jwt.PyJWK(k.public_jwk, algorithm=ALGORITHM).key for k in published}
        self._jwks = [k.public_jwk for k in published]
        self._loaded_at = time.monotonic()

    def jwks(self) -> dict[str, Any]:
        return {"keys": list(self._jwks)}

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        key = self._public.get(kid)
        if key is None and time.monotonic() - self._loaded_at > 1.0:
            await self.load()  # another replica may have rotated (at most one reload a second)
            key = self._public.get(kid)
        return key

    def sign(self, claims: dict[str, Any], *, typ: str = "JWT") -> str:
        if self._signing is None:
            raise RuntimeError("KeyStore.load() first")
        kid, key = self._signing
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid, "typ": typ})
