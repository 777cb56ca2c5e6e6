"""May material under one licence go into a dataset under another? The pairwise rules.

A source licence fits a dataset licence when the dataset's licence passes on every restriction
the source imposes: NonCommercial, NoDerivatives and use restrictions must be carried by the
dataset licence; a ShareAlike (copyleft) source needs the dataset under a licence it accepts
(:func:`~datacard.audit.license_terms.accepts`); some permissive sources cannot be relicensed
under some copyleft licences (:data:`~datacard.audit.license_terms.INCOMPATIBLE`).

Expressions: a *branch* is a set of licences that all apply (``AND``). A source branch fits a
dataset branch when every source licence fits some licence of the dataset branch (an ``AND``
dataset has parts under different licences; the material needs one part that can hold it). A
source expression fits when any of its branches fits (``OR``: the dataset's maker chooses).

>>> [v.rule for v in violations("MIT", "CC-BY-NC-4.0")]
['noncommercial']
>>> violations("CC-BY-SA-4.0", "CC-BY-4.0")
[]
>>> violations("MIT", "LicenseRef-custom") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from datacard.audit.license_terms import accepts, base, incompatible, terms


@dataclass(frozen=True)
class Violation:
    """Why ``source`` material cannot be shared under ``dataset``; ``rule`` is a stable name."""

    rule: str
    dataset: str
    source: str
    reasoning: str


def _listed(ids: Iterable[str]) -> str:
    ordered = sorted(ids)
    return ", ".join(ordered[:6]) + (", ..." if len(ordered) > 6 else "")


def violations(dataset: str, source: str) -> list[Violation] | None:
    """The rules ``source`` material breaks under ``dataset`` ([] when it fits); None when the
    terms of either licence are unknown to datacard, so nothing can be concluded."""
    d, s = terms(dataset), terms(source)
    if not (d.known and s.known):
        return None
    out: list[Violation] = []

    def add(rule: str, why: str) -> None:
        out.append(Violation(rule, dataset, source, why))

    if s.noncommercial and not d.noncommercial:
        add(
            "noncommercial",
            f"{source} forbids commercial use, but {dataset} allows it: recipients would get "
            "rights the source does not grant. Offer the dataset under a NonCommercial licence "
            "or leave the source out.",
        )
    if s.noderivatives and not d.noderivatives:
        add(
            "noderivatives",
            f"{source} allows sharing only unchanged copies under its own terms, but {dataset} "
            "lets recipients adapt the data. Distribute the source separately (or link to it).",
        )
    if s.use_restricted and not d.use_restricted:
        add(
            "use-restrictions",
            f"{source} has use-based restrictions every recipient must be bound by; {dataset} "
            "does not carry them.",
        )
    if s.sharealike and base(dataset) not in accepts(source):
        add(
            "sharealike",
            f"{source} is ShareAlike (copyleft): adaptations must be shared under "
            f"{_listed(accepts(source))}; {dataset} is not one of them.",
        )
    reason = incompatible(source, dataset)
    if reason is not None:
        add("copyleft-incompatible", f"{source} cannot be relicensed under {dataset}: {reason}.")
    return out


def fits(dataset: Iterable[str], source: Iterable[str]) -> list[Violation] | None:
    """``source`` branch into ``dataset`` branch: [] fits, a list of violations, or None when
    some licence's terms are unknown and nothing else fails."""
    found: list[Violation] = []
    unsure = False
    dataset = sorted(dataset)
    for s in sorted(source):
        results = [violations(d, s) for d in dataset]
        if any(r == [] for r in results):
            continue
        if any(r is None for r in results):
            unsure = True
            continue
        found += next(r for r in results if r)
    if found:
        return found
    return None if unsure else []


def fits_any(dataset: Iterable[str], sources: Sequence[frozenset[str]]) -> list[Violation] | None:
    """A source expression (its branches) into one dataset branch: [] when some branch fits,
    None when none fails for sure, else the violations of every branch."""
    found: list[Violation] = []
    unsure = False
    dataset = frozenset(dataset)
    for branch in sources:
        result = fits(dataset, branch)
        if result == []:
            return []
        if result is None:
            unsure = True
        else:
            found += result
    return None if unsure or not found else found


def _needs(branch: frozenset[str]) -> frozenset[str] | None:
    """The licences a work holding ``branch`` material must be under (None: any)."""
    needed: frozenset[str] | None = None
    for license_id in branch:
        if terms(license_id).sharealike:
            allowed = accepts(license_id)
            needed = allowed if needed is None else needed & allowed
    return needed


def combinable(a: frozenset[str], b: frozenset[str]) -> bool | None:
    """Can material under branches ``a`` and ``b`` form one work under one licence? None when
    a licence's terms are unknown. Only ShareAlike material constrains the choice.

    >>> combinable(frozenset({"CC-BY-SA-4.0"}), frozenset({"ODbL-1.0"}))
    False
    >>> combinable(frozenset({"GPL-2.0-only"}), frozenset({"Apache-2.0"}))
    False
    """
    if not all(terms(x).known for x in a | b):
        return None
    need_a, need_b = _needs(a), _needs(b)
    if need_a is None and need_b is None:
        return True
    candidates = (need_a or need_b or frozenset()) & (need_b or need_a or frozenset())
    return any(fits({c}, a) == [] and fits({c}, b) == [] for c in sorted(candidates))
