"""Masking: what a finding may show of a detected value. Never the value itself.

Each kind keeps only what helps a person recognise the kind of data (a card's last four digits,
an address's network, an e-mail's top-level domain) and stars out the rest.

>>> mask("email", "jane.doe@example.com")
'j***@e***.com'
>>> mask("payment-card", "4242424242424242"), mask("payment-card", "4242-4242-4242-4242")
('**** **** **** 4242', '****-****-****-4242')
>>> mask("iban", "DE89 3704 0044 0532 0130 00")
'DE** **** **** **** **30 00'
>>> mask("ssn", "536-22-8726"), mask("ip-address", "192.168.10.7")
('***-**-8726', '192.168.*.*')
>>> mask("secret", "AKIA2E0A8F3B244C9986", "aws-access-key")
'AKIA*************986'
>>> mask("url-credentials", "postgres://admin:hunter22@db.internal:5432/app")
'postgres://a***:****@d***'
>>> mask("phone", "+1 415-555-2671"), mask("date-of-birth", "March 5, 1990")
('+* ***-***-**71', 'March *, ****')
"""

from __future__ import annotations

import re

#: Known key prefixes kept by :func:`mask` (they say what the key is, not what it opens).
SECRET_PREFIXES: tuple[str, ...] = (
    "github_pat_",
    "sk_live_",
    "rk_live_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxo-",
    "xoxr-",
    "xoxs-",
    "AKIA",
    "ASIA",
    "AIza",
)
_DIGIT = re.compile(r"\d")


def _stars(text: str) -> str:
    return _DIGIT.sub("*", text)


def _email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    tld = domain.rsplit(".", 1)[-1]
    return f"{local[:1]}***@{domain[:1]}***.{tld}"


def _keep_last_digits(value: str, keep: int) -> str:
    """Digits starred except the last ``keep``; other characters kept."""
    total = sum(c.isdigit() for c in value)
    out: list[str] = []
    seen = 0
    for c in value:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - keep else "*")
        else:
            out.append(c)
    return "".join(out)


def _card(value: str) -> str:
    if value.isdigit():
        masked = "*" * (len(value) - 4) + value[-4:]
        return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))
    return _keep_last_digits(value, 4)


def _iban(value: str) -> str:
    compact = value.replace(" ", "")
    masked = compact[:2] + "*" * (len(compact) - 6) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def _ip(value: str) -> str:
    if "." in value and ":" not in value:
        a, b, *_ = value.split(".")
        return f"{a}.{b}.*.*"
    groups = [g for g in value.split(":") if g]
    return ":".join(groups[:2]) + ":*"


def _url(value: str) -> str:
    scheme, _, rest = value.partition("://")
    userinfo, _, host = rest.rpartition("@")
    return f"{scheme}://{userinfo[:1]}***:****@{host[:1]}***"


def _secret(value: str, detail: str) -> str:
    if detail == "private-key":
        head = value.split("-----")
        return f"-----{head[1]}-----****" if len(head) > 2 else "-----BEGIN PRIVATE KEY-----****"
    if detail == "jwt":
        return "eyJ***.eyJ***.***"
    for prefix in SECRET_PREFIXES:
        if value.startswith(prefix) and len(value) >= len(prefix) + 12:
            return prefix + "*" * (len(value) - len(prefix) - 3) + value[-3:]
    if detail == "password" or len(value) < 24:
        return "********"
    return "*" * 12 + value[-2:]


def mask(kind: str, value: str, detail: str = "") -> str:
    """``value`` (a detected ``kind``, e.g. ``"email"``) with its identifying part starred."""
    if kind == "email":
        return _email(value)
    if kind == "payment-card":
        return _card(value)
    if kind == "iban":
        return _iban(value)
    if kind == "ssn":
        return _keep_last_digits(value, 4)
    if kind == "ip-address":
        return _ip(value)
    if kind == "url-credentials":
        return _url(value)
    if kind == "secret":
        return _secret(value, detail)
    if kind == "phone":
        return _keep_last_digits(value, 2)
    return _stars(value)  # date-of-birth and anything else: every digit starred
