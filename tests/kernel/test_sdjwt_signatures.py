"""The Ed25519 check of SD-JWTs, seals and key bindings (libsodium through PyNaCl) agrees with `cryptography`,
which makes the keys and the signatures, and refuses what it must."""

from __future__ import annotations

import secrets

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.kernel.sdjwt import jws_holds, seal, seal_holds


def openssl_holds(key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, message)
        return True
    except InvalidSignature:
        return False


def test_the_check_agrees_with_cryptography_on_signatures_and_their_tampered_copies() -> None:
    for _ in range(50):
        private = Ed25519PrivateKey.generate()
        key = private.public_key()
        message = secrets.token_bytes(secrets.randbelow(400) + 1)
        signature = private.sign(message)
        assert jws_holds(key, message, signature) and openssl_holds(key, message, signature)
        flipped = bytearray(signature)
        flipped[secrets.randbelow(64)] ^= 1 << secrets.randbelow(8)
        altered = bytearray(message)
        altered[secrets.randbelow(len(message))] ^= 1
        other = Ed25519PrivateKey.generate().public_key()
        for k, m, s in (
            (key, message, bytes(flipped)),
            (key, bytes(altered), signature),
            (other, message, signature),
        ):
            assert jws_holds(k, m, s) is openssl_holds(k, m, s) is False


@pytest.mark.parametrize("signature", [b"", b"\0" * 63, b"\0" * 65, b"\xff" * 64])
def test_a_signature_of_the_wrong_size_or_garbage_is_refused(signature: bytes) -> None:
    key = Ed25519PrivateKey.generate().public_key()
    assert jws_holds(key, b"message", signature) is False


def test_a_small_order_public_key_verifies_nothing() -> None:
    # The identity point (y = 1) with S = 0 and R = identity satisfies the equation for every message; RFC 8032
    # leaves it open, libsodium refuses it.
    identity = (1).to_bytes(32, "little")
    key = Ed25519PublicKey.from_public_bytes(identity)
    assert jws_holds(key, b"any message", identity + b"\0" * 32) is False


def test_a_seal_holds_only_for_its_document() -> None:
    private = Ed25519PrivateKey.generate()
    document = {"name": "张三", "class": "C1"}
    signature = seal(private, document)
    assert seal_holds(private.public_key(), document, signature)
    assert not seal_holds(private.public_key(), {**document, "class": "A1"}, signature)
    assert not seal_holds(private.public_key(), document, "not base64!")
