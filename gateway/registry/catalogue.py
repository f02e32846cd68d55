"""The registry's in-process read model: every app's status and manifests, and the unified search (统一检索).

Each gateway process keeps a snapshot of every app in memory. It is loaded at start, reloaded per app when any
replica announces a change (Redis pub/sub), and compared with the database every few seconds in case an
announcement was lost. Reads that must be instant everywhere — is this app listed, may its token still call,
what does the catalogue show — are answered from here; writes go to the database.

Search covers listed apps and the intake service's service items together. An item is indexed under every region
that offers it (a region filter matches any of them). The item catalogue is fetched from the intake service every
few minutes, and at once when an item route of the gateway has answered: that replica refetches before answering
and announces it on the registry channel, so every other replica refetches too. A query matches the Chinese name,
the keywords, the pinyin and the pinyin initials (`gdbx` and `guangdian` both find 广电报修); hits are ranked by
how well they match, then by use.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import lazy_pinyin
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.registry.models import MiniApp, MiniAppVersion
from gateway.registry.schemas import AppStatus
from services.kernel import regions

_TOKENS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[A-Za-z0-9]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Manifest:
    """One version's manifest, as the catalogue serves it."""

    version: str
    entry_url: str
    scopes: tuple[str, ...]
    category: str
    service_items: tuple[str, ...]
    regions: tuple[str, ...]
    min_client_version: str | None
    # 同源发布: (channel, entry_url, min_client_version) per channel served; a version that declares none is
    # served on the app channel at `entry_url`.
    channels: tuple[tuple[str, str, str | None], ...] = ()

    @classmethod
    def of(cls, row: MiniAppVersion) -> Manifest:
        return cls(
            version=row.version,
            entry_url=row.entry_url,
            scopes=tuple(row.scopes),
            category=row.category,
            service_items=tuple(row.service_items),
            regions=tuple(row.regions),
            min_client_version=row.min_client_version,
            channels=served_channels(row.channels, row.entry_url, row.min_client_version),
        )

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c for c, _, _ in self.channels)

    def channel(self, name: str) -> tuple[str, str | None] | None:
        """The entry URL and minimum client version on one channel, or None when not served there."""
        for channel, entry_url, min_client in self.channels:
            if channel == name:
                return entry_url, min_client
        return None


def served_channels(
    declared: list[dict[str, str | None]] | None, entry_url: str, min_client_version: str | None
) -> tuple[tuple[str, str, str | None], ...]:
    if not declared:
        return (("app", entry_url, min_client_version),)
    return tuple(
        (str(c["channel"]), str(c["entry_url"]), c.get("min_client_version") or None) for c in declared
    )


@dataclass(frozen=True, slots=True)
class AppSnapshot:
    app_id: str
    name: str
    department: str
    category: str
    description: str
    keywords: tuple[str, ...]
    status: str
    status_reason: str | None
    listed: Manifest | None
    gray: Manifest | None
    gray_percent: int
    revision: int
    first_party: bool = False
    emergency: bool = False

    @property
    def is_listed(self) -> bool:
        return self.status == AppStatus.LISTED and self.listed is not None

    def manifest_for(self, openid: str | None) -> tuple[Manifest, bool]:
        """The manifest one person gets, and whether it is the gray one. Without an openid (nobody signed in),
        the listed one. Being in the gray group is stable per person: `hash(openid) % 100 < gray_percent`."""
        assert self.listed is not None
        if self.gray is not None and openid is not None and gray_bucket(openid) < self.gray_percent:
            return self.gray, True
        return self.listed, False


@dataclass(frozen=True, slots=True)
class ServiceItem:
    code: str
    name: str
    department: str
    region: str  # the broadest region that offers it (shown in a hit)
    category: str
    online: bool
    regions: tuple[str, ...] = ()  # every region that offers it (searched)


def gray_bucket(openid: str) -> int:
    """0..99, fixed for one person and one app (the openid is already pairwise)."""
    return int.from_bytes(hashlib.sha256(openid.encode()).digest()[:8], "big") % 100


# -- pinyin ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Romanized:
    lower: str  # the text, lower-cased
    pinyin: str  # 广电报修 → guangdianbaoxiu
    initials: str  # 广电报修 → gdbx
    starts: frozenset[int]  # where each syllable starts in `pinyin`


@lru_cache(maxsize=100_000)
def romanize(text: str) -> Romanized:
    """Pinyin without tones and its initials; Latin letters and digits are kept as words (12345热线 → 12345rx)."""
    syllables: list[str] = []
    initials: list[str] = []
    for token in _TOKENS.findall(text):
        if _HAN.match(token):
            for syllable in lazy_pinyin(token):
                syllables.append(syllable.lower())
                initials.append(syllable[:1].lower())
        else:
            syllables.append(token.lower())
            initials.append(token.lower())
    starts, offset = [], 0
    for syllable in syllables:
        starts.append(offset)
        offset += len(syllable)
    return Romanized(text.lower(), "".join(syllables), "".join(initials), frozenset(starts))


