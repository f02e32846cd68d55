"""Tests for Yunnan's administrative divisions (services.kernel.regions).

Expected counts are the official ones (民政部 行政区划, as of 2024-2025):
16 prefecture-level divisions and 129 county-level divisions.
"""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from importlib import resources

import pytest

from services.kernel import regions
from services.kernel.regions import (
    Region,
    counties,
    get,
    is_valid_scope,
    prefectures,
    province,
    region_contains,
    scope_prefix,
)

# Official number of county-level divisions per prefecture-level division.
COUNTIES_PER_PREFECTURE = {
    "530100": ("昆明市", 14),
    "530300": ("曲靖市", 9),
    "530400": ("玉溪市", 9),
    "530500": ("保山市", 5),
    "530600": ("昭通市", 11),
    "530700": ("丽江市", 5),
    "530800": ("普洱市", 10),
    "530900": ("临沧市", 8),
    "532300": ("楚雄彝族自治州", 10),
    "532500": ("红河哈尼族彝族自治州", 13),
    "532600": ("文山壮族苗族自治州", 8),
    "532800": ("西双版纳傣族自治州", 3),
    "532900": ("大理白族自治州", 12),
    "533100": ("德宏傣族景颇族自治州", 5),
    "533300": ("怒江傈僳族自治州", 4),
    "533400": ("迪庆藏族自治州", 3),
}

# Yunnan's extent, generous by a few kilometres.
LAT_RANGE = (21.1, 29.3)
LNG_RANGE = (97.5, 106.2)


def _csv_rows() -> list[dict[str, str]]:
    text = (
        resources.files("services.kernel")
        .joinpath("data")
        .joinpath("yunnan_regions.csv")
        .read_text(encoding="utf-8")
    )
    return list(csv.DictReader(text.splitlines()))


# --- the data file ---------------------------------------------------------------------------------------


def test_csv_header_and_row_count() -> None:
    rows = _csv_rows()
    assert list(rows[0]) == ["adcode", "name", "level", "parent", "lat", "lng"]
    assert len(rows) == 1 + 16 + 129
    assert Counter(r["level"] for r in rows) == {"province": 1, "prefecture": 16, "county": 129}


def test_adcodes_unique_six_digits() -> None:
    rows = _csv_rows()
    codes = [r["adcode"] for r in rows]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == 6 and code.isascii() and code.isdigit(), code
        assert code.startswith("53"), code


def test_names_unique_and_clean() -> None:
    names = [r["name"] for r in _csv_rows()]
    assert len(set(names)) == len(names)
    assert all(name and name == name.strip() for name in names)


def test_hierarchy_and_parent_prefixes() -> None:
    by_code = {r["adcode"]: r for r in _csv_rows()}
    for code, row in by_code.items():
        if row["level"] == "province":
            assert code == "530000"
            assert row["parent"] == ""
        elif row["level"] == "prefecture":
            assert code.endswith("00") and not code.endswith("0000")
            assert row["parent"] == "530000"
        else:
            assert row["level"] == "county"
            assert not code.endswith("00")
            assert row["parent"] == code[:4] + "00"
            assert by_code[row["parent"]]["level"] == "prefecture"


def test_coordinates_inside_yunnan() -> None:
    for row in _csv_rows():
        lat, lng = float(row["lat"]), float(row["lng"])
        assert LAT_RANGE[0] <= lat <= LAT_RANGE[1], row
        assert LNG_RANGE[0] <= lng <= LNG_RANGE[1], row
        # at least 4 decimals as published
        assert len(row["lat"].split(".")[1]) >= 4 and len(row["lng"].split(".")[1]) >= 4, row


def test_counties_lie_near_their_prefecture() -> None:
    # A sanity check against swapped lat/lng or a point filed under the wrong prefecture:
    # no county seat of Yunnan is more than ~2.1 degrees from its prefecture's centre.
    for county in counties():
        parent = get(county.parent or "")
        assert parent is not None
        assert abs(county.lat - parent.lat) < 2.1 and abs(county.lng - parent.lng) < 2.1, county


# --- the loader ------------------------------------------------------------------------------------------


def test_province() -> None:
    p = province()
    assert p == Region("530000", "云南省", "province", None, p.lat, p.lng)
    assert p.prefix == "53"
    assert 24.5 < p.lat < 25.5 and 102.3 < p.lng < 103.2  # Kunming


def test_prefectures() -> None:
    prefs = prefectures()
    assert len(prefs) == 16
    assert {p.adcode: p.name for p in prefs} == {
        code: name for code, (name, _) in COUNTIES_PER_PREFECTURE.items()
    }
    assert [p.adcode for p in prefs] == sorted(p.adcode for p in prefs)
    assert all(p.level == "prefecture" and p.parent == "530000" for p in prefs)
    assert sum(name.endswith("市") for _, (name, _) in COUNTIES_PER_PREFECTURE.items()) == 8
    assert sum(name.endswith("自治州") for _, (name, _) in COUNTIES_PER_PREFECTURE.items()) == 8


def test_counties_total() -> None:
    all_counties = counties()
    assert len(all_counties) == 129
    assert len({c.adcode for c in all_counties}) == 129
    assert [c.adcode for c in all_counties] == sorted(c.adcode for c in all_counties)
    assert counties("53") == all_counties
    assert counties("530000") == all_counties


@pytest.mark.parametrize(("adcode", "expected"), COUNTIES_PER_PREFECTURE.items())
def test_counties_per_prefecture(adcode: str, expected: tuple[str, int]) -> None:
    name, count = expected
    assert get(adcode) is not None and get(adcode).name == name  # type: ignore[union-attr]
    within = counties(adcode)
    assert len(within) == count
    assert counties(adcode[:4]) == within
    assert all(c.parent == adcode and c.adcode.startswith(adcode[:4]) for c in within)


