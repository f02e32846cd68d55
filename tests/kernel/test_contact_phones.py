"""Contact phones of a report: a mobile, or a mainland landline with its area code, validated strictly; only a
mobile is texted, and a landline is masked keeping its area code."""

from __future__ import annotations

import pytest

from services.kernel.validators import is_mobile, mask_phone, normalize_contact_phone


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("13912345678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0871-12345678", "0871-12345678"),
        ("087112345678", "0871-12345678"),
        ("0691-2123456", "0691-2123456"),
        ("06912123456", "0691-2123456"),
        ("010-62345678", "010-62345678"),
        ("(021) 62345678", "021-62345678"),
        ("+86-871-65123456", "0871-65123456"),
    ],
)
def test_mobiles_and_landlines_with_area_codes_are_accepted(given, stored):
    assert normalize_contact_phone(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "12345678",  # no area code
        "0871-01234567",  # a local number never starts with 0
        "0871-123456",  # too short
        "0871-123456789",  # too long
        "010-2345678",  # a 3-digit area code has 8-digit numbers
        "0171-12345678",  # no such area code
        "0871-1234-5678",  # two dashes
        "0871-1234567x",
        "12345",
        "",
    ],
)
def test_anything_else_is_refused_in_chinese(given):
    with pytest.raises(ValueError, match="带区号的固定电话"):
        normalize_contact_phone(given)


def test_only_mobiles_are_texted_and_landlines_keep_their_area_code_when_masked():
    assert is_mobile("13912345678") and not is_mobile("0871-12345678")
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("0871-12345678") == "0871-****5678"
    assert mask_phone("0691-2123456") == "0691-****3456"
