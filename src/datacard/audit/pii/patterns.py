"""The regular expressions: one combined candidate pattern and the small context patterns.

The combined pattern runs over UTF-8 bytes (a batch of values joined by NUL bytes). It starts
with a character class of *trigger* characters (``@ + ( : = _ -``, digits and capitals), so the
regex engine skips every other byte in C without trying an alternative: most prose is lower-case
letters and spaces. After the trigger, look-behinds dispatch to one alternative per kind. Each
alternative only proposes a candidate; :mod:`datacard.audit.pii.engine` validates it.

>>> m = CANDIDATE.search(b"mail jane@example.com now")
>>> m.lastgroup, m.start()
('at', 9)
>>> CANDIDATE.search(b"call +44 20 7946 0958").lastgroup
'plus'
>>> [m.lastgroup for m in CANDIDATE.finditer(b"the cat sat on the mat")]
[]
"""

from __future__ import annotations

import re

CANDIDATE = re.compile(
    rb"[0-9A-Z+(@:=_\-]"
    rb"(?:"
    # digits not inside a word or number: dates with a month name, runs of digits (IPv4,
    # dates, SSN, cards, national phone numbers)
    rb"(?<=\d)(?<![\w.+\-/$#%,@\\\x80-\xff]\d)(?<!\d:\d)(?:"
    rb"(?P<dmy>\d?(?:st|nd|rd|th)?\.?(?: of)? [A-Za-z\x80-\xff]{3,9}\.?,? \d{4})(?![\w])"
    rb"|(?P<mdy>\d?(?:st|nd|rd|th)?,? \d{4})(?![\w])"
    rb"|(?=[\d .\-/]{6})(?P<num>\d*+(?:[ \-./]\d++)*+)"
    rb")"
    # capitals starting a word: IBAN, AWS and Google keys, bearer tokens
    rb"|(?<=[A-Z])(?<![A-Za-z0-9_][A-Z])(?:"
    rb"(?P<iban>[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,8}(?: ?[A-Z0-9]{1,3})?)"
    rb"|(?<=A)(?P<aws>(?:KIA|SIA|GPA|IDA|ROA|IPA|NPA|NVA)[A-Z0-9]{16})(?![A-Za-z0-9])"
    rb"|(?<=A)(?<!-A)(?P<google>Iza[0-9A-Za-z_\-]{35})(?![\w\-])"
    rb"|(?<=B)(?P<bearer>earer[ ]+[A-Za-z0-9\-._~+/]{16,}=*)"
    rb")"
    # JSON web tokens (eyJ...)
    rb"|(?<=eyJ)(?<![\w\-.]eyJ)"
    rb"(?P<jwt>[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})"
    # known key prefixes with - or _
    rb"|(?<=-)(?:"
    rb"(?<=\bxox[abposr]-)(?P<slack>[0-9A-Za-z]{6,}(?:-[0-9A-Za-z]{4,}){1,5})"
    rb"|(?P<pem>----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----)"
    rb")"
    rb"|(?<=_)(?:"
    rb"(?<=\bgh[pousr]_)(?P<github>[A-Za-z0-9]{36,255})(?![A-Za-z0-9_])"
    rb"|(?<=\bgithub_)(?P<github_pat>pat_[A-Za-z0-9_]{60,255})"
    rb"|(?<=\b[sr]k_)(?P<stripe>live_[0-9A-Za-z]{24,99})(?![A-Za-z0-9])"
    rb")"
    # IPv6 (read back from the first colon) and key: value secrets
    rb"|(?<=:)(?=:|[0-9a-fA-F:]*::|(?:[0-9a-fA-F]{1,4}:){6}[0-9a-fA-F])"
    rb"(?P<v6>(?:[0-9a-fA-F]{0,4}:){1,7}[0-9a-fA-F]{0,4}(?:\.\d{1,3}){0,3})"
    rb"|(?<=[:=])(?=[ \t]{0,2}[\"']?[^\s\"'\x00]{8})(?P<kv>)"
    # e-mail address or URL credentials: what follows the @ (the part before is read back)
    rb"|(?<=@)(?P<at>[A-Za-z0-9\x80-\xff\[][A-Za-z0-9\x80-\xff.\-_\[\]:]{0,254})"
    # +CC phone number, (0xx) national phone number
    rb"|(?<=\+)(?<![\w+]\+)(?P<plus>\d[\d \-.()/]{5,48}+)"
    rb"|(?<=\()(?<![\w(]\()(?P<paren>\d{2,5}\)[ \-.]?\d{2,8}(?:[ \-.]\d{2,5}){0,3})"
    rb")"
)

