"""Secrets at rest: field encryption with blind indexes, password hashing, and one-way token hashes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.kernel.crypto import derive_key


class FieldCipher:
    """AES-GCM for personal data (phone, ID number), plus a keyed blind index to look it up."""

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(derive_key(secret, "field-encryption"))
        self._index_key = derive_key(secret, "blind-index")

    def encrypt(self, value: str, *, field: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, value.encode(), field.encode())

    def decrypt(self, blob: bytes, *, field: str) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], field.encode()).decode()

    def index(self, value: str, *, field: str) -> str:
        return hmac.new(self._index_key, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()


class Passwords:
    """argon2id through argon2-cffi, run off the event loop (a hash costs tens of milliseconds by design).

    Each hash holds 64 MiB while it runs (argon2-cffi's default memory cost), so at most one per CPU runs at a
    time and the rest wait their turn: more at once would not finish sooner, and a burst of sign-ins must not
    take the gateway's memory with it (32 at once would be 2 GiB)."""

    def __init__(self, concurrency: int | None = None) -> None:
        self._hasher = PasswordHasher()
        self._dummy = self._hasher.hash("a password nobody has")
        self._turns = asyncio.Semaphore(concurrency or os.cpu_count() or 1)

    async def hash(self, password: str) -> str:
        async with self._turns:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when it matches; a missing hash still costs one verification, so timing tells nothing."""
        try:
            async with self._turns:
                matched = await asyncio.to_thread(self._hasher.verify, password_hash or self._dummy, password)
            return matched and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False


def token_hash(token: str) -> str:
    """Refresh tokens are 256-bit random strings: a plain SHA-256 is the right one-way function for them."""
    return hashlib.sha256(token.encode()).hexdigest()


def code_hash(secret_key: bytes, phone_index: str, code: str) -> str:
    return hmac.new(secret_key, f"{phone_index}:{code}".encode(), hashlib.sha256).hexdigest()
