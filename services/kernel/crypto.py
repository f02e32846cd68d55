"""Keys derived from the platform secret, one per purpose, so that one secret never serves two uses."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for `purpose` (e.g. "field-encryption", "repair-qr")."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"bst {purpose} v1".encode()).derive(
        secret.encode()
    )
