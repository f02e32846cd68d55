"""What the reviews rules need besides the session: the outbox, the rate limiter, the settings, the window QR."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import InvalidInput
from services.kernel.events import Outbox
from services.kernel.ratelimit import RateLimiter


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(8)}"


class WindowCodes:
    """A window's review QR: an https URL under the public base naming the window, with a signature."""

    def __init__(self, key: bytes, public_url: str) -> None:
        self.key = key
        self.base = public_url.rstrip("/")

    def _signature(self, window_id: str) -> str:
        digest = hmac.new(self.key, f"review-window|{window_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()

    def url(self, window_id: str) -> str:
        return f"{self.base}/rv/{window_id}?s={self._signature(window_id)}"

    def read(self, text: str) -> str:
        """The window id of a scanned code, or InvalidInput when the code is not genuine."""
        parts = urlsplit(text.strip())
        base = urlsplit(self.base)
        path = parts.path.removeprefix(base.path.rstrip("/"))
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not path.startswith("/rv/"):
            raise InvalidInput("这不是办事通的窗口评价码", code="invalid_qr")
        window_id = path[4:]
        signature = parse_qs(parts.query).get("s", [""])[0]
        if not window_id or not hmac.compare_digest(signature, self._signature(window_id)):
            raise InvalidInput("窗口评价码的签名不符，可能被篡改或伪造", code="qr_signature")
        return window_id


@dataclass
class ReviewsContext:
    outbox: Outbox
    limiter: RateLimiter | None
    windows: WindowCodes
    review_days: int = 15
    limit_per_account: int = 20
    limit_per_network: int = 100
    rectify_working_days: int = 15

    def publish(
        self, session: AsyncSession, *, event_type: str, aggregate_id: str, payload: dict[str, Any]
    ) -> None:
        self.outbox.add(session, event_type=event_type, aggregate_id=aggregate_id, payload=payload)
