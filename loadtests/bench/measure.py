"""One measured path: wrk against the platform, the CPU of every process, and py-spy samples when asked."""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from loadtests.bench.procfs import cpu_seconds, machine_busy_seconds, peak_rss_mib
from loadtests.bench.targets import ROOT, Config, Target, say
from loadtests.bench.wrk import Wrk, parse_wrk


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
