"""One router per resource, gathered in `ROUTERS`."""

from gateway.routers import (
    admin_accounts,
    admin_mini_apps,
    auth,
    health,
    intake,
    legal_persons,
    licenses,
    me,
    mini_apps,
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
    intake.router,
    licenses.router,
    reviews.router,
    repair.router,
    scan_page.router,
    mini_apps.router,
    mini_apps.search_router,
    mini_apps.consents_router,
    mini_apps.open_router,
    admin_mini_apps.router,
    admin_mini_apps.members_router,
]
