"""Make the PII benchmark's data: prose with planted personal data and decoys, and a table.

    .venv/bin/python bench/audit/generate.py [--quick] [--data-dir bench/data/audit]

Generated with fixed seeds: in-house (stdlib ``random``; ``phonenumbers`` to make sure planted
phone numbers are valid) and, when Faker can be imported (run it with bench/.venv-peers'
Python), about a third of the planted values and half of the filler sentences come from Faker
(locales en_US, en_GB, de_DE, fr_FR), whose formats we did not choose. Faker phone numbers that
``phonenumbers`` calls invalid (made-up area codes, drama ranges) are recorded as
``phone-invalid``: detections on them count neither way. The ground truth is exact:

- ``<tag>/prose/train/text.parquet``: column ``text``, documents of filler sentences; some carry
  planted values (each recorded with its row, kind and character span) and decoys that look
  like personal data but are not (Luhn- and mod-97-failing numbers, version strings shaped like
  IPv4 addresses, order numbers, ISBN-13s, timestamps, UUIDs, hashes, phone-like ids, plain
  dates, template secrets, ...);
- ``<tag>/table/train/table.parquet``: one column per kind (every non-null cell planted) and
  decoy columns (``order_id`` with Luhn-valid numbers, ``isbn``, ``uuid``, ``sha256``,
  ``version``, ``created_at``, ...);
- ``<tag>/truth.json``: the planted values (never the values themselves: row, column, kind,
  span) and the decoys, plus facts (bytes of text, rows).

Kept when ``truth.json`` exists with the same parameters.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import random
import string
import sys
import uuid
from pathlib import Path
from typing import Any

import phonenumbers
import pyarrow as pa
import pyarrow.parquet as pq

BENCH_DIR = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = BENCH_DIR / "data" / "audit"
SEED = 20261127
VERSION = 5  # bump when the generator changes: the data is then made again
FAKER_SHARE = 0.35  # planted values taken from Faker when it is installed
FAKER_LOCALES = {"en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR"}

SIZES = {  # tag -> (bytes of prose, table rows)
    "full": (100_000_000, 50_000),
    "quick": (10_000_000, 10_000),
}
KINDS = (
    "email",
    "phone",
    "payment-card",
    "iban",
    "ssn",
    "ip-address",
    "url-credentials",
    "secret",
    "date-of-birth",
)
#: Planted in text but not counted in any kind's precision/recall: national phone numbers
#: with no phone word before them (datacard leaves them alone by design).
BARE_PHONE = "phone-bare"
#: Faker phone numbers that are not valid numbers: ignored in scoring.
INVALID_PHONE = "phone-invalid"

WORDS = (  # noqa: SIM905 - a word list is easier to read as text
    "the of and to in is was for on that with as by at from this be are it an or have has had "
    "not but which were their they all one been more when there can would about some time "
    "also new first two after into other most people only over such its year years made may "
    "between these many where through under work well state world used system could during "
    "data model report results team study service customer support product quality season "
    "market growth water energy city river school music history water project design users "
    "training review policy research network value result order release update version price "
    "meeting number account record shipment delivery invoice payment schedule office health "
    "weather summer winter garden kitchen travel museum library journey coffee morning "
    "evening"
).split()
FIRST = (  # noqa: SIM905 - a word list is easier to read as text
    "maria james anna li wei sofia lucas emma noah olivia liam mia jonas lea paul ines"
).split()
LAST = (  # noqa: SIM905 - a word list is easier to read as text
    "garcia smith muller martin rossi silva kim nguyen dubois schmidt jones brown lopez"
).split()
DOMAINS = (  # noqa: SIM905 - a word list is easier to read as text
    "gmail.com example.org mail.example.co.uk uni-bonn.de outlook.com company.io posteo.de "
    "free.fr web.de yahoo.co.jp student.uva.nl"
).split()
CARD_PREFIXES = (  # (network, prefix, length, grouping)
    ("visa", "4", 16, (4, 4, 4, 4)),
    ("mastercard", "5", 16, (4, 4, 4, 4)),
    ("mastercard", "2221", 16, (4, 4, 4, 4)),
    ("amex", "34", 15, (4, 6, 5)),
    ("amex", "37", 15, (4, 6, 5)),
    ("discover", "6011", 16, (4, 4, 4, 4)),
    ("jcb", "3530", 16, (4, 4, 4, 4)),
    ("unionpay", "62", 16, (4, 4, 4, 4)),
)
IBAN_FORMATS = {  # country -> BBAN alphabet pattern (a: letter, n: digit)
    "DE": "n" * 18,
    "GB": "aaaa" + "n" * 14,
    "FR": "n" * 23,
    "NL": "aaaa" + "n" * 10,
    "ES": "n" * 20,
    "IT": "a" + "n" * 22,
    "CH": "n" * 17,
    "BE": "n" * 12,
    "AT": "n" * 16,
    "PL": "n" * 24,
}
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "BR", "JP", "AU", "CA")
NATIONAL_REGIONS = ("US", "GB", "DE", "FR")
MONTHS = "January February March April May June July August September October November December"


class Maker:
    """Planted values and decoys, each with the phrase around it."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.phone_bases = self._phone_bases()
        self.fakers: dict[str, Any] = {}
        self.last_phone_valid = True
        try:
            from faker import Faker
        except ImportError:
            return
        for i, locale in enumerate(FAKER_LOCALES):
            self.fakers[locale] = Faker(locale)
            self.fakers[locale].seed_instance(seed + i)

    def faker(self) -> tuple[str, Any] | None:
        """A (locale, Faker) pair for about FAKER_SHARE of the calls, if Faker is installed."""
        if not self.fakers or self.r.random() >= FAKER_SHARE:
            return None
        locale = self.r.choice(sorted(self.fakers))
        return locale, self.fakers[locale]

    # -- helpers ---------------------------------------------------------------------------

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def token(self, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        while True:
            out = "".join(self.r.choice(alphabet) for _ in range(n))
            if any(c.isdigit() for c in out) and any(c.isalpha() for c in out):
                return out

    def sentence(self) -> str:
        if self.fakers and self.r.random() < 0.5:
            return str(self.fakers["en_US"].sentence(nb_words=self.r.randint(6, 16)))
        words = [self.r.choice(WORDS) for _ in range(self.r.randint(6, 16))]
        if self.r.random() < 0.25:
            words.insert(self.r.randrange(len(words)), str(self.r.randint(1, 2030)))
        if self.r.random() < 0.1:
            words.insert(self.r.randrange(len(words)), f"{self.r.randint(1, 99)}.{self.digits(2)}")
        return " ".join(words).capitalize() + self.r.choice(".....!?")

    @staticmethod
    def luhn_digit(partial: str) -> str:
        total = 0
        for i, ch in enumerate(reversed(partial)):
            d = int(ch)
            if i % 2 == 0:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        return str((10 - total % 10) % 10)

    def _phone_bases(self) -> dict[str, list[phonenumbers.PhoneNumber]]:
        out: dict[str, list[phonenumbers.PhoneNumber]] = {}
        for region in PHONE_REGIONS:
            for kind in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE,
            ):
                ex = phonenumbers.example_number_for_type(region, kind)
                if ex is not None:
                    out.setdefault(region, []).append(ex)
        return out

    def phone_number(self, region: str) -> phonenumbers.PhoneNumber:
        while True:
            base = self.r.choice(self.phone_bases[region])
            national = str(base.national_number)
            keep = max(3, len(national) - 4)
            candidate = national[:keep] + self.digits(len(national) - keep)
            number = phonenumbers.parse("+" + str(base.country_code) + candidate, None)
            if phonenumbers.is_valid_number(number):
                return number

    # -- planted values: (value, phrase with {v}) ------------------------------------------

    def email(self) -> tuple[str, str]:
        fk = self.faker()
        if fk is not None:
            value = self.r.choice([fk[1].email, fk[1].free_email, fk[1].company_email])()
            return value, self.r.choice(["Contact {v} for details.", "email: {v}", "({v})"])
        first, last = self.r.choice(FIRST), self.r.choice(LAST)
        local = self.r.choice(
            [
                f"{first}.{last}",
                f"{first}{last}{self.r.randint(1, 99)}",
                f"{first[0]}.{last}",
                f"{first}_{last}+news",
                f"{last}.{first}",
            ]
        )
        value = f"{local}@{self.r.choice(DOMAINS)}"
        if self.r.random() < 0.05:
            value = value.upper()
        phrase = self.r.choice(
            [
                "Contact {v} for details.",
                "email: {v}",
                "Send it to <{v}> please.",
                "(mail {v})",
                "reply to {v} before Friday",
                "{v} wrote yesterday",
            ]
        )
        return value, phrase

    def faker_phone(self) -> tuple[str, str, bool]:
        """A Faker phone number, its phrase, and whether phonenumbers calls it valid."""
        locale, fake = self.faker() or ("en_US", self.fakers["en_US"])
        value = str(fake.phone_number())
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(value, FAKER_LOCALES[locale]))
        except phonenumbers.NumberParseException:
            valid = False
        words = ["Call me at {v}.", "Phone: {v}", "tel. {v}", "mobile {v}"]
        if value.startswith("+"):
            words = ["reach {v} after six", "{v} (office)", "The hotline is {v}."]
        return value, self.r.choice(words), valid

    def phone(self) -> tuple[str, str]:
        if self.fakers and self.r.random() < FAKER_SHARE:
            value, phrase, valid = self.faker_phone()
            self.last_phone_valid = valid
            return value, phrase
        self.last_phone_valid = True
        if self.r.random() < 0.5:  # +CC, no phone word needed
            number = self.phone_number(self.r.choice(PHONE_REGIONS))
            fmt = self.r.choice(
                [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164]
            )
            value = phonenumbers.format_number(number, fmt)
            if self.r.random() < 0.2 and fmt == phonenumbers.PhoneNumberFormat.INTERNATIONAL:
                value = value.replace(" ", "-")
            phrase = self.r.choice(
                [
                    "reach {v} after six",
                    "{v} (office)",
                    "numbers: {v}",
                    "The hotline is {v}.",
                    "WhatsApp {v}",
                ]
            )
            return value, phrase
        number = self.phone_number(self.r.choice(NATIONAL_REGIONS))
        value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        phrase = self.r.choice(
            [
                "Call me at {v}.",
                "Phone: {v}",
                "tel. {v}",
                "mobile {v}",
                "you can call {v} anytime",
                "Contact number {v}",
            ]
        )
        return value, phrase

    def bare_phone(self) -> tuple[str, str]:
        number = self.phone_number(self.r.choice(NATIONAL_REGIONS))
        value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return value, self.r.choice(["It is {v} on the form.", "see {v} in the file"])

    def card(self) -> tuple[str, str]:
        fk = self.faker()
        if fk is not None:
            value = str(fk[1].credit_card_number())
            return value, self.r.choice(["Card: {v}", "paid with {v} yesterday", "cc {v}"])
        _, prefix, length, groups = self.r.choice(CARD_PREFIXES)
        if prefix == "5":
            prefix = "5" + self.r.choice("12345")
        partial = prefix + self.digits(length - len(prefix) - 1)
        number = partial + self.luhn_digit(partial)
        style = self.r.random()
        if style < 0.5:
            parts, pos = [], 0
            for g in groups:
                parts.append(number[pos : pos + g])
                pos += g
            value = (" " if style < 0.35 else "-").join(parts)
        else:
            value = number
        phrase = self.r.choice(
            [
                "Card: {v}",
                "paid with {v} yesterday",
                "{v} exp 09/27",
                "the card number is {v}.",
                "charge {v} for the deposit",
            ]
        )
        return value, phrase

    def iban(self) -> tuple[str, str]:
        fk = self.faker()
        if fk is not None:
            value = str(fk[1].iban())
            if self.r.random() < 0.5:
                value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
            return value, self.r.choice(["IBAN {v}", "transfer to {v} by Monday"])
        country = self.r.choice(sorted(IBAN_FORMATS))
        bban = "".join(
            self.r.choice(string.ascii_uppercase) if c == "a" else self.r.choice(string.digits)
            for c in IBAN_FORMATS[country]
        )
        number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
        value = f"{country}{98 - number % 97:02d}{bban}"
        if self.r.random() < 0.6:
            value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
        phrase = self.r.choice(
            ["IBAN {v}", "transfer to {v} by Monday", "account {v}.", "Bank details: {v}"]
        )
        return value, phrase

    def ssn_value(self) -> str:
        while True:
            area = self.r.randint(1, 899)
            if area != 666:
                return f"{area:03d}-{self.r.randint(1, 99):02d}-{self.r.randint(1, 9999):04d}"

    def ssn(self) -> tuple[str, str]:
        value = self.ssn_value()
        if self.fakers and self.r.random() < FAKER_SHARE:
            value = str(self.fakers["en_US"].ssn())
        if self.r.random() < 0.2:
            return value.replace("-", ""), self.r.choice(["SSN: {v}", "social security {v}"])
        return value, self.r.choice(["her number is {v}.", "SSN {v}", "{v} on file", "ssn={v}"])

    def ip(self) -> tuple[str, str]:
        style = self.r.random()
        fk = self.faker()
        phrase = self.r.choice(
            [
                "login from {v} failed",
                "client={v}",
                "{v} - - [05/Mar/2024]",
                "blocked {v} after 5 tries",
            ]
        )
        if fk is not None:
            return self.r.choice([fk[1].ipv4_public, fk[1].ipv4_private, fk[1].ipv6])(), phrase
        if style < 0.45:
            while True:
                value = ".".join(str(self.r.randint(1, 223)) for _ in range(4))
                first = int(value.split(".")[0])
                if first not in (10, 127, 169, 172, 192, 100):
                    break
        elif style < 0.75:
            value = self.r.choice(
                [
                    "10." + ".".join(str(self.r.randint(0, 254)) for _ in range(3)),
                    f"192.168.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}",
                ]
            )
        else:
            groups = [f"{self.r.randint(0, 65535):x}" for _ in range(8)]
            groups[0] = self.r.choice(["2a02", "2001", "2607", "2a01", "fe80"])
            value = ":".join(groups)
            if self.r.random() < 0.5:
                value = ":".join(groups[:3]) + "::" + groups[7]
        phrase = self.r.choice(
            [
                "login from {v} failed",
                "client={v}",
                "{v} - - [05/Mar/2024]",
                "server at {v}:8080",
                "blocked {v} after 5 tries",
            ]
        )
        if ":" in value and "{v}:" in phrase:
            phrase = phrase.replace("{v}:", "[{v}]:")
        return value, phrase

    def url(self) -> tuple[str, str]:
        scheme = self.r.choice(["postgres", "mysql", "https", "ftp", "redis", "amqp", "mongodb"])
        user = self.r.choice([*FIRST, "admin", "svc_app", "root"])
        password = self.token(self.r.randint(8, 16), string.ascii_letters + string.digits + "!_")
        host = self.r.choice(["db.internal", "10.0.3.7", "cache.example.com", "mq.prod.local"])
        value = f"{scheme}://{user}:{password}@{host}/app"
        return value, self.r.choice(["DATABASE_URL={v}", "connect to {v} now", "url: {v}"])

    def jwt(self) -> str:
        def b64(obj: dict[str, Any]) -> str:
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        head = b64({"alg": self.r.choice(["HS256", "RS256"]), "typ": "JWT"})
        body = b64({"sub": self.digits(8), "name": self.r.choice(FIRST), "iat": 1700000000})
        return f"{head}.{body}.{self.token(43, string.ascii_letters + string.digits + '-_')}"

    def secret(self) -> tuple[str, str]:
        kind = self.r.randrange(10)
        upper = string.ascii_uppercase + string.digits
        alnum = string.ascii_letters + string.digits
        if kind == 0:
            return "AKIA" + self.token(16, upper), "aws key {v} in the config"
        if kind == 1:
            return "ghp_" + self.token(36, alnum), "export GH={v}"
        if kind == 2:
            return "github_pat_" + self.token(22, alnum) + "_" + self.token(59, alnum), "{v}"
        if kind == 3:
            return f"xoxb-{self.digits(12)}-{self.digits(13)}-{self.token(24, alnum)}", "slack {v}"
        if kind == 4:
            return "sk_live_" + self.token(24, alnum), "stripe: {v}"
        if kind == 5:
            return "AIza" + self.token(35, alnum + "-_"), "maps key {v}."
        if kind == 6:
            return self.jwt(), "Authorization: Bearer {v}"
        if kind == 7:
            return "-----BEGIN RSA PRIVATE KEY-----", "{v}\nMIIEpAIBAAKCAQEA"
        if kind == 8:
            return self.token(32, alnum), self.r.choice(
                ["api_key={v}", 'client_secret: "{v}"', "ACCESS_TOKEN={v}", "secret_key = '{v}'"]
            )
        pw = self.token(self.r.randint(10, 14), alnum + "!#%&*") + self.r.choice("!#%&*")
        return pw, self.r.choice(["password: {v}", 'passwd="{v}"', "db_password={v}"])

    def birth_date(self) -> str:
        fk = self.faker()
        if fk is not None:
            day = fk[1].date_of_birth(minimum_age=1, maximum_age=95)
        else:
            day = dt.date(1940, 1, 1) + dt.timedelta(days=self.r.randint(0, 30_000))
        month = MONTHS.split()[day.month - 1]
        return self.r.choice(
            [
                day.isoformat(),
                day.strftime("%m/%d/%Y"),
                day.strftime("%d.%m.%Y"),
                f"{month} {day.day}, {day.year}",
                f"{day.day} {month} {day.year}",
            ]
        )

    def dob(self) -> tuple[str, str]:
        return self.birth_date(), self.r.choice(
            ["born {v}", "DOB: {v}", "date of birth {v}.", "Born on {v} in Lyon", "birth date: {v}"]
        )

    # -- decoys: (type, text) ---------------------------------------------------------------

    def decoy(self) -> tuple[str, str]:
        r = self.r
        kind = r.randrange(17)
        if kind == 0:  # card-shaped, Luhn fails
            partial = r.choice(["4", "51", "37", "6011"]) + self.digits(14)
            number = partial[:15] + str((int(self.luhn_digit(partial[:15])) + r.randint(1, 9)) % 10)
            shown = (
                number if r.random() < 0.5 else " ".join(number[i : i + 4] for i in range(0, 16, 4))
            )
            return "luhn-fail", f"The code was {shown}."
        if kind == 1:  # IBAN-shaped, mod-97 fails
            value, _ = self.iban()
            compact = value.replace(" ", "")
            bad = compact[:-1] + str((int(compact[-1]) + r.randint(1, 9)) % 10)
            return "mod97-fail", f"reference {bad}"
        if kind == 2:  # version strings shaped like IPv4
            v = ".".join(str(r.randint(0, 20)) for _ in range(4))
            return "version", r.choice(
                [
                    f"version {v}",
                    f"v{v}",
                    f"Release {v} is out",
                    f"firmware {v}",
                    f"upgrade to {v}-beta",
                ]
            )
        if kind == 3:  # order numbers, some Luhn-valid
            partial = "4" + self.digits(14)
            return "order", r.choice(
                [
                    f"Order #{self.digits(10)}",
                    f"order number {partial + self.luhn_digit(partial)}",
                    f"Invoice INV-2023-{self.digits(6)}",
                    f"order no. {self.digits(12)}",
                ]
            )
        if kind == 4:  # ISBN-13
            body = r.choice(["978", "979"]) + self.digits(9)
            total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
            isbn = body + str((10 - total % 10) % 10)
            hyph = f"{isbn[:3]}-{isbn[3]}-{isbn[4:7]}-{isbn[7:12]}-{isbn[12]}"
            return "isbn", r.choice([f"ISBN {isbn}", f"ISBN {hyph}", f"see {isbn}", hyph])
        if kind == 5:  # timestamps
            t = dt.datetime(2015, 1, 1) + dt.timedelta(seconds=r.randint(0, 300_000_000))
            return "timestamp", r.choice(
                [
                    t.strftime("%Y-%m-%d %H:%M:%S"),
                    t.isoformat() + "Z",
                    str(int(t.timestamp())),
                    str(int(t.timestamp() * 1000)),
                ]
            )
        if kind == 6:
            return "uuid", str(uuid.UUID(int=r.getrandbits(128), version=4))
        if kind == 7:  # hashes
            h = hashlib.sha256(self.digits(12).encode()).hexdigest()
            return "hash", r.choice([f"commit {h[:40]}", f"md5 {h[:32]}", f"sha256: {h}", h[:7]])
        if kind == 8:  # phone-like ids, no phone word
            return "phone-like-id", r.choice(
                [
                    f"ticket {self.digits(10)}",
                    f"batch {self.digits(11)}",
                    f"ID {self.digits(3)}-{self.digits(3)}-{self.digits(4)}",
                ]
            )
        if kind == 9:  # dates that are not birth dates
            return (
                "date",
                f"{r.choice(['created', 'due', 'updated', 'shipped'])} {self.birth_date()}",
            )
        if kind == 10:  # SSN-shaped, invalid
            area = r.choice(["000", "666", f"9{self.digits(2)}"])
            return "ssn-invalid", f"code {area}-{self.digits(2)}-{self.digits(4)}"
        if kind == 11:  # e-mail-shaped
            return "email-like", r.choice(
                ["icon@2x.png", "user@localhost", "pkg@1.2.3", "@mention", "logo@3x.jpg"]
            )
        if kind == 12:  # template secrets
            return "secret-template", r.choice(
                [
                    "api_key=YOUR_API_KEY_HERE",
                    "AKIAIOSFODNN7EXAMPLE",
                    "password: <password>",
                    "postgres://user:password@localhost/db",
                    "token: ${TOKEN}",
                    "secret_key = get_secret()",
                ]
            )
        if kind == 13:  # URLs without credentials
            return "url", r.choice(
                [
                    "https://example.com/a?b=c",
                    "https://user@host.example.com/x",
                    "http://localhost:8080/health",
                ]
            )
        if kind == 14:  # numbers in prose
            return "numbers", r.choice(
                [
                    f"${r.randint(1, 99)},{self.digits(3)}.{self.digits(2)}",
                    f"{r.randint(1, 99)}.{self.digits(1)}%",
                    f"{r.uniform(-90, 90):.4f}, {r.uniform(-180, 180):.4f}",
                    f"3.{self.digits(8)}",
                    f"{r.randint(1, 999)},{self.digits(3)},{self.digits(3)}",
                ]
            )
        if kind == 15:  # times and ratios
            return (
                "time",
                f"at {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}",
            )
        return "tracking", f"tracking 1Z{self.token(16, string.ascii_uppercase + string.digits)}"


