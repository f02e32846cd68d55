"""The rules of unified identity (统一身份认证). No transport here; the caller owns the transaction.

Refusals that must leave a trace (a wrong code's attempt, a failed password, a reused refresh token) are raised
with `commit_anyway=True`, so the caller's transaction keeps the counter and the audit record; every other
refusal changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.identity.accounts import AccountRules
from gateway.identity.base import (
    ACCOUNT_WIDE_FAILURES,
    SMS_CODE_MAX_TRIES,
    SMS_CODE_SECONDS,
    STAFF_REGION_ROLES,
    IdentityBase,
)
from gateway.identity.crypto import FieldCipher, Passwords
from gateway.identity.keys import KeyStore
from gateway.identity.legal_persons import LegalPersonRules
from gateway.identity.sessions import SessionRules
from gateway.identity.signin import SignInRules
from gateway.identity.sms import SmsSender
from services.kernel.ratelimit import RateLimiter
from services.kernel.revocation import RevocationList
from services.kernel.settings import Settings

__all__ = [
    "ACCOUNT_WIDE_FAILURES",
    "SMS_CODE_MAX_TRIES",
    "SMS_CODE_SECONDS",
    "STAFF_REGION_ROLES",
    "Identity",
    "IdentityBase",
]


@dataclass
class Identity(AccountRules, SignInRules, SessionRules, LegalPersonRules):
    """Identity's rules with the infrastructure they need (keys, ciphers, limits, SMS, revocations).

    Its parts, by sub-domain: `base.py` (state, audit, account look-ups), `accounts.py` (accounts, the user space),
    `signin.py` (SMS and password sign-in, the SMS outbox), `sessions.py` (tokens, refresh, logout) and
    `legal_persons.py`; village agents' delegations are in `delegation.py`."""

    @classmethod
    def build(
        cls,
        settings: Settings,
        keys: KeyStore,
        limiter: RateLimiter | None,
        revocations: RevocationList | None,
        sms: SmsSender,
    ) -> Identity:
        return cls(
            settings,
            keys,
            FieldCipher(settings.resolved_secret_key()),
            Passwords(),
            limiter,
            revocations,
            sms,
        )
