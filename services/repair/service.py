"""The rules of broadcast-TV repair (广电报修), gathered from their sub-domain modules. No transport here; the
caller owns the transaction.

| module | what |
|---|---|
| `common` | the context, constants, the ticket state machine (`TRANSITIONS`), timeline, notices, events |
| `network` | counties, repair outlets, service points |
| `county_qr` | the county's service QR code and its keys |
| `evidence` | evidence photos and videos |
| `tickets` | filing a ticket and dispatching it (`dispatch.py` holds the nearest-outlet rule) |
| `ticket_actions` | accept, reject, resolve, follow-up, rating, cancel |
| `ticket_reads` | a ticket, a page of tickets, counts, notifications (the hot read on lean statements) |
| `timers` | acceptance timeout, overdue escalation, the county queue |
| `statistics` | county/prefecture/province statistics and the monthly export |
"""

from __future__ import annotations

from services.repair.common import (  # noqa: F401
    ADMIN_ROLES,
    CHINA,
    EVIDENCE_LIMITS,
    FOLLOW_UP_ROLES,
    MAX_COUNTY_RADIUS_KM,
    RESTORE_HOURS,
    STAFF_READERS,
    TRANSITIONS,
    VILLAGE_CIRCLE_KM,
    RepairContext,
    add_timeline,
    get_county,
    notify,
    parse_model,
    publish,
    require_county_admin,
    rfc3339,
    transition,
)
from services.repair.county_qr import (  # noqa: F401
    current_qr_key,
    get_county_qr,
    read_qr,
    resolve_qr,
    revoke_qr_key,
    rotate_qr_key,
)
from services.repair.evidence import (  # noqa: F401
    attach_evidence,
    get_evidence,
    sniff_media_type,
    upload_evidence,
)
from services.repair.network import (  # noqa: F401
    check_point_in_county,
    create_outlet,
    create_service_point,
    get_all_counties,
    get_outlets_by_county,
    get_service_points,
    outlet_read,
    point_read,
    update_outlet,
)
from services.repair.statistics import (  # noqa: F401
    export_month,
    get_stats,
)
from services.repair.ticket_actions import (  # noqa: F401
    accept_ticket,
    cancel_ticket,
    follow_up_ticket,
    get_dispatch_decisions,
    hand_back,
    rate_ticket,
    reject_ticket,
    resolve_ticket,
)
from services.repair.ticket_reads import (  # noqa: F401
    count_my_tickets,
    get_all_tickets,
    get_my_notifications,
    get_ticket_for,
    ticket_read,
)
from services.repair.tickets import (  # noqa: F401
    acts_for,
    create_ticket,
    dispatch,
    file_in_own_transaction,
    file_ticket,
    idempotency_owner,
    next_ticket_no,
    require_assignee,
    ticket_for_update,
)
from services.repair.timers import (  # noqa: F401
    sweep,
)
