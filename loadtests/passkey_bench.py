"""What a passkey ceremony costs the gateway's CPU, in-process, on one core: the `webauthn` library's work only.

Run: `.venv/bin/python -m loadtests.passkey_bench`. The process pins itself to one CPU and measures, one operation at
a time: (a) sign-in options (`generate_authentication_options` and its JSON), (b) verifying a sign-in assertion
(ES256, the answer a phone's passkey gives), (c) registration options and (d) verifying a registration (attestation
`none`). Assertions and registrations are made beforehand by a software authenticator (soft-webauthn), so their
signing is not counted. The database row and the Redis challenge of a real sign-in are not in these figures.

Environment:
    BENCH_SECONDS   seconds per measurement, at least (default 2; 1..60)
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from soft_webauthn import SoftWebauthnDevice
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)

RP_ID = "banshitong.yn.gov.cn"
ORIGIN = f"https://{RP_ID}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def registration() -> tuple[dict[str, Any], bytes, SoftWebauthnDevice]:
    options = generate_registration_options(
        rp_id=RP_ID, rp_name="办事通", user_name="bench", user_id=b"u" * 32
    )
    device = SoftWebauthnDevice()
    public_key = {
        **json.loads(options_to_json(options)),
        "challenge": options.challenge,
        "user": {"id": b"u" * 32},
    }
    made = device.create({"publicKey": public_key}, ORIGIN)
    credential = {
        "id": b64url(made["rawId"]),
        "rawId": b64url(made["rawId"]),
        "type": "public-key",
        "response": {k: b64url(v) for k, v in made["response"].items()},
    }
    return credential, options.challenge, device


def assertion(device: SoftWebauthnDevice) -> tuple[dict[str, Any], bytes]:
    options = generate_authentication_options(rp_id=RP_ID)
    made = device.get({"publicKey": {"rpId": RP_ID, "challenge": options.challenge}}, ORIGIN)
    credential = {
        "id": b64url(made["rawId"]),
        "rawId": b64url(made["rawId"]),
        "type": "public-key",
        "response": {k: b64url(v) for k, v in made["response"].items()},
    }
    return credential, options.challenge


def measure(
    name: str, seconds: float, prepare: Callable[[], Any], run: Callable[[Any], Any]
) -> dict[str, Any]:
    """Run `run(prepare())` for at least `seconds` (preparation not timed); per-operation figures in µs."""
    samples: list[float] = []
    spent = 0.0
    while spent < seconds or len(samples) < 50:
        item = prepare()
        start = time.perf_counter()
        run(item)
        took = time.perf_counter() - start
        samples.append(took)
        spent += took
    samples.sort()
    return {
        "operation": name,
        "n": len(samples),
        "ops_per_s": round(len(samples) / sum(samples)),
        "median_us": round(statistics.median(samples) * 1e6, 1),
        "p99_us": round(samples[int(len(samples) * 0.99) - 1] * 1e6, 1),
    }


def main() -> None:
    seconds = min(60.0, max(1.0, float(os.environ.get("BENCH_SECONDS", "2"))))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    registered, challenge, device = registration()
    verified = verify_registration_response(
        credential=registered, expected_challenge=challenge, expected_rp_id=RP_ID, expected_origin=ORIGIN
    )
    counter = {"value": 0}

    def next_assertion() -> tuple[dict[str, Any], bytes, int]:
        credential, sign_challenge = assertion(device)
        counter["value"] += 1
        return credential, sign_challenge, counter["value"] - 1

    rows = [
        measure(
            "sign-in options (+ JSON)",
            seconds,
            lambda: None,
            lambda _: options_to_json(generate_authentication_options(rp_id=RP_ID)),
        ),
        measure(
            "verify a sign-in assertion (ES256)",
            seconds,
            next_assertion,
            lambda a: verify_authentication_response(
                credential=a[0],
                expected_challenge=a[1],
                expected_rp_id=RP_ID,
                expected_origin=ORIGIN,
                credential_public_key=verified.credential_public_key,
                credential_current_sign_count=a[2],
            ),
        ),
        measure(
            "registration options (+ JSON)",
            seconds,
            lambda: None,
            lambda _: options_to_json(
                generate_registration_options(
                    rp_id=RP_ID, rp_name="办事通", user_name="bench", user_id=b"u" * 32
                )
            ),
        ),
        measure(
            "verify a registration (attestation none)",
            seconds,
            registration,
            lambda r: verify_registration_response(
                credential=r[0], expected_challenge=r[1], expected_rp_id=RP_ID, expected_origin=ORIGIN
            ),
        ),
    ]
    width = max(len(r["operation"]) for r in rows)
    print(f"{'operation':<{width}}  {'n':>6}  {'ops/s':>7}  {'median µs':>10}  {'p99 µs':>9}")  # noqa: T201
    for r in rows:
        print(  # noqa: T201
            f"{r['operation']:<{width}}  {r['n']:>6}  {r['ops_per_s']:>7}  {r['median_us']:>10}  {r['p99_us']:>9}"
        )


if __name__ == "__main__":
    main()
