"""Every PII detector against what it must find and the decoys it must leave alone."""

from __future__ import annotations

import pytest

from datacard.audit.pii import detect


def kinds(text: str, hint: str | None = None) -> list[str]:
    return [m.kind for m in detect(text, hint)]


def found(text: str, hint: str | None = None) -> list[tuple[str, str]]:
    """(kind, the matched text) - only tests look at raw spans."""
    return [(m.kind, text[m.span[0] : m.span[1]]) for m in detect(text, hint)]


# -- e-mail ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("write to jane.doe@example.com.", "jane.doe@example.com"),
        ("<j_smith+news@mail.co.uk>", "j_smith+news@mail.co.uk"),
        ("mailto:someone@uni-bonn.de?subject=x", "someone@uni-bonn.de"),
        ("CAPS@EXAMPLE.ORG", "CAPS@EXAMPLE.ORG"),
    ],
)
def test_email_found(text: str, value: str) -> None:
    assert found(text) == [("email", value)]


@pytest.mark.parametrize(
    "text",
    [
        "icon@2x.png and logo@3x.jpg",  # retina image names
        "ssh to user@localhost",  # no top-level domain
        "npm i pkg@1.2.3, @types/node, @mention",
        "git clone git@github.com:owner/repo.git",  # an ssh remote
        "https://user@host.example.com/path",  # URL userinfo without a password
        "a..b@example.com",
    ],
)
def test_email_decoys(text: str) -> None:
    assert "email" not in kinds(text)


# -- URL credentials -------------------------------------------------------------------------


def test_url_credentials() -> None:
    text = "DATABASE_URL=postgres://admin:s3cr3tPW@db.internal:5432/app"
    assert found(text) == [("url-credentials", "postgres://admin:s3cr3tPW@db.internal:5432")]
    assert kinds("ftp://bob:Tr0ub4dor@10.0.0.7/files") == ["url-credentials"]


@pytest.mark.parametrize(
    "text",
    [
        "postgres://user:password@localhost/db",  # documentation template
        "redis://:${REDIS_PASSWORD}@cache:6379",
        "http://host.example.com:8080/a@b",  # a port, not a password
        "mysql://user:<pass>@host/db",
    ],
)
def test_url_credential_templates(text: str) -> None:
    assert "url-credentials" not in kinds(text)


# -- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("reach us on +44 20 7946 0958 today", "+44 20 7946 0958"),
        ("+1-415-555-2671", "+1-415-555-2671"),
        ("Tel: +49 30 901820", "+49 30 901820"),
        ("+33 1 42 68 53 00.", "+33 1 42 68 53 00"),
        ("call me at (415) 555-2671", "(415) 555-2671"),
        ("Phone: 415-555-2671", "415-555-2671"),
        ("mobile 020 7946 0958", "020 7946 0958"),
    ],
)
def test_phone_found(text: str, value: str) -> None:
    assert found(text) == [("phone", value)]


def test_phone_national_format_needs_a_hint() -> None:
    assert kinds("4155552671") == []
    assert kinds("id 415-555-2671 in batch") == []
    assert kinds("4155552671", "phone") == ["phone"]
    assert kinds("030 901820", "telefon") == ["phone"]
    assert kinds("+1 415 555 2671", "order_id") == []  # the name says it is something else


@pytest.mark.parametrize(
    "text",
    [
        "+1 234",  # too short
        "+999 123 456 789",  # no such country code
        "+1 555 0100 000",  # not a valid number
        "call 1700000000000",  # a millisecond timestamp
        "phone bill of 2023-04-05",  # a date
    ],
)
def test_phone_decoys(text: str) -> None:
    assert "phone" not in kinds(text)


