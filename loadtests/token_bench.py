"""Token verification and password hashing in-process, on one core: what a sign-in and a signed-in call cost.

A micro-benchmark on internals (it imports the verifier and the key store; it does not go through the API).

Run: `.venv/bin/python -m loadtests.token_bench`. The process pins itself to one CPU (the first it may use) and
measures, one operation at a time:

* `TokenVerifier.verify` with a real Ed25519 key (made for the run, in memory only) and tokens with the claims the
  gateway issues (`issue_access_token`): (a) a new token each time, so the signature is checked (cold); (b) the same
  token again (the verified-claims cache, the hot path of every signed-in call); (c) `principal_from_header` with a
  cached token (what the gateway and each service do per request);
* for reference, (d) PyJWT's `jwt.decode` alone with the verifier's options, and (e) the bare Ed25519 signature check
  of `cryptography`;
* argon2id hash and verify with the settings of `gateway.identity.crypto.Passwords` (argon2-cffi's defaults), called
  from this one thread; libargon2 computes the 4 lanes on threads of its own, so a last row verifies again with every
  CPU allowed (what one sign-in costs the gateway on this machine).

It prints one table and writes the figures as JSON to `loadtests/results/token-<timestamp>.json`.

Environment:
    BENCH_SECONDS   seconds per measurement, at least (default 2; 1..60); argon2 runs at least 10 operations
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import os
import platform
import secrets
import signal
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
ISSUER = "https://bench.invalid"
AUDIENCE = "bst"
ARGON2_MIN_OPERATIONS = 10
COLD_TOKENS = 20_000  # distinct tokens for the cold row (made in about a second before it starts)


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


def say(message: str) -> None:
    sys.stderr.write(f"token_bench: {message}\n")
    sys.stderr.flush()


def seconds_from_env() -> float:
    raw = os.environ.get("BENCH_SECONDS", "2")
    try:
        value = float(raw)
    except ValueError:
        raise BenchError(f"BENCH_SECONDS must be a number, not {raw!r}") from None
    if not 1 <= value <= 60:
        raise BenchError(f"BENCH_SECONDS must be between 1 and 60, not {value}")
    return value


def pin_to_one_core() -> tuple[int, set[int]]:
    """Run on one CPU only (argon2's lane threads, too); returns which, and the CPUs allowed before."""
    allowed = set(os.sched_getaffinity(0))
    cpu = min(allowed)
    os.sched_setaffinity(0, {cpu})
    return cpu, allowed


# -- keys and tokens ----------------------------------------------------------------------------------------------


class MemoryKeys:
    """An Ed25519 key pair held in memory: signs like the gateway's KeyStore, answers like a loaded JWKS."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.kid = f"bench-{secrets.token_hex(4)}"
        self.private_key = Ed25519PrivateKey.generate()
        self.public = self.private_key.public_key()

    async def public_key(self, kid: str) -> Any:
        return self.public if kid == self.kid else None

    def sign(self, claims: dict[str, Any]) -> str:
        import jwt

        from services.kernel.auth import ALGORITHM

        return jwt.encode(
            claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid, "typ": "JWT"}
        )


def staff_token(keys: MemoryKeys) -> str:
    """A token with the claims the gateway gives a signed-in window staff member."""
    from gateway.identity.tokens import issue_access_token

    return issue_access_token(
        keys,  # type: ignore[arg-type]  # only its sign() is used
        issuer=ISSUER,
        audience=AUDIENCE,
        subject=secrets.token_hex(16),
        lifetime_seconds=600,
        kind="staff",
        roles=["window_staff"],
        region="530102",
        sid=secrets.token_hex(16),
    )


# -- measuring ------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    operations: int
    per_second: float
    mean_us: float
    p50_us: float
    p99_us: float
    cpu_share: float  # process CPU time over wall time in the timed loop (1.0 = one core busy)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timed(
    what: str, operation: Callable[[int], object], seconds: float, *, minimum: int = 1, maximum: int = 10**9
) -> Row:
    """Run `operation(i)` for i = 0, 1, ... until `seconds` have passed (and at least `minimum` times) or `maximum`
    operations are done, each one timed; the rate is operations over the loop's whole time."""
    samples: list[float] = []
    clock, started_cpu = time.perf_counter_ns, time.process_time()
    started = clock()
    deadline = started + int(seconds * 1e9)
    i = 0
    while True:
        before = clock()
        operation(i)
        after = clock()
        samples.append((after - before) / 1000)
        i += 1
        if (after >= deadline and i >= minimum) or i >= maximum:
            break
    wall = (clock() - started) / 1e9
    cpu = time.process_time() - started_cpu
    return Row(
        what=what,
        operations=i,
        per_second=i / wall,
        mean_us=sum(samples) / len(samples),
        p50_us=percentile(samples, 0.5),
        p99_us=percentile(samples, 0.99),
        cpu_share=cpu / wall,
    )


def measure_tokens(seconds: float) -> list[Row]:
    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from services.kernel.auth import ALGORITHM, REQUIRED_CLAIMS, TokenVerifier

    keys = MemoryKeys()
    verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE)
    # warm-up: imports, the key's first use
    for _ in range(200):
        run(verifier.verify(staff_token(keys)))
    rows: list[Row] = []

    # (a) cold: distinct tokens, made before the clock starts; each is verified once
    fresh = [staff_token(keys) for _ in range(COLD_TOKENS)]
    verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE, cache_size=len(fresh) + 10)
    rows.append(
        timed(
            "TokenVerifier.verify, a new token each time (signature checked)",
            lambda i: run(verifier.verify(fresh[i])),
            seconds,
            maximum=len(fresh),
        )
    )

    # (b) the cache
    token = staff_token(keys)
    run(verifier.verify(token))
    rows.append(
        timed(
            "TokenVerifier.verify, the same token again (cached)",
            lambda i: run(verifier.verify(token)),
            seconds,
        )
    )

    # (c) the header form, cached
    header = f"Bearer {token}"
    rows.append(
        timed(
            "TokenVerifier.principal_from_header, cached token",
            lambda i: run(verifier.principal_from_header(header)),
            seconds,
        )
    )

    # (d) PyJWT alone, with the verifier's options
    public = keys.public

    def decode(i: int) -> object:
        return jwt.decode(
            token,
            public,
            algorithms=[ALGORITHM],
            audience=[AUDIENCE],
            issuer=ISSUER,
            leeway=30.0,
            options={"require": list(REQUIRED_CLAIMS)},
        )

    rows.append(timed("jwt.decode alone (PyJWT, same options)", decode, seconds))

    # (e) the bare signature check
    signing_input, _, signature = token.rpartition(".")
    raw_signature = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    message = signing_input.encode()
    assert isinstance(public, Ed25519PublicKey)
    rows.append(
        timed(
            "Ed25519PublicKey.verify alone (cryptography)",
            lambda i: public.verify(raw_signature, message),
            seconds,
        )
    )
    rows.append(timed("issue_access_token (sign, for reference)", lambda i: staff_token(keys), seconds))
    return rows


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Drive a coroutine that never suspends (the key source answers from memory) to its result, as an `await`
    inside a running request handler would: no event-loop round trip is counted."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise BenchError("the verifier suspended; this bench expects the key source to answer at once")


