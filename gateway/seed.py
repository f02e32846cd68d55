"""The gateway's reference data: the first signing key, the bootstrap admin and, outside production, demo staff.

Demo passwords are generated on the first seed and kept in var/demo-accounts.json (mode 600); none is in the code.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

from sqlalchemy import select

from gateway.identity.keys import KeyStore
from gateway.identity.models import Account
from gateway.identity.schemas import AccountCreate, Role
from gateway.identity.service import Identity
from gateway.identity.sms import sms_backend
from gateway.registry.seed import seed_demo_members, seed_first_party_apps
from gateway.registry.service import Registry
from services.kernel.db import Database
from services.kernel.settings import Settings

DEMO_STAFF: list[tuple[str, str, list[Role], str, str | None]] = [
    ("wuhua.admin", "五华区县级管理员", [Role.COUNTY_ADMIN], "530102", None),
    ("wuhua.window", "五华区便民服务窗口", [Role.WINDOW_STAFF], "530102", None),
    ("wuhua.tech", "五华区广电服务站技术员", [Role.OUTLET_TECHNICIAN], "530102", "OUT-530102-01"),
    ("luquan.agent", "禄劝县屏山镇村组代办员", [Role.VILLAGE_AGENT], "530128", None),
    ("reviewer", "应用审核员", [Role.APP_REVIEWER], "53", None),
    ("dev.guangdian", "省广电局应用开发者", [Role.APP_DEVELOPER], "53", None),
]


def _demo_file(settings: Settings) -> Path:
    return settings.var_dir / "demo-accounts.json"


def _demo_password(settings: Settings) -> str:
    path = _demo_file(settings)
    if path.exists():
        return str(json.loads(path.read_text())["password"])
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"password": password}))
    path.chmod(0o600)
    return password


async def seed(db: Database, settings: Settings) -> None:
    await KeyStore(db, settings.resolved_secret_key(), token_lifetime=settings_lifetime(settings)).load()
    if settings.env == "production" and not settings.admin_password:
        return
    admin_password = settings.admin_password or _demo_password(settings)
    keys = KeyStore(db, settings.resolved_secret_key(), token_lifetime=settings_lifetime(settings))
    identity = Identity.build(
        settings, keys, limiter=None, revocations=None, sms=sms_backend(settings.sms_backend)
    )
    async with db.transaction() as session:
        await identity.ensure_bootstrap_admin(session=session, password=admin_password)
        await seed_first_party_apps(session=session, registry=Registry(settings, db, keys))
        if settings.env == "production":
            return
        password = _demo_password(settings)
        existing = set((await session.scalars(select(Account.username))).all())
        for username, name, roles, region, outlet in DEMO_STAFF:
            if username not in existing:
                await identity.create_seed_account(
                    session=session,
                    account_in=AccountCreate(
                        username=username,
                        password=password,
                        display_name=name,
                        roles=roles,
                        region=region,
                        outlet_id=outlet,
                    ),
                )
        await seed_demo_members(session=session)


def settings_lifetime(settings: Settings) -> dt.timedelta:
    return dt.timedelta(seconds=settings.access_token_seconds)


def demo_account_lines(settings: Settings) -> list[str]:
    if settings.env == "production":
        return []
    password = _demo_password(settings)
    admin = "BST_ADMIN_PASSWORD" if settings.admin_password else password
    lines = [
        "Demo accounts (password sign-in at POST /api/v1/auth/token, grant_type=password):",
        f"  admin            platform_admin, 53          password: {admin}",
    ]
    for username, _, roles, region, outlet in DEMO_STAFF:
        extra = f", outlet {outlet}" if outlet else ""
        lines.append(f"  {username:<16} {roles[0].value}, {region}{extra:<14} password: {password}")
    lines.append(
        "Citizens sign in by SMS code: POST /api/v1/auth/sms-code, then read the code at "
        "GET /api/v1/admin/sms-outbox (as admin)."
    )
    return lines
