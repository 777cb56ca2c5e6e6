"""Column-name evidence: what a column's name says about its values.

A name such as ``phone`` lowers the bar for the kind it names (national phone numbers without a
``+``, 9 bare digits as an SSN, bare dates as birth dates, whole values as passwords); a name
such as ``order_id`` or ``isbn`` raises it (number-shaped kinds are not looked for at all); and a
strongly personal name with no values detected may become a ``pii.column-name`` note.

>>> hint = column_hint("customerPhone")
>>> sorted(hint.kinds), hint.anti, hint.personal
(['phone'], False, 'phone number')
>>> column_hint("order_id").anti, column_hint("zip").kinds, column_hint("client_ip").kinds
(True, frozenset(), frozenset({'ip-address'}))
>>> column_hint("last_name").personal, column_hint("name").personal
('personal name', None)
>>> name_tokens("DateOfBirth"), name_tokens("e-mail address")
(['date', 'of', 'birth'], ['e', 'mail', 'address'])
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

#: Token sequences (as joined words) that name a kind we detect in values.
KIND_NAMES: dict[str, frozenset[str]] = {
    "email": frozenset({"email", "e mail", "mail", "email address", "mail address", "emails"}),
    "phone": frozenset(
        {
            "phone",
            "telephone",
            "tel",
            "mobile",
            "cellphone",
            "cell phone",
            "cell number",
            "msisdn",
            "fax",
            "phone number",
            "phones",
            "mobile number",
            "telefon",
            "telefono",
            "telephone number",
            "contact number",
        }
    ),
    "ssn": frozenset({"ssn", "social security", "social security number", "ssn number"}),
    "date-of-birth": frozenset(
        {
            "dob",
            "birthday",
            "birthdate",
            "birth date",
            "date of birth",
            "born on",
            "birth dt",
            "geburtsdatum",
            "date naissance",
            "date de naissance",
            "fecha nacimiento",
        }
    ),
    "payment-card": frozenset(
        {
            "card number",
            "cardnumber",
            "credit card",
            "cc number",
            "ccnum",
            "cc num",
            "credit card number",
            "card no",
        }
    ),
    "iban": frozenset({"iban", "bank account", "account number", "iban number"}),
    "ip-address": frozenset(
        {
            "ip",
            "ip address",
            "ipaddress",
            "ipaddr",
            "ipv4",
            "ipv6",
            "remote addr",
            "remote address",
            "client ip",
            "src ip",
            "dst ip",
            "source ip",
            "host ip",
        }
    ),
    "secret": frozenset(
        {
            "password",
            "passwd",
            "pwd",
            "secret",
            "api key",
            "apikey",
            "access key",
            "secret key",
            "private key",
            "token",
            "access token",
            "auth token",
            "credentials",
            "client secret",
            "refresh token",
        }
    ),
}
#: Names that say "personal data" for kinds we cannot detect in values (``pii.column-name``).
PERSONAL_NAMES: dict[str, str] = {
    "first name": "personal name",
    "last name": "personal name",
    "full name": "personal name",
    "given name": "personal name",
    "family name": "personal name",
    "middle name": "personal name",
    "maiden name": "personal name",
    "surname": "personal name",
    "firstname": "personal name",
    "lastname": "personal name",
    "fullname": "personal name",
    "customer name": "personal name",
    "patient name": "personal name",
    "employee name": "personal name",
    "person name": "personal name",
    "contact name": "personal name",
    "user name": "user name",
    "username": "user name",
    "street": "postal address",
    "street address": "postal address",
    "home address": "postal address",
    "postal address": "postal address",
    "mailing address": "postal address",
    "address": "postal address",
    "address line": "postal address",
    "passport": "passport number",
    "passport number": "passport number",
    "driver license": "driving licence number",
    "drivers license": "driving licence number",
    "driving licence": "driving licence number",
    "national id": "national identity number",
    "tax id": "tax number",
    "patient id": "patient identifier",
    "medical record number": "patient identifier",
    "mrn": "patient identifier",
    "place of birth": "place of birth",
    "birth place": "place of birth",
    "birthplace": "place of birth",
}
#: The names strong enough for a ``pii.column-name`` note when no value was detected
#: (``mobile`` or ``token`` alone are not: a boolean ``mobile`` flag, an NLP ``token``).
NOTE_NAMES = frozenset(
    {
        "email",
        "e mail",
        "email address",
        "e mail address",
        "phone",
        "phone number",
        "telephone",
        "telephone number",
        "mobile number",
        "cell phone",
        "cellphone",
        "ssn",
        "social security number",
        "dob",
        "date of birth",
        "birth date",
        "birthdate",
        "birthday",
        "credit card number",
        "card number",
        "iban",
    }
    | set(PERSONAL_NAMES)
)
#: What a name with a kind's words says, for ``pii.column-name``.
KIND_PERSONAL: dict[str, str] = {
    "email": "e-mail address",
    "phone": "phone number",
    "ssn": "social security number",
    "date-of-birth": "date of birth",
    "payment-card": "payment card number",
    "iban": "bank account number",
    "ip-address": "IP address",
    "secret": "secret",
}
#: Words that make a column an identifier of something other than a person.
ANTI_WORDS = frozenset(
    {
        "isbn",
        "issn",
        "ean",
        "upc",
        "gtin",
        "sku",
        "asin",
        "uuid",
        "guid",
        "hash",
        "md5",
        "sha",
        "sha1",
        "sha256",
        "checksum",
        "digest",
        "version",
        "release",
        "build",
        "commit",
        "revision",
        "timestamp",
        "epoch",
        "doi",
        "pmid",
    }
)
#: Words that do the same when followed by an identifier word (``order_id``, ``invoice_no``).
ANTI_OWNERS = frozenset(
    {
        "order",
        "invoice",
        "tracking",
        "transaction",
        "product",
        "item",
        "shipment",
        "batch",
        "lot",
        "ticket",
        "booking",
        "reference",
        "ref",
        "part",
        "model",
        "serial",
        "article",
        "package",
    }
)
ID_WORDS = frozenset({"id", "ids", "number", "no", "num", "nr", "code", "key", "ref"})


@dataclass(frozen=True)
class ColumnHint:
    """What a column's name suggests: kinds it names, personal data without a detector, or
    that it identifies something else (``anti``)."""

    name: str
    kinds: frozenset[str] = frozenset()
    personal: str | None = None
    anti: bool = False

    def reason(self, kind: str) -> str:
        """The evidence a name adds to a finding of ``kind``."""
        return f"column name '{self.name}' suggests {KIND_PERSONAL.get(kind, kind)}"


def name_tokens(name: str) -> list[str]:
    """Lower-case words of a column name (snake_case, kebab-case, camelCase, spaces)."""
    return [t.lower() for t in _CAMEL.findall(name)]


def _phrases(tokens: list[str]) -> set[str]:
    """Every run of up to four consecutive tokens, joined by spaces, and joined without."""
    out: set[str] = set()
    for i in range(len(tokens)):
        for j in range(i + 1, min(len(tokens), i + 4) + 1):
            out.add(" ".join(tokens[i:j]))
            out.add("".join(tokens[i:j]))
    return out


def column_hint(name: str | None) -> ColumnHint:
    """The evidence in a column's name (an empty hint for None)."""
    if not name:
        return ColumnHint(name or "")
    tokens = name_tokens(name)
    phrases = _phrases(tokens)
    anti = bool(ANTI_WORDS & set(tokens)) or any(
        a in ANTI_OWNERS and b in ID_WORDS for a, b in itertools.pairwise(tokens)
    )
    kinds = frozenset(kind for kind, names in KIND_NAMES.items() if names & phrases)
    if "place" in tokens:  # place of birth is not a date
        kinds -= {"date-of-birth"}
    if anti:
        kinds = frozenset(k for k in kinds if k in {"email", "secret", "url-credentials"})
    personal: str | None = None
    if not anti and NOTE_NAMES & phrases:
        personal = next((KIND_PERSONAL[k] for k in sorted(kinds)), None)
        if personal is None:
            personal = min(
                (PERSONAL_NAMES[p] for p in phrases if p in PERSONAL_NAMES), default=None
            )
        if personal == "postal address" and {"ip", "mac", "email", "mail", "web"} & set(tokens):
            personal = None
    return ColumnHint(name, kinds, personal, anti)
