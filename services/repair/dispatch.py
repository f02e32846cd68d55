"""The dispatch rule: among active outlets of the ticket's county that serve its category (with the right kind) and
are below capacity, the one with the least great-circle distance to the report's point (or the county's centre);
ties go to the fewer open tickets; a reporter's own choice wins when that outlet qualifies.

The search grows a bounding box around the point (2, 4, 8, ... km) over the (county, lat, lng) index, so the cost
follows the outlets near the point, not the outlets in the county. It starts at the radius where the county's last
search settled and narrows what it found to where a search from 2 km would have stopped: one read where a county's
outlets lie a few radii from its villages, and the same choice and record as a search from 2 km.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, String, and_, bindparam, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database, UTCDateTime, after_transaction, utcnow
from services.kernel.reads import (
    Change,
    Read,
    change_alone,
    change_in,
    connection_of,
    outside_transaction,
    read_in,
)
from services.repair.models import Outlet, OutletCategory
from services.repair.schemas import Category, kinds_serving

log = logging.getLogger("bst.repair")

EARTH_RADIUS_KM = 6371.0088
FIRST_RADIUS_KM = 2.0
LAST_RADIUS_KM = 1024.0  # past any county of Yunnan
CANDIDATES_KEPT = 10


def great_circle_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class Candidate:
    outlet_id: str
    name: str
    distance_km: float
    open_tickets: int
    capacity: int
    verdict: str  # chosen | farther | at_capacity | excluded | inactive

    def as_dict(self) -> dict[str, object]:
        return {
            "outlet_id": self.outlet_id,
            "name": self.name,
            "distance_km": round(self.distance_km, 3),
            "open_tickets": self.open_tickets,
            "capacity": self.capacity,
            "verdict": self.verdict,
        }


@dataclass(frozen=True, slots=True)
class BoxAhead:
    """The outlets a search's first read finds (its `box` at `radius` around lat, lng), read ahead together with
    something else the report reads anyway (`county_facts`): the search then starts from these rows, one round trip
    fewer. Rows have at least the `OUTLET_COLUMNS`."""

    lat: float
    lng: float
    radius: float
    outlets: list[Any]


@dataclass(frozen=True, slots=True)
class Choice:
    outlet: Any  # an `OUTLET_COLUMNS` row (outlet_id, name, phone, lat, lng, capacity, open_tickets, active) or None
    distance_km: float | None
    candidates: list[Candidate]


def _qualifies(outlet: Any, excluded: set[str]) -> str | None:
    """None when the outlet can take the ticket, else why not."""
    if outlet.outlet_id in excluded:
        return "excluded"
    if not outlet.active:
        return "inactive"
    if outlet.open_tickets >= outlet.capacity:
        return "at_capacity"
    return None


OUTLET_COLUMNS = (
    Outlet.outlet_id,
    Outlet.name,
    Outlet.phone,
    Outlet.lat,
    Outlet.lng,
    Outlet.capacity,
    Outlet.open_tickets,
    Outlet.active,
)


def serving(category: Category, *columns: Any) -> Any:
    """The outlets of `:county` serving the category (with the right kind); statements built once per category."""
    kinds = sorted(k.value for k in kinds_serving(category))
    return (
        select(*columns)
        .select_from(Outlet)
        .join(
            OutletCategory,
            and_(
                OutletCategory.outlet_id == Outlet.outlet_id,
                OutletCategory.category == literal_column(f"'{category.value}'"),  # our enum's values
            ),
        )
        .where(
            Outlet.county == bindparam("county", type_=String()),
            Outlet.kind.in_([literal_column(f"'{kind}'") for kind in kinds]),  # our enum's values
        )
    )


class _Reads:
    """The dispatch rule's statements for one category, compiled once (`services.kernel.reads`)."""

    def __init__(self, category: Category) -> None:
        self.one = Read(serving(category, *OUTLET_COLUMNS).where(Outlet.outlet_id == bindparam("outlet_id")))
        self.box = Read(
            serving(category, *OUTLET_COLUMNS).where(
                Outlet.lat.between(bindparam("lat_lo", type_=Float()), bindparam("lat_hi", type_=Float())),
                Outlet.lng.between(bindparam("lng_lo", type_=Float()), bindparam("lng_hi", type_=Float())),
            )
        )


