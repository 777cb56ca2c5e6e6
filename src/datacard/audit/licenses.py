"""The licence part of ``datacard audit``: the dataset's and its sources' licences, checked.

The dataset's licence is the card's ``license``, else what the LICENSE/COPYING file in the
dataset folder says (:func:`datacard.license.detect_license`). Every licence is read as an SPDX
expression (:mod:`~datacard.audit.license_parse`), its properties come from
:mod:`~datacard.audit.license_terms` and the rules from :mod:`~datacard.audit.license_rules`.
Findings (rules and the matrix: ``docs/licenses.md``):

- ``license.missing``: neither the card nor a licence file declares one (a source without a
  licence: severity info);
- ``license.unknown``: not a valid SPDX expression (with the closest id), or a licence file
  that is not recognised; ``LicenseRef-*`` and ids without known terms: severity info;
- ``license.conflict``: a source that does not fit the dataset's licence, two sources no one
  licence can hold together, a NonCommercial source while the datasheet states commercial use
  (a heuristic: warning), or a card licence that contradicts the licence file (warning);
- ``license.attribution``: a source whose licence asks for credit, not credited by the card.

Every finding's evidence has ``dataset``, ``source``, ``source_license``, ``rule`` and
``reasoning``.

>>> from datacard.card import Card, Source
>>> from datacard.audit.context import AuditContext
>>> card = Card(name="x", license="MIT", sources=[Source(name="s", license="CC-BY-NC-4.0")])
>>> [f.evidence["rule"] for f in license_findings(AuditContext(Path("/nonexistent"), card))]
['noncommercial', 'attribution']
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datacard.audit.context import AuditContext
from datacard.audit.license_card import commercial_intent, credit
from datacard.audit.license_parse import ParsedLicense, parse_license
from datacard.audit.license_rules import Violation, combinable, fits_any
from datacard.audit.license_spdx import licensing
from datacard.audit.license_terms import base, terms
from datacard.card import Card, Source
from datacard.findings import Finding, Location, Severity
from datacard.license import detect_license, license_file


@dataclass(frozen=True)
class _Declared:
    """A licence and where it was declared (``license``, ``sources[0].license``, a file)."""

    where: str
    parsed: ParsedLicense

    @property
    def shown(self) -> str:
        """The expression as datacard read it."""
        p = self.parsed
        return p.expression or p.suggestion or p.text


def _finding(
    code: str,
    message: str,
    *,
    where: str,
    rule: str,
    reasoning: str,
    dataset: str | None,
    source: str | None = None,
    source_license: str | None = None,
    severity: Severity | None = None,
    file: str | None = None,
    **extra: Any,
) -> Finding:
    evidence = {
        "dataset": dataset,
        "source": source,
        "source_license": source_license,
        "rule": rule,
        "reasoning": reasoning,
        **extra,
    }
    location = Location(file=file) if file is not None else None
    found = Finding.of(code, message, where, location=location, **evidence)
    if severity is not None and severity != found.severity:
        return Finding(code, severity, message, found.where, found.evidence, location)
    return found


def _folder(root: Path) -> Path:
    return root if root.is_dir() else root.parent


def _dataset(ctx: AuditContext) -> tuple[_Declared | None, list[Finding]]:
    """The dataset's licence and the findings about declaring it."""
    found: list[Finding] = []
    path = license_file(_folder(ctx.root))
    detected = detect_license(path) if path is not None else None
    written = (ctx.card.license or "").strip()
    from_file = _Declared(path.name, parse_license(detected)) if path and detected else None
    declared = _Declared("license", parse_license(written)) if written else from_file
    if declared is None:
        if path is not None:
            reason = (
                f"{path.name} exists but its text is not a licence datacard recognises; "
                "declare the licence as an SPDX id in the card's `license` field"
            )
            found.append(
                _finding(
                    "license.unknown",
                    f"{path.name} is not a recognised licence",
                    where=path.name,
                    file=path.name,
                    rule="unrecognised-file",
                    reasoning=reason,
                    dataset=None,
                )
            )
        else:
            found.append(
                _finding(
                    "license.missing",
                    "the dataset declares no licence",
                    where="license",
                    rule="missing",
                    reasoning=(
                        "neither the card's `license` field nor a LICENSE or COPYING file in the "
                        "dataset folder names a licence; without one, others may not reuse the "
                        "data. Set `license:` to an SPDX id such as CC-BY-4.0 or CC0-1.0"
                    ),
                    dataset=None,
                )
            )
        return None, found
    if declared is not from_file and from_file is not None and not _same(declared, from_file):
        found.append(
            _finding(
                "license.conflict",
                f"the card says {declared.shown}, {from_file.where} says {from_file.shown}",
                where="license",
                file=from_file.where,
                severity=Severity.WARNING,
                rule="card-vs-file",
                reasoning=(
                    f"the card's `license` ({declared.shown}) and {from_file.where} "
                    f"({from_file.shown}) disagree; recipients cannot tell which applies. Make "
                    "them name the same licence"
                ),
                dataset=declared.shown,
            )
        )
    return declared, found


