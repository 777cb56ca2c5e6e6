"""Detection: candidates from one regex pass, kept only when a validator and the context agree.

:func:`detect` is the pure per-text function; :func:`find` is the same engine over a buffer of
many values joined by NUL bytes (what :mod:`datacard.audit.pii.scan` builds per Arrow batch).
A :class:`Match` carries the kind, where it is and a masked form; the raw value never leaves
this module.

>>> [(m.kind, m.span, m.masked) for m in detect("Write to jane.doe@example.com today")]
[('email', (9, 29), 'j***@e***.com')]
>>> [m.kind for m in detect("card 4242 4242 4242 4242, order 4242 4242 4242 4241")]
['payment-card']
>>> detect("release 10.0.0.1 ships today"), [m.detail for m in detect("from 10.0.0.1")]
([], ['private'])
>>> detect("4155552671"), [m.masked for m in detect("4155552671", "phone")]
([], ['********71'])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from datacard.audit.pii import patterns as P
from datacard.audit.pii.mask import mask
from datacard.audit.pii.names import ColumnHint
from datacard.audit.pii.names import column_hint as hint_for
from datacard.audit.pii.validate import (
    CARD_GROUPS,
    IBAN_LENGTHS,
    birth_date_ok,
    card_ok,
    example_key,
    iban_ok,
    ip_class,
    jwt_ok,
    password_ok,
    phone_region,
    ssn_ok,
    token_ok,
)

#: The kinds, as the suffix of their finding code (``pii.<kind>``).
KINDS: tuple[str, ...] = (
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
#: Regions tried for phone numbers written without ``+CC`` (only with a column name or a
#: word such as "call" or "phone" before the number).
DEFAULT_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR")

_DIGITS = re.compile(rb"\d+")
_CARD_SHAPES = tuple(sorted(CARD_GROUPS, key=len, reverse=True))
_HEX = frozenset(b"0123456789abcdefABCDEF")
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") | frozenset(
    range(0x80, 0x100)
)
_PREFIX_DETAIL = (
    (b"ghp_", "github-token"),
    (b"gho_", "github-token"),
    (b"ghu_", "github-token"),
    (b"ghs_", "github-token"),
    (b"ghr_", "github-token"),
    (b"github_pat_", "github-token"),
    (b"sk_live_", "stripe-key"),
    (b"rk_live_", "stripe-key"),
    (b"xox", "slack-token"),
    (b"AKIA", "aws-access-key"),
    (b"ASIA", "aws-access-key"),
    (b"AIza", "google-api-key"),
)


@dataclass(frozen=True)
class Match:
    """One detected value: its kind, character span in the text, and masked form.

    ``detail`` refines the kind (card network, phone region, IP class, secret type);
    ``basis`` says what validated it; ``confidence`` is ``high`` or ``medium``.
    """

    kind: str
    span: tuple[int, int]
    masked: str
    detail: str = ""
    basis: str = ""
    confidence: str = "medium"


@dataclass(frozen=True)
class Found:
    """A :class:`Match` with byte offsets into the scanned buffer (the engine's output)."""

    start: int
    end: int
    kind: str
    masked: str
    detail: str
    basis: str
    confidence: str


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


class _Engine:
    """One pass of :data:`patterns.CANDIDATE` over ``buf`` with one column's hint."""

    def __init__(self, buf: bytes, hint: ColumnHint, regions: tuple[str, ...]) -> None:
        self.buf = buf
        self.hint = hint
        self.regions = regions
        self.numbers = not hint.anti  # number-shaped kinds are not looked for in order_id
        self.handlers: dict[str, Callable[[re.Match[bytes]], tuple[list[Found], int]]] = {
            "at": self._at,
            "plus": self._plus,
            "paren": self._paren,
            "dmy": self._dmy,
            "mdy": self._mdy,
            "num": self._num,
            "v6": self._v6,
            "kv": self._kv,
            "github": self._prefixed(3, "github-token"),
            "github_pat": self._prefixed(6, "github-token"),
            "stripe": self._prefixed(2, "stripe-key"),
            "slack": self._prefixed(4, "slack-token"),
            "aws": self._prefixed(0, "aws-access-key"),
            "google": self._prefixed(0, "google-api-key"),
            "pem": self._pem,
            "iban": self._iban,
            "jwt": self._jwt,
            "bearer": self._bearer,
        }

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> list[Found]:
        out: list[Found] = []
        buf, search = self.buf, P.CANDIDATE.search
        pos, last_end = 0, 0
        while (m := search(buf, pos)) is not None:
            found, resume = self.handlers[m.lastgroup or ""](m)
            for f in found:
                if f.start >= last_end:
                    out.append(f)
                    last_end = f.end
            pos = max(resume, m.start() + 1)
        return out

    # -- helpers -----------------------------------------------------------------------------

    def _window(self, start: int, size: int) -> bytes:
        """Up to ``size`` bytes before ``start``, not reaching into the previous value."""
        lo = max(0, start - size)
        nul = self.buf.rfind(b"\x00", lo, start)
        return self.buf[(nul + 1 if nul >= 0 else lo) : start]

    def _near(self, pattern: re.Pattern[bytes], start: int, size: int) -> bool:
        """Whether ``pattern`` occurs in the ``size`` bytes before ``start`` with no digit
        between it and ``start`` (so "born 1990-03-05, created 2020-01-01" marks one date)."""
        window = self._window(start, size)
        last = None
        for last in pattern.finditer(window):  # noqa: B007 - the last match is wanted
            pass
        if last is None:
            return False
        between = window[last.end() :]
        return not any(48 <= c <= 57 for c in between) and P.SENTENCE_END.search(between) is None

    def _word_at(self, pos: int) -> bool:
        return pos < len(self.buf) and self.buf[pos] in _WORD

    def _found(
        self, start: int, end: int, kind: str, detail: str, basis: str, strong: bool, value: str
    ) -> Found:
        sure = strong or kind in self.hint.kinds
        return Found(
            start, end, kind, mask(kind, value, detail), detail, basis, "high" if sure else "medium"
        )

    def _hinted(self, kind: str) -> bool:
        return kind in self.hint.kinds

    # -- e-mail and URL credentials ----------------------------------------------------------

    def _at(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        at = m.start()
        buf = self.buf
        before = self._window(at, 300)
        scheme_end = before.rfind(b"://")
        if scheme_end >= 0:
            userinfo = before[scheme_end + 3 :]
            if not any(c in userinfo for c in b" \t\r\n/"):
                return self._url(at, before, scheme_end, userinfo), at + 1
        local = P.LOCAL_PART.search(self._window(at, 64))
        domain = P.DOMAIN.match(buf, at + 1)
        if local is None or domain is None:
            return [], at + 1
        name = local.group().lstrip(b".")
        if not name or b".." in name or name.endswith(b"."):
            return [], at + 1
        if domain.group(1).lower() in P.FILE_SUFFIXES:
            return [], at + 1
        if name == b"git" and buf[domain.end() : domain.end() + 1] == b":":
            return [], at + 1  # an ssh remote (git@host:owner/repo), not a mailbox
        start = at - len(name)
        value = _text(buf[start : domain.end()])
        return [self._found(start, domain.end(), "email", "", "format", True, value)], domain.end()

    def _url(self, at: int, before: bytes, scheme_end: int, userinfo: bytes) -> list[Found]:
        user, colon, password = userinfo.partition(b":")
        scheme = P.SCHEME.search(before[:scheme_end])
        host = P.URL_HOST.match(self.buf, at + 1)
        if not colon or not password or scheme is None or host is None:
            return []  # user@host in a URL is neither an e-mail address nor a credential
        if P.URL_PLACEHOLDER.fullmatch(password) or password == user:
            return []
        start = at - len(before) + scheme.start()
        value = _text(self.buf[start : host.end()])
        return [self._found(start, host.end(), "url-credentials", "", "url", True, value)]

    # -- phone numbers -----------------------------------------------------------------------

    def _phone_context(self, start: int) -> bool:
        return self._hinted("phone") or self._near(P.PHONE_CONTEXT, start, 32)

    def _anti(self, start: int) -> bool:
        """Whether an identifier word (order, invoice, ISBN, #...) is right before ``start``:
        in the same sentence, with no digit in between."""
        window = self._window(start, 16)
        last = None
        for last in P.ANTI_CONTEXT.finditer(window):  # noqa: B007 - the last match is wanted
            pass
        if last is None:
            return False
        between = window[last.end() :]
        return not any(48 <= c <= 57 for c in between) and P.SENTENCE_END.search(between) is None

    def _phone(self, start: int, groups: list[tuple[int, int]], intl: bool) -> Found | None:
        """The longest prefix of ``groups`` (from ``start``) that is a valid phone number."""
        regions = () if intl else self.regions
        tries = 0
        buf = self.buf
        for j in range(len(groups), 0, -1):
            end = groups[j - 1][1]
            digits = sum(b - a for a, b in groups[:j])
            if not 7 <= digits <= 15:
                continue
            if buf[end : end + 1] in (b"-", b".", b"/") and buf[end + 1 : end + 2].isdigit():
                continue  # the next group is glued to this one: they belong together
            tries += 1
            if tries > 4:
                break
            value = _text(self.buf[start:end])
            region = phone_region(value, regions)
            if region is not None:
                basis = (
                    "e164"
                    if intl
                    else "national+" + ("name" if self._hinted("phone") else "context")
                )
                return self._found(start, end, "phone", region, basis, False, value)
        return None

    def _plus(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        start = m.start()
        if not self.numbers or self._anti(start):
            return [], start + 1
        groups = [(g.start(), g.end()) for g in _DIGITS.finditer(self.buf, start + 1, m.end())]
        last = groups[-1][1]
        if self._word_at(last) and not P.PHONE_EXTENSION.match(self.buf, last):
            return [], start + 1
        found = self._phone(start, groups, intl=True)
        return ([found], found.end) if found else ([], start + 1)

    def _paren(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        start = m.start()
        if not self.numbers or not self._phone_context(start):
            return [], start + 1
        if self._word_at(m.end()) and not P.PHONE_EXTENSION.match(self.buf, m.end()):
            return [], start + 1
        if self._anti(start):
            return [], start + 1
        groups = [(g.start(), g.end()) for g in _DIGITS.finditer(self.buf, start, m.end())]
        found = self._phone(start, groups, intl=False)
        return ([found], found.end) if found else ([], start + 1)

    # -- runs of digits: IPv4, dates, SSN, cards, national phone numbers ---------------------

    def _num(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        start, end, buf = m.start(), m.end(), self.buf
        if not self.numbers:
            return [], end
        after = buf[end : end + 2]
        iso = after[:1] == b"T" and after[1:2].isdigit()
        groups = [(g.start(), g.end()) for g in _DIGITS.finditer(buf, start, end)]
        short = len(groups) < 3 and sum(b - a for a, b in groups) < 9
        if short and not self._phone_context(start):
            return [], end  # too short for an IPv4 address, a date, an SSN or a card
        if P.PHONE_EXTENSION.match(buf, end):  # 415-555-2671x123, 415-555-2671 ext. 12
            return _Run(self, groups, False, end).at_all(), end
        if self._word_at(end) and not iso:
            # the run ends inside a word ("1990-03-05 5f3a-09..."): keep what comes before the
            # last space
            keep = max(
                (j for j in range(1, len(groups)) if buf[groups[j - 1][1] : groups[j][0]] == b" "),
                default=0,
            )
            if not keep:
                return [], end
            return _Run(self, groups[:keep], False, groups[keep - 1][1]).at_all(), end
        # a run followed by "T12", ":12" or ",34" ends in a time or a bigger number
        tail = iso or (after[:1] in (b":", b",") and after[1:2].isdigit())
        return _Run(self, groups, tail, end).at_all(), end

    def _birth_context(self, start: int) -> bool:
        return self._hinted("date-of-birth") or self._near(P.BIRTH_CONTEXT, start, 40)

    def _birth_basis(self) -> str:
        return "date+name" if self._hinted("date-of-birth") else "date+context"

    def _ssn_context(self, start: int) -> bool:
        return self._hinted("ssn") or self._near(P.SSN_CONTEXT, start, 32)

    # -- dates with month names --------------------------------------------------------------

    def _dmy(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        start = m.start()
        value = _text(self.buf[start : m.end()])
        if self.numbers and self._birth_context(start) and birth_date_ok(value):
            found = self._found(
                start, m.end(), "date-of-birth", "", self._birth_basis(), False, value
            )
            return [found], m.end()
        return [], m.start() + 1

    def _mdy(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        month = P.MONTH_BEFORE.search(self._window(m.start(), 16))
        if month is None or not self.numbers:
            return [], m.start() + 1
        start = m.start() - (len(month.group()))
        value = _text(self.buf[start : m.end()])
        if self._birth_context(start) and birth_date_ok(value):
            found = self._found(
                start, m.end(), "date-of-birth", "", self._birth_basis(), False, value
            )
            return [found], m.end()
        return [], m.start() + 1

    # -- IPv6 --------------------------------------------------------------------------------

    def _v6(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        colon, end, buf = m.start(), m.end(), self.buf
        start = colon
        while start > colon - 4 and start > 0 and buf[start - 1] in _HEX:
            start -= 1
        if start > 0 and (buf[start - 1] in _WORD or buf[start - 1] in b":."):
            return [], colon + 1
        if self._word_at(end) or not self.numbers:
            return [], colon + 1
        raw = buf[start:end]
        if raw.endswith(b":") and not raw.endswith(b"::"):
            raw, end = raw[:-1], end - 1
        parts = [p for p in raw.split(b":") if p]
        if len(parts) < 2 or max(len(p) for p in parts) < 3:
            return [], colon + 1
        if len(parts) < 3 and b"::" not in raw:
            return [], colon + 1
        value = _text(raw)
        cls = ip_class(value)
        if cls is None and raw.count(b":") == 8 and raw.rsplit(b":", 1)[1].isdigit():
            value = value.rsplit(":", 1)[0]  # an address followed by :port, without brackets
            end -= len(raw) - len(value)
            cls = ip_class(value)
        if cls is None:
            return [], colon + 1
        return [self._found(start, end, "ip-address", cls, "ipv6", False, value)], end

    # -- secrets -----------------------------------------------------------------------------

    def _kv(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        sep = m.start()
        key = P.SECRET_KEY.search(self._window(sep, 48))
        if key is None:
            return [], sep + 1
        name = key.group(1).lower()
        is_password = b"pass" in name or b"pwd" in name
        vm = (P.PASSWORD_VALUE if is_password else P.SECRET_VALUE).match(self.buf, sep + 1)
        if vm is None:
            return [], sep + 1
        group = "q" if vm.group("q") is not None else "u"
        raw = vm.group(group)
        if group == "u":
            raw = raw.rstrip(b".")
        start, end = vm.start(group), vm.start(group) + len(raw)
        value = _text(raw)
        detail = next((d for p, d in _PREFIX_DETAIL if raw.startswith(p)), "")
        if raw.startswith(b"eyJ") and jwt_ok(value):
            detail = "jwt"
        elif detail:
            if example_key(value):
                return [], sep + 1
        elif is_password:
            if not password_ok(value):
                return [], sep + 1
            detail = "password"
        elif token_ok(value):
            detail = "keyword"
        else:
            return [], sep + 1
        return [self._found(start, end, "secret", detail, "keyword", False, value)], end

    def _prefixed(
        self, back: int, detail: str
    ) -> Callable[[re.Match[bytes]], tuple[list[Found], int]]:
        def handle(m: re.Match[bytes]) -> tuple[list[Found], int]:
            start = m.start() - back
            value = _text(self.buf[start : m.end()])
            if example_key(value):
                return [], m.start() + 1
            return [self._found(start, m.end(), "secret", detail, "prefix", True, value)], m.end()

        return handle

    def _pem(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        value = _text(self.buf[m.start() : m.end()])
        return [self._found(m.start(), m.end(), "secret", "private-key", "pem", True, value)], (
            m.end()
        )

    def _jwt(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        start = m.start() - 2
        value = _text(self.buf[start : m.end()])
        if not jwt_ok(value):
            return [], m.start() + 1
        return [self._found(start, m.end(), "secret", "jwt", "jwt", True, value)], m.end()

    def _bearer(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        token = self.buf[m.start() + 6 : m.end()].lstrip(b" ")
        start = m.end() - len(token)
        value = _text(token)
        if token.startswith(b"eyJ") and jwt_ok(value):
            return [self._found(start, m.end(), "secret", "jwt", "jwt", True, value)], m.end()
        if not token_ok(value.rstrip("=")):
            return [], m.start() + 1
        found = self._found(start, m.end(), "secret", "bearer-token", "keyword", False, value)
        return [found], m.end()

    # -- IBAN --------------------------------------------------------------------------------

    def _iban(self, m: re.Match[bytes]) -> tuple[list[Found], int]:
        start, raw = m.start(), self.buf[m.start() : m.end()]
        length = IBAN_LENGTHS.get(_text(raw[:2]))
        if length is None or not self.numbers:
            return [], start + 1
        chars, cut = 0, 0
        for c in raw:
            cut += 1
            chars += c != 0x20
            if chars == length:
                break
        else:
            return [], start + 1
        if cut < len(raw) and raw[cut] != 0x20:
            return [], start + 1  # the IBAN would end inside a group
        value = _text(raw[:cut])
        if not iban_ok(value.replace(" ", "")):
            return [], start + 1
        detail = value[:2]
        return [self._found(start, start + cut, "iban", detail, "mod-97", True, value)], start + cut


class _Run:
    """One run of digit groups (``4242 4242 4242 4242``, ``1990-03-05 12``) and what is in it.

    Contexts are read once, before the run's first digit.
    """

    def __init__(
        self, engine: _Engine, groups: list[tuple[int, int]], tail: bool, end: int
    ) -> None:
        self.e = engine
        self.buf = engine.buf
        self.groups = groups
        self.lens = [b - a for a, b in groups]
        self.seps = [self.buf[groups[i][1] : groups[i + 1][0]] for i in range(len(groups) - 1)]
        self.tail = tail
        self.end = end
        self.start = groups[0][0]
        self._phone: bool | None = None

    def anti(self, i: int) -> bool:
        """An identifier word right before group ``i`` (only the first group can have one)."""
        return i == 0 and self.e._anti(self.start)

    def phone_context(self, i: int) -> bool:
        """A phone column, or a phone word right before group ``i`` (only the first group)."""
        if self.e._hinted("phone"):
            return True
        if i:
            return False
        if self._phone is None:
            self._phone = self.e._phone_context(self.start)
        return self._phone

    def sep(self, k: int) -> bytes:
        """The separator after group ``k`` (``b""`` at either end)."""
        return self.seps[k] if 0 <= k < len(self.seps) else b""

    def text(self, i: int, k: int) -> str:
        return _text(self.buf[self.groups[i][0] : self.groups[i + k - 1][1]])

    def at_all(self) -> list[Found]:
        """Everything in the run, left to right."""
        out: list[Found] = []
        i = 0
        while i < len(self.groups):
            found, used = self.at(i)
            if found is not None:
                out.append(found)
            i += max(used, 1)
        return out

    def at(self, i: int) -> tuple[Found | None, int]:
        """What starts at group ``i``, and how many groups it uses (0: nothing)."""
        lens, seps, e = self.lens[i : i + 5], self.seps[i : i + 4], self.e
        if (
            len(lens) >= 4
            and max(lens[:4]) <= 3
            and seps[:3] == [b".", b".", b"."]
            and self.sep(i - 1) != b"."
            and self.sep(i + 3) != b"."
        ):
            return self.ipv4(i), 4
        if not e.numbers:
            return None, 0
        if len(lens) >= 3 and seps[0] == seps[1] and seps[0] in (b"-", b"/", b"."):
            ymd = lens[0] == 4 and lens[1] <= 2 and lens[2] <= 2
            dmy = (
                lens[0] <= 2
                and lens[1] <= 2
                and (lens[2] == 4 or (lens[2] == 2 and seps[0] != b"-"))
            )
            if (ymd or dmy) and self.sep(i - 1) != seps[0] and self.sep(i + 2) != seps[0]:
                return self.birth_date(i), 3  # a date is consumed: it is not a phone number
        if len(lens) >= 3 and lens[:3] == [3, 2, 4] and seps[0] == seps[1]:
            sep = seps[0]
            if (sep == b"-" or (sep == b" " and e._ssn_context(self.start))) and (
                self.sep(i - 1) != sep and self.sep(i + 2) != sep
            ):
                found = self.ssn(i, 3)
                if found is not None:
                    return found, 3
        bare = lens[0] == 9 and self.sep(i - 1) != b"-" and self.sep(i) != b"-"
        if bare and e._ssn_context(self.groups[i][0]):
            found = self.ssn(i, 1)
            if found is not None:
                return found, 1
        if sum(lens) >= 12:
            card = self.card(i)
            if card is not None:
                return card
        if sum(self.lens[i : i + 6]) >= 7 and self.phone_context(i) and not self.anti(i):
            found = e._phone(self.groups[i][0], self.groups[i : i + 6], intl=False)
            if found is not None and not (self.tail and found.end == self.end):
                return found, sum(1 for a, _ in self.groups[i:] if a < found.end)
        return None, 0

    def ipv4(self, i: int) -> Found | None:
        """A dotted quad is an IPv4 address unless a version word comes before it."""
        e, start = self.e, self.groups[i][0]
        if not e.numbers or P.VERSION_CONTEXT.search(e._window(start, 24)):
            return None
        if i + 4 == len(self.groups) and P.VERSION_SUFFIX.match(self.buf, self.end):
            return None
        value = self.text(i, 4)
        cls = ip_class(value)
        if cls is None:
            return None
        return e._found(start, self.groups[i + 3][1], "ip-address", cls, "ipv4", False, value)

    def birth_date(self, i: int) -> Found | None:
        e, start = self.e, self.groups[i][0]
        if not e._birth_context(start):
            return None
        value = self.text(i, 3)
        if not birth_date_ok(value):
            return None
        end = self.groups[i + 2][1]
        return e._found(start, end, "date-of-birth", "", e._birth_basis(), False, value)

    def ssn(self, i: int, k: int) -> Found | None:
        e, start, end = self.e, self.groups[i][0], self.groups[i + k - 1][1]
        if self.tail and i + k == len(self.groups):
            return None
        value = self.text(i, k)
        if not ssn_ok(value):
            return None
        context = e._ssn_context(start)
        if not context and self.anti(i):
            return None
        basis = "ranges+" + ("name" if e._hinted("ssn") else "context" if context else "dashes")
        return e._found(start, end, "ssn", "", basis, context, value)

    def card(self, i: int) -> tuple[Found, int] | None:
        """One block of 13-19 digits or a known grouping, with Luhn and IIN checked."""
        n, lens = len(self.groups), self.lens
        spans: list[int] = [1] if 12 <= lens[i] <= 19 else []
        sep = self.sep(i)
        if sep in (b" ", b"-"):
            for shape in _CARD_SHAPES:
                k = len(shape)
                if tuple(lens[i : i + k]) != shape or any(
                    s != sep for s in self.seps[i : i + k - 1]
                ):
                    continue
                if (
                    i
                    and self.seps[i - 1] == sep
                    and lens[i - 1] == 4
                    and self.sep(i - 2) in (b"", sep)
                ):
                    continue  # part of a longer grouping of fours
                if i + k < n and self.seps[i + k - 1] == sep and lens[i + k] == 4:
                    continue
                spans.append(k)
        for k in spans:
            if self.tail and i + k == n:
                continue
            value = self.text(i, k)
            brand = card_ok(value.replace(" ", "").replace("-", ""))
            if brand is None or self.anti(i):
                continue
            strong = k > 1 or self.e._hinted("payment-card")
            end = self.groups[i + k - 1][1]
            found = self.e._found(
                self.groups[i][0], end, "payment-card", brand, "luhn+iin", strong, value
            )
            return found, k
        return None


def find(
    buf: bytes, hint: ColumnHint | None = None, regions: tuple[str, ...] = DEFAULT_REGIONS
) -> list[Found]:
    """Every validated value in ``buf`` (values may be joined by NUL bytes), in byte order."""
    return _Engine(buf, hint or ColumnHint(""), regions).run()


def whole_value_secret(value: str, hint: ColumnHint) -> Found | None:
    """A ``password``/``token``-named column's value taken as a secret when it looks like one."""
    if "secret" not in hint.kinds:
        return None
    text = value.strip()
    if not text or any(c.isspace() for c in text):
        return None
    lead = len(value[: len(value) - len(value.lstrip())].encode())
    lowered = hint.name.lower()
    is_password = "pass" in lowered or "pwd" in lowered
    if not (password_ok(text) if is_password else token_ok(text)):
        return None
    detail = "password" if is_password else "column"
    end = lead + len(text.encode())
    return Found(lead, end, "secret", mask("secret", text, detail), detail, "name", "high")


def detect(
    text: str, column_hint: str | None = None, regions: tuple[str, ...] = DEFAULT_REGIONS
) -> list[Match]:
    """The personal data and secrets in ``text`` (``column_hint``: the column's name, if any)."""
    hint = hint_for(column_hint) if column_hint else ColumnHint("")
    buf = text.encode("utf-8", "replace")
    found = find(buf, hint, regions)
    if not any(f.kind == "secret" for f in found):
        whole = whole_value_secret(text, hint)
        if whole is not None:
            found.append(whole)

    def char(pos: int) -> int:
        return len(buf[:pos].decode("utf-8", "replace"))

    return [
        Match(f.kind, (char(f.start), char(f.end)), f.masked, f.detail, f.basis, f.confidence)
        for f in found
    ]
