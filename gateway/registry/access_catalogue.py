"""The mini-app catalogue as each person sees it (the gray or the listed version, on a channel) and 统一检索 over
listed apps and the intake service's service items; a part of `MiniAppAccess`."""

from __future__ import annotations

import asyncio
import time

import grpc

from bst.intake.v1 import intake_pb2
from gateway.registry.access_base import (
    SERVICE_ITEMS_RETRY_SECONDS,
    SERVICE_ITEMS_TTL_SECONDS,
    AccessBase,
    log,
)
from gateway.registry.catalogue import AppSnapshot, ServiceItem
from gateway.registry.schemas import CatalogueEntry, SearchHit, ServiceItemHit
from services.kernel.auth import Principal
from services.kernel.errors import NotFound


class CatalogueRules(AccessBase):
    """The catalogue as each person sees it, and unified search; mixed into `MiniAppAccess`."""

    def _viewer_openid(self, principal: Principal, app_id: str) -> str | None:
        return None if principal.anonymous else self.openid(principal.sub, app_id)

    def entry_for(
        self, app: AppSnapshot, principal: Principal, channel: str | None = None
    ) -> CatalogueEntry | None:
        """The app as this person sees it; with a `channel`, that channel's entry and minimum client version, or
        None when the version this person gets is not served there."""
        manifest, gray = app.manifest_for(self._viewer_openid(principal, app.app_id))
        entry_url, min_client = manifest.entry_url, manifest.min_client_version
        if channel is not None:
            served = manifest.channel(channel)
            if served is None:
                return None
            entry_url, min_client = served
        return CatalogueEntry(
            app_id=app.app_id,
            name=app.name,
            department=app.department,
            category=manifest.category,
            description=app.description,
            keywords=list(app.keywords),
            version=manifest.version,
            entry_url=entry_url,
            scopes=list(manifest.scopes),
            service_items=list(manifest.service_items),
            regions=list(manifest.regions),
            min_client_version=min_client,
            gray=gray,
            use_count=self.catalogue.use_counts.get(app.app_id, 0),
            channel=channel,
            channels=list(manifest.channel_names),
        )

    def get_listed(self, *, principal: Principal, app_id: str, channel: str | None = None) -> CatalogueEntry:
        entry = self.entry_for(self.listed_app(app_id), principal, channel)
        if entry is None:
            raise NotFound(f"该应用未在 {channel} 渠道发布", code="not_on_channel")
        return entry

    async def open_entry(self, *, principal: Principal, app_id: str, channel: str | None = None) -> str:
        """Where to open a listed app for this person (the gray or the listed version's entry URL, on `channel`
        when given), counted as a use; a delisted app's entry is refused (410) with the reason."""
        entry = self.get_listed(principal=principal, app_id=app_id, channel=channel).entry_url
        await self._count_use(app_id)
        return entry

    def get_catalogue(
        self,
        *,
        principal: Principal,
        q: str,
        category: str | None,
        region: str | None,
        limit: int,
        offset: int,
        channel: str | None = None,
    ) -> list[CatalogueEntry]:
        hits = self.catalogue.search(
            q,
            category=category,
            region=region,
            kinds=("mini_app",),
            limit=limit,
            offset=offset,
            channel=channel,
        )
        entries = (self.entry_for(self.catalogue.apps[doc.key], principal, channel) for _, doc in hits)
        return [e for e in entries if e is not None]

    async def search(
        self,
        *,
        principal: Principal,
        q: str,
        category: str | None,
        region: str | None,
        limit: int,
        channel: str | None = None,
    ) -> list[SearchHit]:
        """统一检索: listed apps and service items together (with a `channel`, the apps served on it)."""
        await self.ensure_service_items()
        results: list[SearchHit] = []
        for quality, doc in self.catalogue.search(
            q, category=category, region=region, limit=limit, channel=channel
        ):
            if doc.kind == "mini_app":
                entry = self.entry_for(self.catalogue.apps[doc.key], principal, channel)
                if entry is None:
                    continue
                results.append(SearchHit(kind="mini_app", score=quality, mini_app=entry))
            else:
                item = self.catalogue.items[doc.key]
                hit = ServiceItemHit(
                    code=item.code,
                    name=item.name,
                    department=item.department,
                    region=item.region,
                    category=item.category,
                    online=item.online,
                    mini_apps=self.catalogue.apps_covering(item.code),
                )
                results.append(SearchHit(kind="service_item", score=quality, service_item=hit))
        return results

    async def ensure_service_items(self) -> None:
        """Keep the intake service's catalogue for search, refreshed after its TTL. Only the very first fetch is
        waited for; later ones run behind the scenes, and a failure keeps the old copy and is retried a few
        seconds later."""
        if self.clients is None or (
            self._items_loaded_at and time.monotonic() - self._items_loaded_at < SERVICE_ITEMS_TTL_SECONDS
        ):
            return
        if not self._items_loaded_at:
            await self._fetch_service_items()
        elif self._items_task is None or self._items_task.done():
            self._items_task = asyncio.create_task(self._fetch_service_items(), name="registry-service-items")

    async def refresh_service_items(self) -> None:
        """Fetch the intake service's catalogue now (an item was just published, adjusted, suspended or
        cancelled), whatever the TTL; a failure keeps the old copy and the TTL retries."""
        if self.clients is not None:
            await self._fetch_service_items(now=True)

    async def _fetch_service_items(self, now: bool = False) -> None:
        assert self.clients is not None
        async with self._items_lock:
            if not now and time.monotonic() - self._items_tried_at < SERVICE_ITEMS_RETRY_SECONDS:
                return
            self._items_tried_at = time.monotonic()
            try:
                reply = await self.clients.intake.ListServiceItems(
                    intake_pb2.ListServiceItemsRequest(), **(self.clients.options(None) | {"timeout": 2.0})
                )
            except grpc.aio.AioRpcError as exc:
                log.warning("could not fetch service items for search", extra={"error": exc.code().name})
                return
            self.catalogue.set_service_items(
                ServiceItem(i.code, i.name, i.department, i.region, i.category, i.online, tuple(i.regions))
                for i in reply.items
            )
            self._items_loaded_at = time.monotonic()