# -- the index ---------------------------------------------------------------------------------------------------


def region_prefix(region: str) -> str:
    """A region in prefix form (530000 → 53, 530100 → 5301), or as given when it is not a known one."""
    try:
        return regions.scope_prefix(region)
    except ValueError:
        return region


@dataclass(slots=True)
class SearchDoc:
    kind: str  # mini_app | service_item
    key: str
    name: Romanized
    keywords: tuple[Romanized, ...]
    strong: str  # id, category and department, lower-cased
    weak: str  # description, lower-cased
    category: str
    regions: tuple[str, ...]  # prefix form
    use: int = 0
    channels: tuple[str, ...] = ()  # the listed version's channels (同源发布); service items: none
    haystack: str = field(init=False)  # every searchable string: one test rejects most docs
    order: str = field(init=False)  # the tie-break after quality and use: by pinyin of the name

    def __post_init__(self) -> None:
        parts = [self.name.lower, self.name.pinyin, self.name.initials, self.strong, self.weak]
        for kw in self.keywords:
            parts += [kw.lower, kw.pinyin, kw.initials]
        self.haystack = "\x00".join(parts)
        self.order = f"{self.name.pinyin}\x00{self.kind}\x00{self.key}"

    def serves(self, prefix: str) -> bool:
        """Whether this doc is offered in the region `prefix` (a county sees its prefecture's and the province's
        apps; a prefecture also sees its counties')."""
        return any(prefix.startswith(mine) or mine.startswith(prefix) for mine in self.regions)


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    latin: bool  # pinyin and initials may match
    prefix_only: bool  # a single letter matches only at the start of a name, its pinyin or a keyword

    @classmethod
    def of(cls, text: str) -> Term:
        latin = text.isascii()
        return cls(text, latin, latin and len(text) < 2)


def terms_of(text: str) -> tuple[Term, tuple[Term, ...]]:
    """The query with its words run together, and each word."""
    words = text.lower().split()
    return Term.of("".join(words)), tuple(Term.of(w) for w in words)


def _keyword_quality(keywords: tuple[Romanized, ...], term: Term) -> int:
    q, best = term.text, 0
    for kw in keywords:
        if q == kw.lower or (term.latin and (q == kw.pinyin or q == kw.initials)):
            return 550
        starts = kw.lower.startswith(q) or (term.latin and kw.pinyin.startswith(q))
        inside = not term.prefix_only and (q in kw.lower or (term.latin and kw.initials.startswith(q)))
        if starts or inside:
            best = 450
    return best


def _score_term(doc: SearchDoc, term: Term) -> int:
    """How well one term matches a doc: 0 is no match."""
    q = term.text
    if q not in doc.haystack:
        return 0
    name = doc.name
    if q == name.lower:
        return 1000
    if name.lower.startswith(q):
        return 900
    if not term.prefix_only and q in name.lower:
        return 800
    if term.latin:
        if q == name.initials or q == name.pinyin:
            return 780
        if name.pinyin.startswith(q):
            return 700
        if name.initials.startswith(q):
            return 680
        if not term.prefix_only:
            at = name.pinyin.find(q)
            while at != -1:
                if at in name.starts:
                    return 600
                at = name.pinyin.find(q, at + 1)
            if q in name.initials:
                return 500
    keyword = _keyword_quality(doc.keywords, term)
    if keyword or term.prefix_only:
        return keyword
    if q in doc.strong:
        return 250
    if q in doc.weak:
        return 150
    return 0


