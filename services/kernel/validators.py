"""Constrained types defined once: phone numbers, region adcodes and scopes, ID numbers, credit codes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from services.kernel import regions

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_phone(value: str) -> str:
    """A mainland mobile number as 11 digits; accepts spaces, dashes and a +86/0086 prefix."""
    digits = re.sub(r"[\s-]", "", value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not _MOBILE.match(digits):
        raise ValueError("not a mainland China mobile number (11 digits starting with 13-19)")
    return digits


# a mainland landline: a 3-digit area code (010, 020-029) with an 8-digit number, or a 4-digit one (03xx-09xx)
# with a 7- or 8-digit number; a local number never starts with 0 (the trunk prefix)
_LANDLINE = re.compile(r"^(0(?:10|2\d))-?([1-9]\d{7})$|^(0[3-9]\d{2})-?([1-9]\d{6,7})$")


def normalize_landline(value: str) -> str:
    """A mainland landline with its area code as `0871-12345678`; accepts spaces, a dash, +86/0086 and (0871)."""
    digits = re.sub(r"[\s()]", "", value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = "0" + digits[len(prefix) :].lstrip("-")
    match = _LANDLINE.match(digits)
    if match is None or digits.count("-") > 1:
        raise ValueError(
            "not a mainland China landline with its area code (such as 0871-12345678 or 010-12345678)"
        )
    area, number = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{area}-{number}"


def normalize_contact_phone(value: str) -> str:
    """A mobile (11 digits) or a landline with its area code (`0871-12345678`): a number to call a resident on."""
    try:
        return normalize_phone(value)
    except ValueError:
        pass
    try:
        return normalize_landline(value)
    except ValueError:
        raise ValueError("应为手机号（11位，1开头）或带区号的固定电话（如 0871-12345678）") from None


def is_mobile(phone: str) -> bool:
    """Whether a stored number is a mobile (only mobiles receive SMS)."""
    return bool(_MOBILE.match(phone))


def mask_phone(phone: str) -> str:
    """138****5678; a landline keeps its area code: 0871-****5678."""
    if len(phone) == 11 and is_mobile(phone):
        return f"{phone[:3]}****{phone[-4:]}"
    area, dash, number = phone.partition("-")
    if dash and len(number) >= 7:
        return f"{area}-****{number[-4:]}"
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else "****"


def validate_id_number(value: str) -> str:
    """A resident ID number (GB 11643-1999): 18 characters, a real birth date, the right check character."""
    number = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValueError("an ID number has 17 digits and a check digit or X")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValueError("the birth date inside the ID number does not exist") from exc
    if not dt.date(1900, 1, 1) <= birth <= dt.date.today():
        raise ValueError("the birth date inside the ID number is out of range")
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17]:
        raise ValueError("the ID number's check digit is wrong")
    return number


def mask_id_number(number: str) -> str:
    return f"{number[:3]}***********{number[-4:]}"


def validate_credit_code(value: str) -> str:
    """A unified social credit code (统一社会信用代码, GB 32100-2015) with its check character."""
    code = value.strip().upper()
    if len(code) != 18 or any(c not in _CREDIT_CHARS for c in code):
        raise ValueError("a unified social credit code has 18 characters from 0-9 and A-Y (no I, O, S, V, Z)")
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    if _CREDIT_CHARS[(31 - total % 31) % 31] != code[17]:
        raise ValueError("the credit code's check character is wrong")
    return code


def validate_county(value: str) -> str:
    region = regions.get(value)
    if region is None or region.level != "county":
        raise ValueError("not a county adcode of Yunnan")
    return value


def validate_scope(value: str) -> str:
    if not regions.is_valid_scope(value):
        raise ValueError(
            "a region scope is 53, a prefecture prefix such as 5301, or a county adcode such as 530102"
        )
    return regions.scope_prefix(value)


Phone = Annotated[str, StringConstraints(max_length=20), AfterValidator(normalize_phone)]
ContactPhone = Annotated[str, StringConstraints(max_length=20), AfterValidator(normalize_contact_phone)]
IdNumber = Annotated[str, StringConstraints(max_length=20), AfterValidator(validate_id_number)]
CreditCode = Annotated[str, StringConstraints(max_length=20), AfterValidator(validate_credit_code)]
CountyCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$"), AfterValidator(validate_county)]
RegionScope = Annotated[str, StringConstraints(pattern=r"^\d{2,6}$"), AfterValidator(validate_scope)]
