"""E-licenses speed: offline verifications/s in-process, presentations issued/s (in-process and through the
gateway), and online verifications/s through a running gateway next to the bare FastAPI reference, with wrk.

    .venv/bin/python -m loadtests.license_bench                 # everything (about two minutes)
    LICENSE_BENCH_INPROCESS_ONLY=1 .venv/bin/python -m loadtests.license_bench
    BENCH_SECONDS=20 BENCH_BACKEND=postgres .venv/bin/python -m loadtests.license_bench
    BENCH_PROFILE=1 .venv/bin/python -m loadtests.license_bench     # and where the gateway's time went (py-spy)
    LICENSE_BENCH_CEILING=1 .venv/bin/python -m loadtests.license_bench   # and the lean ceiling in the same run

Online verification spends each presentation's nonce once (a replay is refused), so wrk cycles through
presentations made beforehand through the public API, one per request, and counts the answers that said
`"valid":true`; a run longer than the stock of presentations would measure replays, and the report says how many.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loadtests.bench import Config, Platform
from loadtests.bench.measure import Profiler
from loadtests.bench.platform import reference_app, served_app
from loadtests.bench.procfs import cpu_seconds, environ_value
from loadtests.bench.targets import REFERENCE_PATH, say
from loadtests.bench.wrk import ensure_wrk, parse_wrk
from loadtests.verify_ceiling_app import STAGES
from services.kernel.sdjwt import issue_sd_jwt, present, public_jwk
from services.kernel.sdjwt_offline import OfflineVerifier
from services.kernel.settings import Settings

TRAFFIC = "公安厅交通管理局"
FIELDS = {
    "name": "张三",
    "id_number": "",
    "class": "C1",
    "file_no": "530100998877",
    "first_issued": "2016-03-01",
}
QR_SAMPLE = 60  # presentations made with their QR images (SVG and PNG), measured apart
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

VERIFY_LUA = r"""
-- One presentation per request, cycling through the file; counts the answers that said "valid":true.
local lines = {}
for line in io.lines(os.getenv("LICENSE_BENCH_FILE")) do lines[#lines + 1] = line end
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  position = id
  step = tonumber(os.getenv("LICENSE_BENCH_THREADS"))
  valid = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  local body = lines[((position - 1) % #lines) + 1]
  position = position + step
  return wrk.format(nil, "/api/v1/licenses/verify", nil, body)
end
function response(status, headers, body)
  if string.find(body, '"valid":true', 1, true) then valid = valid + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("valid") end
  io.write(string.format("VALID %d\n", total))
end
"""


def id_number() -> str:
    body = f"53010219{secrets.randbelow(40) + 60:02d}0{secrets.randbelow(9) + 1}1{secrets.randbelow(9)}"
    body += f"{secrets.randbelow(1000):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


# -- in-process -------------------------------------------------------------------------------------------------


def in_process(count: int = 3000) -> dict[str, float]:
    """Pure functions on one core: presentations made (SD-JWT + KB-JWT) and verified offline per second."""
    from services.kernel.sdjwt import encode_status_list, sign_status_list

    issuer, holder, status_key = (Ed25519PrivateKey.generate() for _ in range(3))
    uri = "https://bst.example/api/v1/licenses/status-lists/1"
    claims = {
        "iss": "https://bst.example/api/v1/licenses/issuers",
        "issuer_department": TRAFFIC,
        "vct": "DRIVING-LICENSE",
        "iat": int(time.time()),
        "status": {"status_list": {"idx": 4242, "uri": uri}},
    }
    issued = issue_sd_jwt(
        issuer_key=issuer,
        kid="k1",
        claims=claims,
        fields={**FIELDS, "id_number": id_number()},
        holder_key=holder.public_key(),
    )
    jwks = {
        "keys": [
            public_jwk(issuer.public_key(), "k1", purpose="license", dept=TRAFFIC),
            public_jwk(status_key.public_key(), "s1", purpose="status-list", dept=""),
        ]
    }
    verifier = OfflineVerifier(jwks)
    verifier.add_status_list(
        sign_status_list(
            key=status_key, kid="s1", uri=uri, lst=encode_status_list({7: 1}, 131_072), ttl_seconds=60
        )
    )
    started = time.perf_counter()
    shown = [
        present(
            issued=issued, fields=["name", "class"], holder_key=holder, nonce=f"n{i:08d}", audience="aud"
        )[0]
        for i in range(count)
    ]
    made = count / (time.perf_counter() - started)
    started = time.perf_counter()
    results = [verifier.verify(text, nonce=None, audience="aud") for text in shown]
    checked = count / (time.perf_counter() - started)
    assert all(r.valid for r in results), results[0]
    return {
        "presentations_per_s_in_process": round(made),
        "offline_verifications_per_s": round(checked),
        "presentation_bytes": len(shown[0]),
    }


# -- through the gateway ----------------------------------------------------------------------------------------


async def prepare(
    base_url: str, settings: Any, admin_password: str, count: int
) -> tuple[list[str], float, float]:
    """An issuer issues a driving licence, a citizen binds its number; `count` presentations through the API."""
    from gateway.identity.keys import KeyStore
    from gateway.identity.tokens import issue_access_token
    from services.kernel.db import Database

    db = Database(settings.database_url("gateway"))
    store = KeyStore(db, settings.resolved_secret_key(), token_lifetime=dt.timedelta(minutes=10))
    await store.load()
    issuer = issue_access_token(
        store,
        issuer=settings.issuer,
        audience=settings.jwt_audience,
        subject="bench-issuer",
        lifetime_seconds=600,
        kind="staff",
        roles=["license_issuer"],
        region="53",
        department=TRAFFIC,
    )
    await db.dispose()
    number = id_number()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        issued = await client.post(
            "/api/v1/licenses",
            json={
                "type": "DRIVING-LICENSE",
                "holder": {"id_number": number},
                "fields": {**FIELDS, "id_number": number},
            },
            headers={"Authorization": f"Bearer {issuer}"},
        )
        issued.raise_for_status()
        license_id = issued.json()["license_id"]
        phone = f"139{secrets.randbelow(10**8):08d}"
        (await client.post("/api/v1/auth/sms-code", json={"phone": phone})).raise_for_status()
        admin = (
            await client.post(
                "/api/v1/auth/token",
                json={"grant_type": "password", "username": "admin", "password": admin_password},
            )
        ).json()["access_token"]
        outbox = (
            await client.get(
                "/api/v1/admin/sms-outbox",
                params={"phone": phone},
                headers={"Authorization": f"Bearer {admin}"},
            )
        ).json()
        code = re.search(r"验证码为(\d{6})", outbox[0]["text"]).group(1)  # type: ignore[union-attr]
        citizen = (
            await client.post("/api/v1/auth/token", json={"grant_type": "sms", "phone": phone, "code": code})
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {citizen}"}
        bound = await client.post(
            "/api/v1/me/real-name", json={"name": "张三", "id_number": number}, headers=headers
        )
        bound.raise_for_status()
        semaphore = asyncio.Semaphore(16)

        async def one(i: int, with_qr: bool) -> str:
            async with semaphore:
                reply = await client.post(
                    f"/api/v1/me/licenses/{license_id}/presentations",
                    json={
                        "qr": with_qr,
                        "fields": ["name", "class"],
                        "nonce": f"bench-{i:08d}-{secrets.token_hex(4)}",
                        "ttl_seconds": 300,
                    },
                    headers=headers,
                )
                reply.raise_for_status()
                return str(reply.json()["presentation"])

        started = time.perf_counter()
        await asyncio.gather(*(one(-i, True) for i in range(1, QR_SAMPLE + 1)))
        rate_qr = QR_SAMPLE / (time.perf_counter() - started)
        started = time.perf_counter()
        shown = await asyncio.gather(*(one(i, False) for i in range(count)))
        rate = count / (time.perf_counter() - started)
    return list(shown), rate, rate_qr


def wrk_run(wrk: str, url: str, seconds: int, connections: int, script: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "2s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    return done.stdout


def online(config: Config, workdir: Path, presentations: int) -> dict[str, Any]:
    wrk = ensure_wrk()
    results: dict[str, Any] = {}
    with reference_app(workdir, 60) as (reference_url, reference_pid):
        lua = workdir / "reference.lua"
        lua.write_text("")
        before = cpu_seconds(reference_pid)
        out = wrk_run(wrk, f"{reference_url}{REFERENCE_PATH}", config.seconds, config.connections, lua, {})
        reference = parse_wrk(out)
        results["reference_req_per_s"] = round(reference["requests_per_second"])
        results["reference_cpu_us_per_request"] = round(
            (cpu_seconds(reference_pid) - before) / reference["requests"] * 1e6
        )
    platform = Platform(config, workdir)
    platform.configure()
    # The verifications come from one address: the per-network and global limits are raised for the run.
    limit = os.environ.get("LICENSE_BENCH_VERIFY_LIMIT", "100000000")
    platform.values["license_verify_limit_per_network"] = limit
    platform.values["license_verify_limit_global"] = limit
    platform.start()
    try:
        settings = Settings(**platform.values)  # type: ignore[arg-type]
        shown, rate, rate_qr = asyncio.run(
            prepare(platform.base_url, settings, platform.admin_password, presentations)
        )
        results["presentations_per_s_gateway"] = round(rate)
        results["presentations_with_qr_per_s_gateway"] = round(rate_qr, 1)
        stock = workdir / "presentations.jsonl"
        stock.write_text("\n".join(json.dumps({"presentation": p}) for p in shown) + "\n")
        script = workdir / "verify.lua"
        script.write_text(VERIFY_LUA)
        watched = {n: platform.pids[n] for n in ("gateway", "licenses", "redis") if n in platform.pids}
        before_cpu = {name: cpu_seconds(pid) for name, pid in watched.items()}
        with Profiler.around(config, platform.pids, ("gateway", "licenses"), config.seconds) as profiler:
            out = wrk_run(
                wrk,
                platform.base_url,
                config.seconds,
                config.connections,
                script,
                {"LICENSE_BENCH_FILE": str(stock), "LICENSE_BENCH_THREADS": "1"},
            )
        used = {name: cpu_seconds(pid) - before_cpu[name] for name, pid in watched.items()}
        if profiler is not None:  # BENCH_PROFILE=1: where the processes spent the run (py-spy, self time)
            for name, frames in profiler.summaries().items():
                say(f"py-spy {name}: " + "; ".join(f"{share:.1%} {frame}" for share, frame in frames))
        parsed = parse_wrk(out)
        valid = int(re.search(r"VALID (\d+)", out).group(1))  # type: ignore[union-attr]
        results["online_verifications_per_s"] = round(parsed["requests_per_second"])
        results["online_valid_answers"] = valid
        results["online_requests"] = parsed.get("requests")
        # CPU per answer (from /proc), which the machine's other load disturbs less than the rates do: the
        # ratio of the reference's to the platform's is what the rates' ratio would be on a quiet machine.
        for name, seconds in used.items():
            results[f"online_cpu_us_per_request_{name}"] = round(seconds / parsed["requests"] * 1e6)
        results["cpu_ratio_to_reference"] = round(
            results["reference_cpu_us_per_request"] / (sum(used.values()) / parsed["requests"] * 1e6), 3
        )
        results["online_p99_ms"] = parsed["p99_ms"]
        results["online_errors"] = parsed["non_2xx"] + parsed["socket_errors"]
        results["ratio_to_reference"] = round(
            parsed["requests_per_second"] / results["reference_req_per_s"], 3
        )
        if os.environ.get("LICENSE_BENCH_CEILING"):
            results.update(
                ceiling(config, workdir, platform, wrk, presentations, results["reference_req_per_s"])
            )
        say(
            f"online verifications {results['online_verifications_per_s']}/s "
            f"(p99 {parsed['p99_ms']} ms, {valid} valid of {parsed['requests']}) vs the bare FastAPI reference "
            f"{results['reference_req_per_s']}/s: {results['ratio_to_reference']}x (target >= 0.30x); "
            f"by CPU per answer (the reference's over gateway+licenses+redis's): {results['cpu_ratio_to_reference']}x"
        )
    finally:
        platform.stop()
    return results


def ceiling(
    config: Config, workdir: Path, platform: Platform, wrk: str, count: int, reference: float
) -> dict[str, Any]:
    """The lean ceiling (loadtests/verify_ceiling_app.py) in its three stages, on the platform's Redis, with `count`
    presentations made here: verifications/s, the ratio to the reference and the CPU per answer of each."""
    issuer, holder = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    audience = "https://bench.example/api/v1/licenses/verify"
    issued = issue_sd_jwt(
        issuer_key=issuer,
        kid="c1",
        claims={
            "iss": "https://bench.example/api/v1/licenses/issuers",
            "issuer_department": TRAFFIC,
            "vct": "DRIVING-LICENSE",
            "iat": int(time.time()),
            "status": {"status_list": {"idx": 4242, "uri": "https://bench.example/status-lists/1"}},
        },
        fields={**FIELDS, "id_number": id_number()},
        holder_key=holder.public_key(),
    )
    shown = [
        present(
            issued=issued,
            fields=["name", "class"],
            holder_key=holder,
            nonce=f"ceiling-{i:08d}-{secrets.token_hex(4)}",
            audience=audience,
            ttl_seconds=300,
        )[0]
        for i in range(count)
    ]
    stock = workdir / "ceiling.jsonl"
    stock.write_text("\n".join(json.dumps({"presentation": p}) for p in shown) + "\n")
    jwks = workdir / "ceiling-jwks.json"
    jwks.write_text(
        json.dumps({"keys": [public_jwk(issuer.public_key(), "c1", purpose="license", dept=TRAFFIC)]})
    )
    redis_url = environ_value(platform.pids.get("gateway"), "BST_REDIS_URL") or platform.values.get(
        "redis_url"
    )
    results: dict[str, Any] = {}
    for stage in STAGES:
        results.update(
            ceiling_stage(config, workdir, wrk, stage, jwks, audience, str(redis_url), stock, reference)
        )
    return results


def ceiling_stage(
    config: Config,
    workdir: Path,
    wrk: str,
    stage: str,
    jwks: Path,
    audience: str,
    redis_url: str,
    stock: Path,
    reference: float,
) -> dict[str, Any]:
    name = f"ceiling-{stage}"
    args = ["--jwks", str(jwks), "--audience", audience, "--redis", redis_url, "--stage", stage]
    with served_app(workdir, 60, name, "loadtests.verify_ceiling_app", args, "/openapi.json") as (
        base_url,
        pid,
    ):
        before = cpu_seconds(pid)
        out = wrk_run(
            wrk,
            base_url,
            config.seconds,
            config.connections,
            workdir / "verify.lua",
            {"LICENSE_BENCH_FILE": str(stock), "LICENSE_BENCH_THREADS": "1"},
        )
        parsed = parse_wrk(out)
        used = cpu_seconds(pid) - before
    valid = int(re.search(r"VALID (\d+)", out).group(1))  # type: ignore[union-attr]
    if valid == 0:
        say(f"the lean ceiling ({stage}) answered no verification as valid; its log ends:")
        say((workdir / f"{name}.log").read_text(errors="replace")[-3000:])
    rate = parsed["requests_per_second"]
    say(
        f"lean ceiling, {stage}: {round(rate)}/s ({valid} valid of {parsed['requests']}), "
        f"{rate / reference:.3f}x the reference, p99 {parsed['p99_ms']} ms, "
        f"{used / parsed['requests'] * 1e6:.0f} us of CPU per answer"
    )
    return {
        f"ceiling_{stage}_per_s": round(rate),
        f"ceiling_{stage}_ratio_to_reference": round(rate / reference, 3),
        f"ceiling_{stage}_cpu_us_per_request": round(used / parsed["requests"] * 1e6),
        f"ceiling_{stage}_p99_ms": parsed["p99_ms"],
    }


def main() -> int:
    say("in-process: presentations and offline verifications")
    results: dict[str, Any] = in_process()
    say(json.dumps(results))
    if not os.environ.get("LICENSE_BENCH_INPROCESS_ONLY"):
        config = Config.from_env()
        stock = int(os.environ.get("LICENSE_BENCH_PRESENTATIONS", "6000"))
        with tempfile.TemporaryDirectory(prefix="license-bench-") as scratch:
            results.update(online(config, Path(scratch), stock))
        results["backend"] = config.backend
        results["seconds"] = config.seconds
        results["connections"] = config.connections
    sys.stdout.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