# -- text --------------------------------------------------------------------------------------

PLANTERS = {
    "email": "email",
    "phone": "phone",
    "payment-card": "card",
    "iban": "iban",
    "ssn": "ssn",
    "ip-address": "ip",
    "url-credentials": "url",
    "secret": "secret",
    "date-of-birth": "dob",
}


def make_text(
    m: Maker, target_bytes: int
) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    docs: list[str] = []
    planted: list[dict[str, Any]] = []
    decoys: list[dict[str, Any]] = []
    size = 0
    while size < target_bytes:
        row = len(docs)
        pieces = [m.sentence() for _ in range(m.r.randint(5, 14))]
        items: list[tuple[str, str, str]] = []  # (kind or decoy type, phrase, value) ...
        for _ in range(m.r.choices([0, 1, 2], [0.6, 0.3, 0.1])[0]):
            kind = m.r.choice((*KINDS, BARE_PHONE)) if m.r.random() < 0.98 else BARE_PHONE
            value, phrase = getattr(m, "bare_phone" if kind == BARE_PHONE else PLANTERS[kind])()
            if kind == "phone" and not m.last_phone_valid:
                kind = INVALID_PHONE
            items.append((kind, phrase, value))
        for _ in range(m.r.choices([0, 1, 2, 3], [0.3, 0.4, 0.2, 0.1])[0]):
            dtype, text = m.decoy()
            items.append(("decoy:" + dtype, "{v}", text))
        slots = sorted(m.r.randrange(len(pieces) + 1) for _ in items)
        m.r.shuffle(items)
        text = ""
        at = 0
        for slot, (kind, phrase, value) in zip(slots, items, strict=True):
            text += " ".join(pieces[at:slot]) + (" " if at < slot else "")
            at = slot
            before, _, after = phrase.partition("{v}")
            start = len(text) + len(before)
            text += before + value + after + " "
            record = {"row": row, "start": start, "end": start + len(value)}
            if kind.startswith("decoy:"):
                decoys.append(record | {"type": kind[6:]})
            else:
                planted.append(record | {"kind": kind})
        text += " ".join(pieces[at:])
        docs.append(text)
        size += len(text.encode())
    return docs, planted, decoys