_READS: dict[Category, _Reads] = {}

# (county, category) → the radius its latest search settled at: where the next one starts (one read instead of
# one per radius while the county's outlets lie a few radii from its reports). A hint only: it changes no choice.
_SETTLED: dict[tuple[str, Category], float] = {}


def search_point(centre: Any, lat: float | None, lng: float | None) -> tuple[float, float]:
    """Where a ticket's search starts: the report's point, or its county's centre (`centre`) when it has none."""
    if lat is not None and lng is not None:
        return lat, lng
    return centre.lat, centre.lng


def start_radius(county: str, category: Category) -> float:
    """Where the county's next search for the category starts (a hint: see `_SETTLED`)."""
    return _SETTLED.get((county, category), FIRST_RADIUS_KM)


def box_of(lat: float, lng: float, radius: float) -> dict[str, float]:
    """The bounding box of a search radius around the point (the `box` read's parameters)."""
    dlat = radius / 111.32
    dlng = radius / (111.32 * max(0.1, math.cos(math.radians(lat))))
    return {"lat_lo": lat - dlat, "lat_hi": lat + dlat, "lng_lo": lng - dlng, "lng_hi": lng + dlng}


def _in_box(outlet: Any, box: dict[str, float]) -> bool:
    """What the `box` read's BETWEENs select, in Python."""
    return bool(box["lat_lo"] <= outlet.lat <= box["lat_hi"] and box["lng_lo"] <= outlet.lng <= box["lng_hi"])


def _qualifying(seen: dict[str, tuple[float, Any]], radius: float, excluded: set[str]) -> list[Any]:
    """(distance, open tickets, id, outlet) of the outlets seen that can take the ticket and lie within the radius:
    only those are certain to be nearer than anything outside the box."""
    return [
        (d, o.open_tickets, o.outlet_id, o)
        for d, o in seen.values()
        if d <= radius and _qualifies(o, excluded) is None
    ]


def _reads(category: Category) -> _Reads:
    found = _READS.get(category)
    if found is None:
        found = _READS[category] = _Reads(category)
    return found


async def nearest_qualifying_outlet(
    session: AsyncSession,
    *,
    county: str,
    category: Category,
    lat: float,
    lng: float,
    excluded: set[str],
    preferred: str | None = None,
    ahead: BoxAhead | None = None,
) -> Choice:
    """Pick the outlet for a ticket, and say which candidates were weighed and why they lost. `ahead`: the search's
    first read, already made (used when it was read for this point)."""
    reads, connection = _reads(category), await connection_of(session)
    if preferred:
        found = await read_in(connection, reads.one, county=county, outlet_id=preferred)
        outlet = found[0] if found else None
        if outlet is not None and _qualifies(outlet, excluded) is None:
            distance = great_circle_km(lat, lng, outlet.lat, outlet.lng)
            chosen = Candidate(
                outlet.outlet_id, outlet.name, distance, outlet.open_tickets, outlet.capacity, "chosen"
            )
            return Choice(outlet, distance, [chosen])
    key = (county, category)
    if ahead is not None and (ahead.lat, ahead.lng) != (lat, lng):
        ahead = None
    radius = ahead.radius if ahead is not None else start_radius(county, category)
    seen: dict[str, tuple[float, Any]] = {}
    while True:
        if ahead is not None:
            rows, ahead = ahead.outlets, None
        else:
            rows = await read_in(connection, reads.box, county=county, **box_of(lat, lng, radius))
        for outlet in rows:
            if outlet.outlet_id not in seen:
                seen[outlet.outlet_id] = (great_circle_km(lat, lng, outlet.lat, outlet.lng), outlet)
        qualifying = _qualifying(seen, radius, excluded)
        if qualifying or radius >= LAST_RADIUS_KM:
            break
        radius *= 2
    # Started past the first radius (where the county's last search settled), narrow what was found to where a
    # search from the first radius would have stopped: the choice and its record are the same either way, and the
    # search takes one read where the outlets lie a few radii away (it took one per radius: 2, 4, 8 km ...).
    narrower = FIRST_RADIUS_KM
    while qualifying and narrower < radius:
        box = box_of(lat, lng, narrower)
        inside = {k: (d, o) for k, (d, o) in seen.items() if _in_box(o, box)}
        found = _qualifying(inside, narrower, excluded)
        if found:
            seen, qualifying, radius = inside, found, narrower
            break
        narrower *= 2
    if qualifying:
        _SETTLED[key] = radius
    else:  # nothing can take it anywhere: the next search starts small again, not over the whole county
        _SETTLED.pop(key, None)
    ranked = sorted(seen.values(), key=lambda pair: (pair[0], pair[1].open_tickets))
    best = min(qualifying)[3] if qualifying else None
    candidates = []
    for distance, outlet in ranked[:CANDIDATES_KEPT]:
        verdict = "chosen" if outlet is best else (_qualifies(outlet, excluded) or "farther")
        candidates.append(
            Candidate(outlet.outlet_id, outlet.name, distance, outlet.open_tickets, outlet.capacity, verdict)
        )
    if best is not None and all(c.outlet_id != best.outlet_id for c in candidates):
        d = seen[best.outlet_id][0]
        candidates.append(Candidate(best.outlet_id, best.name, d, best.open_tickets, best.capacity, "chosen"))
    return Choice(best, seen[best.outlet_id][0] if best else None, candidates)