#: The local part of an e-mail address, read back from the @.
LOCAL_PART = re.compile(rb"[A-Za-z0-9._%+\-\x80-\xff]{1,64}\Z")
#: A domain with a top-level domain of letters (no ``user@localhost``, no ``pkg@1.2.3``).
DOMAIN = re.compile(
    rb"(?:[A-Za-z0-9\x80-\xff](?:[A-Za-z0-9\x80-\xff\-]{0,61}[A-Za-z0-9\x80-\xff])?\.)+"
    rb"([A-Za-z]{2,24})(?![A-Za-z0-9\-_@])"
)
#: File extensions that end ``icon@2x.png``-like names, not domains.
FILE_SUFFIXES = frozenset(
    b"png jpg jpeg gif svg webp bmp ico tif tiff pdf js mjs css scss json txt html htm xml yml "
    b"yaml lock tar gz tgz mp3 mp4 wav csv tsv md rst ts".split()
)
#: A URL scheme ending where ``://`` begins.
SCHEME = re.compile(rb"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{1,15}\Z")
#: The host (and port) after the @ of a URL with credentials.
URL_HOST = re.compile(rb"[A-Za-z0-9\x80-\xff.\-_]+(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?")
#: Passwords in URLs that are templates, not credentials (use with ``fullmatch``).
URL_PLACEHOLDER = re.compile(
    rb"(?:password|passwd|pass|pwd|secret|changeme|\*+|x+|\.+)|.*[$<{%].*", re.IGNORECASE
)

_IC = re.IGNORECASE
#: Words before a date that make it a date of birth (window before the date).
BIRTH_CONTEXT = re.compile(
    rb"born|birth|\bdob\b|d\.o\.b\.?|geboren|naissance|\bn\xc3\xa9e?\b|nacid[oa]|nato il|nata il",
    _IC,
)
#: Words before a number that make it a phone number in a national format.
PHONE_CONTEXT = re.compile(
    rb"phone|\btel\.|\btel\b|mobile|\bcell|\bfax\b|\bcall|whatsapp|\bsms\b|\btext\b|"
    rb"contact|reach (?:me|us|him|her)|\bdial|telefon|t\xc3\xa9l\xc3\xa9phone|portable|handy",
    _IC,
)
#: Words before 9 digits that make them a social security number.
SSN_CONTEXT = re.compile(rb"\bssn\b|social security|\bsoc\.? ?sec\b|\bss#", _IC)
#: Words right before a number that make it an identifier of something else.
ANTI_CONTEXT = re.compile(
    rb"order|invoice|\bref\b|\bref\.|reference|tracking|isbn|issn|\bsku\b|serial|part no|"
    rb"\bmodel\b|\bid\b|\bno\.|\bnr\.?|\bean\b|\bupc\b|\bdoi\b|\bpmid\b|ticket|booking|"
    rb"case no|#",
    _IC,
)
#: A word right before four dotted numbers that makes them a version, not an IPv4 address.
VERSION_CONTEXT = re.compile(
    rb"(?:\bv|\bversion|\bver\.?|\brelease|\brel\.?|\bbuild|\bfirmware|\bfw|\bpatch|"
    rb"\brevision|\brev\.?|\bupdate|\bsection|\bsec\.|\bchapter|\bch\.|\xc2\xa7|\bstep|"
    rb"\brule|\bclause|\barticle|\bart\.|\bfigure|\bfig\.|\btable|\bparagraph|\bpara\.?|"
    rb"\bappendix|\bno\.|#|\bbuild|\bkernel|\bpython|\bnode|\bchrome|\bfirefox|\bversions?)"
    rb"[\s:=]*\Z",
    _IC,
)
#: A suffix after four dotted numbers that makes them a version (``1.2.3.4-beta``).
VERSION_SUFFIX = re.compile(rb"[-+~]?(?:alpha|beta|rc|dev|pre|post|final|snapshot|build)", _IC)
#: A key name right before ``=`` or ``:`` that makes the value a secret (group 1: the key).
SECRET_KEY = re.compile(
    rb"(?<![a-z])((?:api|app|auth|access|secret|private|client|refresh|bearer|session|aws)?"
    rb"[_\-. ]?(?:api[_\-. ]?key|apikey|secret(?:[_\-. ]?(?:access[_\-. ]?)?key)?|"
    rb"access[_\-. ]?key|private[_\-. ]?key|token|passw(?:or)?d|pwd|pass|passphrase|"
    rb"credentials?|auth))[\"']?[ \t]*\Z",
    _IC,
)
#: The value after a secret's key: optional quote, optional ``Bearer``, then the value.
SECRET_VALUE = re.compile(
    rb"[ \t]{0,2}(?:([\"'])(?:[Bb]earer[ ]+)?(?P<q>[^\s\"'\x00]{8,256})(?=\1)"
    rb"|(?:[Bb]earer[ ]+)?(?P<u>[^\s\"'\x00,;&<>(){}\[\]`]{8,256}))"
)
#: The same for a password: unquoted passwords may hold ``&``, ``<``, ``(`` and the like.
PASSWORD_VALUE = re.compile(
    rb"[ \t]{0,2}(?:([\"'])(?P<q>[^\"'\x00\n]{8,256})(?=\1)|(?P<u>[^\s\"'\x00,;]{8,256}))"
)
#: The end of a sentence between an identifier word and a number.
SENTENCE_END = re.compile(rb"[.!?;][\s\"')]")
#: A phone extension right after a number (``x123``, `` ext. 12``).
PHONE_EXTENSION = re.compile(rb"(?:x| ?ext\.? ?)\d{1,6}(?![\w])", re.IGNORECASE)
#: A month name (or abbreviation) right before ``5, 1990``.
MONTH_BEFORE = re.compile(rb"([A-Za-z\x80-\xff]{3,9})\.? \Z")
