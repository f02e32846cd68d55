"""The county service QR code (一码管全程): an https URL under the public base carrying the county, an optional
service-point tag, a key id and a signature. A forged or altered code fails the signature; a revoked key id
withdraws every code printed with it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import segno

from services.kernel.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class QrPayload:
    county: str
    point: str
    kid: str


class QrSigner:
    def __init__(self, key: bytes, public_url: str) -> None:
        self.key = key
        self.base = public_url.rstrip("/")
        self._base_parts = urlsplit(self.base)

    def _signature(self, county: str, point: str, kid: str) -> str:
        digest = hmac.new(self.key, f"repair-qr|{county}|{point}|{kid}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()

    def url(self, county: str, point: str, kid: str) -> str:
        query = {"k": kid, **({"p": point} if point else {}), "s": self._signature(county, point, kid)}
        return f"{self.base}/r/{county}?{urlencode(query)}"

    def read(self, text: str) -> QrPayload:
        """The county, point and key id of a scanned code, or InvalidInput when it is not a genuine one."""
        parts = urlsplit(text.strip())
        path = parts.path.removeprefix(self._base_parts.path.rstrip("/"))
        if (parts.scheme, parts.netloc) != (self._base_parts.scheme, self._base_parts.netloc) or not (
            path.startswith("/r/") and len(path) == 9 and path[3:].isdigit()
        ):
            raise InvalidInput("this is not a 办事通 repair code", code="invalid_qr")
        query = parse_qs(parts.query)
        county, point = path[3:], query.get("p", [""])[0]
        kid, signature = query.get("k", [""])[0], query.get("s", [""])[0]
        if not kid or not hmac.compare_digest(signature, self._signature(county, point, kid)):
            raise InvalidInput(
                "the code could not be recognised (its signature does not match)", code="qr_signature"
            )
        return QrPayload(county, point, kid)


def render(url: str, fmt: str) -> tuple[str, bytes]:
    """A printable QR code: error correction M, a quiet zone of 4 modules, large enough to scan from a wall."""
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    if fmt == "png":
        code.save(out, kind="png", scale=10, border=4)
        return "image/png", out.getvalue()
    code.save(out, kind="svg", scale=10, border=4, xmldecl=True, title="办事通 广电报修")
    return "image/svg+xml", out.getvalue()