def measure_passwords(seconds: float, allowed: set[int]) -> tuple[list[Row], dict[str, int]]:
    """argon2id on the one core, then verify again with every CPU allowed: libargon2 computes the `parallelism`
    lanes on threads of its own, so one call from one thread can keep several cores busy."""
    from gateway.identity.crypto import Passwords

    hasher = Passwords()._hasher  # the very PasswordHasher the gateway uses, called from this one thread
    password = secrets.token_urlsafe(12)
    stored = hasher.hash(password)
    settings = {
        "time_cost": hasher.time_cost,
        "memory_cost_kib": hasher.memory_cost,
        "parallelism": hasher.parallelism,
        "hash_len": hasher.hash_len,
        "salt_len": hasher.salt_len,
    }
    rows = [
        timed(
            "argon2id hash (Passwords settings)",
            lambda i: hasher.hash(password),
            seconds,
            minimum=ARGON2_MIN_OPERATIONS,
        ),
        timed(
            "argon2id verify, right password",
            lambda i: hasher.verify(stored, password),
            seconds,
            minimum=ARGON2_MIN_OPERATIONS,
        ),
    ]
    if len(allowed) > 1:
        os.sched_setaffinity(0, allowed)
        rows.append(
            timed(
                f"argon2id verify, not pinned ({len(allowed)} CPUs for its lane threads)",
                lambda i: hasher.verify(stored, password),
                seconds,
                minimum=ARGON2_MIN_OPERATIONS,
            )
        )
    return rows, settings


