"""Validators (property-tested against generated valid numbers), masks, column-name evidence."""

from __future__ import annotations

import doctest
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datacard.audit.pii import check, engine, mask, names, patterns, presidio, scan, validate
from datacard.audit.pii.mask import mask as mask_value
from datacard.audit.pii.names import column_hint
from datacard.audit.pii.validate import (
    IBAN_LENGTHS,
    birth_date_ok,
    card_brand,
    card_ok,
    iban_ok,
    luhn_ok,
    ssn_ok,
)

# -- Luhn and cards --------------------------------------------------------------------------


def luhn_complete(partial: str) -> str:
    """``partial`` with the Luhn check digit appended."""
    for check_digit in "0123456789":
        if luhn_ok(partial + check_digit):
            return partial + check_digit
    raise AssertionError("unreachable")


@given(st.text(string.digits, min_size=1, max_size=30))
def test_luhn_check_digit_is_unique(partial: str) -> None:
    number = luhn_complete(partial)
    assert sum(luhn_ok(partial + d) for d in string.digits) == 1
    assert luhn_ok(number)


@given(
    st.sampled_from([("4", 16), ("51", 16), ("2720", 16), ("34", 15), ("6011", 16), ("3528", 19)]),
    st.data(),
)
def test_generated_cards_validate(prefix_length: tuple[str, int], data: st.DataObject) -> None:
    prefix, length = prefix_length
    body = data.draw(
        st.text(string.digits, min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)
    )
    number = luhn_complete(prefix + body)
    assert card_ok(number) == card_brand(number) is not None
    # any single-digit change breaks the checksum
    pos = data.draw(st.integers(0, length - 1))
    other = data.draw(st.sampled_from([d for d in string.digits if d != number[pos]]))
    assert not luhn_ok(number[:pos] + other + number[pos + 1 :])


def test_card_networks() -> None:
    assert card_brand("4111111111111111") == "visa"
    assert card_brand("5555555555554444") == "mastercard"
    assert card_brand("378282246310005") == "amex"
    assert card_brand("30569309025904") == "diners"
    assert card_brand("6200000000000005") == "unionpay"
    assert card_brand("9780306406157") is None  # ISBN
    assert card_brand("411111111111") is None  # too short for Visa
    assert card_ok("4111111111111112") is None


# -- IBAN ------------------------------------------------------------------------------------


def iban_of(country: str, bban: str) -> str:
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


@given(st.sampled_from(sorted(IBAN_LENGTHS)), st.data())
def test_generated_ibans_validate(country: str, data: st.DataObject) -> None:
    length = IBAN_LENGTHS[country]
    alphabet = string.digits + string.ascii_uppercase
    bban = data.draw(st.text(alphabet, min_size=length - 4, max_size=length - 4))
    iban = iban_of(country, bban)
    assert iban_ok(iban)
    digits = [i for i in range(2, length) if iban[i].isdigit()]
    pos = data.draw(st.sampled_from(digits))
    other = data.draw(st.sampled_from([c for c in string.digits if c != iban[pos]]))
    assert not iban_ok(iban[:pos] + other + iban[pos + 1 :])  # mod 97 catches any digit change
    assert not iban_ok(iban + "0") and not iban_ok(iban[:-1])


def test_known_ibans() -> None:
    for iban in ("DE89370400440532013000", "GB82WEST12345698765432", "NO9386011117947"):
        assert iban_ok(iban)
    assert not iban_ok("de89370400440532013000")


# -- SSN, dates, secrets ---------------------------------------------------------------------


@given(st.integers(1, 899), st.integers(1, 99), st.integers(1, 9999))
def test_ssn_ranges(area: int, group: int, serial: int) -> None:
    ssn = f"{area:03d}-{group:02d}-{serial:04d}"
    expected = area != 666 and ssn.replace("-", "") not in validate.SSN_EXAMPLES
    assert ssn_ok(ssn) == expected