# -- table -------------------------------------------------------------------------------------

TABLE_KINDS = {  # column -> kind
    "email": "email",
    "phone": "phone",
    "card_number": "payment-card",
    "iban": "iban",
    "ssn": "ssn",
    "ip_address": "ip-address",
    "date_of_birth": "date-of-birth",
    "api_key": "secret",
    "db_url": "url-credentials",
}
DECOY_COLUMNS = (
    "order_id",
    "isbn",
    "uuid",
    "sha256",
    "version",
    "created_at",
    "tracking",
    "amount",
    "comment",
)


def make_table(m: Maker, rows: int) -> tuple[dict[str, list[str | None]], list[dict[str, Any]]]:
    cols: dict[str, list[str | None]] = {c: [] for c in (*TABLE_KINDS, *DECOY_COLUMNS)}
    planted: list[dict[str, Any]] = []
    for row in range(rows):
        for column, kind in TABLE_KINDS.items():
            if m.r.random() < 0.05:
                cols[column].append(None)
                continue
            if column == "phone" and m.fakers and m.r.random() < FAKER_SHARE:
                value, _, valid = m.faker_phone()
                if not valid:
                    kind = INVALID_PHONE
            elif column == "phone":
                region = m.r.choice(NATIONAL_REGIONS)
                number = m.phone_number(region)
                fmt = m.r.choice(
                    [
                        phonenumbers.PhoneNumberFormat.NATIONAL,
                        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                    ]
                )
                value = phonenumbers.format_number(number, fmt)
            elif column == "ssn":
                value = m.ssn_value()
                value = value.replace("-", "") if m.r.random() < 0.3 else value
            elif column == "date_of_birth":
                value = m.birth_date()
            elif column == "api_key":
                value, _ = m.secret()
                while value.startswith("-----") or len(value) < 16:  # no PEM header in a cell
                    value, _ = m.secret()
            else:
                value, _ = getattr(m, PLANTERS[kind])()
            cols[column].append(value)
            planted.append({"row": row, "column": column, "kind": kind})
        partial = "4" + m.digits(14)
        cols["order_id"].append(partial + m.luhn_digit(partial))  # Luhn-valid, but order ids
        body = "978" + m.digits(9)
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
        cols["isbn"].append(body + str((10 - total % 10) % 10))
        cols["uuid"].append(str(uuid.UUID(int=m.r.getrandbits(128), version=4)))
        cols["sha256"].append(hashlib.sha256(m.digits(10).encode()).hexdigest())
        cols["version"].append(".".join(str(m.r.randint(0, 20)) for _ in range(4)))
        t = dt.datetime(2015, 1, 1) + dt.timedelta(seconds=m.r.randint(0, 300_000_000))
        cols["created_at"].append(t.strftime("%Y-%m-%d %H:%M:%S"))
        cols["tracking"].append("1Z" + m.token(16, string.ascii_uppercase + string.digits))
        cols["amount"].append(f"{m.r.randint(1, 9999)}.{m.digits(2)}")
        cols["comment"].append(m.sentence() + " " + m.decoy()[1])
    return cols, planted