def test_counties_within_a_county_is_that_county() -> None:
    assert [c.name for c in counties("530102")] == ["五华区"]


@pytest.mark.parametrize("bad", ["", "5302", "5300", "110000", "530101", "5301x", 530100])
def test_counties_within_unknown_scope_raises(bad: object) -> None:
    with pytest.raises(ValueError):
        counties(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("adcode", "name", "parent"),
    [
        ("530102", "五华区", "530100"),
        ("530115", "晋宁区", "530100"),
        ("530181", "安宁市", "530100"),
        ("530304", "马龙区", "530300"),
        ("530481", "澄江市", "530400"),
        ("530502", "隆阳区", "530500"),
        ("530581", "腾冲市", "530500"),
        ("530681", "水富市", "530600"),
        ("530723", "华坪县", "530700"),
        ("532302", "禄丰市", "532300"),
        ("532503", "蒙自市", "532500"),
        ("532504", "弥勒市", "532500"),
        ("532625", "马关县", "532600"),
        ("532801", "景洪市", "532800"),
        ("533102", "瑞丽市", "533100"),
        ("533103", "芒市", "533100"),
        ("533301", "泸水市", "533300"),
        ("533401", "香格里拉市", "533400"),
    ],
)
def test_known_counties(adcode: str, name: str, parent: str) -> None:
    region = get(adcode)
    assert region is not None
    assert (region.name, region.level, region.parent) == (name, "county", parent)
    assert region.prefix == adcode


@pytest.mark.parametrize(
    "gone",
    [
        "530122",  # 晋宁县 -> 晋宁区 530115 (2016)
        "530321",  # 马龙县 -> 马龙区 530304 (2018)
        "530422",  # 澄江县 -> 澄江市 530481 (2019)
        "530630",  # 水富县 -> 水富市 530681 (2018)
        "532331",  # 禄丰县 -> 禄丰市 532302 (2021)
        "533321",  # 泸水县 -> 泸水市 533301 (2016)
        "530101",  # 市辖区 (virtual, not a region)
    ],
)
def test_superseded_codes_are_unknown(gone: str) -> None:
    assert get(gone) is None
    assert not is_valid_scope(gone)


def test_get_accepts_prefix_forms_and_rejects_garbage() -> None:
    assert get("53") == province()
    assert get("5301") == get("530100")
    assert get("5301").name == "昆明市"  # type: ignore[union-attr]
    for bad in ["", "5", "530", "53010", "5301020", "5302", "110101", " 530102", "５３０１０２", "abcdef"]:
        assert get(bad) is None, bad
    assert get(530102) is None  # type: ignore[arg-type]


def test_region_is_frozen() -> None:
    region = get("530102")
    assert region is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        region.name = "x"  # type: ignore[misc]


def test_loader_reads_file_once() -> None:
    assert regions._table() is regions._table()
    assert prefectures() is not prefectures()  # callers get their own lists


# --- scopes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "prefix"),
    [
        ("53", "53"),
        ("530000", "53"),
        ("5301", "5301"),
        ("530100", "5301"),
        ("5334", "5334"),
        ("533400", "5334"),
        ("530102", "530102"),
        ("533423", "533423"),
    ],
)
def test_scope_prefix(scope: str, prefix: str) -> None:
    assert scope_prefix(scope) == prefix
    assert is_valid_scope(scope)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "5",
        "52",  # 贵州
        "520000",
        "5300",
        "5302",  # no such prefecture in Yunnan
        "530200",
        "5310",
        "530101",
        "530199",
        "53010",
        "5301020",
        " 5301",
        "5301 ",
        "53 ",
        "５３",  # full-width digits
        "53a1",
        None,
        53,
        5301,
    ],
)
def test_scope_prefix_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        scope_prefix(bad)  # type: ignore[arg-type]
    assert not is_valid_scope(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scope", "adcode"),
    [
        ("53", "530102"),
        ("530000", "530102"),
        ("5301", "530102"),
        ("530100", "530102"),
        ("530102", "530102"),
        ("53", "5301"),
        ("53", "530100"),
        ("53", "53"),
        ("53", "530000"),
        ("5301", "5301"),
        ("5301", "530100"),
        ("530100", "5301"),
        ("5334", "533401"),
        ("5328", "532801"),
    ],
)
def test_region_contains(scope: str, adcode: str) -> None:
    assert region_contains(scope, adcode)


@pytest.mark.parametrize(
    ("scope", "adcode"),
    [
        ("5303", "530102"),  # another prefecture
        ("530300", "530102"),
        ("5301", "530302"),
        ("530102", "530103"),  # sibling county
        ("530102", "5301"),  # a prefecture is not inside one of its counties
        ("530102", "530100"),
        ("5301", "53"),  # the province is not inside a prefecture
        ("5301", "530000"),
        ("530102", "53"),
        ("53", "5302"),  # unknown regions are inside nothing
        ("53", "530101"),
        ("53", "110101"),
        ("53", ""),
        ("53", "5301020"),
    ],
)
def test_region_not_contained(scope: str, adcode: str) -> None:
    assert not region_contains(scope, adcode)


@pytest.mark.parametrize("bad_scope", ["5302", "5300", "", "110000", "530101"])
def test_region_contains_rejects_invalid_scope(bad_scope: str) -> None:
    with pytest.raises(ValueError):
        region_contains(bad_scope, "530102")


def test_every_county_is_inside_its_prefecture_and_only_there() -> None:
    prefs = prefectures()
    for county in counties():
        assert region_contains("53", county.adcode)
        inside = [p.adcode for p in prefs if region_contains(p.adcode, county.adcode)]
        assert inside == [county.parent]
        assert not region_contains(county.adcode, county.parent or "")
