"""The state of the e-license rules and what their parts share: the settings, the keyring and the verifier,
secrets at rest (field encryption, the holder's blind index, the holder's key), license types, the dates in China,
who counts as the holder and the status a license shows. (`Licenses` in `service.py` gathers the rules.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, TokenVerifier, require_signed_in
from services.kernel.crypto import derive_key
from services.kernel.errors import Forbidden, InvalidInput, NotFound
from services.kernel.settings import Settings
from services.licenses.keys import Keyring
from services.licenses.models import License, LicenseType
from services.licenses.schemas import HolderKind, LicenseStatus, LicenseTypeRead

CHINA = ZoneInfo("Asia/Shanghai")
ISSUER_ROLE = "license_issuer"
ASSERTION_TYP = "real-name+jwt"
ASSERTION_AUDIENCE = "licenses"
STATUS_LIST_SIZE = 131_072  # 2 bits each: 32 KiB before compression
ANY_DEPARTMENT = "*"
LEGAL_PERSON_KIND = "legal_person"


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


def end_of_day(day: str) -> int:
    """The last second of a date in China as a Unix time: when a license valid until that date expires."""
    date = dt.date.fromisoformat(day)
    return int(dt.datetime.combine(date, dt.time(23, 59, 59), CHINA).timestamp())


def require_holder(principal: Principal, refusal: str) -> Principal:
    """The holder themself: a citizen in their own name, or a legal person's session (its authorised member acts
    for it). A village agent's delegation token is refused."""
    require_signed_in(principal)
    if principal.actor is not None and principal.kind != LEGAL_PERSON_KIND:
        raise Forbidden(refusal, code="not_for_delegates")
    return principal


def shown_status(row: Any, on: dt.date | None = None) -> str:
    if row.status != LicenseStatus.VALID:
        return str(row.status)
    if row.valid_until and dt.date.fromisoformat(row.valid_until) < (on or today()):
        return LicenseStatus.EXPIRED
    return LicenseStatus.VALID


@dataclass
class LicensesBase:
    """What the rules need besides the session: settings, the keyring, the verifier of the gateway's tokens; the
    rules are in the parts `Licenses` gathers."""

    settings: Settings
    keyring: Keyring
    verifier: TokenVerifier

    def __post_init__(self) -> None:
        secret = self.settings.resolved_secret_key()
        self._aead = AESGCM(derive_key(secret, "licenses field-encryption"))
        self._index_key = derive_key(secret, "licenses blind-index")
        self.base_url = self.settings.public_url.rstrip("/")
        self.issuer_url = f"{self.base_url}/api/v1/licenses/issuers"
        self.verify_audience = f"{self.base_url}/api/v1/licenses/verify"

    # -- secrets at rest ----------------------------------------------------------------------------------------

    def encrypt(self, value: bytes, *, field: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, value, field.encode())

    def decrypt(self, blob: bytes, *, field: str) -> bytes:
        return self._aead.decrypt(blob[:12], blob[12:], field.encode())

    def holder_index(self, kind: str, number: str) -> str:
        return hmac.new(self._index_key, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()

    def holder_key(self, row: License) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(
            self.decrypt(row.holder_key, field=f"holder-key:{row.id}")
        )

    def status_list_uri(self, list_id: int) -> str:
        return f"{self.base_url}/api/v1/licenses/status-lists/{list_id}"

    # -- types --------------------------------------------------------------------------------------------------

    async def get_all_license_types(
        self, *, session: AsyncSession, holder_kind: str = ""
    ) -> list[LicenseTypeRead]:
        query = select(LicenseType).order_by(LicenseType.code)
        if holder_kind:
            if holder_kind not in HolderKind.__members__.values():
                raise InvalidInput("持证主体类型只能是 person 或 legal_person", code="invalid_holder_kind")
            query = query.where(LicenseType.holder_kind == holder_kind)
        return [LicenseTypeRead.model_validate(t) for t in (await session.scalars(query)).all()]

    async def _type(self, session: AsyncSession, code: str) -> LicenseType:
        found = await session.get(LicenseType, code)
        if found is None:
            raise NotFound(f"没有证照类型 {code}", code="license_type_not_found")
        return found