def test_ssn_invalid_parts() -> None:
    assert not ssn_ok("000-12-3456") and not ssn_ok("950-12-3456")
    assert not ssn_ok("123-00-4567") and not ssn_ok("123-45-0000")


def test_birth_dates() -> None:
    assert birth_date_ok("1990-03-05") and birth_date_ok("05.03.1990")
    assert birth_date_ok("12/31/1985") and birth_date_ok("31/12/1985")
    assert birth_date_ok("March 5, 1990") and birth_date_ok("5 mars 1990")
    assert not birth_date_ok("13/13/1990") and not birth_date_ok("Smarch 5, 1990")


def test_tokens_and_passwords() -> None:
    assert validate.token_ok("9fQ2xL7vR1mZ8kT4pW6s")
    assert not validate.token_ok("aaaaaaaaaaaaaaaaaaaa1")
    assert not validate.token_ok("your-api-key-here-123")
    assert validate.password_ok("Tr0ub4dor&3")
    assert not validate.password_ok("password") and not validate.password_ok("letmein")
    assert validate.jwt_ok("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")
    assert not validate.jwt_ok("eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")  # no alg


# -- masks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("email", "john.smith@example.com", "j***@e***.com"),
        ("payment-card", "4242424242424242", "**** **** **** 4242"),
        ("payment-card", "3782 822463 10005", "**** ****** *0005"),
        ("iban", "DE89370400440532013000", "DE** **** **** **** **30 00"),
        ("ssn", "536-22-8726", "***-**-8726"),
        ("ip-address", "192.168.1.20", "192.168.*.*"),
        ("ip-address", "2001:db8::1", "2001:db8:*"),
        ("url-credentials", "https://bob:pw123456@example.com", "https://b***:****@e***"),
        ("secret", "ghp_0123456789abcdefghijABCDEFGHIJ012345", "ghp_" + "*" * 33 + "345"),
        ("secret", "Tr0ub4dor&3", "********"),
        ("date-of-birth", "1990-03-05", "****-**-**"),
        ("phone", "+44 20 7946 0958", "+** ** **** **58"),
    ],
)
def test_masks(kind: str, value: str, masked: str) -> None:
    assert mask_value(kind, value, "password" if value == "Tr0ub4dor&3" else "") == masked
    assert value not in masked


@given(st.text(string.digits, min_size=13, max_size=19))
def test_card_mask_keeps_only_four_digits(digits: str) -> None:
    masked = mask_value("payment-card", digits)
    assert "".join(c for c in masked if c.isdigit()) == digits[-4:]


# -- column names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kinds", "anti", "personal"),
    [
        ("email", {"email"}, False, "e-mail address"),
        ("contactPhone", {"phone"}, False, "phone number"),
        ("mobile", {"phone"}, False, None),  # a hint, but too weak for a note
        ("date_of_birth", {"date-of-birth"}, False, "date of birth"),
        ("birth_place", set(), False, "place of birth"),
        ("birth_weight", set(), False, None),
        ("ssn", {"ssn"}, False, "social security number"),
        ("client_ip", {"ip-address"}, False, None),
        ("zip", set(), False, None),
        ("recipient", set(), False, None),
        ("api_key", {"secret"}, False, None),
        ("token", {"secret"}, False, None),
        ("order_id", set(), True, None),
        ("isbn13", set(), True, None),
        ("ISBN", set(), True, None),
        ("version", set(), True, None),
        ("full_name", set(), False, "personal name"),
        ("name", set(), False, None),
        ("mac_address", set(), False, None),
        ("street_address", set(), False, "postal address"),
    ],
)
def test_column_hints(name: str, kinds: set[str], anti: bool, personal: str | None) -> None:
    hint = column_hint(name)
    assert (set(hint.kinds), hint.anti, hint.personal) == (kinds, anti, personal)


def test_doctests() -> None:
    for module in (check, engine, mask, names, patterns, presidio, scan, validate):
        assert doctest.testmod(module).failed == 0, module.__name__
