"""The first-party mini-apps (`mini_apps/<app>/manifest.json`), registered and listed through the registry's own
rules — the same schema validation and checks as the API (https entry on an allowed host, known scopes, a version
greater than the last). Seeding twice changes nothing; a manifest with a higher version lists that version.

Outside production, the demo developer `dev.guangdian` also joins the department of the repair app.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import Account
from gateway.identity.schemas import Role
from gateway.registry.models import DepartmentMember, MiniApp, MiniAppVersion
from gateway.registry.schemas import AppCreate, ApproveIn, VersionCreate, semver_key
from gateway.registry.service import SYSTEM, Registry
from services.kernel.auth import Principal
from services.kernel.db import utcnow

log = logging.getLogger("bst.registry.seed")

MINI_APPS = Path(__file__).resolve().parents[2] / "mini_apps"
SEEDER = Principal(sub=SYSTEM, kind="staff", roles=frozenset({Role.PLATFORM_ADMIN.value}))
DEMO_MEMBERS = {"dev.guangdian": "云南省广播电视局"}


def first_party_manifests(directory: Path = MINI_APPS) -> list[tuple[AppCreate, VersionCreate]]:
    """Every shipped manifest, validated; a broken one fails loudly rather than being skipped."""
    manifests = []
    for path in sorted(directory.glob("*/manifest.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        manifests.append(
            (AppCreate.model_validate(data["app"]), VersionCreate.model_validate(data["version"]))
        )
    return manifests


async def seed_first_party_apps(
    *, session: AsyncSession, registry: Registry, directory: Path = MINI_APPS
) -> None:
    for app_in, version_in in first_party_manifests(directory):
        if await session.get(MiniApp, app_in.app_id) is None:
            await registry.register_app(session=session, principal=SEEDER, app_in=app_in)
            await registry.set_first_party(
                session=session, principal=SEEDER, app_id=app_in.app_id, first_party=True
            )  # the platform's own apps see the unionid
        versions = (
            await session.scalars(
                select(MiniAppVersion.version).where(MiniAppVersion.app_id == app_in.app_id)
            )
        ).all()
        latest = max(versions, key=semver_key, default=None)
        if latest is not None and semver_key(latest) >= semver_key(version_in.version):
            continue
        await registry.create_version(
            session=session, principal=SEEDER, app_id=app_in.app_id, version_in=version_in
        )
        await registry.approve_version(
            session=session,
            principal=SEEDER,
            app_id=app_in.app_id,
            version=version_in.version,
            approve_in=ApproveIn(comment="first-party app, listed from mini_apps/ at seeding"),
        )
        log.info("first-party mini-app listed", extra={"app": app_in.app_id, "version": version_in.version})


async def seed_demo_members(*, session: AsyncSession) -> None:
    for username, department in DEMO_MEMBERS.items():
        account_id = await session.scalar(select(Account.id).where(Account.username == username))
        if account_id and await session.get(DepartmentMember, (department, account_id)) is None:
            session.add(
                DepartmentMember(
                    department=department, account_id=account_id, added_by=SYSTEM, added_at=utcnow()
                )
            )
