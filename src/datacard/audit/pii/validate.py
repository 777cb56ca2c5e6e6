"""Validators: a candidate is reported only when its checksum, range or registry says it is real.

>>> luhn_ok("4242424242424242"), luhn_ok("4242424242424241")
(True, False)
>>> card_brand("4242424242424242"), card_brand("9780306406157")
('visa', None)
>>> iban_ok("DE89370400440532013000"), iban_ok("DE89370400440532013001")
(True, False)
>>> ssn_ok("536-22-8726"), ssn_ok("666-22-8726"), ssn_ok("536-00-8726")
(True, False, False)
>>> ip_class("192.168.0.7"), ip_class("8.8.8.8"), ip_class("1.2.3.999")
('private', 'public', None)
>>> phone_region("+14155552671", ()), phone_region("4155552671", ("US",))
('US', 'US')
>>> birth_date_ok("1984-02-29"), birth_date_ok("1985-02-29"), birth_date_ok("03/05/1890")
(True, False, False)
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import json
import math
import re
from collections import Counter

import phonenumbers

# -- payment cards ---------------------------------------------------------------------------

#: (brand, IIN prefix range as inclusive (low, high) on the first ``len(low)`` digits, lengths).
CARD_RANGES: tuple[tuple[str, str, str, frozenset[int]], ...] = (
    ("visa", "4", "4", frozenset({13, 16, 19})),
    ("mastercard", "51", "55", frozenset({16})),
    ("mastercard", "2221", "2720", frozenset({16})),
    ("amex", "34", "34", frozenset({15})),
    ("amex", "37", "37", frozenset({15})),
    ("discover", "6011", "6011", frozenset(range(16, 20))),
    ("discover", "644", "649", frozenset(range(16, 20))),
    ("discover", "65", "65", frozenset(range(16, 20))),
    ("jcb", "3500", "3599", frozenset(range(16, 20))),
    ("jcb", "2131", "2131", frozenset({15})),
    ("jcb", "1800", "1800", frozenset({15})),
    ("diners", "300", "305", frozenset(range(14, 20))),
    ("diners", "36", "36", frozenset(range(14, 20))),
    ("diners", "38", "39", frozenset(range(14, 20))),
    ("unionpay", "62", "62", frozenset(range(16, 20))),
    ("maestro", "5018", "5018", frozenset(range(12, 20))),
    ("maestro", "5020", "5020", frozenset(range(12, 20))),
    ("maestro", "5038", "5038", frozenset(range(12, 20))),
    ("maestro", "5893", "5893", frozenset(range(12, 20))),
    ("maestro", "6304", "6304", frozenset(range(12, 20))),
    ("maestro", "6759", "6759", frozenset(range(12, 20))),
    ("maestro", "6761", "6763", frozenset(range(12, 20))),
    ("mir", "2200", "2204", frozenset(range(16, 20))),
)
#: Digit-group lengths a card number is written in when it has separators.
CARD_GROUPS: frozenset[tuple[int, ...]] = frozenset(
    {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1), (4, 4, 4, 2), (4, 4, 4, 3)}
)


def luhn_ok(digits: str) -> bool:
    """Whether a string of digits passes the Luhn (mod 10) check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The card network of a digit string by IIN range and length, or None."""
    n = len(digits)
    for brand, low, high, lengths in CARD_RANGES:
        if n in lengths and low <= digits[: len(low)] <= high:
            return brand
    return None


def card_ok(digits: str) -> str | None:
    """The brand when ``digits`` is a valid card number (IIN, length, Luhn), else None."""
    brand = card_brand(digits)
    return brand if brand is not None and luhn_ok(digits) else None


# -- IBAN ------------------------------------------------------------------------------------

#: Country code -> IBAN length (SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BI": 27,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DJ": 27,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FK": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HN": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "LY": 25,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MN": 20,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NI": 28,
    "NL": 18,
    "NO": 15,
    "OM": 23,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "RU": 33,
    "SA": 24,
    "SC": 31,
    "SD": 18,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "SO": 23,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
    "YE": 30,
}


def iban_ok(compact: str) -> bool:
    """Whether an IBAN without spaces has its country's length and passes ISO 7064 mod 97-10."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    if not compact.isascii() or not compact.isalnum() or compact != compact.upper():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


