"""Event ids the gateway's consumers have applied (idempotency)."""

from __future__ import annotations

from gateway.base import Base
from services.kernel.events import ProcessedEventMixin


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
