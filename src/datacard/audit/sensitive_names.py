"""Which columns look like protected characteristics: by column name, and by their values.

Names are cut into lower-case tokens (``patientAge`` → ``patient age``, accents dropped), and a
category matches a whole token or a phrase of tokens, never a substring: ``page``, ``usage``,
``message`` and ``racecar`` are not ages or races. Qualifiers that give a term another meaning
disqualify it (``account_age``, ``race_id`` in motor-racing data, ``vehicle_age``).

Values match when almost every value (:data:`VALUE_COVERAGE` of the non-null rows) belongs to a
category's vocabulary, with at least two distinct values and the category's distinctive terms
(both a male and a female term for sex/gender; a term such as ``asian`` or ``hispanic``
besides ``white``/``black`` for race — so chess colours are not races).

>>> name_category("patientAge"), name_category("page"), name_category("usage_count")
('age', None, None)
>>> name_category("Marital-Status"), name_category("racecar"), name_category("race_id")
('marital_status', None, None)
>>> value_category({"Male": 40, "Female": 52, "Unknown": 3})
'sex_gender'
>>> value_category({"white": 10, "black": 12}) is None  # chess pieces, not races
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

#: Category id → how people read it (the ids are stable; titles may be reworded).
TITLES: dict[str, str] = {
    "sex_gender": "sex or gender",
    "race_ethnicity": "race or ethnicity",
    "religion": "religion",
    "age": "age",
    "disability": "disability",
    "nationality": "nationality or national origin",
    "sexual_orientation": "sexual orientation",
    "marital_status": "marital status",
    "pregnancy": "pregnancy",
    "political_opinion": "political opinion",
}

#: Share of a column's non-null rows whose values must be in a category's vocabulary.
VALUE_COVERAGE = 0.95


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class _NameRule:
    """Single tokens and token phrases that name a category, and qualifiers that unname it."""

    tokens: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()
    unless: frozenset[str] = frozenset()


_OBJECTS = _words(
    "account accounts vehicle car cars house home building property asset loan policy item "
    "product device battery tree record file page post tweet message email domain site website "
    "cookie session company firm business store shop equipment machine tire tyre engine model "
    "version cache data document"
)
_RACING = _words(
    "id ids car cars horse horses track lap laps name date time distance course result results "
    "number num no round circuit season bike boat driver runner winner position grade type "
    "event events track speed"
)
_NAMES: dict[str, _NameRule] = {
    "sex_gender": _NameRule(
        _words("sex gender genders geschlecht sexe sexo genderidentity"),
        (("gender", "identity"),),
    ),
    "age": _NameRule(
        _words(
            "age ages aged edad idade leeftijd agegroup agegroups agerange ageband agebracket "
            "agecategory agecat ageyears"
        ),
        (("senior", "citizen"),),
        _OBJECTS,
    ),
    "race_ethnicity": _NameRule(
        _words("race races racial ethnicity ethnicities ethnic etnia ethnie raza caste"),
        (("skin", "color"), ("skin", "colour"), ("skin", "tone"), ("ethnic", "group")),
        _RACING,
    ),
    "religion": _NameRule(
        _words("religion religions religious faith religiao"),
    ),
    "disability": _NameRule(
        _words(
            "disability disabilities disabled handicap handicapped impairment impairments "
            "behinderung discapacidad"
        ),
    ),
    "nationality": _NameRule(
        _words(
            "nationality nationalities citizenship nacionalidad nationalite nativecountry "
            "immigrant immigration staatsangehorigkeit"
        ),
        (
            ("native", "country"),
            ("country", "of", "birth"),
            ("birth", "country"),
            ("country", "of", "origin"),
            ("national", "origin"),
            ("immigration", "status"),
        ),
    ),
    "sexual_orientation": _NameRule(
        _words("sexuality lgbt lgbtq lgbtqia sexualorientation"),
        (("sexual", "orientation"), ("sexual", "preference")),
    ),
    "marital_status": _NameRule(
        _words("marital married marriage maritalstatus familienstand matrimonial widowed divorced"),
        (("civil", "status"), ("estado", "civil")),
    ),
    "pregnancy": _NameRule(_words("pregnant pregnancy pregnancies gravidity")),
    "political_opinion": _NameRule(
        frozenset(),
        (
            *(("political", what) for what in _words("party affiliation view views opinion")),
            *(("political", what) for what in _words("orientation leaning")),
            ("party", "affiliation"),
        ),
    ),
}


def name_tokens(name: str) -> list[str]:
    """A column name as lower-case ASCII tokens (camelCase, snake_case, kebab, digits split).

    >>> name_tokens("patientAgeYears_2"), name_tokens("ÂGE"), name_tokens("HTTPStatus")
    (['patient', 'age', 'years', '2'], ['age'], ['http', 'status'])
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", plain)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    spaced = re.sub(r"([A-Za-z])([0-9])|([0-9])([A-Za-z])", r"\1\3 \2\4", spaced)
    return re.findall(r"[a-z0-9]+", spaced.lower())


def name_category(name: str) -> str | None:
    """The category a column's name points to (a key of :data:`TITLES`), or None."""
    tokens = name_tokens(name)
    joined = "".join(tokens)
    for category, rule in _NAMES.items():
        if rule.unless.intersection(tokens):
            continue
        if rule.tokens.intersection(tokens) or joined in rule.tokens:
            return category
        if any(_has_phrase(tokens, p) for p in rule.phrases):
            return category
    return None


def _has_phrase(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class _ValueRule:
    """Value tokens of a category; ``groups`` are the distinctive sets a column must touch."""

    vocabulary: frozenset[str]
    groups: tuple[frozenset[str], ...]


#: Values that say "not known" in any category; they count towards coverage only.
NEUTRAL = frozenset(
    {
        "",
        "unknown",
        "u",
        "unk",
        "na",
        "n a",
        "none",
        "null",
        "missing",
        "not stated",
        "not known",
        "not specified",
        "unspecified",
        "declined",
        "refused",
        "prefer not to say",
        "prefer not to answer",
        "other",
        "others",
    }
)


_MALE = _words("male m man men boy boys masculine masculino hombre homme mann mannlich maschio")
_FEMALE = _words("female f woman women girl girls feminine femenino mujer femme frau weiblich")
_FEMALE |= _words("femmina")
_GENDER_OTHER = _words(
    "non binary nonbinary genderqueer genderfluid agender transgender trans intersex x diverse "
    "divers nb"
)
_RACE_STRONG = _words(
    "asian hispanic latino latina latinx caucasian islander hawaiian eskimo multiracial "
    "biracial indigenous aboriginal alaska alaskan african"
)
_RACE = _RACE_STRONG | _words(
    "white black american native indian amer pac pacific middle eastern arab south east "
    "southeast two or more races race mixed non not and of other british caribbean irish "
    "origin ethnic group groups"
)
_RELIGION_STRONG = _words(
    "christian christianity catholic protestant orthodox muslim islam islamic jewish judaism "
    "jew hindu hinduism buddhist buddhism sikh sikhism atheist agnostic jain shinto taoist "
    "bahai mormon evangelical baptist methodist lutheran anglican pentecostal sunni shia"
)
_RELIGION = _RELIGION_STRONG | _words(
    "roman no religion religious spiritual unaffiliated nonreligious non other none"
)
_MARITAL_STRONG = _words(
    "married divorced widowed widow widower unmarried casado casada verheiratet marie mariee"
)
_MARITAL = _MARITAL_STRONG | _words(
    "single separated never civ spouse af absent partner partnered domestic partnership "
    "cohabiting living together with in a relationship engaged not civil union registered "
    "soltero soltera divorciado divorciada viudo viuda ledig geschieden verwitwet celibataire "
    "divorce veuf veuve"
)
_ORIENTATION_STRONG = _words("heterosexual gay lesbian bisexual homosexual asexual pansexual")
_ORIENTATION = _ORIENTATION_STRONG | _words("straight queer questioning other")

_VALUES: dict[str, _ValueRule] = {
    "sex_gender": _ValueRule(_MALE | _FEMALE | _GENDER_OTHER, (_MALE, _FEMALE)),
    "race_ethnicity": _ValueRule(_RACE, (_RACE_STRONG,)),
    "religion": _ValueRule(_RELIGION, (_RELIGION_STRONG,)),
    "marital_status": _ValueRule(_MARITAL, (_MARITAL_STRONG,)),
    "sexual_orientation": _ValueRule(_ORIENTATION, (_ORIENTATION_STRONG,)),
}


def normalize_value(value: object) -> str:
    """A value as compared with the vocabularies: ASCII, lower case, separators as spaces.

    >>> normalize_value(" Married-civ-spouse "), normalize_value("Féminin")
    ('married civ spouse', 'feminin')
    """
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def value_category(counts: Mapping[object, int]) -> str | None:
    """The category whose vocabulary covers the values ``counts`` (value → rows), or None.

    A value belongs to a category when every word of it is in the vocabulary; "unknown"-like
    values (:data:`NEUTRAL`) count towards coverage but not as evidence. The category needs two
    distinct matching values, and one of them in every distinctive group of the category.
    """
    normal: dict[str, int] = {}
    for value, n in counts.items():
        if value is None:
            continue
        key = normalize_value(value)
        normal[key] = normal.get(key, 0) + n
    total = sum(normal.values())
    if not total:
        return None
    for category, rule in _VALUES.items():
        matching = {v for v in normal if v not in NEUTRAL and _words(v) <= rule.vocabulary}
        covered = sum(n for v, n in normal.items() if v in matching or v in NEUTRAL)
        if len(matching) < 2 or covered < VALUE_COVERAGE * total:
            continue
        if all(any(_words(v) & group for v in matching) for group in rule.groups):
            return category
    return None


def is_neutral(value: object) -> bool:
    """Whether a group value says "not known" (excluded from imbalance and gap findings).

    >>> is_neutral("Prefer not to say"), is_neutral(None), is_neutral("female")
    (True, True, False)
    """
    return value is None or normalize_value(value) in NEUTRAL