def _same(a: _Declared, b: _Declared) -> bool:
    if not (a.parsed.branches and b.parsed.branches):
        return a.shown.lower() == b.shown.lower()
    return bool(licensing().is_equivalent(a.shown, b.shown))


def _about(declared: _Declared, dataset: str | None, source: Source | None) -> list[Finding]:
    """license.unknown findings for one declared licence."""
    p = declared.parsed
    name = source.name if source is not None else None
    who = f"source '{name}'" if name else "the dataset"
    found: list[Finding] = []
    if not p.valid:
        hint = f"; did you mean '{p.suggestion}'?" if p.suggestion else ""
        assumed = f" Checked as {p.suggestion}." if p.assumed else ""
        found.append(
            _finding(
                "license.unknown",
                f"{who}: licence '{p.text}' is not an SPDX expression{hint}",
                where=declared.where,
                rule="not-spdx",
                reasoning=f"{p.error}.{assumed} Write an SPDX id or expression "
                "(https://spdx.org/licenses/), or LicenseRef-<name> for custom terms",
                dataset=dataset,
                source=name,
                source_license=p.text if source else None,
                suggestion=p.suggestion,
            )
        )
    for ref in p.refs:
        found.append(
            _finding(
                "license.unknown",
                f"{who}: licence {ref} is a custom reference; its terms are not checked",
                where=declared.where,
                severity=Severity.INFO,
                rule="licenseref",
                reasoning=f"{ref} is valid SPDX, but datacard cannot know its terms: review by "
                "hand whether it allows commercial use, adaptation and redistribution",
                dataset=dataset,
                source=name,
                source_license=p.expression if source else None,
            )
        )
    return found


def _no_terms(ids: set[str], refs: set[str], dataset: str | None) -> list[Finding]:
    """Info findings for licences whose terms datacard does not know (custom refs excluded:
    they have their own finding)."""
    found = []
    for license_id in sorted(ids - refs):
        t = terms(license_id)
        if t.known:
            continue
        found.append(
            _finding(
                "license.unknown",
                f"datacard does not know the terms of {license_id}; not checked",
                where="license",
                severity=Severity.INFO,
                rule="no-terms",
                reasoning=f"{license_id} is a known licence ({t.basis}), but datacard has no "
                "data about what it permits; review combinations with it by hand",
                dataset=dataset,
                source_license=license_id,
            )
        )
    return found


def _reason(violations: list[Violation], branches: int) -> str:
    text = " ".join(dict.fromkeys(v.reasoning for v in violations))
    if branches > 1:
        return f"none of the source's {branches} choices fits: {text}"
    return text


def _conflicts(
    dataset: _Declared, source: Source, index: int, parsed: ParsedLicense
) -> list[Finding]:
    found = []
    multi = len(dataset.parsed.branches) > 1
    for branch in dataset.parsed.branches:
        result = fits_any(branch, parsed.branches)
        if not result:
            continue
        shown = " AND ".join(sorted(branch))
        option = f" (the choice {shown})" if multi else ""
        found.append(
            _finding(
                "license.conflict",
                f"source '{source.name}' ({_shown(parsed)}) conflicts with the dataset's "
                f"licence {dataset.shown}{option}: {result[0].rule}",
                where=f"sources[{index}].license",
                rule=result[0].rule,
                reasoning=_reason(result, len(parsed.branches)),
                dataset=dataset.shown,
                source=source.name,
                source_license=_shown(parsed),
                rules=sorted({v.rule for v in result}),
                dataset_choice=shown if multi else None,
            )
        )
    return found


def _shown(parsed: ParsedLicense) -> str:
    return parsed.expression or parsed.suggestion or parsed.text


def _nc_only(parsed: ParsedLicense) -> bool:
    return bool(parsed.branches) and all(
        any(terms(x).noncommercial for x in branch) for branch in parsed.branches
    )


_Sources = list[tuple[int, Source, ParsedLicense]]


def _intent(card: Card, dataset: str | None, sources: _Sources) -> list[Finding]:
    intent = commercial_intent(card)
    if intent is None:
        return []
    key, sentence = intent
    found = []
    for index, source, parsed in sources:
        if not _nc_only(parsed):
            continue
        found.append(
            _finding(
                "license.conflict",
                f"source '{source.name}' ({_shown(parsed)}) is NonCommercial, but {key} "
                "states commercial use",
                where=f"sources[{index}].license",
                severity=Severity.WARNING,
                rule="commercial-use",
                reasoning=f"{_shown(parsed)} forbids commercial use; the card says "
                f'"{sentence}" ({key}). Remove the source or the commercial use (datacard '
                "reads intent from the text: check the sentence)",
                dataset=dataset,
                source=source.name,
                source_license=_shown(parsed),
                answer=key,
                sentence=sentence,
            )
        )
    return found