def score(doc: SearchDoc, together: Term, terms: tuple[Term, ...]) -> int:
    """Match quality of a whole query: the words run together (pinyin typed with spaces, `guang dian`), or each
    word on its own, all of which must match."""
    best = _score_term(doc, together)
    if len(terms) > 1:
        total = 0
        for term in terms:
            quality = _score_term(doc, term)
            if not quality:
                return best
            total += quality
        best = max(best, total // len(terms))
    return best


class Catalogue:
    def __init__(self) -> None:
        self.apps: dict[str, AppSnapshot] = {}
        self.use_counts: dict[str, int] = {}
        self.items: dict[str, ServiceItem] = {}
        self._docs: dict[str, dict[str, SearchDoc]] = {"mini_app": {}, "service_item": {}}
        self._item_apps: dict[str, set[str]] = {}

    # -- the read model -----------------------------------------------------------------------------------------

    def get(self, app_id: str) -> AppSnapshot | None:
        return self.apps.get(app_id)

    def revisions(self) -> dict[str, int]:
        return {app_id: app.revision for app_id, app in self.apps.items()}

    def put(self, app: AppSnapshot) -> None:
        """Take a newer snapshot of one app (an older one than held is ignored)."""
        held = self.apps.get(app.app_id)
        if held is not None and held.revision > app.revision:
            return
        if held is not None and held.listed is not None:
            for code in held.listed.service_items:
                self._item_apps.get(code, set()).discard(app.app_id)
        self.apps[app.app_id] = app
        if not app.is_listed:
            self._docs["mini_app"].pop(app.app_id, None)
            return
        assert app.listed is not None
        for code in app.listed.service_items:
            self._item_apps.setdefault(code, set()).add(app.app_id)
        self._docs["mini_app"][app.app_id] = SearchDoc(
            kind="mini_app",
            key=app.app_id,
            name=romanize(app.name),
            keywords=tuple(romanize(k) for k in app.keywords),
            strong="\x00".join((app.app_id, app.listed.category.lower(), app.department.lower())),
            weak=app.description.lower(),
            category=app.listed.category,
            regions=tuple(region_prefix(r) for r in app.listed.regions),
            use=self.use_counts.get(app.app_id, 0),
            channels=app.listed.channel_names + (app.gray.channel_names if app.gray is not None else ()),
        )

    def set_use_counts(self, counts: dict[str, int]) -> None:
        self.use_counts = counts
        for app_id, doc in self._docs["mini_app"].items():
            doc.use = counts.get(app_id, 0)

    def set_service_items(self, items: Iterable[ServiceItem]) -> None:
        self.items = {item.code: item for item in items}
        self._docs["service_item"] = {
            item.code: SearchDoc(
                kind="service_item",
                key=item.code,
                name=romanize(item.name),
                keywords=(),
                strong="\x00".join((item.code.lower(), item.category.lower(), item.department.lower())),
                weak="",
                category=item.category,
                regions=tuple(dict.fromkeys(region_prefix(r) for r in item.regions or (item.region,))),
            )
            for item in self.items.values()
        }

    def apps_covering(self, code: str) -> list[str]:
        return sorted(self._item_apps.get(code, ()))

    # -- search -------------------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        category: str | None = None,
        region: str | None = None,
        kinds: tuple[str, ...] = ("mini_app", "service_item"),
        limit: int = 20,
        offset: int = 0,
        channel: str | None = None,
    ) -> list[tuple[int, SearchDoc]]:
        """The best `limit` hits after `offset`, best first: by match quality, then by use, then by name. With a
        `channel`, only apps served on it (a gray version's channels count too: the caller picks per person)."""
        whole, terms = terms_of(query)
        prefix = region_prefix(region) if region else None
        hits: list[tuple[int, int, str, SearchDoc]] = []
        for kind in kinds:
            for doc in self._docs[kind].values():
                if (category and doc.category != category) or (prefix and not doc.serves(prefix)):
                    continue
                if channel and kind == "mini_app" and channel not in doc.channels:
                    continue
                quality = score(doc, whole, terms) if terms else 1
                if quality:
                    hits.append((-quality, -doc.use, doc.order, doc))
        return [(-quality, doc) for quality, _, _, doc in heapq.nsmallest(offset + limit, hits)[offset:]]


# -- loading snapshots from the database -------------------------------------------------------------------------


async def load_snapshots(session: AsyncSession, app_ids: Iterable[str] | None = None) -> list[AppSnapshot]:
    """Snapshots of the given apps (all when None), with their listed and gray manifests."""
    query = select(MiniApp)
    ids = None if app_ids is None else list(app_ids)
    if ids is not None:
        if not ids:
            return []
        query = query.where(MiniApp.app_id.in_(ids))
    apps = (await session.scalars(query)).all()
    served = (
        select(MiniAppVersion)
        .join(MiniApp, MiniApp.app_id == MiniAppVersion.app_id)
        .where(
            or_(
                MiniAppVersion.version == MiniApp.listed_version,
                MiniAppVersion.version == MiniApp.gray_version,
            )
        )
    )
    if ids is not None:
        served = served.where(MiniApp.app_id.in_(ids))
    manifests = {(r.app_id, r.version): Manifest.of(r) for r in await session.scalars(served)}
    return [
        AppSnapshot(
            app_id=a.app_id,
            name=a.name,
            department=a.department,
            category=a.category,
            description=a.description,
            keywords=tuple(a.keywords),
            status=a.status,
            status_reason=a.status_reason,
            listed=manifests.get((a.app_id, a.listed_version)) if a.listed_version else None,
            gray=manifests.get((a.app_id, a.gray_version)) if a.gray_version else None,
            gray_percent=a.gray_percent if a.gray_version else 0,
            revision=a.revision,
            first_party=a.first_party,
            emergency=a.emergency,
        )
        for a in apps
    ]


async def load_revisions(session: AsyncSession) -> dict[str, int]:
    return {
        app_id: revision
        for app_id, revision in (await session.execute(select(MiniApp.app_id, MiniApp.revision)))
    }
