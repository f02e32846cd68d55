"""Monitoring of listed mini-apps: what the gateway sees of their traffic, and a probe of their entry URLs.

- Traffic: every call made with a mini-app token is counted by app — Prometheus (`bst_miniapp_*`, labelled by
  app) for operators, and a per-minute rollup in Redis (requests, 4xx, 5xx, latency buckets) that every replica
  adds to and reviewers read.
- Health: every `probe_seconds` one replica (the leader of `registry-probe`, elected by a Redis lease:
  services/kernel/leader.py) asks each listed app's entry URL — the listed version's and the gray one's — with
  HEAD (GET when HEAD is not allowed). An answer below 400 is up.
  Private and reserved addresses are never reached, and redirects never followed (see ssrf.py).
  The latest result per app is kept in Redis; an app down for `flag_after_seconds` is handed to `on_failing`,
  which flags it for review (and delists it when the platform is configured to).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable

import httpx
from prometheus_client import Counter, Histogram
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.observability import BUCKETS, REGISTRY
from gateway.registry.catalogue import Catalogue
from gateway.registry.schemas import HealthRead, TrafficRead
from gateway.registry.ssrf import PinnedTransport, Resolver, entry_port_ok, system_resolve
from services.kernel.background import reraise_if_cancelling, stop_task
from services.kernel.leader import run_as_leader

log = logging.getLogger("bst.registry.monitor")

MINIAPP_REQUESTS = Counter(
    "bst_miniapp_requests_total", "Calls made with mini-app tokens", ["app", "status"], registry=REGISTRY
)
MINIAPP_LATENCY = Histogram(
    "bst_miniapp_request_seconds", "Latency of calls made with mini-app tokens", ["app"], buckets=BUCKETS,
    registry=REGISTRY,
)  # fmt: skip
LATENCY_BUCKETS_MS = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
ROLLUP_TTL_SECONDS = 2 * 24 * 3600


class AppTraffic:
    """Per-app request counts, error rates and latency of mini-app-token calls, rolled up per minute in Redis."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.prefix = f"{namespace}:registry:traffic:"

    def _key(self, app_id: str, minute: int) -> str:
        return f"{self.prefix}{app_id}:{minute}"

    async def record(self, app_id: str, status: int, seconds: float) -> None:
        MINIAPP_REQUESTS.labels(app_id, str(status)).inc()
        MINIAPP_LATENCY.labels(app_id).observe(seconds)
        ms = seconds * 1000
        bucket = next((f"le{b}" for b in LATENCY_BUCKETS_MS if ms <= b), "inf")
        key = self._key(app_id, int(time.time() // 60))
        pipe = self.redis.pipeline(transaction=False)
        pipe.hincrby(key, "n", 1)
        if 400 <= status < 500:
            pipe.hincrby(key, "c4", 1)
        elif status >= 500:
            pipe.hincrby(key, "c5", 1)
        pipe.hincrbyfloat(key, "ms", round(ms, 3))
        pipe.hincrby(key, bucket, 1)
        pipe.expire(key, ROLLUP_TTL_SECONDS)
        try:
            await pipe.execute()
        except (RedisError, OSError) as exc:  # a lost count must never fail the citizen's call
            log.warning("could not record mini-app traffic", extra={"app": app_id, "error": str(exc)})

    async def read(self, app_id: str, minutes: int) -> TrafficRead:
        now = int(time.time() // 60)
        pipe = self.redis.pipeline(transaction=False)
        for minute in range(now - minutes + 1, now + 1):
            pipe.hgetall(self._key(app_id, minute))
        totals: dict[str, float] = {}
        for row in await pipe.execute():
            for name, value in row.items():
                key = name.decode() if isinstance(name, bytes) else name
                totals[key] = totals.get(key, 0.0) + float(value)
        requests = int(totals.get("n", 0))
        c4, c5 = int(totals.get("c4", 0)), int(totals.get("c5", 0))
        p95 = None
        if requests:
            seen = 0
            for bound in (*LATENCY_BUCKETS_MS, None):
                seen += int(totals.get(f"le{bound}" if bound else "inf", 0))
                if seen >= 0.95 * requests:
                    p95 = float(bound) if bound else None
                    break
        return TrafficRead(
            minutes=minutes,
            requests=requests,
            client_errors=c4,
            server_errors=c5,
            error_rate=round((c4 + c5) / requests, 4) if requests else 0.0,
            latency_ms_avg=round(totals.get("ms", 0.0) / requests, 2) if requests else None,
            latency_ms_p95=p95,
        )


OnFailing = Callable[[str, str], Awaitable[None]]


class EntryProbe:
    """The periodic health probe of listed apps' entry URLs."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        redis: Redis,
        namespace: str,
        on_failing: OnFailing,
        probe_seconds: float,
        timeout_seconds: float,
        flag_after_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int = 20,
        resolve: Resolver = system_resolve,
    ) -> None:
        self.catalogue = catalogue
        self.redis = redis
        self.health_key = f"{namespace}:registry:health"
        self.namespace = namespace
        self.on_failing = on_failing
        self.probe_seconds = probe_seconds
        self.timeout_seconds = timeout_seconds
        self.flag_after_seconds = flag_after_seconds
        self.transport = transport
        self.concurrency = concurrency
        self.resolve = resolve
        self._task: asyncio.Task[None] | None = None

    # -- reading ------------------------------------------------------------------------------------------------

    async def health(self, app_id: str) -> HealthRead:
        raw = await self.redis.hget(self.health_key, app_id)
        if raw is None:
            return HealthRead(status="unknown")
        return HealthRead.model_validate_json(raw)

    async def forget(self, app_id: str) -> None:
        await self.redis.hdel(self.health_key, app_id)

    # -- probing ------------------------------------------------------------------------------------------------

    async def _probe_url(self, client: httpx.AsyncClient, url: str) -> tuple[int | None, str | None, float]:
        started = time.perf_counter()
        if not entry_port_ok(url):
            return None, "入口地址只能使用 https 的 443 端口", 0.0
        try:
            response = await client.head(url)
            if response.status_code in (405, 501):
                async with client.stream("GET", url) as streamed:
                    response = streamed
            status: int | None = response.status_code
            error = None if response.status_code < 400 else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"[:200]
        return status, error, round((time.perf_counter() - started) * 1000, 1)

    async def probe_once(
        self, *, now: dt.datetime | None = None, transport: httpx.AsyncBaseTransport | None = None
    ) -> dict[str, HealthRead]:
        """Probe every listed app now; record the results, and report apps failing for too long."""
        now = now or dt.datetime.now(dt.UTC)
        targets = {
            app.app_id: sorted({m.entry_url for m in (app.listed, app.gray) if m is not None})
            for app in self.catalogue.apps.values()
            if app.is_listed
        }
        if not targets:
            return {}
        previous = {
            (k.decode() if isinstance(k, bytes) else k): HealthRead.model_validate_json(v)
            for k, v in (await self.redis.hgetall(self.health_key)).items()
        }
        gate = asyncio.Semaphore(self.concurrency)
        # The default transport resolves each host once, refuses private and reserved addresses, and connects to
        # the address it checked (gateway/registry/ssrf.py); redirects are never followed.
        async with httpx.AsyncClient(
            transport=transport or self.transport or PinnedTransport(self.resolve),
            trust_env=False,
            timeout=self.timeout_seconds,
            follow_redirects=False,
            headers={"User-Agent": "banshitong-registry-probe/1"},
        ) as client:

            async def one(app_id: str, urls: list[str]) -> tuple[str, HealthRead]:
                async with gate:
                    results = [await self._probe_url(client, url) for url in urls]
                failed = [r for r in results if r[1] is not None]
                status, error, latency = failed[0] if failed else results[0]
                before = previous.get(app_id)
                failing_since = None
                if failed:
                    failing_since = before.failing_since if before and before.failing_since else now
                return app_id, HealthRead(
                    status="down" if failed else "up",
                    checked_at=now,
                    failing_since=failing_since,
                    http_status=status,
                    latency_ms=latency,
                    error=error,
                )

            results = dict(await asyncio.gather(*(one(a, urls) for a, urls in targets.items())))
        await self.redis.hset(self.health_key, mapping={a: h.model_dump_json() for a, h in results.items()})
        gone = [a for a in previous if a not in targets]
        if gone:
            await self.redis.hdel(self.health_key, *gone)
        for app_id, health in results.items():
            if (
                health.failing_since
                and (now - health.failing_since).total_seconds() >= self.flag_after_seconds
            ):
                reason = (
                    f"入口地址自 {health.failing_since.isoformat(timespec='seconds')} 起无法访问"
                    f"（{health.error}）"
                )
                try:
                    await self.on_failing(app_id, reason)
                except Exception:  # one app's bookkeeping must not stop the others'
                    log.exception("could not flag a failing app", extra={"app": app_id})
        return results

    async def run(self) -> None:
        """Probe every `probe_seconds`, on the replica elected for it (run under `run_as_leader`)."""
        while True:
            await asyncio.sleep(self.probe_seconds)
            try:
                await self.probe_once()
            except (RedisError, OSError) as exc:
                reraise_if_cancelling()
                log.warning("mini-app probe round skipped", extra={"error": str(exc)})
            except Exception:
                reraise_if_cancelling()
                log.exception("mini-app probe round failed")

    def start(self) -> None:
        if self.probe_seconds > 0:
            self._task = asyncio.create_task(
                run_as_leader("registry-probe", self.run, redis=self.redis, namespace=self.namespace),
                name="miniapp-probe",
            )

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