def _pairs(dataset: str | None, sources: _Sources) -> list[Finding]:
    """Two sources whose ShareAlike terms no single licence can meet."""
    found = []
    for (i, a, pa), (j, b, pb) in itertools.combinations(sources, 2):
        if not (pa.branches and pb.branches):
            continue
        verdicts = [combinable(x, y) for x in pa.branches for y in pb.branches]
        if not all(v is False for v in verdicts):
            continue
        found.append(
            _finding(
                "license.conflict",
                f"sources '{a.name}' ({_shown(pa)}) and '{b.name}' ({_shown(pb)}) cannot be "
                "combined under one licence",
                where=f"sources[{j}].license",
                rule="sources-incompatible",
                reasoning=f"each ShareAlike licence requires the combined work under its own "
                f"terms, and no licence meets both {_shown(pa)} and {_shown(pb)}. Keep them in "
                "separately licensed parts (declare the dataset as 'A AND B') or drop one",
                dataset=dataset,
                source=b.name,
                source_license=_shown(pb),
                other_source=a.name,
                other_license=_shown(pa),
                other_index=i,
            )
        )
    return found


def _needs_credit(parsed: ParsedLicense) -> bool:
    return bool(parsed.branches) and all(
        any(terms(x).attribution != "none" for x in branch) for branch in parsed.branches
    )


def _attribution(card: Card, dataset: _Declared | None, sources: _Sources) -> list[Finding]:
    found = []
    shown = dataset.shown if dataset is not None else None
    waived = dataset is not None and all(
        all(terms(x).public_domain for x in branch) for branch in dataset.parsed.branches
    )
    for index, source, parsed in sources:
        if not _needs_credit(parsed) or credit(card, source) is not None:
            continue
        kinds = sorted({terms(x).attribution for b in parsed.branches for x in b} - {"none"})
        note = (
            f" The dataset's {shown} waives conditions for recipients, but not the source's."
            if waived
            else ""
        )
        found.append(
            _finding(
                "license.attribution",
                f"source '{source.name}' ({_shown(parsed)}) requires attribution; the card "
                "does not credit it",
                where=f"sources[{index}]",
                rule="attribution",
                reasoning=f"{_shown(parsed)} requires {' and '.join(kinds)} (name the source "
                "and its licence). The card credits a source by its `url`, or by naming it in "
                "`citation`, `summary` or the datasheet's composition.external, "
                f"collection.acquisition or distribution answers; none does.{note}",
                dataset=shown,
                source=source.name,
                source_license=_shown(parsed),
            )
        )
    return found


def license_findings(ctx: AuditContext) -> list[Finding]:
    """The licence findings for the dataset at ``ctx.root`` and its card (no data is read)."""
    card = ctx.card
    dataset, found = _dataset(ctx)
    shown = dataset.shown if dataset is not None else None
    ids: set[str] = set()
    refs: set[str] = set()
    if dataset is not None:
        found += _about(dataset, shown, None)
        ids |= {base(x) for b in dataset.parsed.branches for x in b}
        refs |= set(dataset.parsed.refs)
    sources: _Sources = []
    for index, source in enumerate(card.sources):
        written = (source.license or "").strip()
        if not written:
            found.append(
                _finding(
                    "license.missing",
                    f"source '{source.name}' declares no licence",
                    where=f"sources[{index}].license",
                    severity=Severity.INFO,
                    rule="source-missing",
                    reasoning="without the source's licence datacard cannot check conflicts or "
                    "attribution; add `license:` (an SPDX id) to the source",
                    dataset=shown,
                    source=source.name,
                )
            )
            continue
        parsed = parse_license(written)
        declared = _Declared(f"sources[{index}].license", parsed)
        found += _about(declared, shown, source)
        ids |= {base(x) for b in parsed.branches for x in b}
        refs |= set(parsed.refs)
        sources.append((index, source, parsed))
    found += _no_terms(ids, refs, shown)
    if dataset is not None and dataset.parsed.branches:
        for index, source, parsed in sources:
            found += _conflicts(dataset, source, index, parsed)
    found += _intent(card, shown, sources)
    parts = dataset is not None and any(len(b) > 1 for b in dataset.parsed.branches)
    if not parts:
        found += _pairs(shown, sources)
    found += _attribution(card, dataset, sources)
    return found