_TAKE = Change(
    update(Outlet)
    .where(Outlet.outlet_id == bindparam("outlet_id"), Outlet.open_tickets < Outlet.capacity)
    .values(open_tickets=Outlet.open_tickets + 1, updated_at=bindparam("now", type_=UTCDateTime()))
)


def _give_back(outlet_id: str):  # type: ignore[no-untyped-def]
    return (
        update(Outlet)
        .where(Outlet.outlet_id == outlet_id, Outlet.open_tickets > 0)
        .values(open_tickets=Outlet.open_tickets - 1)
    )


_GIVING_BACK: set[asyncio.Task[None]] = set()


async def take_capacity(session: AsyncSession, outlet_id: str, *, db: Database | None = None) -> bool:
    """Count one more open ticket on the outlet, only while it is below capacity (safe under concurrency).

    With a PostgreSQL `db`, committed at once: alone on the report's own connection while its deferred transaction
    has not begun (filing: `Database.transaction(deferred=True)`), else in a short transaction of its own
    (`Database.autonomous`). The outlet's row is locked for one statement, not for the whole report, so the
    reports of a county do not queue on their nearest outlet; if the report's transaction then does not commit,
    the slot is given back. (On SQLite every write transaction of a process takes its turn anyway, and the take
    stays in the report's transaction.) A new report's own filing takes the slot in the statement that writes the
    report instead, when it can (`ticket_writes.TicketWrites.take_with_the_rows`)."""
    if db is None or db.sqlite:
        return bool(await change_in(await connection_of(session), _TAKE, outlet_id=outlet_id, now=utcnow()))
    connection = await connection_of(session)
    if outside_transaction(connection):  # a deferred transaction not begun yet: its own connection, alone
        taken = bool(await change_alone(connection, _TAKE, outlet_id=outlet_id, now=utcnow()))
    else:
        async with db.autonomous() as conn:
            taken = bool(await change_in(conn, _TAKE, outlet_id=outlet_id, now=utcnow()))
    if taken:

        def ended(committed: bool) -> None:
            if not committed:
                task = asyncio.get_running_loop().create_task(_give_back_now(db, outlet_id))
                _GIVING_BACK.add(task)
                task.add_done_callback(_GIVING_BACK.discard)

        after_transaction(session, ended)
    return taken


async def _give_back_now(db: Database, outlet_id: str) -> None:
    try:
        async with db.autonomous() as conn:
            await conn.execute(_give_back(outlet_id))
    except Exception:  # the timers' reconciliation recounts the outlet's open tickets
        log.exception("could not give back a slot", extra={"outlet_id": outlet_id})


async def release_capacity(session: AsyncSession, outlet_id: str | None) -> None:
    if outlet_id:
        await session.execute(_give_back(outlet_id))
