"""What `make bench` measures (TARGETS), its settings (Config) and its errors."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # loadtests/


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


APPLICATION_BODY = json.dumps(
    {
        "item_code": "GD-BX-001",
        "region": WUHUA,
        "form": {
            "name": "王大爷",
            "id_number": "53010219500101001X",
            "phone": "13900001111",
            "address": "五华区红云街道",
        },
        "materials": [],
        "applicant_id": "bench-applicant",
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
    Target("GET", "/api/v1/reviews/indicators?region=5301&public=true", "reviews"),  # the public indicators
    Target("GET", "/api/v1/search?q=gdbx", None),  # unified search: apps and service items, pinyin initials
    Target("GET", "/api/v1/mini-apps?q=%E5%B9%BF%E7%94%B5", None),  # the catalogue, q=广电
    Target("GET", "/api/v1/repair/tickets/{ticket_no}", "repair", WINDOW, setup="one_ticket"),
    Target("POST", "/api/v1/repair/tickets", "repair", WINDOW, TICKET_BODY, setup="make_room", probe="tally"),
    Target("POST", "/api/v1/auth/token", None, body=SIGN_IN, lua="per_ip.lua", connections=4, note=SPREAD),
    Target(
        "POST", "/api/v1/intake/applications", "intake", WINDOW, APPLICATION_BODY
    ),  # 申请, filed at the window
]


REFERENCE_PATH = "/healthz"


PLATFORM_PROCESSES = ("gateway", "intake", "licenses", "reviews", "repair", "redis")


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


def say(message: str) -> None:
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


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
    # BENCH_CEILING=1: the lean ceilings of filing and of the ticket read (loadtests/*_ceiling_app.py), right after
    # the reference
    ceiling: bool = False
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
            ceiling=os.environ.get("BENCH_CEILING", "") not in ("", "0"),
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