# -- US social security numbers --------------------------------------------------------------

#: Numbers published as examples (on a wallet insert, in documentation): never real.
SSN_EXAMPLES = frozenset({"078051120", "219099999", "123456789", "457555462"})


def ssn_ok(text: str) -> bool:
    """Whether 9 digits (dashes or spaces allowed) are an SSN the SSA could have issued:
    area not 000, 666 or 900-999, group not 00, serial not 0000, not a published example."""
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) != 9 or not digits.isdigit() or digits in SSN_EXAMPLES:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in {"000", "666"} or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return len(set(digits)) > 1


# -- IP addresses ----------------------------------------------------------------------------


def ip_class(text: str) -> str | None:
    """``public``, ``private``, ``loopback``, ``link-local``, ``multicast`` or ``reserved``
    for a valid IPv4/IPv6 address, else None."""
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if addr.is_multicast:
        return "multicast"
    if addr.is_unspecified or addr.is_reserved:
        return "reserved"
    if addr.is_private:
        return "private"
    return "public"


# -- phone numbers ---------------------------------------------------------------------------


#: Regions of the North American numbering plan (national numbers never start with 0).
_NANP = frozenset({"US", "CA"})


def phone_region(text: str, regions: tuple[str, ...]) -> str | None:
    """The region of a valid phone number: ``+CC`` numbers need no region, national numbers
    are tried against ``regions`` in order. None when no reading is valid."""
    text = text.strip()
    tries: tuple[str | None, ...] = (None,) if text.startswith("+") else regions
    if text[:1] == "0" or text[:2] == "(0":  # a trunk prefix: not a North American number
        tries = tuple(r for r in tries if r not in _NANP)
    for region in tries:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.region_code_for_number(number) or region or "international"
    return None


# -- dates of birth --------------------------------------------------------------------------

