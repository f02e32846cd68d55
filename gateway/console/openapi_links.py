"""OpenAPI links: how the identifier a creation answers leads to the operations on the created resource.

A client (or schemathesis's stateful phase) reads them as "after POST /api/v1/repair/tickets answers 201, its
`ticket_no` is the `{ticket_no}` of GET /api/v1/repair/tickets/{ticket_no}, of …/cancel, …". `add_links(schema)`
writes them into the 2xx answer of each creating operation; `LINKS` is the one table."""

from __future__ import annotations

from typing import Any

# creating operation → (the answer's identifier field, the path parameter it fills, the operations it leads to)
LINKS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "create_repair_ticket": (
        "ticket_no",
        "ticket_no",
        (
            "get_repair_ticket",
            "list_dispatch_decisions",
            "cancel_repair_ticket",
            "accept_repair_ticket",
            "reject_repair_ticket",
            "resolve_repair_ticket",
            "follow_up_repair_ticket",
            "rate_repair_ticket",
        ),
    ),
    "upload_repair_evidence": ("evidence_id", "evidence_id", ("get_repair_evidence",)),
    "create_repair_outlet": ("outlet_id", "outlet_id", ("update_repair_outlet",)),
    "submit_application": (
        "application_no",
        "application_no",
        (
            "get_application",
            "get_acceptance_receipt",
            "accept_application",
            "accept_application_with_deficiency",
            "accept_application_on_promise",
            "request_application_correction",
            "refuse_application",
            "resubmit_application",
        ),
    ),
    "submit_bundle_application": ("bundle_no", "bundle_no", ("get_bundle_application",)),
    "create_intake_item": (
        "item_code",
        "item_code",
        ("get_intake_item", "adjust_intake_item", "list_intake_item_changes"),
    ),
    "book_appointment": ("appointment_id", "appointment_id", ("change_appointment",)),
    "issue_license": (
        "license_id",
        "license_id",
        (
            "present_my_license",
            "list_my_license_uses",
            "suspend_license",
            "reinstate_license",
            "revoke_license",
            "renew_license",
        ),
    ),
    "file_identity_correction": (
        "id",
        "correction_id",
        ("get_identity_correction", "approve_identity_correction", "reject_identity_correction"),
    ),
    "create_legal_person": ("credit_code", "credit_code", ("add_legal_person_member",)),
    "create_review": ("review_id", "review_id", ("get_review", "appeal_review")),
    "appeal_review": ("appeal_id", "appeal_id", ("decide_review_appeal",)),
    "create_service_window": ("window_id", "window_id", ("get_window_review_qr", "window_review_page")),
    "create_qr_login": (
        "session_id",
        "session_id",
        ("poll_qr_login", "scan_qr_login", "confirm_qr_login", "cancel_qr_login"),
    ),
    "register_passkey": ("passkey_id", "passkey_id", ("remove_passkey",)),
    "register_mini_app": (
        "app_id",
        "app_id",
        (
            "get_mini_app",
            "create_mini_app_version",
            "list_mini_app_versions",
            "list_mini_app_events",
            "list_mini_app_feedback",
            "get_mini_app_for_review",
        ),
    ),
}


def link_name(target: str) -> str:
    return "".join(part.capitalize() for part in target.split("_"))


def add_links(schema: dict[str, Any]) -> None:
    """Writes `LINKS` into the schema's creating operations; a target that is not in the schema gets no link."""
    operations: dict[str, dict[str, Any]] = {}
    for ops in schema.get("paths", {}).values():
        for op in ops.values():
            if isinstance(op, dict) and "operationId" in op:
                operations[op["operationId"]] = op
    for source, (field, parameter, targets) in LINKS.items():
        op = operations.get(source)
        if op is None:
            continue
        created = [r for status, r in op.get("responses", {}).items() if status.startswith("2")]
        links = {
            link_name(target): {
                "operationId": target,
                "parameters": {parameter: f"$response.body#/{field}"},
                "description": f"`{field}` of the answer is the `{parameter}` of {target}",
            }
            for target in targets
            if target in operations
        }
        for response in created:
            if links:
                response.setdefault("links", {}).update(links)
