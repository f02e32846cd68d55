"""One router per resource, gathered in `ROUTERS`."""

from gateway.routers import (
    admin_accounts,
    auth,
    health,
    legal_persons,
    licenses,
    me,
    repair,
    reviews,
    scan_page,
    service_items,
    wellknown,
)

ROUTERS = [
    health.router,
    wellknown.router,
    auth.router,
    me.router,
    legal_persons.router,
    admin_accounts.router,
    service_items.router,
    licenses.router,
    reviews.router,
    repair.router,
    scan_page.router,
]
