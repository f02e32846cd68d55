"""Administrative divisions of Yunnan province (云南省行政区划) for the shared kernel.

The reference table ``data/yunnan_regions.csv`` beside this package holds one
row for the province (530000 云南省), its 16 prefecture-level divisions
(8 地级市 and 8 自治州) and its 129 county-level divisions (市辖区, 县级市, 县,
自治县), each with its 6-digit administrative division code (行政区划代码,
"adcode"), official name, parent and a centre point. See ``data/README.md``
for the sources and the date of the data.

Region scopes
-------------
A staff member's region scope is written as a code prefix:

* ``"53"`` -- the whole province;
* a 4-digit prefecture prefix such as ``"5301"`` (昆明市);
* a 6-digit county adcode such as ``"530102"`` (五华区).

The 6-digit forms of the province and the prefectures (``"530000"``,
``"530100"``) are accepted as well and normalised by :func:`scope_prefix` to
``"53"`` and ``"5301"``. Only regions present in the table are valid scopes;
anything else (other provinces, the virtual 市辖区 code ``"530101"``, ``"5300"``,
``" 53"`` ...) is rejected with :class:`ValueError`.

A region lies inside a scope when its prefix starts with the scope's prefix:
``530102`` is inside ``5301``, which is inside ``53``; a region is inside
itself; a prefecture is never inside one of its counties.

This module knows nothing beyond regions: it does not decide who may see what.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "LEVELS",
    "PROVINCE_ADCODE",
    "Region",
    "counties",
    "get",
    "is_valid_scope",
    "prefectures",
    "province",
    "region_contains",
    "scope_prefix",
]

PROVINCE_ADCODE = "530000"
"""The adcode of 云南省."""

LEVELS = ("province", "prefecture", "county")
"""The ``level`` values used in the table, from the top down."""

_DATA_PACKAGE = "services.kernel"
_DATA_PATH = ("data", "yunnan_regions.csv")
_FIELDS = ["adcode", "name", "level", "parent", "lat", "lng"]


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative division of Yunnan.

    Attributes:
        adcode: 6-digit administrative division code, e.g. ``"530102"``.
        name: full official name, e.g. ``"五华区"``.
        level: ``"province"``, ``"prefecture"`` or ``"county"``.
        parent: adcode of the enclosing division (``None`` for the province).
        lat: latitude of the centre point, in degrees (GCJ-02 as published).
        lng: longitude of the centre point, in degrees (GCJ-02 as published).
    """

    adcode: str
    name: str
    level: str
    parent: str | None
    lat: float
    lng: float

    @property
    def prefix(self) -> str:
        """The region's scope prefix: ``"53"``, ``"5301"`` or the county adcode."""
        return _prefix_of(self.adcode, self.level)


@dataclass(frozen=True, slots=True)
class _Table:
    regions: tuple[Region, ...]
    by_adcode: dict[str, Region]
    by_prefix: dict[str, Region]


def _prefix_of(adcode: str, level: str) -> str:
    if level == "province":
        return adcode[:2]
    if level == "prefecture":
        return adcode[:4]
    return adcode


def _parse_row(row: dict[str, str], line: int) -> Region:
    adcode = row["adcode"]
    level = row["level"]
    if len(adcode) != 6 or not adcode.isascii() or not adcode.isdigit():
        raise ValueError(f"yunnan_regions.csv line {line}: bad adcode {adcode!r}")
    if level not in LEVELS:
        raise ValueError(f"yunnan_regions.csv line {line}: bad level {level!r}")
    return Region(
        adcode=adcode,
        name=row["name"],
        level=level,
        parent=row["parent"] or None,
        lat=float(row["lat"]),
        lng=float(row["lng"]),
    )


@cache
def _table() -> _Table:
    """Read and index the CSV once per process."""
    resource = resources.files(_DATA_PACKAGE)
    for part in _DATA_PATH:
        resource = resource.joinpath(part)
    text = resource.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != _FIELDS:
        raise ValueError(f"yunnan_regions.csv: unexpected header {reader.fieldnames!r}")
    regions = tuple(_parse_row(row, line) for line, row in enumerate(reader, start=2))
    by_adcode: dict[str, Region] = {}
    for region in regions:
        if region.adcode in by_adcode:
            raise ValueError(f"yunnan_regions.csv: duplicate adcode {region.adcode}")
        by_adcode[region.adcode] = region
    by_prefix = {region.prefix: region for region in regions}
    return _Table(
        regions=tuple(sorted(regions, key=lambda r: r.adcode)),
        by_adcode=by_adcode,
        by_prefix=by_prefix,
    )


def _lookup(code: object) -> Region | None:
    """Find a region from a 6-digit adcode or a scope prefix (2, 4 or 6 digits)."""
    if not isinstance(code, str) or not code.isascii() or not code.isdigit():
        return None
    table = _table()
    if len(code) == 6:
        return table.by_adcode.get(code)
    if len(code) in (2, 4):
        return table.by_prefix.get(code)
    return None


def get(adcode: str) -> Region | None:
    """Return the region with this adcode, or ``None`` if Yunnan has no such region.

    ``adcode`` is a 6-digit code (``"530102"``, ``"530100"``, ``"530000"``); the
    short scope forms ``"53"`` and ``"5301"`` are looked up too.
    """
    return _lookup(adcode)


def province() -> Region:
    """Return the province itself (530000 云南省)."""
    return _table().by_adcode[PROVINCE_ADCODE]


def prefectures() -> list[Region]:
    """Return the 16 prefecture-level divisions, ordered by adcode."""
    return [r for r in _table().regions if r.level == "prefecture"]


def counties(within: str | None = None) -> list[Region]:
    """Return county-level divisions ordered by adcode.

    Args:
        within: ``None`` for all 129 counties of the province, or a scope in any
            accepted form (``"53"``, ``"5301"``, ``"530100"``, ``"530102"``...);
            only the counties inside that scope are returned (a county scope
            yields just that county).

    Raises:
        ValueError: ``within`` is not a known region of Yunnan.
    """
    prefix = "53" if within is None else scope_prefix(within)
    return [r for r in _table().regions if r.level == "county" and r.adcode.startswith(prefix)]


def scope_prefix(scope: str) -> str:
    """Normalise a region scope to its prefix form.

    ``"53"`` and ``"530000"`` give ``"53"``; ``"5301"`` and ``"530100"`` give
    ``"5301"``; a county adcode such as ``"530102"`` is returned unchanged.

    Raises:
        ValueError: ``scope`` is not a known region of Yunnan (wrong length,
            non-digits, surrounding spaces, another province, an unknown code).
    """
    region = _lookup(scope)
    if region is None:
        raise ValueError(f"not a region scope of Yunnan: {scope!r}")
    return region.prefix


def is_valid_scope(scope: str) -> bool:
    """Return whether ``scope`` is a known region of Yunnan in an accepted form."""
    return _lookup(scope) is not None


def region_contains(scope: str, adcode: str) -> bool:
    """Return whether the region ``adcode`` lies inside ``scope``.

    Both arguments may name a region at any level, in 6-digit or prefix form.
    A region is inside itself. ``"530102"`` is inside ``"5301"`` and ``"53"``
    but not inside ``"5302"``; a prefecture is not inside one of its counties.
    An ``adcode`` that is not a known region of Yunnan is inside no scope.

    Raises:
        ValueError: ``scope`` is not a known region of Yunnan.
    """
    outer = scope_prefix(scope)
    inner = _lookup(adcode)
    return inner is not None and inner.prefix.startswith(outer)
