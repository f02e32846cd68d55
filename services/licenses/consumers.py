"""Events the licenses service reacts to."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.consumers import EventConsumer
from services.kernel.events import Event
from services.licenses.base import ANY_DEPARTMENT, today
from services.licenses.models import HolderLink, License, LicenseType
from services.licenses.service import Licenses

log = logging.getLogger("bst.licenses.consumers")
APPROVAL_DOC = "APPROVAL-DOC"


class ApplicationResults(EventConsumer):
    """An approved application's result goes into the applicant's wallet, once however often it is delivered:
    the kernel records the event id, and the license remembers its application (`source_ref`, unique)."""

    group = "licenses"
    sources = ("intake",)
    licenses: Licenses  # set when the service registers

    async def handle(self, session: AsyncSession, event: Event) -> None:
        if event.event_type != "intake.application.concluded" or event.payload.get("outcome") != "approved":
            return
        payload = event.payload
        application_no = str(payload.get("application_no") or "")
        applicant = str(payload.get("applicant_id") or "")
        department = str(payload.get("department") or "")
        if not application_no or not applicant or not department:
            log.warning(
                "concluded event without application, applicant or department", extra={"id": event.event_id}
            )
            return
        source_ref = f"application:{application_no}"
        if await session.scalar(select(License.id).where(License.source_ref == source_ref)):
            return
        type_code = str(payload.get("result_license_type") or "") or APPROVAL_DOC
        kind = await session.get(LicenseType, type_code)
        if kind is None or kind.issuer_department not in (department, ANY_DEPARTMENT):
            log.warning(
                "result license type unknown or not the department's; issuing the approval document",
                extra={"type": type_code, "department": department},
            )
            kind = await session.get(LicenseType, APPROVAL_DOC)
            if kind is None:
                return
        if kind.code != APPROVAL_DOC:
            given = {str(k): str(v) for k, v in (payload.get("result_fields") or {}).items()}
            fields = {f["name"]: given.get(f["name"], "") for f in kind.fields}
            if any(not v for v in fields.values()):
                # A sealed license with blank fields would be worse than none: the approval document instead.
                log.warning(
                    "result fields incomplete; issuing the approval document",
                    extra={"type": kind.code, "application": application_no, "given": sorted(given)},
                )
                kind = await session.get(LicenseType, APPROVAL_DOC)
                if kind is None:
                    return
        if kind.code == APPROVAL_DOC:
            fields = {
                "application_no": application_no,
                "item_name": str(payload.get("item_name") or ""),
                "outcome": "准予许可",
                "concluded_at": str(payload.get("concluded_at") or ""),
            }
        rules = self.licenses
        link = await session.get(HolderLink, applicant)
        await rules.create_license(
            session=session,
            kind=kind,
            department=department,
            issued_by=f"application:{application_no}",
            fields=fields,
            valid_until=rules.valid_until_for(kind, "", today()),
            holder_index=link.holder_index if link else None,
            holder_enc=link.holder_enc if link else None,
            holder_account_id=applicant,
            source_ref=source_ref,
        )
