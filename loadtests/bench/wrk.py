"""wrk: found or installed, run, and its output read."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from loadtests.bench.targets import LUA_DIR, BenchError, Target, say


def ensure_wrk() -> str:
    """The path of wrk; installed with apt-get when missing and running as root, else a clear stop."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BenchError(
            "wrk is not installed. Install it (Debian/Ubuntu: `sudo apt-get install wrk`) and run again."
        )
    say("wrk is missing; installing it with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]  # another install may hold the package lock for a while
    for command in (["apt-get", *lock, "update"], ["apt-get", *lock, "install", "-y", "wrk"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise BenchError(f"`{' '.join(command)}` failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get installed wrk but it is not on PATH")
    return found


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10, check=False)
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0].partition(" Copyright")[0] if text else "wrk"


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _duration_ms(value: str, unit: str) -> float:
    return float(value) * _UNIT_MS[unit]


def parse_wrk(output: str) -> dict[str, float | int]:
    """The figures of one `wrk --latency` run, from its text output."""

    def search(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise BenchError(f"cannot find {pattern!r} in wrk's output:\n{output}")
        return match

    p50 = search(r"^\s+50(?:\.000)?%\s+([\d.]+)(us|ms|s|m|h)\s*$")
    p99 = search(r"^\s+99(?:\.000)?%\s+([\d.]+)(us|ms|s|m|h)\s*$")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests": int(search(r"(\d+) requests in")[1]),
        "requests_per_second": float(search(r"Requests/sec:\s+([\d.]+)")[1]),
        "p50_ms": _duration_ms(p50[1], p50[2]),
        "p99_ms": _duration_ms(p99[1], p99[2]),
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
    }


@dataclass
class Wrk:
    binary: str
    connections: int

    def run(self, url: str, *, threads: int, seconds: int, authorization: str | None, target: Target) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("BENCH_AUTHORIZATION", "BENCH_BODY")}
        env["BENCH_METHOD"] = target.method
        if authorization:
            env["BENCH_AUTHORIZATION"] = authorization
        if target.body:
            env["BENCH_BODY"] = target.body
        connections = target.connections or self.connections
        command = [
            self.binary,
            f"-t{threads}",
            f"-c{max(connections, threads)}",
            f"-d{seconds}s",
            "--timeout",
            "2s",
            "--latency",
            "-s",
            str(LUA_DIR / target.lua),
            url,
        ]
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
        if done.returncode != 0:
            raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout
