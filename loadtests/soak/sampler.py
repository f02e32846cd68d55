"""VmRSS and CPU time of every platform process, sampled in a thread while the mix runs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from loadtests.bench import (
    cpu_seconds,
    rss_mib,
)
from loadtests.soak.settings import SAMPLE_SECONDS

# -- watching the platform ---------------------------------------------------------------------------------------


@dataclass
class RssSampler:
    """VmRSS of every platform process every SAMPLE_SECONDS, in a thread, from `start()` until `stop()`; and the
    CPU time of those and of `also_cpu` (Locust), to tell which process was busy."""

    pids: dict[str, int]
    also_cpu: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[tuple[float, float | None]]] = field(default_factory=dict)
    cpu: dict[str, list[tuple[float, float | None]]] = field(default_factory=dict)  # cumulative CPU seconds
    started: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        at = round(time.monotonic() - self.started, 1)
        for name, pid in self.pids.items():
            self.samples.setdefault(name, []).append((at, rss_mib(pid)))
        for name, pid in {**self.pids, **self.also_cpu}.items():
            try:
                used: float | None = cpu_seconds(pid)
            except (FileNotFoundError, ProcessLookupError):
                used = None
            self.cpu.setdefault(name, []).append((at, used))

    def cpu_percent(self, from_seconds: float = 0.0) -> dict[str, float]:
        """Each process's CPU in % of one core, from its first sample at or after `from_seconds` to its last."""
        shares = {}
        for name, samples in self.cpu.items():
            known = [(t, used) for t, used in samples if used is not None]
            base = next(((t, used) for t, used in known if t >= from_seconds), None)
            if base is not None and known[-1][0] > base[0]:
                shares[name] = 100 * (known[-1][1] - base[1]) / (known[-1][0] - base[0])
        return shares

    def start(self) -> None:
        self.started = time.monotonic()

        def loop() -> None:
            while True:
                self.sample()
                if self._stop.wait(SAMPLE_SECONDS):
                    return

        self._thread = threading.Thread(target=loop, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling, and take the last sample now (the end of the run)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.sample()