# -- payment cards ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "brand"),
    [
        ("card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111", "visa"),
        ("5555-5555-5555-4444", "5555-5555-5555-4444", "mastercard"),
        ("amex 3782 822463 10005", "3782 822463 10005", "amex"),
        ("paid with 6011111111111117.", "6011111111111117", "discover"),
        ("3530111333300000", "3530111333300000", "jcb"),
        ("2223003122003222", "2223003122003222", "mastercard"),
        ("4242 4242 4242 4242 123", "4242 4242 4242 4242", "visa"),
    ],
)
def test_card_found(text: str, value: str, brand: str) -> None:
    matches = detect(text)
    assert [(m.kind, text[m.span[0] : m.span[1]], m.detail) for m in matches] == [
        ("payment-card", value, brand)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # fails Luhn
        "4111111111111112",
        "1234 5678 9012 3452",  # passes Luhn, no network starts with 1
        "9783161484100",  # an ISBN-13 (passes no IIN)
        "ISBN 978-3-16-148410-0",
        "order #4111111111111111",
        "Order number 4111 1111 1111 1111",
        "4111 1111 1111 1111 1111",  # five groups of four: not a card
        "1700000000000 and 1700000000000123",  # timestamps
        "tx 4111111111111111abc",  # part of a token
    ],
)
def test_card_decoys(text: str) -> None:
    assert "payment-card" not in kinds(text)


# -- IBAN ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91ABNA0417164300",
        "CH9300762011623852957",
    ],
)
def test_iban_found(value: str) -> None:
    text = f"pay to {value}, thanks"
    assert found(text) == [("iban", value)]


@pytest.mark.parametrize(
    "text",
    [
        "DE89 3704 0044 0532 0130 01",  # fails mod-97
        "GB82WEST12345698765433",
        "DE89 3704 0044 0532 0130",  # too short for DE
        "XX89370400440532013000",  # no such country
        "ABC12 3456 7890 1234",
    ],
)
def test_iban_decoys(text: str) -> None:
    assert "iban" not in kinds(text)


# -- SSN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("SSN 536-22-8726", "536-22-8726"),
        ("her number is 536-22-8726.", "536-22-8726"),
        ("social security: 536228726", "536228726"),
        ("ssn 536 22 8726", "536 22 8726"),
    ],
)
def test_ssn_found(text: str, value: str) -> None:
    assert found(text) == [("ssn", value)]


@pytest.mark.parametrize(
    "text",
    [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",  # ITIN range
        "536-00-8726",
        "536-22-0000",
        "078-05-1120",  # the wallet-insert example
        "536228726",  # 9 bare digits without context
        "order 536-22-8726",
        "536-22-8726-1",  # a longer identifier
    ],
)
def test_ssn_decoys(text: str) -> None:
    assert "ssn" not in kinds(text)


def test_bare_ssn_with_a_column_name() -> None:
    assert kinds("536228726", "ssn") == ["ssn"]


# -- IP addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "cls"),
    [
        ("login from 203.0.113.9 failed", "203.0.113.9", "private"),
        ("GET / 8.8.8.8:53", "8.8.8.8", "public"),
        ("host 192.168.1.20.", "192.168.1.20", "private"),
        ("localhost is 127.0.0.1", "127.0.0.1", "loopback"),
        ("ipv6 2001:db8::1 ok", "2001:db8::1", "private"),
        ("link fe80::1ff:fe23:4567:890a", "fe80::1ff:fe23:4567:890a", "link-local"),
        (
            "2606:4700:4700:0000:0000:0000:0000:1111",
            "2606:4700:4700:0000:0000:0000:0000:1111",
            "public",
        ),
    ],
)
def test_ip_found(text: str, value: str, cls: str) -> None:
    matches = detect(text)
    assert [(m.kind, text[m.span[0] : m.span[1]], m.detail) for m in matches] == [
        ("ip-address", value, cls)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2.3.4",
        "v1.2.3.4",
        "Release 10.0.0.1 is out",
        "see section 1.2.3.4",
        "upgrade to 1.2.3.4-beta",
        "OID 1.3.6.1.4.1",
        "10.0.0.256",
        "time 12:33:01",
        "std::vector<int>",
        "MAC 00:1A:2B:3C:4D:5E",
        "x[1::2]",
    ],
)
def test_ip_decoys(text: str) -> None:
    assert "ip-address" not in kinds(text)


def test_ip_in_a_version_column_is_not_an_address() -> None:
    assert kinds("1.2.3.4", "version") == []


