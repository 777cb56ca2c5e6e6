"""Regenerate the shipped example dataset (synthetic product reviews, train/test splits).

Run: python examples/make_reviews.py  (deterministic: the same files every time)
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

CATEGORIES = ["books", "electronics", "kitchen", "toys", "garden", "sports"]
OPENERS = {
    1: ["Terrible", "Broke after a week", "Do not buy", "Very disappointing"],
    2: ["Not great", "Below expectations", "Meh", "Cheaply made"],
    3: ["It is okay", "Average", "Does the job", "Fine for the price"],
    4: ["Pretty good", "Works well", "Nice quality", "Happy with it"],
    5: ["Excellent", "Love it", "Perfect", "Best purchase this year"],
}
DETAILS = [
    "arrived on time",
    "the packaging was damaged",
    "my kids use it every day",
    "setup took five minutes",
    "the manual is confusing",
    "it feels solid",
    "customer service was helpful",
    "the colour is different from the photo",
    "battery life is short",
    "it is smaller than expected",
]


def review(rng: random.Random, index: int) -> dict[str, object]:
    rating = rng.choices([1, 2, 3, 4, 5], weights=[8, 7, 15, 30, 40])[0]
    words = [rng.choice(OPENERS[rating]) + "."]
    words += [rng.choice(DETAILS).capitalize() + "." for _ in range(rng.randint(1, 3))]
    price = round(rng.lognormvariate(3.0, 0.8), 2) if rng.random() > 0.05 else ""
    return {
        "review_id": f"r{index:05d}",
        "category": rng.choice(CATEGORIES),
        "rating": rating,
        "text": " ".join(words),
        "verified_purchase": rng.random() < 0.8,
        "helpful_votes": int(rng.expovariate(0.5)),
        "price": price,
        "review_date": (date(2024, 1, 1) + timedelta(days=rng.randint(0, 600))).isoformat(),
    }


def main() -> None:
    rng = random.Random(20261127)
    folder = Path(__file__).parent / "reviews"
    rows = [review(rng, i) for i in range(1000)]
    for split, part in (("train", rows[:800]), ("test", rows[800:])):
        with (folder / f"{split}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(part[0]))
            writer.writeheader()
            writer.writerows(part)


if __name__ == "__main__":
    main()
