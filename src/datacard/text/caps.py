"""Truncation caps: an exact length that many turns stop at, mid-word.

Text cut at a limit (``content[:2000]``, ``max_tokens=512``) piles up at one exact length, and
the cut usually falls inside a word. Natural lengths are smooth: neighbouring lengths hold
similar numbers of turns. A length ``L`` of one role is a *cap* when

- at least :data:`MIN_TURNS` turns end *open* at ``L`` (the last character is a letter or a
  digit: no terminal punctuation, closing bracket or quote, no trailing whitespace);
- ``L`` holds at least :data:`RATIO` times the mean count of the :data:`WINDOW` lengths on each
  side (and at least :data:`RATIO` turns), so it is a spike, not a busy region;
- open turns make at least half of the spike above that baseline (a repeated, complete answer
  is not a cut);
- ``L`` is at least the role's median length and at least :data:`MIN_LENGTH` (a cap limits
  long turns; short identical replies such as "OK" are no evidence).

>>> lengths = {n: 2 for n in range(100, 200)} | {150: 40}
>>> find_caps(lengths, {150: 30, 120: 1}, "characters")
[(150, 30)]
"""

from __future__ import annotations

MIN_TURNS = 5
RATIO = 3.0
WINDOW = 5
MIN_LENGTH = {"characters": 32, "tokens": 8}


def _median(counts: dict[int, int]) -> float:
    total = sum(counts.values())
    seen = 0
    for length in sorted(counts):
        seen += counts[length]
        if 2 * seen >= total:
            return float(length)
    return 0.0


def find_caps(
    lengths: dict[int, int], open_ends: dict[int, int], unit: str
) -> list[tuple[int, int]]:
    """``(length, open turns at it)`` for each cap, by length; ``unit`` picks the minimum length.

    ``lengths`` counts every turn of a role by length; ``open_ends`` the turns ending open.
    """
    if not open_ends:
        return []
    median = _median(lengths)
    caps = []
    for length, n_open in sorted(open_ends.items()):
        if n_open < MIN_TURNS or length < max(median, MIN_LENGTH[unit]):
            continue
        around = [lengths.get(length + d, 0) for d in range(-WINDOW, WINDOW + 1) if d]
        baseline = sum(around) / len(around)
        at = lengths.get(length, 0)
        if at >= RATIO * max(baseline, 1.0) and n_open >= 0.5 * (at - baseline):
            caps.append((length, n_open))
    return caps