# -- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("aws AKIA2E0A8F3B244C9986 key", "aws-access-key"),
        ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "github-token"),
        (
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
            "github-token",
        ),
        ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack-token"),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe-key"),
        ("key=AIzaSyA1234567890abcdefghijklmnopqrstuv", "google-api-key"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA", "private-key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "private-key"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz", "jwt"),
        ("api_key = 'q8Zr2LmX9vT4kP7wN1sB'", "keyword"),
        ('{"client_secret": "Zx9Qw8Er7Ty6Ui5Op4As"}', "keyword"),
        ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ2v8Lm1Ab", "keyword"),
        ("password: Hunter22!x", "password"),
    ],
)
def test_secret_found(text: str, detail: str) -> None:
    matches = detect(text)
    assert [(m.kind, m.detail) for m in matches] == [("secret", detail)]


@pytest.mark.parametrize(
    "text",
    [
        "AKIAIOSFODNN7EXAMPLE",  # AWS's documentation key
        "AKIAXXXXXXXXXXXXXXXX",
        "api_key=YOUR_API_KEY_HERE",
        "token: <token>",
        "password: changeme",
        "password=${DB_PASSWORD}",
        "secret_key = get_secret_key()",
        "token_count: 1234567890123456",
        "max_tokens=4096",
        "commit d41d8cd98f00b204e9800998ecf8427e",  # a hash without a key name
        "id=550e8400-e29b-41d4-a716-446655440000",  # a UUID
        "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "Note: Something important",
    ],
)
def test_secret_decoys(text: str) -> None:
    assert "secret" not in kinds(text)


def test_secret_column_values() -> None:
    assert kinds("q8Zr2LmX9vT4kP7wN1sB", "api_key") == ["secret"]
    assert kinds("Tr0ub4dor&3", "password") == ["secret"]
    assert kinds("hunter2", "password") == []  # too short to tell from a placeholder
    assert kinds("q8Zr2LmX9vT4kP7wN1sB") == []  # no key name, no prefix


# -- dates of birth --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Born on 1990-03-05 in Lyon", "1990-03-05"),
        ("DOB: 03/05/1990", "03/05/1990"),
        ("date of birth 05.03.1990", "05.03.1990"),
        ("she was born March 5, 1990", "March 5, 1990"),
        ("born 5th of March 1990", "5th of March 1990"),
        ("D.O.B. 12/31/85", "12/31/85"),
    ],
)
def test_birth_date_found(text: str, value: str) -> None:
    assert found(text) == [("date-of-birth", value)]


@pytest.mark.parametrize(
    "text",
    [
        "created 1990-03-05",  # a date with no birth word
        "born 1990-02-30",  # not a calendar date
        "born 1850-01-01",  # too old
        "born 2999-01-01",  # in the future
        "born in 1990, moved 2001-04-05",  # the birth word belongs to another number
        "2023-04-05 12:33:01",
        "1990-03-05T10:00:00Z",
    ],
)
def test_birth_date_decoys(text: str) -> None:
    assert "date-of-birth" not in kinds(text)


def test_birth_date_column() -> None:
    assert kinds("1990-03-05", "birth_date") == ["date-of-birth"]
    assert kinds("1990-03-05", "created_at") == []


# -- decoys together, spans, masks -----------------------------------------------------------


def test_common_identifiers_are_not_personal_data() -> None:
    text = (
        "Order 2023-04-05 12:33:01 #123456789012 shipped, "
        "uuid 123e4567-e89b-12d3-a456-426614174000, "
        "sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12, ISBN 978-0-306-40615-7, v2.10.1.3, "
        "epoch 1700000000, build 20231105.1, tracking 1Z999AA10123456784, price $1,234.56, "
        "42 items at 3.5% in 2019/2020, ratio 1:2:3, call stack 0x7fff5fbff8c8"
    )
    assert detect(text) == []


def test_spans_are_characters_not_bytes() -> None:
    text = "Grüße – schreib an jürgen.müller@example.de"
    (m,) = detect(text)
    assert text[m.span[0] : m.span[1]] == "jürgen.müller@example.de"


def test_match_never_carries_the_value() -> None:
    text = "card 4111 1111 1111 1111, iban DE89370400440532013000, ssn 536-22-8726"
    for m in detect(text):
        assert text[m.span[0] : m.span[1]] not in repr(m)