# -- the report -------------------------------------------------------------------------------------------------


def render(rows: list[Row], cpu: int, settings: dict[str, int], seconds: float) -> str:
    import cryptography
    import jwt

    out = [
        f"办事通 token bench, {dt.date.today():%Y-%m-%d}: pinned to CPU {cpu} of {os.cpu_count()}; "
        f"Python {platform.python_version()}, PyJWT {jwt.__version__}, cryptography {cryptography.__version__}, "
        f"argon2-cffi {version('argon2-cffi')}; ≥{seconds:g} s per row; load average {os.getloadavg()[0]:.2f}",
        f"argon2id: time_cost {settings['time_cost']}, memory {settings['memory_cost_kib'] // 1024} MiB, "
        f"parallelism {settings['parallelism']} (lanes computed on libargon2's own threads, confined to the pinned "
        "core except in the last row); CPU/wall = process CPU time over wall time",
        "",
    ]
    columns = ["operation", "ops", "per s", "mean µs", "p50 µs", "p99 µs", "CPU/wall"]
    lines = [
        [
            row.what,
            f"{row.operations:,}",
            f"{row.per_second:,.1f}" if row.per_second < 100 else f"{row.per_second:,.0f}",
            f"{row.mean_us:,.1f}",
            f"{row.p50_us:,.1f}",
            f"{row.p99_us:,.1f}",
            f"{row.cpu_share:.2f}",
        ]
        for row in rows
    ]
    widths = [max(len(columns[i]), *(len(line[i]) for line in lines)) for i in range(len(columns))]

    def join(line: list[str]) -> str:
        return "  ".join(
            c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)
        ).rstrip()

    out += [join(columns), join(["-" * w for w in widths]), *(join(line) for line in lines)]
    return "\n".join(out) + "\n"


def write_json(
    rows: list[Row], cpu: int, settings: dict[str, int], seconds: float, started: dt.datetime
) -> Path:
    document = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": {
            "nproc": os.cpu_count(),
            "pinned_cpu": cpu,
            "python": sys.version,
            "platform": platform.platform(),
            "load_average_after": os.getloadavg(),
        },
        "bench": {"seconds": seconds, "argon2": settings},
        "rows": [asdict(row) for row in rows],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"token-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return path


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        seconds = seconds_from_env()
        cpu, allowed = pin_to_one_core()
        started = dt.datetime.now(dt.UTC)
        say(f"pinned to CPU {cpu}; tokens")
        rows = measure_tokens(seconds)
        say("argon2id")
        password_rows, settings = measure_passwords(seconds, allowed)
        rows += password_rows
        sys.stdout.write("\n" + render(rows, cpu, settings, seconds))
        path = write_json(rows, cpu, settings, seconds, started)
        sys.stdout.write(f"\nwritten to {path.relative_to(HERE.parent)}\n")
    except BenchError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
