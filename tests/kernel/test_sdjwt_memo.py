"""An issuer signature verified once is not checked again for the same key; a forged one never passes, and a
different key (a JWKS that changed) checks it afresh."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.kernel.sdjwt import (
    PresentationRefused,
    SignatureMemo,
    b64url,
    issue_sd_jwt,
    present,
    public_jwk,
    verify_presentation,
)

DEPT = "公安厅交通管理局"


def shown(issuer: Ed25519PrivateKey, holder: Ed25519PrivateKey, nonce: str) -> str:
    claims = {"iss": "x", "issuer_department": DEPT, "vct": "DRIVING-LICENSE", "iat": int(time.time())}
    issued = issue_sd_jwt(
        issuer_key=issuer, kid="k1", claims=claims, fields={"name": "张三"}, holder_key=holder.public_key()
    )
    return present(issued=issued, fields=["name"], holder_key=holder, nonce=nonce, audience="aud")[0]


def test_the_memo_skips_only_a_signature_already_verified_with_the_same_key() -> None:
    issuer, holder, other = (Ed25519PrivateKey.generate() for _ in range(3))
    keys = {"k1": (issuer.public_key(), public_jwk(issuer.public_key(), "k1", purpose="license", dept=DEPT))}
    memo = SignatureMemo(size=2)
    text = shown(issuer, holder, "nonce-1")
    assert verify_presentation(text, issuer_key=keys.get, expected_audience="aud", memo=memo).fields == {
        "name": "张三"
    }
    again = verify_presentation(text, issuer_key=keys.get, expected_audience="aud", memo=memo)
    assert again.nonce == "nonce-1"

    token, rest = text.split("~", 1)
    head, body, _ = token.split(".")
    forged = f"{head}.{body}.{b64url(other.sign(f'{head}.{body}'.encode()))}~{rest}"
    with pytest.raises(PresentationRefused) as refused:
        verify_presentation(forged, issuer_key=keys.get, expected_audience="aud", memo=memo)
    assert refused.value.reason == "signature_invalid"

    rotated = {"k1": (other.public_key(), keys["k1"][1])}  # the same kid now names another key
    with pytest.raises(PresentationRefused) as refused:
        verify_presentation(text, issuer_key=rotated.get, expected_audience="aud", memo=memo)
    assert refused.value.reason == "signature_invalid"
