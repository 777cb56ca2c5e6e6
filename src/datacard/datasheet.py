"""The Datasheets-for-Datasets questions (Gebru et al., 2021) and the answers the data can give.

Seven sections, each a tuple of :class:`Question` with an id that is stable forever (cards store
answers under ``datasheet.<section>.<id>``). Question texts follow the paper, shortened.

>>> [q.id for q in SECTIONS["motivation"]][:3]
['purpose', 'creators', 'funding']
>>> question("uses.out_of_scope").text
'Are there tasks for which the dataset should not be used?'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from datacard.measured import Measured


@dataclass(frozen=True)
class Question:
    """One datasheet question: a stable snake_case ``id`` within its section, and its text."""

    id: str
    text: str


def _q(*pairs: tuple[str, str]) -> tuple[Question, ...]:
    return tuple(Question(qid, text) for qid, text in pairs)


#: section -> questions, in the paper's order.
SECTIONS: Final[dict[str, tuple[Question, ...]]] = {
    "motivation": _q(
        ("purpose", "For what purpose was the dataset created? Was there a specific task or gap?"),
        ("creators", "Who created the dataset, and on behalf of which entity?"),
        ("funding", "Who funded the creation of the dataset?"),
        ("comments", "Any other comments on why the dataset exists?"),
    ),
    "composition": _q(
        ("instances", "What do the instances represent (documents, photos, people, ...)?"),
        ("count", "How many instances are there in total (of each type, if appropriate)?"),
        ("sampling", "Is it all possible instances or a sample? If a sample, how was it drawn?"),
        ("instance_data", "What data does each instance consist of (raw data, features)?"),
        ("labels", "Is there a label or target associated with each instance?"),
        ("missing", "Is any information missing from individual instances? Why?"),
        ("relationships", "Are relationships between instances made explicit (links, graphs)?"),
        ("splits", "Are there recommended data splits (training, validation, testing)?"),
        ("duplicates", "Are there duplicates, errors, sources of noise or redundancies?"),
        ("external", "Does the dataset rely on external resources (websites, other datasets)?"),
        ("confidential", "Does it contain confidential data (legally privileged, private)?"),
        ("offensive", "Does it contain data that might be offensive, insulting or threatening?"),
        ("people", "Does the dataset relate to people? Does it identify subpopulations?"),
        ("identifiable", "Can individuals be identified, directly or indirectly?"),
        ("sensitive", "Does it contain sensitive data (race, health, religion, location, ...)?"),
    ),
    "collection": _q(
        ("acquisition", "How was the data for each instance acquired (observed, reported, ...)?"),
        ("process", "What mechanisms or procedures were used to collect the data?"),
        ("who", "Who was involved in collecting the data, and how were they compensated?"),
        ("timeframe", "Over what timeframe was the data collected?"),
        ("ethics", "Were any ethical review processes conducted (e.g. by an IRB)?"),
        ("notice", "Were the individuals concerned notified about the data collection?"),
        ("consent", "Did the individuals consent? How can they revoke consent?"),
        ("impact_analysis", "Has an analysis of the potential impact on data subjects been done?"),
    ),
    "preprocessing": _q(
        ("steps", "Was any preprocessing, cleaning or labeling done? What exactly?"),
        ("raw_data", "Was the raw data saved in addition to the processed data? Where?"),
        ("software", "Is the software used to preprocess or label the instances available?"),
    ),
    "uses": _q(
        ("prior", "Has the dataset been used for any tasks already?"),
        ("repository", "Is there a repository that links to papers or systems using it?"),
        ("tasks", "What (other) tasks could the dataset be used for?"),
        (
            "impact",
            "Could its composition or collection affect future uses (unfair treatment, harm)?",
        ),
        ("out_of_scope", "Are there tasks for which the dataset should not be used?"),
    ),
    "distribution": _q(
        ("third_parties", "Will the dataset be distributed to third parties outside the creators?"),
        ("how", "How will it be distributed (tarball, API, GitHub)? Does it have a DOI?"),
        ("when", "When will the dataset be distributed?"),
        ("license", "Under what license or terms of use is it distributed?"),
        ("restrictions", "Have third parties imposed restrictions on the data?"),
        ("export", "Do export controls or other regulatory restrictions apply?"),
    ),
    "maintenance": _q(
        ("who", "Who will support, host and maintain the dataset?"),
        ("contact", "How can the owner, curator or manager be contacted?"),
        ("errata", "Is there an erratum?"),
        ("updates", "Will the dataset be updated (corrections, additions, deletions)? How often?"),
        ("retention", "Are there limits on retaining data about people? Will they be enforced?"),
        ("older_versions", "Will older versions continue to be supported and hosted?"),
        ("contributions", "Can others extend, augment or contribute to the dataset? How?"),
    ),
}

#: The question keys (``section.id``) that :func:`generated_answers` may fill in.
GENERATABLE: Final[frozenset[str]] = frozenset(
    {
        "composition.count",
        "composition.splits",
        "composition.missing",
        "composition.duplicates",
        "composition.labels",
        "composition.identifiable",
        "composition.sensitive",
    }
)


def question(key: str) -> Question:
    """The question for ``"section.id"``; KeyError when there is none."""
    section, _, qid = key.partition(".")
    for q in SECTIONS.get(section, ()):
        if q.id == qid:
            return q
    raise KeyError(key)


def _n(value: int) -> str:
    return f"{value:,}"


def _pct(part: int, whole: int) -> str:
    if whole == 0 or part == 0:
        return "0%"
    share = 100.0 * part / whole
    if share < 0.01:
        return "<0.01%"
    return f"{share:.2f}".rstrip("0").rstrip(".") + "%"


def _rows(n: int) -> str:
    return f"{_n(n)} row" if n == 1 else f"{_n(n)} rows"


def _count(m: Measured) -> str:
    total = sum(s.rows for s in m.splits.values())
    if len(m.splits) <= 1:
        return f"{_rows(total)}."
    parts = ", ".join(f"{_n(s.rows)} in {name}" for name, s in m.splits.items())
    return f"{_rows(total)} in total: {parts}."


def _splits(m: Measured) -> str:
    names = ", ".join(m.splits) or "none"
    word = "split" if len(m.splits) == 1 else "splits"
    return f"{len(m.splits)} {word}: {names} (inferred from {m.splits_from})."


def _missing(m: Measured) -> str:
    found: list[str] = []
    for split_name, split in m.splits.items():
        for col, summary in split.columns.items():
            if summary.nulls:
                total = summary.count + summary.nulls
                found.append(
                    f"{col} in {split_name}: {_n(summary.nulls)} of {_n(total)} "
                    f"({_pct(summary.nulls, total)})"
                )
    if not found:
        return "No column has missing (null) values."
    return "Columns with missing (null) values: " + "; ".join(found) + "."


def _duplicates(m: Measured) -> str:
    parts = [
        f"{_n(s.duplicate_rows)} of {_n(s.rows)} rows in {name} ({_pct(s.duplicate_rows, s.rows)})"
        for name, s in m.splits.items()
        if s.duplicate_rows
    ]
    if not parts:
        return "No exact duplicate rows were found."
    return "Exact duplicate rows: " + "; ".join(parts) + "."


def _value(value: object) -> str:
    return "null" if value is None else str(value)


def _label(value: object) -> str:
    """A class as written in a sentence: quoted, so '3' is not read as a count."""
    return "null" if value is None else repr(str(value))


#: Classes a generated answer names (the rest are counted; the card lists them all).
LISTED_CLASSES = 20


def _labels(m: Measured) -> str | None:
    if not m.label:
        return None
    parts: list[str] = []
    for name, s in m.splits.items():
        if s.label_balance is None:
            continue
        classes = ", ".join(
            f"{_label(tv.value)} {_n(tv.count)} ({_pct(tv.count, s.rows)})"
            for tv in s.label_balance[:LISTED_CLASSES]
        )
        if len(s.label_balance) > LISTED_CLASSES:
            classes += f" and {len(s.label_balance) - LISTED_CLASSES} more classes"
        parts.append(f"{name}: {classes}" if classes else f"{name}: no labelled rows")
    if not parts:
        return None
    return f"Label column '{m.label}'. Class balance: " + "; ".join(parts) + "."


def generated_answers(measured: Measured) -> dict[str, str]:
    """Answers the data itself gives, keyed ``"section.id"`` (a subset of :data:`GENERATABLE`).

    >>> from datacard.measured import SplitSummary
    >>> m = Measured(generated_by="t", content_hash="h", splits_from="folders",
    ...              splits={"train": SplitSummary(rows=60000, duplicate_rows=0),
    ...                      "test": SplitSummary(rows=10000, duplicate_rows=0)})
    >>> generated_answers(m)["composition.count"]
    '70,000 rows in total: 60,000 in train, 10,000 in test.'
    """
    answers = {
        "composition.count": _count(measured),
        "composition.splits": _splits(measured),
        "composition.missing": _missing(measured),
        "composition.duplicates": _duplicates(measured),
    }
    labels = _labels(measured)
    if labels is not None:
        answers["composition.labels"] = labels
    answers.update(audit_answers(measured))
    return answers


#: What a kind of personal data is called in a sentence.
PII_NAMES: Final = {
    "pii.email": "e-mail addresses",
    "pii.phone": "phone numbers",
    "pii.payment-card": "payment card numbers",
    "pii.iban": "bank account numbers (IBAN)",
    "pii.ssn": "US social security numbers",
    "pii.ip-address": "IP addresses",
    "pii.url-credentials": "URLs with credentials",
    "pii.secret": "secrets (keys, tokens)",
    "pii.date-of-birth": "dates of birth",
}


def audit_answers(measured: Measured) -> dict[str, str]:
    """What the stored audit (``measured.audit``) says about identifiable and sensitive data.

    >>> from datacard.measured import AuditRecord
    >>> m = Measured(generated_by="t", content_hash="h", splits_from="default",
    ...              audit=AuditRecord(generated_by="t", date="2026-11-27T10:00:00+00:00",
    ...                                content_hash="h", parts=["pii"]))
    >>> audit_answers(m)["composition.identifiable"][:60]
    "datacard's audit of 2026-11-27 detected none of: e-mail addr"
    """
    audit = measured.audit
    if audit is None:
        return {}
    date = audit.date[:10]
    out: dict[str, str] = {}
    if "pii" in audit.parts:
        found = []
        for f in audit.findings:
            if f.code not in PII_NAMES or f.location is None:
                continue
            count = f.evidence.get("count")
            where = f"{f.location.split}.{f.location.column}"
            found.append(
                f"{PII_NAMES[f.code]} in {where}"
                + (f" ({_n(count)} values)" if isinstance(count, int) else "")
            )
        if found:
            out["composition.identifiable"] = (
                f"datacard's audit of {date} found personal data in the values: "
                + "; ".join(found)
                + ". Examples are masked in the card."
            )
        else:
            out["composition.identifiable"] = (
                f"datacard's audit of {date} detected none of: "
                + ", ".join(PII_NAMES.values())
                + ". Indirect identification (combinations of attributes) is not ruled out."
            )
    if "sensitive" in audit.parts:
        tables = audit.representation
        if tables:
            parts = []
            for t in tables:
                overall = (t.get("splits") or [{}])[-1]
                groups = ", ".join(
                    f"{g['group']} {100 * g['share']:.0f}%" for g in overall.get("groups", [])[:5]
                )
                parts.append(f"'{t.get('column')}' ({t.get('title')}: {groups})")
            out["composition.sensitive"] = (
                f"datacard's audit of {date} found columns that look like protected "
                "characteristics: "
                + "; ".join(parts)
                + ". Their representation per split and label is in measured.audit.representation."
            )
        else:
            out["composition.sensitive"] = (
                f"datacard's audit of {date} found no column that looks like a protected "
                "characteristic (by name or by values); that does not prove there is none."
            )
    return out