def _faker_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("faker")
    except Exception:  # noqa: BLE001 - any failure means: no Faker
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    tag = "quick" if args.quick else "full"
    text_bytes, table_rows = SIZES[tag]
    root = args.data_dir / tag
    truth_path = root / "truth.json"
    params = {
        "version": VERSION,
        "seed": SEED,
        "text_bytes": text_bytes,
        "table_rows": table_rows,
        "faker": _faker_version(),
    }
    if truth_path.exists() and json.loads(truth_path.read_text()).get("params") == params:
        print(f"kept {root}")
        return 0
    maker = Maker(SEED)
    docs, text_planted, text_decoys = make_text(maker, text_bytes)
    cols, table_planted = make_table(maker, table_rows)
    for name in ("prose", "table"):
        (root / name / "train").mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"text": pa.array(docs, pa.string())}),
        root / "prose" / "train" / "text.parquet",
        row_group_size=8192,
    )
    table = pa.table({c: pa.array(v, pa.string()) for c, v in cols.items()})
    pq.write_table(table, root / "table" / "train" / "table.parquet", row_group_size=8192)
    table_bytes = sum(len(v.encode()) for vs in cols.values() for v in vs if v is not None)
    truth = {
        "params": params,
        "facts": {
            "text_docs": len(docs),
            "text_bytes": sum(len(d.encode()) for d in docs),
            "table_rows": table_rows,
            "table_bytes": table_bytes,
            "table_columns": {"pii": TABLE_KINDS, "decoy": list(DECOY_COLUMNS)},
        },
        "text": {"planted": text_planted, "decoys": text_decoys},
        "table": {"planted": table_planted},
    }
    truth_path.write_text(json.dumps(truth))
    print(f"wrote {root}: {len(docs):,} documents, {table_rows:,} table rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
