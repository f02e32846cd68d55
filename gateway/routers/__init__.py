"""One router per resource, gathered in `ROUTERS`."""

from gateway.routers import health, licenses, repair, reviews, service_items, wellknown

ROUTERS = [
    health.router,
    wellknown.router,
    service_items.router,
    licenses.router,
    reviews.router,
    repair.router,
]