_NUMERIC_DATE = re.compile(
    r"(?P<a>\d{1,4})(?P<s>[-/. ])(?P<b>\d{1,2})(?P=s)(?P<c>\d{1,4})(?:[T ]\d{1,2}:\d{2}.*)?"
)
MONTHS: dict[str, int] = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january", "janvier", "januar", "enero"),
            ("feb", "february", "fevrier", "février", "februar", "febrero"),
            ("mar", "march", "mars", "märz", "marz", "marzo"),
            ("apr", "april", "avril", "abril"),
            ("may", "mai", "mayo"),
            ("jun", "june", "juin", "juni", "junio"),
            ("jul", "july", "juillet", "juli", "julio"),
            ("aug", "august", "août", "aout", "agosto"),
            ("sep", "sept", "september", "septembre", "septiembre"),
            ("oct", "october", "octobre", "oktober", "octubre"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "décembre", "decembre", "dezember", "diciembre"),
        ),
        1,
    )
    for name in names
}
_WORD_DATE = re.compile(
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\.?(?: of)? (?P<m1>[^\W\d]+)\.?,? (?P<y1>\d{4})"
    r"|(?P<m2>[^\W\d]+)\.? (?P<d2>\d{1,2})(?:st|nd|rd|th)?,? (?P<y2>\d{4}))",
    re.IGNORECASE,
)
#: Oldest plausible birth year.
MIN_BIRTH_YEAR = 1900


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _plausible(day: dt.date | None) -> bool:
    return day is not None and day.year >= MIN_BIRTH_YEAR and day <= dt.date.today()


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # two-digit years: the latest past year with those digits
        this = dt.date.today().year
        year += 100 * (this // 100)
        if year > this:
            year -= 100
    return year


def birth_date_ok(text: str) -> bool:
    """Whether ``text`` is a calendar date that can be a birth date (1900 to today).

    Numeric forms: ``YYYY-MM-DD`` (also ``/`` and ``.``), ``DD/MM/YYYY`` or ``MM/DD/YYYY`` (either
    reading valid), two-digit years; word forms: ``5 March 1990``, ``March 5, 1990``.
    """
    m = _NUMERIC_DATE.fullmatch(text.strip())
    if m is not None:
        a, b, c = m["a"], m["b"], m["c"]
        if len(a) == 4 and len(c) <= 2:
            return _plausible(_date(int(a), int(b), int(c)))
        if len(a) <= 2 and len(c) in (2, 4):
            year = _year(c)
            return _plausible(_date(year, int(b), int(a))) or _plausible(
                _date(year, int(a), int(b))
            )
        return False
    w = _WORD_DATE.fullmatch(text.strip())
    if w is None:
        return False
    month = MONTHS.get((w["m1"] or w["m2"]).lower())
    if month is None:
        return False
    return _plausible(_date(int(w["y1"] or w["y2"]), month, int(w["d1"] or w["d2"])))


# -- secrets ---------------------------------------------------------------------------------


def entropy(text: str) -> float:
    """Shannon entropy in bits per character.

    >>> round(entropy("aaaa"), 2), round(entropy("abcd"), 2)
    (0.0, 2.0)
    """
    n = len(text)
    if not n:
        return 0.0
    return max(0.0, -sum(c / n * math.log2(c / n) for c in Counter(text).values()))


_PLACEHOLDER = re.compile(
    r"(?i:(?<![a-z0-9])(?:example|sample|dummy|placeholder|redacted|changeme|your|here|insert|"
    r"replace|test|fake|secret|token|password|passwd|null|none|undefined|todo|tbd)(?![a-z0-9]))"
    r"|(?i:example|placeholder|redacted|changeme)|xxxx|XXXX|\*{3}|\.{3}|<|>|\$\{|\{\{|%\("
)


def example_key(text: str) -> bool:
    """Whether a key with a known prefix is a documentation example (``...EXAMPLE``, ``XXXX``).

    >>> example_key("AKIAIOSFODNN7EXAMPLE"), example_key("AKIA2E0A8F3B244C9986")
    (True, False)
    """
    upper = text.upper()
    return "EXAMPLE" in upper or "XXXX" in upper or "0000000" in upper or len(set(upper)) < 6


def placeholder(text: str) -> bool:
    """Whether a would-be secret is a template value (``<token>``, ``${KEY}``, ``xxxx``...)."""
    return _PLACEHOLDER.search(text) is not None or len(set(text.lower())) < 5


def token_ok(text: str) -> bool:
    """A random-looking token: ≥ 16 chars, letters and digits, ≥ 3.3 bits/char, no template.

    >>> token_ok("9fQ2xL7vR1mZ8kT4pW6s"), token_ok("configuration_file")
    (True, False)
    """
    if len(text) < 16 or placeholder(text):
        return False
    if not any(c.isdigit() for c in text) or not any(c.isalpha() for c in text):
        return False
    return entropy(text) >= 3.3


def password_ok(text: str) -> bool:
    """A value after ``password=``: ≥ 8 chars, not a template, not a plain word
    (a digit, a symbol or mixed case), and not a variable or function name."""
    if len(text) < 8 or placeholder(text):
        return False
    if text.isalpha() and (text.islower() or text.isupper()):
        return False
    return not re.fullmatch(r"[a-z_][a-z_]*\(?\)?|[A-Z_]+|[a-z]+[A-Z]\w*", text)


def jwt_ok(text: str) -> bool:
    """Whether ``text`` is ``header.payload.signature`` with a JSON header naming ``alg``."""
    parts = text.split(".")
    if len(parts) != 3 or len(parts[2]) < 8:
        return False
    head = parts[0] + "=" * (-len(parts[0]) % 4)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(head))
    except (binascii.Error, ValueError):
        return False
    return isinstance(decoded, dict) and "alg" in decoded
