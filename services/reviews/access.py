"""Who may act on a case: the person served, the responsible unit's staff, the region's supervisors.

- The responsible unit (责任单位): for a repair ticket the assignee outlet (an `outlet_technician` whose token names
  that outlet); for an application or a window visit the department (`department_staff` of that department whose
  region covers the case); for a mini-app use the app's developer (`app_developer` of the app's department).
- Supervisors (监督): `county_admin` whose region covers the case's county (the county's 政务服务 supervisor) and
  `platform_admin` anywhere. They decide disputes and appeals and receive the overdue escalations.
A delegated token (an agent acting for a resident) is never staff."""

from __future__ import annotations

from services.kernel.auth import Principal, in_region
from services.reviews.models import ServedCase

SUPERVISOR_ROLES = ("county_admin", "platform_admin")


def is_supervisor(principal: Principal, region: str) -> bool:
    if principal.anonymous or principal.actor is not None:
        return False
    if "platform_admin" in principal.roles:
        return True
    return "county_admin" in principal.roles and in_region(principal, region)


def is_unit_staff(principal: Principal, *, unit_kind: str, unit: str, department: str, region: str) -> bool:
    """Whether the caller acts for the responsible unit of a case."""
    if principal.anonymous or principal.actor is not None:
        return False
    claims = principal.claims
    if unit_kind == "outlet":
        return "outlet_technician" in principal.roles and claims.get("outlet") == unit
    if unit_kind == "mini_app":
        return (
            "app_developer" in principal.roles and bool(department) and claims.get("department") == department
        )
    return (
        bool(principal.roles.intersection({"department_staff", "window_staff"}))
        and claims.get("department") == department
        and in_region(principal, region)
    )


def served_case(principal: Principal, case: ServedCase) -> bool:
    """Whether the caller served this case (its staff, or staff of its responsible unit)."""
    return principal.sub == case.served_by or is_unit_staff(
        principal, unit_kind=case.unit_kind, unit=case.unit, department=case.department, region=case.region
    )
