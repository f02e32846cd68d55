"""Schemathesis hooks for the stateful phase (loaded through SCHEMATHESIS_HOOKS by test_schemathesis.py).

A generated ticket names a random six-digit county, which is almost never one of Yunnan's: the creation answers 4xx
and no link from it is ever followed. For positive cases only, the hook points the ticket at 五华区 and drops the
fields that name other resources (a scanned QR, an outlet, evidence), so creations succeed and their `ticket_no`
leads the stateful phase on to the ticket's own operations. Negative cases stay as generated."""

from __future__ import annotations

from typing import Any

import schemathesis

REALISTIC_BODIES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    # operation label → (fields to set, fields to drop)
    "POST /api/v1/repair/tickets": (
        {"county": "530102"},
        ("qr", "outlet_id", "channel", "evidence", "lat", "lng"),
    ),
}


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    operation = context.operation
    realistic = REALISTIC_BODIES.get(operation.label) if operation is not None else None
    meta = getattr(case, "meta", None)
    positive = meta is None or str(getattr(meta.generation, "mode", "positive")).endswith("positive")
    if realistic is None or not positive or not isinstance(case.body, dict):
        return case
    updates, dropped = realistic
    case.body = {k: v for k, v in case.body.items() if k not in dropped} | updates
    return case
