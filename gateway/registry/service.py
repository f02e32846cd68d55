"""The rules of the mini-app registry (移动政务服务应用管理). No transport here; the caller owns the transaction.

Who may do what
---------------
- Departments (部门) are named by a string on each app. An account belongs to a department through a row of
  `mini_app_department_members`. A platform admin adds and removes members. A developer who belongs to no
  department yet claims the department of the first app they register — but only a department nobody has
  claimed; after that, a developer registers and acts on apps of their own departments only (403 otherwise).
- Reviewers (`app_reviewer`) and platform admins approve, reject, delist and relist. A reviewer who belongs to
  an app's department may not approve or reject its versions (the same goes for an admin who is a member).
- Nobody decides on an app they registered, or on a version they submitted (a platform admin included).
- Gray release is set, paused and rolled back by the app's developers or by reviewers. Its percentage only rises
  (a lower one is 409); left unpaused for `miniapp_gray_full_days` (15) it goes to 100 % by itself (the resync
  loop checks); a one-click rollback ends a gray release, or, with none running, returns to the last full version.
- A platform admin marks an app first-party (the platform's own): it then sees the province-wide `unionid`.

Versions and listing
--------------------
One state machine per version: draft → pending_review → approved | rejected. A version number is a semantic
version greater than every earlier version of the app; at most one version is under review at a time, and the
listed version keeps serving while it is. Approval lists the app with the version (or, with `gray_percent`, serves
it to that share of users first; the share is stable per user). Delisting takes the app out of the catalogue,
answers 410 with the reason, and refuses its tokens on every replica within a second; relisting brings it back.

Citizens' side — the catalogue as each person sees it, consent, mini-app tokens, feedback — is `MiniAppAccess`
in `access.py`, with its parts in `access_base.py`, `access_catalogue.py` and `access_tokens.py`.

Every decision (register, submit, approve, reject, delist, relist, gray change, flag) is appended to
`registry_events` with who, when and why.
"""

from __future__ import annotations

from gateway.registry.apps import AppRules
from gateway.registry.core import (
    CHANGED,
    RESERVED_APP_IDS,
    RESYNC_SECONDS,
    REVIEWERS,
    SYSTEM,
    RegistryCore,
    host_allowed,
)
from gateway.registry.oversight import Oversight
from gateway.registry.releases import GrayReleases
from gateway.registry.versions import VersionRules

__all__ = [
    "CHANGED",
    "RESERVED_APP_IDS",
    "RESYNC_SECONDS",
    "REVIEWERS",
    "SYSTEM",
    "Registry",
    "RegistryCore",
    "host_allowed",
]


class Registry(AppRules, VersionRules, Oversight, GrayReleases):
    """The registry's rules for developers and reviewers, with what they need: the database, the in-process
    catalogue every replica keeps in step (Redis pub/sub and a periodic resync), the monitor, and `access` —
    the citizens' and mini-apps' side, which shares the catalogue.

    Its parts, by sub-domain: `core.py` (state, unit of work, look-ups and checks), `apps.py` (department members,
    registration, app lists), `versions.py` (versions, review, gray percentage), `oversight.py` (delisting, flags,
    events, monitoring, feedback) and `releases.py` (gray releases over time, rollback, first party)."""
