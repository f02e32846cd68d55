"""The mini-app catalogue's search (统一检索) on 5,000 listed apps and 2,000 service items: p50/p99 per query.

A micro-benchmark on internals (it imports the gateway's catalogue; it does not go through the API).

    .venv/bin/python -m loadtests.registry_search_bench            # 5,000 apps, 300 runs per query
    BENCH_APPS=20000 BENCH_RUNS=100 .venv/bin/python -m loadtests.registry_search_bench

It builds the gateway's in-process catalogue (the same `Catalogue` every replica holds) from generated apps with
realistic Chinese names, keywords, categories and regions, then times, per query, the work one request does: the
index search alone, and `MiniAppAccess.get_catalogue` / `.search`, which also build the response objects for
the page (20 hits). HTTP, JSON encoding and the network are not included; see `bench/` for whole requests.
Nothing is started and nothing is written.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable

from gateway.registry.access import MiniAppAccess
from gateway.registry.catalogue import AppSnapshot, Catalogue, Manifest, ServiceItem, romanize
from services.kernel import regions
from services.kernel.auth import ANONYMOUS
from services.kernel.settings import Settings

APPS = int(os.environ.get("BENCH_APPS", "5000"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "2000"))
RUNS = int(os.environ.get("BENCH_RUNS", "300"))

PLACES = [
    "昆明",
    "五华",
    "盘龙",
    "大理",
    "丽江",
    "曲靖",
    "玉溪",
    "保山",
    "昭通",
    "普洱",
    "临沧",
    "楚雄",
    "红河",
    "文山",
    "西双版纳",
    "德宏",
    "怒江",
    "迪庆",
    "禄劝",
    "景洪",
    "全省",
    "云南",
]
DOMAINS = [
    ("社保", "社会保障"),
    ("医保", "医疗卫生"),
    ("公积金", "住房"),
    ("不动产", "不动产"),
    ("户籍", "户籍证件"),
    ("交通违法", "交通出行"),
    ("税务", "税务"),
    ("广电", "广播电视"),
    ("教育", "教育"),
    ("婚姻", "婚姻家庭"),
    ("养老", "社会保障"),
    ("就业", "就业创业"),
    ("住房", "住房"),
    ("水电气", "生活缴费"),
    ("营业执照", "市场准入"),
    ("出入境", "户籍证件"),
    ("残疾人", "社会救助"),
    ("农业补贴", "农业农村"),
    ("旅游", "文化旅游"),
    ("法律援助", "司法"),
]
ACTIONS = ["查询", "办理", "服务", "报修", "缴费", "预约", "申报", "证明", "登记", "通", "助手", "掌上办"]
KEYWORDS = [
    "便民",
    "网上办",
    "掌上办",
    "一次办",
    "就近办",
    "跨省通办",
    "查询",
    "缴费",
    "预约",
    "证明",
    "登记",
    "补贴",
]

QUERIES: list[tuple[str, dict[str, str]]] = [
    ("广电报修", {}),
    ("gdbx", {}),
    ("guangdian", {}),
    ("社保", {}),
    ("sb", {}),
    ("shebao", {}),
    ("昆明 公积金", {}),
    ("kunming", {}),
    ("不动产登记", {}),
    ("yibao chaxun", {}),
    ("b", {}),  # one letter: the widest pinyin prefix
    ("查询", {}),  # a very common word
    ("zzzzqqq", {}),  # nothing matches
    ("", {"category": "社会保障"}),
    ("缴费", {"region": "530102"}),
]


def generate(rng: random.Random) -> tuple[list[AppSnapshot], list[ServiceItem]]:
    counties = [r.adcode for r in regions.counties()]
    prefectures = sorted({c[:4] for c in counties})
    apps = []
    for n in range(APPS):
        place = rng.choice(PLACES)
        domain, category = rng.choice(DOMAINS)
        name = "广电报修" if n == 0 else f"{place}{domain}{rng.choice(ACTIONS)}"
        region = rng.choice(["53", rng.choice(prefectures), rng.choice(counties)])
        manifest = Manifest(
            version="1.0.0",
            entry_url=f"https://app{n}.yn.gov.cn/",
            scopes=("profile",),
            category="广播电视" if n == 0 else category,
            service_items=(),
            regions=(region,),
            min_client_version=None,
        )
        apps.append(
            AppSnapshot(
                app_id=f"bench.app{n}",
                name=name,
                department=f"{place}{category}局",
                category=manifest.category,
                description=f"{place}{domain}相关的{rng.choice(ACTIONS)}服务，{rng.choice(KEYWORDS)}。",
                keywords=tuple(rng.sample(KEYWORDS, 3)),
                status="listed",
                status_reason=None,
                listed=manifest,
                gray=None,
                gray_percent=0,
                revision=1,
            )
        )
    items = [
        ServiceItem(
            code=f"BENCH-{n:05d}",
            name=f"{domain}{rng.choice(ACTIONS)}{rng.choice(['（个人）', '（企业）', ''])}",
            department=f"{category}厅",
            region=rng.choice(["53", rng.choice(prefectures)]),
            category=category,
            online=rng.random() < 0.6,
        )
        for n in range(ITEMS)
        for domain, category in [rng.choice(DOMAINS)]
    ]
    return apps, items


def pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def measure(work: Callable[[], object]) -> tuple[float, float, int]:
    """p50 and p99 in milliseconds over RUNS calls, and how many hits the last call returned."""
    for _ in range(5):
        work()
    samples = []
    result: object = None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * len(samples)) - 1)]
    return statistics.median(samples), p99, len(result) if isinstance(result, list) else 0


def bench_query(
    catalogue: Catalogue,
    access: MiniAppAccess,
    loop: asyncio.AbstractEventLoop,
    q: str,
    filters: dict[str, str],
) -> tuple[str, float]:
    """One row of the table, and the worst p99 of a whole call."""
    category, region = filters.get("category"), filters.get("region")
    i50, i99, hits = measure(lambda: catalogue.search(q, category=category, region=region, limit=20))
    c50, c99, _ = measure(
        lambda: access.get_catalogue(
            principal=ANONYMOUS, q=q, category=category, region=region, limit=20, offset=0
        )
    )
    s50, s99, _ = measure(
        lambda: loop.run_until_complete(
            access.search(principal=ANONYMOUS, q=q, category=category, region=region, limit=20)
        )
    )
    label = ", ".join(f"{k}={v}" for k, v in filters.items())
    row = (
        f"{pad(q or '(empty)', 22)} {pad(label, 22)} {hits:>5} {i50:>10.2f} {i99:>7.2f} "
        f"{c50:>14.2f} {c99:>7.2f} {s50:>11.2f} {s99:>7.2f}"
    )
    return row, max(c99, s99)


def main() -> int:
    rng = random.Random(20261125)
    apps, items = generate(rng)
    started = time.perf_counter()
    catalogue = Catalogue()
    for app in apps:
        catalogue.put(app)
    catalogue.set_service_items(items)
    catalogue.set_use_counts({a.app_id: rng.randrange(100_000) for a in apps})
    built = time.perf_counter() - started

    settings = Settings(env="test", secret_key="bench-" + "x" * 40, var_dir="/tmp/bst-bench-unused")
    access = MiniAppAccess(settings, keys=None, catalogue=catalogue)  # type: ignore[arg-type]
    loop = asyncio.new_event_loop()

    lines = [
        f"registry search: {APPS} listed apps + {ITEMS} service items, {RUNS} runs per query "
        f"(index built in {built:.2f} s, {romanize.cache_info().currsize} distinct strings romanized)",
        f"{'query':<22} {'filter':<22} {'hits':>5} {'index p50':>10} {'p99':>7} "
        f"{'catalogue p50':>14} {'p99':>7} {'search p50':>11} {'p99':>7}   (ms)",
    ]
    worst = 0.0
    for q, filters in QUERIES:
        row, slowest = bench_query(catalogue, access, loop, q, filters)
        lines.append(row)
        worst = max(worst, slowest)
    lines.append(f"worst p99 of a whole catalogue or search call: {worst:.2f} ms (target: under 20 ms)")
    loop.close()
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
